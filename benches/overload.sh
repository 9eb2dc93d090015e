#!/usr/bin/env bash
# Overload test of POST /v1/route over loopback: CONNS connections (2,000 by default) as fast as
# they go for DURATION seconds, against a release build serving the shipped models and
# instrada.toml. Far more connections than the 2 cores can serve: the service should refuse the
# excess at once (503 overloaded, Retry-After), answer everything fast — a closed-loop client
# waits connections ÷ throughput, so the refusals must be cheap — keep its memory bounded, and
# serve what it admits as fast as at low load.
#
#   benches/overload.sh                      # build --release, then the run
#   INSTRADA_BIN=path/to/instrada CONNS=2000 DURATION=20 benches/overload.sh
#
# Prints wrk's latency of every answer (admitted and refused) with the count of non-2xx and of
# socket errors (timeouts among them), the server's maximum RSS sampled every 100 ms, and the
# server's own latency of the admitted requests (/metrics), beside a low-load run of 8
# connections for comparison, and the floor: the same connections answered 404 at once. Loopback only, bounded in time (wrk's --timeout 2s).
set -euo pipefail
cd "$(dirname "$0")/.."

DURATION=${DURATION:-20}
CONNS=${CONNS:-2000}
PORT=${PORT:-18081}
URL="http://127.0.0.1:${PORT}"

command -v wrk >/dev/null || { echo "wrk is required: apt-get install -y wrk" >&2; exit 1; }
if (( $(ulimit -n) < CONNS + 200 )); then
  ulimit -n $((CONNS + 200)) || { echo "raise the open-files limit above $((CONNS + 200))" >&2; exit 1; }
fi
if [[ -z "${INSTRADA_BIN:-}" ]]; then
  cargo build --release --locked --quiet
  INSTRADA_BIN="${CARGO_TARGET_DIR:-target}/release/instrada"
fi

work=$(mktemp -d)
server_pid=""
sampler_pid=""
cleanup() {
  [[ -n "$sampler_pid" ]] && kill "$sampler_pid" 2>/dev/null || true
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

rss_kb() { awk '/^VmRSS/ {print $2}' "/proc/$server_pid/status"; }
# The server's p50/p99 of admitted (200) /v1/route requests between two /metrics snapshots.
admitted() {
  awk '
    FNR == 1 { file++ }
    index($0, "instrada_http_request_duration_seconds_bucket{") == 1 &&
        index($0, "endpoint=\"/v1/route\",method=\"POST\",status=\"200\"") > 0 {
      match($0, /le="[^"]+"/); le = substr($0, RSTART + 4, RLENGTH - 5)
      if (file == 1) { before[le] = $NF } else { after[le] = $NF; if (!(le in seen)) { order[++n] = le; seen[le] = 1 } }
    }
    END {
      total = after["+Inf"] - before["+Inf"]
      line = sprintf("  server, admitted /v1/route (%d): ", total)
      split("0.5 0.99", qs, " ")
      for (j = 1; j <= 2; j++) for (i = 1; i <= n; i++)
        if (after[order[i]] - before[order[i]] >= qs[j] * total) {
          line = line sprintf(" p%g <= %s ms", qs[j] * 100, order[i] == "+Inf" ? "inf" : order[i] * 1000); break
        }
      print line
    }' "$1" "$2"
}

run() { # NAME CONNECTIONS SECONDS
  curl -fs "$URL/metrics" >"$work/before"
  echo "== $1: wrk -t1 -c$2 -d$3s --timeout 2s"
  wrk -t1 -c"$2" -d"$3s" --timeout 2s --latency -s benches/load.lua "$URL" |
    grep -E "requests:|throughput|^p[0-9]|Non-2xx|Socket errors" || true
  curl -fs "$URL/metrics" >"$work/after"
  admitted "$work/before" "$work/after"
  awk '/^instrada_overloaded_total/ {print "  shed so far (503 overloaded): " $2}' "$work/after"
}

start_rss=$(rss_kb)
run "low load" 8 5
( max=0; while kill -0 "$server_pid" 2>/dev/null; do
    r=$(rss_kb 2>/dev/null || echo 0); (( r > max )) && max=$r && echo "$max" >"$work/rss"
    sleep 0.1
  done ) &
sampler_pid=$!
run "overload" "$CONNS" "$DURATION"
kill "$sampler_pid" 2>/dev/null || true; sampler_pid=""
echo "  RSS: ${start_rss} kB at start, max $(cat "$work/rss" 2>/dev/null || echo "?") kB during the overload"
run "low load again" 8 5
# The floor: the same client and connections posting to a path that does not exist, answered
# 404 by the router with nothing else done — no request can be answered more cheaply, so no
# shedding can bring the wait of every answer below this on this machine.
echo "== floor: the same $CONNS connections, every request answered 404 at once"
INSTRADA_PATH=/v1/nothing wrk -t1 -c"$CONNS" -d"$DURATION"s --timeout 2s --latency -s benches/load.lua "$URL" |
  grep -E "requests:|throughput|^p[0-9]|Socket errors" || true
