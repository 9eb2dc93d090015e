-- wrk script: POSTs batches of BATCH (500 by default) new contact events to /v1/events, each with
-- an event_id never sent before (this wrk thread's counter), so every one is an insert; prints the
-- events committed per second at the end (every 200 is a committed batch).
--   wrk -t1 -c4 -d10s -s benches/events.lua http://127.0.0.1:8080
local batch = tonumber(os.getenv("BATCH") or "500")
local run = tostring(os.time()) .. "-" .. tostring(math.random(1, 1e9))
local n = 0
local channels = { "phone", "email", "web", "pec", "chat" }
local headers = { ["Content-Type"] = "application/json" }

request = function()
  local parts = {}
  for i = 1, batch do
    n = n + 1
    parts[i] = string.format(
      '{"event_id":"%s-%d","occurred_at":"2026-11-%02dT%02d:%02d:00Z","channel":"%s",' ..
      '"queue":"tributi","citizen_id":"C%d","outcome":"open"}',
      run, n, 1 + n % 28, 8 + n % 9, n % 60, channels[1 + n % 5], n % 5000)
  end
  return wrk.format("POST", "/v1/events", headers, "[" .. table.concat(parts, ",") .. "]")
end

done = function(summary, latency, requests)
  local seconds = summary.duration / 1e6
  local ok = summary.requests - summary.errors.status
  io.write(string.format("batches: %d (non-2xx: %d), events committed/s: %.0f, p99 %.1f ms\n",
    summary.requests, summary.errors.status, ok * batch / seconds, latency:percentile(99) / 1000))
end
