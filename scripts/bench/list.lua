-- GET the newest 50 tasks of a random seeded user (with the total count).
dofile(os.getenv("BENCH_LUA") .. "/common.lua")

request = function()
  local s = pick()
  return wrk.format("GET", tasks_path(s) .. "?limit=50", s.headers)
end
