-- The list_tasks tool over MCP (one stateless tools/call), the newest 50
-- tasks of a random seeded user: the same read as list.lua, through /mcp.
dofile(os.getenv("BENCH_LUA") .. "/common.lua")

local body = '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"list_tasks",'
  .. '"arguments":{"limit":50}}}'

request = function()
  local s = pick()
  return wrk.format("POST", "/mcp", mcp_headers(s), body)
end
