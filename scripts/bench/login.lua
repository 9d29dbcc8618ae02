-- POST /api/auth/login as a random seeded user (BENCH_USERS of them, all
-- with the seed password), counting answers by status: beyond the bcrypt
-- bound the server answers 503 server_busy.
dofile(os.getenv("BENCH_LUA") .. "/common.lua")

count_statuses()

local users = tonumber(os.getenv("BENCH_USERS") or "1")
local headers = { ["Content-Type"] = "application/json" }

request = function()
  local body = string.format('{"email":"seed-%d@example.com","password":"seeded-password"}',
    math.random(users) - 1)
  return wrk.format("POST", "/api/auth/login", headers, body)
end
