-- A mixed profile: 50 % get one, 30 % list 50, 10 % patch, 10 % create.
dofile(os.getenv("BENCH_LUA") .. "/common.lua")

local create_body = '{"title":"Mixed task","priority":"low","tags":["bench"]}'

request = function()
  local s, task = pick()
  local roll = math.random(100)
  if roll <= 50 then
    return wrk.format("GET", tasks_path(s) .. "/" .. task, s.headers)
  elseif roll <= 80 then
    return wrk.format("GET", tasks_path(s) .. "?limit=50", s.headers)
  elseif roll <= 90 then
    local body = string.format('{"title":"Mixed %d"}', math.random(1000000))
    return wrk.format("PATCH", tasks_path(s) .. "/" .. task, s.headers, body)
  end
  return wrk.format("POST", tasks_path(s), s.headers, create_body)
end
