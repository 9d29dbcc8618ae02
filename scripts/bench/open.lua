-- Open loop: every connection waits 0.5-1.5 s (1 s on average) before each
-- of its requests, so 1000 connections send about 1000 requests/s whatever
-- the server's speed, like people clicking, not a closed loop that sends
-- the next request the moment an answer arrives. The wait comes before the
-- first request too, which spreads the start over the first 1.5 s.
--
-- The mix: 40 % get one, 25 % list 50, 15 % update (PATCH title and
-- priority), 10 % complete (PATCH .../complete, completed true or false at
-- random, so most are real writes), 10 % create.
--
-- wrk measures each latency from the moment the request is written, after
-- the wait, so a server that falls behind lowers the rate instead of
-- showing its backlog in the percentiles: the req/s next to the figures
-- says whether the rate held.
dofile(os.getenv("BENCH_LUA") .. "/common.lua")

local create_body = '{"title":"Open-loop task","priority":"medium","tags":["bench"]}'
local priorities = { "low", "medium", "high", "urgent" }

delay = function()
  return math.random(500, 1500)
end

request = function()
  local s, task = pick()
  local one = tasks_path(s) .. "/" .. task
  local roll = math.random(100)
  if roll <= 40 then
    return wrk.format("GET", one, s.headers)
  elseif roll <= 65 then
    return wrk.format("GET", tasks_path(s) .. "?limit=50", s.headers)
  elseif roll <= 80 then
    local body = string.format('{"title":"Updated %d","priority":"%s"}',
      math.random(1000000), priorities[math.random(4)])
    return wrk.format("PATCH", one, s.headers, body)
  elseif roll <= 90 then
    local body = math.random(2) == 1 and '{"completed":true}' or '{"completed":false}'
    return wrk.format("PATCH", one .. "/complete", s.headers, body)
  end
  return wrk.format("POST", tasks_path(s), s.headers, create_body)
end
