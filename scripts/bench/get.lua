-- GET one task of a random seeded user.
dofile(os.getenv("BENCH_LUA") .. "/common.lua")

request = function()
  local s, task = pick()
  return wrk.format("GET", tasks_path(s) .. "/" .. task, s.headers)
end
