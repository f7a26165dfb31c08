#!/usr/bin/env bash
# Link API through 1 and 3 `pal serve` replicas on one PostgreSQL database (issue 15): wrk GET, and PUT/DELETE cycles
# of one principal (the worst case: every write through every replica serialises on that principal's counter row),
# over HTTP. Prints scenario, replicas, requests/s (summed over replicas), p50 and p99 (the worst replica's).
# A throwaway PostgreSQL 15 (tests/pg/pg_server.sh, fsync on). Not a timed test.
# Usage: bench/api/replicas_pg.sh [BUILD_DIR]. Env: DURATION (10s), CONNECTIONS (48, split over the replicas).
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
BUILD="$(cd "${1:-$ROOT/build}" && pwd)"
PAL="${OPENPAL_PAL:-$BUILD/pal}"
DURATION="${DURATION:-10s}"
CONNECTIONS="${CONNECTIONS:-48}"
command -v wrk >/dev/null || { echo "bench: wrk missing (OPENPAL_WITH_BENCH_TOOLS=1 scripts/setup.sh)" >&2; exit 2; }

. "$HERE/pg_replicas_lib.sh"
bench_work replicas
bench_database
timeout 60 "$PAL" import "$ROOT/tests/conformance/fixture/snapshot" --db "$DB" >/dev/null
TENANT=1b1121dd-6900-412a-af73-e8d44f81e1c1
TOKEN_GET="$("$PAL" token --db "$DB" --tenant $TENANT --object aa67f786-0552-423e-8849-244ed12bf581)"
TOKEN_WRITE="$("$PAL" token --db "$DB" --tenant $TENANT --object bb67f786-0552-423e-8849-244ed12bf582)"
LINK_PATH="/providers/Microsoft.ManagementPartner/partners/1234567?api-version=2018-02-01"

bench_replicas 3
curl -sf -X PUT -H "Authorization: Bearer $TOKEN_GET" -H "Content-Length: 0" "http://127.0.0.1:${PORTS[0]}$LINK_PATH" >/dev/null

to_ms() {
  awk -v v="$1" 'BEGIN { n = v + 0; if (v ~ /us$/) n /= 1000; else if (v ~ /ms$/) n += 0; else if (v ~ /s$/) n *= 1000; printf "%.2f", n }'
}
# $1 = replicas, $2 = script, $3 = token: wrk on each replica at once; prints "rps p50 p99 non2xx".
measure() {
  local n="$1" per=$((CONNECTIONS / $1)) i
  for i in $(seq 0 $((n - 1))); do
    BENCH_PATH="$LINK_PATH" BENCH_TOKEN="$3" wrk -t1 -c"$per" -d"$DURATION" --latency -s "$2" \
      "http://127.0.0.1:${PORTS[$i]}$LINK_PATH" >"$WORK/wrk$i.txt" 2>&1 &
  done
  wait  # (in $(...): only this subshell's wrk processes)
  local rps=0 p50=0 p99=0 bad=0 r a b
  for i in $(seq 0 $((n - 1))); do
    r="$(awk '/Requests\/sec/ {print $2}' "$WORK/wrk$i.txt")"
    a="$(to_ms "$(awk '$1=="50%" {print $2}' "$WORK/wrk$i.txt")")"
    b="$(to_ms "$(awk '$1=="99%" {print $2}' "$WORK/wrk$i.txt")")"
    bad=$((bad + $(awk '/Non-2xx/ {print $5}' "$WORK/wrk$i.txt" | tr -d ',' || echo 0) + 0))
    rps="$(awk -v x="$rps" -v y="${r:-0}" 'BEGIN { printf "%.0f", x + y }')"
    p50="$(awk -v x="$p50" -v y="$a" 'BEGIN { print (y > x ? y : x) }')"
    p99="$(awk -v x="$p99" -v y="$b" 'BEGIN { print (y > x ? y : x) }')"
  done
  echo "$rps $p50 $p99 $bad"
}

echo "load at start: $(cut -d' ' -f1-3 /proc/loadavg), $(nproc) cores; $DURATION per scenario, $CONNECTIONS connections"
printf "%-10s %8s %10s %9s %9s %8s\n" scenario replicas "req/s" "p50 ms" "p99 ms" "non-2xx"
for n in 1 3; do
  read -r rps p50 p99 bad <<<"$(measure "$n" "$HERE/get.lua" "$TOKEN_GET")"
  printf "%-10s %8s %10s %9s %9s %8s\n" GET "$n" "$rps" "$p50" "$p99" "$bad"
  read -r rps p50 p99 bad <<<"$(measure "$n" "$HERE/put_delete.lua" "$TOKEN_WRITE")"
  printf "%-10s %8s %10s %9s %9s %8s\n" PUT/DELETE "$n" "$rps" "$p50" "$p99" "$bad"
done
