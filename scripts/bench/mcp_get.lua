-- The get_task tool over MCP (one stateless tools/call) for one task of a
-- random seeded user: the same read as get.lua, through /mcp.
dofile(os.getenv("BENCH_LUA") .. "/common.lua")

request = function()
  local s, task = pick()
  local body = '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"get_task",'
    .. '"arguments":{"task_id":"' .. task .. '"}}}'
  return wrk.format("POST", "/mcp", mcp_headers(s), body)
end
