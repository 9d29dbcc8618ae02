-- GET /health/live: the server's own stack (routing, middleware, request
-- log) without auth or database, between the ceiling and the endpoints.
dofile(os.getenv("BENCH_LUA") .. "/common.lua")

request = function()
  return wrk.format("GET", "/health/live")
end
