#!/usr/bin/env bash
# Load test of POST /v1/route over loopback, against a release build of instrada serving the
# shipped models/ and instrada.toml, with realistic Italian requests (benches/requests.jsonl: the 45
# held-out requests of training/starter/unseen.csv, every channel, 117-354 bytes each).
#
#   benches/load.sh                 # build --release, then both phases
#   INSTRADA_BIN=path/to/instrada benches/load.sh
#   DURATION=30 RATE=1000 CONNS=32 PORT=18080 benches/load.sh
#   INSTRADA__STORE__URL=postgres://USER@HOST:PORT/DB benches/load.sh   # on PostgreSQL
#
# Phase 1, saturation: wrk (Debian: apt-get install -y wrk), CONNS keep-alive connections as fast
# as they go, one wrk thread (the generator shares the machine's cores with the server).
# Phase 2, constant rate: oha (cargo install oha --locked), RATE requests/s on 16 connections
# with latency correction (latency counts from when a request was due, not when it was sent, so
# a stall is not hidden by coordinated omission). Skipped, with a note, when oha is absent.
# After each phase the server's own latency histogram (/metrics) is read back and its p50/p99
# shown beside the generator's. The store keeps decisions as in production (text = "none").
# Finally the server gets SIGTERM and the number of decisions committed is checked against the
# number of 200s answered.
set -euo pipefail
cd "$(dirname "$0")/.."

DURATION=${DURATION:-20}
RATE=${RATE:-1000}
CONNS=${CONNS:-32}
PORT=${PORT:-18080}
BODIES=${INSTRADA_BODIES:-benches/requests.jsonl}
URL="http://127.0.0.1:${PORT}"

command -v wrk >/dev/null || { echo "wrk is required: apt-get install -y wrk" >&2; exit 1; }
command -v curl >/dev/null || { echo "curl is required" >&2; exit 1; }

if [[ -z "${INSTRADA_BIN:-}" ]]; then
  cargo build --release --locked --quiet
  INSTRADA_BIN="${CARGO_TARGET_DIR:-target}/release/instrada"
fi

work=$(mktemp -d)
server_pid=""
cleanup() {
  [[ -n "$server_pid" ]] && kill "$server_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

INSTRADA__SERVER__BIND="127.0.0.1:${PORT}" \
INSTRADA__STORE__PATH="$work/instrada.db" \
INSTRADA__LOG__LEVEL=warn \
  "$INSTRADA_BIN" serve --config instrada.toml >"$work/server.log" 2>&1 &
server_pid=$!
for _ in $(seq 1 100); do
  curl -fs "$URL/readyz" >/dev/null 2>&1 && break
  kill -0 "$server_pid" 2>/dev/null || { cat "$work/server.log"; exit 1; }
  sleep 0.1
done
curl -fs "$URL/readyz" >/dev/null || { echo "server not ready" >&2; cat "$work/server.log"; exit 1; }

# server_latency BEFORE AFTER METRIC: p50/p90/p99 of /v1/route 200s between two /metrics snapshots,
# as the upper bound of the histogram bucket they fall in.
server_latency() {
  awk -v metric="$3" '
    FNR == 1 { file++ }
    index($0, metric "_bucket{") == 1 && (metric != "instrada_http_request_duration_seconds" ||
        index($0, "endpoint=\"/v1/route\",method=\"POST\",status=\"200\"") > 0) {
      match($0, /le="[^"]+"/); le = substr($0, RSTART + 4, RLENGTH - 5)
      if (file == 1) { before[le] = $NF } else { after[le] = $NF; if (!(le in seen)) { order[++n] = le; seen[le] = 1 } }
    }
    END {
      total = after["+Inf"] - before["+Inf"]
      if (total <= 0) { print "  (no samples)"; exit }
      split("0.5 0.9 0.99", qs, " ")
      line = sprintf("  server %s (%d samples):", metric, total)
      for (j = 1; j <= 3; j++) {
        for (i = 1; i <= n; i++) {
          if (after[order[i]] - before[order[i]] >= qs[j] * total) {
            b = order[i]; line = line sprintf(" p%g <= %s", qs[j] * 100, (b == "+Inf") ? b : sprintf("%.3g ms", b * 1000)); break
          }
        }
      }
      print line
    }' "$1" "$2"
}

snapshot() { curl -fs "$URL/metrics" >"$1"; }

echo "== warm-up (3 s)"
wrk -t1 -c8 -d3s -s benches/load.lua "$URL" >/dev/null

echo "== phase 1: saturation, wrk -t1 -c${CONNS} -d${DURATION}s"
snapshot "$work/m0"
INSTRADA_BODIES="$BODIES" wrk -t1 -c"$CONNS" -d"${DURATION}s" -s benches/load.lua "$URL" | tee "$work/wrk.txt"
snapshot "$work/m1"
server_latency "$work/m0" "$work/m1" instrada_http_request_duration_seconds
server_latency "$work/m0" "$work/m1" instrada_decide_duration_seconds

if command -v oha >/dev/null; then
  echo "== phase 2: constant ${RATE} req/s for ${DURATION}s, oha -c16 --latency-correction"
  snapshot "$work/m2"
  oha -z "${DURATION}s" -q "$RATE" -c 16 --latency-correction --no-tui \
    -m POST -H "Content-Type: application/json" -Z "$BODIES" "$URL/v1/route" | tee "$work/oha.txt" |
    grep -E "Success rate|Requests/sec|Slowest|Fastest|Average|% in |^ *\[[0-9]{3}\] [0-9]+ responses"
  snapshot "$work/m3"
  server_latency "$work/m2" "$work/m3" instrada_http_request_duration_seconds
  server_latency "$work/m2" "$work/m3" instrada_decide_duration_seconds
else
  echo "== phase 2 skipped: oha not found (cargo install oha --locked)"
fi

ok=$(awk -F'"' '/^instrada_http_requests_total\{endpoint="\/v1\/route",method="POST",status="200"\}/ {split($0, a, " "); print a[2]}' <(curl -fs "$URL/metrics"))
echo "== SIGTERM: graceful shutdown"
kill -TERM "$server_pid"
wait "$server_pid" || { echo "server exited with an error" >&2; cat "$work/server.log"; exit 1; }
server_pid=""
count_sql="select count(*) from decisions"
if [[ "${INSTRADA__STORE__URL:-}" == postgres* ]] && command -v psql >/dev/null; then
  committed=$(psql "$INSTRADA__STORE__URL" -tAc "$count_sql")
  echo "decisions answered 200: ${ok:-?}, committed: ${committed} (the database's total)"
  (( committed >= ${ok:-0} )) || { echo "MISMATCH: a returned decision was not committed" >&2; exit 1; }
elif command -v sqlite3 >/dev/null; then
  committed=$(sqlite3 "$work/instrada.db" "$count_sql")
  echo "decisions answered 200: ${ok:-?}, committed: ${committed}"
  # More committed than answered is a request the client left while its decision committed
  # (with durability = "commit" it is committed before it is answered); fewer is a loss.
  (( committed >= ${ok:-0} )) || { echo "MISMATCH: a returned decision was not committed" >&2; exit 1; }
fi
