-- wrk script: GET the caller's link with a bearer token (token from the environment, never on the command line).
local path = os.getenv("BENCH_PATH")
local token = os.getenv("BENCH_TOKEN")
request = function()
  return wrk.format("GET", path, { ["Authorization"] = "Bearer " .. token }, nil)
end
