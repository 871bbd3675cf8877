-- The one wrk script of the benchmarks. Configured through the environment, because wrk reads a
-- script's globals (such as `delay`) before it calls init():
--
--   BENCH_MODE     "bearer": GET with `Authorization: Bearer <secret>`, rotating over the secrets
--                  "login":  POST a JSON login body, rotating over the user names
--                  "soap":   POST BENCH_BODY as pyVmomi does, the secret in the vmware_soap_session cookie
--                  "header": GET with the secret as the value of the header BENCH_HEADER
--                  "xmlrpc": POST BENCH_BODY as Python's xmlrpc.client does (the secret is in BENCH_PATH)
--   BENCH_LIST     file with one secret (bearer) or user name (login) per line
--   BENCH_PASSWORD the password of every user (login mode)
--   BENCH_BODY     the request body (soap and xmlrpc modes)
--   BENCH_HEADER   the header's name (header mode), e.g. Httpkom-Connection
--   BENCH_PATH     when set, the request path, with {item} replaced by the list item (e.g.
--                  /astrogrid/{item}/xmlrpc); otherwise the path of the URL given to wrk
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
local header = os.getenv("BENCH_HEADER") or ""
local path_template = os.getenv("BENCH_PATH") or ""

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

-- The request path for one item: BENCH_PATH with {item} replaced (plainly, no patterns), or nil.
local function path_for(item)
  if path_template == "" then
    return nil
  end
  local at = string.find(path_template, "{item}", 1, true)
  if at == nil then
    return path_template
  end
  return string.sub(path_template, 1, at - 1) .. item .. string.sub(path_template, at + 6)
end

function init(args)
  local items = read_list()
  for i, item in ipairs(items) do
    local path = path_for(item)
    if mode == "login" then
      local login = '{"userName":"' .. item .. '","password":"' .. password .. '"}'
      requests[i] = wrk.format("POST", path, { ["Content-Type"] = "application/json" }, login)
    elseif mode == "soap" then
      local headers = {
        ["Content-Type"] = "text/xml; charset=UTF-8",
        ["SOAPAction"] = '"urn:vim25/6.7.1"',
        ["Cookie"] = 'vmware_soap_session="' .. item .. '"; Path=/; HttpOnly; Secure; ',
      }
      requests[i] = wrk.format("POST", path, headers, body)
    elseif mode == "header" then
      requests[i] = wrk.format("GET", path, { [header] = item }, nil)
    elseif mode == "xmlrpc" then
      local headers = {
        ["Content-Type"] = "text/xml",
        ["User-Agent"] = "Python-xmlrpc/3.11",
        ["Accept-Encoding"] = "gzip",
      }
      requests[i] = wrk.format("POST", path, headers, body)
    else
      requests[i] = wrk.format("GET", path, { ["Authorization"] = "Bearer " .. item }, nil)
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
