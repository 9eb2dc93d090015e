-- wrk script for benches/load.sh: POSTs the bodies of benches/requests.jsonl (one JSON request per
-- line, realistic Italian requests over every channel) to /v1/route in turn, and prints latency
-- percentiles and the count of non-2xx answers at the end.
local path = os.getenv("INSTRADA_BODIES") or "benches/requests.jsonl"
local bodies = {}
for line in io.lines(path) do
  if #line > 0 then bodies[#bodies + 1] = line end
end
local headers = { ["Content-Type"] = "application/json" }
-- INSTRADA_PATH: another path (benches/overload.sh posts to one that does not exist, the cheapest
-- answer the service can give, to show the floor of a closed-loop client's wait on this machine).
local target = os.getenv("INSTRADA_PATH") or "/v1/route"
local i = 0

request = function()
  i = i % #bodies + 1
  return wrk.format("POST", target, headers, bodies[i])
end

done = function(summary, latency, requests)
  io.write(string.format("requests: %d, non-2xx: %d, socket errors: %d\n", summary.requests,
    summary.errors.status, summary.errors.connect + summary.errors.read + summary.errors.write +
    summary.errors.timeout))
  io.write(string.format("throughput: %.0f req/s\n", summary.requests / (summary.duration / 1e6)))
  for _, p in ipairs({ 50, 90, 99, 99.9 }) do
    io.write(string.format("p%s: %.3f ms\n", p, latency:percentile(p) / 1000))
  end
end
