-- PATCH the title and priority of a random task of a random seeded user
-- (no If-Match: the server re-reads and retries when a write races).
dofile(os.getenv("BENCH_LUA") .. "/common.lua")

local priorities = { "low", "medium", "high", "urgent" }

request = function()
  local s, task = pick()
  local body = string.format('{"title":"Patched %d","priority":"%s"}',
    math.random(1000000), priorities[math.random(4)])
  return wrk.format("PATCH", tasks_path(s) .. "/" .. task, s.headers, body)
end
