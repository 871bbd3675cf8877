-- The one wrk script of the benchmarks. Configured through the environment, because wrk reads a
-- script's globals (such as `delay`) before it calls init():
--
--   BENCH_MODE     "bearer": GET with `Authorization: Bearer <secret>`, rotating over the secrets
--                  "login":  POST a JSON login body, rotating over the user names
--                  "soap":   POST BENCH_BODY as pyVmomi does, the secret in the vmware_soap_session cookie
--   BENCH_LIST     file with one secret (bearer) or user name (login) per line
--   BENCH_PASSWORD the password of every user (login mode)
--   BENCH_BODY     the request body (soap mode)
--   BENCH_DELAY_MS when set and > 0, each connection waits this long before each request, which
--                  holds the request rate at about connections * 1000 / (delay + latency) per second
--
-- When done it prints one line, `WRK_JSON {...}`, with the counts and the latency percentiles in
-- microseconds.

local mode = os.getenv("BENCH_MODE") or "bearer"
local list_file = os.getenv("BENCH_LIST")
local password = os.getenv("BENCH_PASSWORD") or ""
local body = os.getenv("BENCH_BODY") or ""
local delay_ms = tonumber(os.getenv("BENCH_DELAY_MS") or "0") or 0

local requests = {}
local next_index = 1

local function read_list()
  local items = {}
  if list_file == nil or list_file == "" then
    return items
  end
  for line in io.lines(list_file) do
    if line ~= "" then
      items[#items + 1] = line
    end
  end
  return items
end

local thread_count = 0
function setup(thread)
  thread:set("thread_number", thread_count)
  thread_count = thread_count + 1
end

function init(args)
  local items = read_list()
  for i, item in ipairs(items) do
    if mode == "login" then
      local login = '{"userName":"' .. item .. '","password":"' .. password .. '"}'
      requests[i] = wrk.format("POST", nil, { ["Content-Type"] = "application/json" }, login)
    elseif mode == "soap" then
      local headers = {
        ["Content-Type"] = "text/xml; charset=UTF-8",
        ["SOAPAction"] = '"urn:vim25/6.7.1"',
        ["Cookie"] = 'vmware_soap_session="' .. item .. '"; Path=/; HttpOnly; Secure; ',
      }
      requests[i] = wrk.format("POST", nil, headers, body)
    else
      requests[i] = wrk.format("GET", nil, { ["Authorization"] = "Bearer " .. item }, nil)
    end
  end
  if #requests == 0 then
    requests[1] = wrk.format("GET", nil, nil, nil)
  end
  -- Threads start at different places in the list, so they do not send the same secret in step.
  local offset = (thread_number or 0) * 7919
  next_index = (offset % #requests) + 1
end

function request()
  local r = requests[next_index]
  next_index = next_index + 1
  if next_index > #requests then
    next_index = 1
  end
  return r
end

if delay_ms > 0 then
  function delay()
    return delay_ms
  end
end

function done(summary, latency, _)
  local e = summary.errors
  io.write(string.format(
    'WRK_JSON {"requests":%d,"durationUs":%d,"bytes":%d,"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d},' ..
    '"latencyUs":{"mean":%.1f,"max":%d,"p50":%d,"p90":%d,"p99":%d,"p999":%d}}\n',
    summary.requests, summary.duration, summary.bytes,
    e.connect, e.read, e.write, e.status, e.timeout,
    latency.mean, latency.max,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency:percentile(99.9)))
end
