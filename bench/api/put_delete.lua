-- wrk script: each connection alternates PUT and DELETE of the caller's link (a full write cycle per 2 requests).
local path = os.getenv("BENCH_PATH")
local token = os.getenv("BENCH_TOKEN")
local counter = 0
request = function()
  counter = counter + 1
  local method = (counter % 2 == 1) and "PUT" or "DELETE"
  -- An empty body makes wrk send "Content-Length: 0", as the Azure clients do.
  return wrk.format(method, path, { ["Authorization"] = "Bearer " .. token }, "")
end
