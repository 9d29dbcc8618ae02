-- Shared by every scenario: seeded sessions, per-status counts and the
-- machine-readable RESULT line that scripts/bench.sh parses.
--
-- BENCH_SESSIONS names a file of `USER_ID TOKEN TASK_ID [TASK_ID...]` lines
-- written by `tasks-api seed --sessions-out`.

local threads = {}
local next_id = 0

function setup(thread)
  next_id = next_id + 1
  thread:set("thread_id", next_id)
  table.insert(threads, thread)
end

sessions = {}

function load_sessions()
  local path = os.getenv("BENCH_SESSIONS")
  if not path then
    return
  end
  for line in io.lines(path) do
    local fields = {}
    for field in line:gmatch("%S+") do
      table.insert(fields, field)
    end
    local tasks = {}
    for i = 3, #fields do
      table.insert(tasks, fields[i])
    end
    table.insert(sessions, {
      user = fields[1],
      headers = {
        ["Authorization"] = "Bearer " .. fields[2],
        ["Content-Type"] = "application/json",
      },
      tasks = tasks,
    })
  end
end

function init(args)
  math.randomseed(os.time() * 1000 + (thread_id or 0))
  load_sessions()
end

-- A random seeded user, and one of its tasks.
function pick()
  local s = sessions[math.random(#sessions)]
  return s, s.tasks[math.random(#s.tasks)]
end

-- A seeded user's headers for a request to /mcp (built once per user).
function mcp_headers(s)
  if not s.mcp then
    s.mcp = {
      ["Authorization"] = s.headers["Authorization"],
      ["Content-Type"] = "application/json",
      ["Accept"] = "application/json, text/event-stream",
      ["MCP-Protocol-Version"] = "2025-06-18",
    }
  end
  return s.mcp
end

function tasks_path(s)
  return "/api/" .. s.user .. "/tasks"
end

-- Counting statuses costs a Lua call per response: only scenarios that need
-- the breakdown (login) turn it on.
function count_statuses()
  statuses = {}
  response = function(status, headers, body)
    statuses[status] = (statuses[status] or 0) + 1
  end
end

function done(summary, latency, requests)
  local counts = {}
  for _, thread in ipairs(threads) do
    local per_thread = thread:get("statuses")
    if per_thread then
      for status, n in pairs(per_thread) do
        counts[status] = (counts[status] or 0) + n
      end
    end
  end
  local shown = {}
  for status, n in pairs(counts) do
    table.insert(shown, status .. ":" .. n)
  end
  table.sort(shown)
  local e = summary.errors
  io.write(string.format(
    "RESULT requests=%d duration_us=%d p50_us=%d p95_us=%d p99_us=%d p999_us=%d " ..
    "max_us=%d connect=%d read=%d write=%d timeout=%d non2xx=%d statuses=%s\n",
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(95),
    latency:percentile(99), latency:percentile(99.9), latency.max,
    e.connect, e.read, e.write, e.timeout, e.status,
    #shown > 0 and table.concat(shown, ",") or "-"))
end
