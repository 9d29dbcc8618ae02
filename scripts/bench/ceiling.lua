-- The bare poem handler (examples/ceiling.rs): GET / only, sent the way the
-- endpoint scenarios send theirs (a request() call per request, a seeded
-- user's headers), so the load generator's share of the two cores is the
-- same on both sides of the ratio and only the server differs.
dofile(os.getenv("BENCH_LUA") .. "/common.lua")

request = function()
  local s = pick()
  return wrk.format("GET", "/", s.headers)
end
