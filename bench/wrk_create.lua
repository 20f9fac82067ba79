-- wrk script: POST a ConfigMap with a unique name per request (thread id + counter).
local counter = 0
local thread_id = 0
local threads = {}

function setup(thread)
  thread:set("id", #threads)
  table.insert(threads, thread)
end

function init(args)
  thread_id = id
end

request = function()
  counter = counter + 1
  local body = string.format(
    '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"wrk-%s-%d-%d"},"data":{"k":"%s"}}',
    os.getenv("WRK_TAG") or "x", thread_id, counter, string.rep("v", 100))
  -- wrk.format's headers replace the -H ones, so carry those (the bearer token) over
  local headers = {["Content-Type"] = "application/json"}
  for name, value in pairs(wrk.headers) do headers[name] = value end
  return wrk.format("POST", nil, headers, body)
end
