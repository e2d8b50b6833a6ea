-- wrk script of the load benchmark (issue 26): GET requests rotating over several users and paths.
--
-- Written for bench/wrk_load.py, which writes the plan file and runs, e.g.:
--
--   wrk -t2 -c20 -d10s --timeout 10s -s bench/wrk/portal.lua http://127.0.0.1:PORT -- PLAN.lua 2
--
-- Arguments after "--": the plan (a Lua file returning a list of {path = "...", headers = {...}}: one entry
-- per user and path, the headers holding that user's session cookie and, for an htmx fragment,
-- HX-Request: true) and the number of wrk threads (to spread their starting points). Each connection asks
-- again as soon as it is answered. (No think time here: wrk's delay() waits on an open connection, which
-- holds a gunicorn sync worker idle the whole time; bench/wrk_load.py paces users itself, --think.)
--
-- Every request string is built once in init(); request() only picks the next, so that the generator costs
-- as little as possible. response() counts statuses: a 302 to the login page is a failure, not throughput,
-- and wrk itself only counts statuses above 399. done() prints one line "WRK_RESULT {json}" for the harness.

local threads = {}
local started = 0

function setup(thread)
  started = started + 1
  thread:set("thread_number", started)
  table.insert(threads, thread)
end

function init(args)
  local plan = dofile(args[1])
  local thread_count = tonumber(args[2] or "1") or 1
  prepared = {}
  for i, entry in ipairs(plan) do
    prepared[i] = wrk.format("GET", entry.path, entry.headers)
  end
  count = #prepared
  -- Each thread starts at another user, so the threads do not walk the plan in step.
  position = math.floor(((thread_number or 1) - 1) * count / thread_count)
  statuses = {}
  set_cookie = 0
  example = ""
end

function request()
  position = position % count + 1
  return prepared[position]
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
  if headers["Set-Cookie"] ~= nil then
    set_cookie = set_cookie + 1
  end
  if (status < 200 or status > 299) and example == "" then
    example = tostring(status) .. " " .. (headers["Location"] or "")
  end
end

local function quote(text)
  return '"' .. string.gsub(text, '[%c"\\]', function(c) return string.format("\\u%04x", string.byte(c)) end) .. '"'
end

function done(summary, latency, requests)
  local counts, cookies, first = {}, 0, ""
  for _, thread in ipairs(threads) do
    for status, n in pairs(thread:get("statuses") or {}) do
      counts[status] = (counts[status] or 0) + n
    end
    cookies = cookies + (thread:get("set_cookie") or 0)
    local e = thread:get("example") or ""
    if first == "" then first = e end
  end
  local parts = {}
  for status, n in pairs(counts) do
    table.insert(parts, string.format('"%d": %d', status, n))
  end
  local e = summary.errors
  io.write(string.format(
    'WRK_RESULT {"requests": %.0f, "duration_us": %.0f, "bytes": %.0f, ' ..
    '"errors": {"connect": %.0f, "read": %.0f, "write": %.0f, "status": %.0f, "timeout": %.0f}, ' ..
    '"latency_us": {"min": %.0f, "mean": %.1f, "stdev": %.1f, "max": %.0f, "p50": %.0f, "p75": %.0f, "p90": %.0f, ' ..
    '"p95": %.0f, "p99": %.0f, "p999": %.0f}, "statuses": {%s}, "set_cookie": %.0f, "example": %s}\n',
    summary.requests, summary.duration, summary.bytes,
    e.connect, e.read, e.write, e.status, e.timeout,
    latency.min, latency.mean, latency.stdev, latency.max,
    latency:percentile(50), latency:percentile(75), latency:percentile(90),
    latency:percentile(95), latency:percentile(99), latency:percentile(99.9),
    table.concat(parts, ", "), cookies, quote(first)))
end
