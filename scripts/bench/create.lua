-- POST a new task (with two tags) for a random seeded user.
dofile(os.getenv("BENCH_LUA") .. "/common.lua")

local body = '{"title":"Benchmark task","description":"created by wrk",' ..
  '"priority":"high","tags":["bench","load"],"due_date":"2030-01-01T09:00:00Z"}'

request = function()
  local s = pick()
  return wrk.format("POST", tasks_path(s), s.headers, body)
end
