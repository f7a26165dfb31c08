#!/usr/bin/env bash
# 60 s of mixed link-API load through 3 `pal serve` replicas on one PostgreSQL database, with the database stopped
# (pg_ctl stop -m fast) at ~30 s and started again on the same data folder and port DOWN seconds later (issue 15).
# The load (bench/api/mixed_load.py) logs every acknowledged write; afterwards each is looked up in link_events.
# Prints requests total / failed (503 with Retry-After expected while the database is down) and lost writes (must
# be 0). A throwaway PostgreSQL 15 (tests/pg/pg_server.sh, fsync on). Not a timed test.
# Usage: bench/api/restart_pg.sh [BUILD_DIR]. Env: SECONDS_TOTAL (60), RESTART_AT (30), DOWN (5), PRINCIPALS (48),
# WORKERS (12).
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
BUILD="$(cd "${1:-$ROOT/build}" && pwd)"
PAL="${OPENPAL_PAL:-$BUILD/pal}"
SECONDS_TOTAL="${SECONDS_TOTAL:-60}"
RESTART_AT="${RESTART_AT:-30}"
DOWN="${DOWN:-5}"
PRINCIPALS="${PRINCIPALS:-48}"
WORKERS="${WORKERS:-12}"
PG_BIN="${OPENPAL_PG_BIN:-/usr/lib/postgresql/15/bin}"
[ -x "$PAL" ] || { echo "bench: $PAL not found; build the pal target first" >&2; exit 2; }

. "$HERE/pg_replicas_lib.sh"
bench_work restart

# The conformance snapshot with PRINCIPALS more users, so that writes of many principals go on at once.
cp -r "$ROOT/tests/conformance/fixture/snapshot" "$WORK/snapshot"
TENANT=1b1121dd-6900-412a-af73-e8d44f81e1c1
python3 - "$WORK/snapshot/tenants/$TENANT/users.json" "$PRINCIPALS" <<'PY'
import json, sys
path, n = sys.argv[1], int(sys.argv[2])
users = json.load(open(path))
for i in range(n):
    users.append({"id": "cc000000-0000-4000-8000-%012d" % i, "displayName": "Load %d" % i,
                  "userPrincipalName": "load%d@conformance.example" % i, "userType": "Member",
                  "accountEnabled": True, "createdDateTime": "2024-05-01T10:00:00Z"})
json.dump(users, open(path, "w"), indent=1)
PY

bench_database
timeout 120 "$PAL" import "$WORK/snapshot" --db "$DB" >/dev/null
for i in $(seq 0 $((PRINCIPALS - 1))); do
  object="$(printf 'cc000000-0000-4000-8000-%012d' "$i")"
  echo "$object $("$PAL" token --db "$DB" --tenant $TENANT --object "$object")"
done >"$WORK/tokens"

bench_replicas 3

as_owner() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
restart_database() {
  sleep "$RESTART_AT"
  local t0; t0=$(date +%s.%N)
  as_owner "$PG_BIN/pg_ctl" -D "$WORK/pg/data" -m fast -w -t 60 stop >/dev/null
  echo "database stopped at $(awk -v a="$t0" -v b="$LOAD_T0" 'BEGIN { printf "%.1f", a - b }') s"
  sleep "$DOWN"
  # The same data folder and port (pg_server.sh start keeps the port it chose: DIR/port).
  "$ROOT/tests/pg/pg_server.sh" start "$WORK/pg" >/dev/null
  echo "database started again at $(awk -v a="$(date +%s.%N)" -v b="$LOAD_T0" 'BEGIN { printf "%.1f", a - b }') s"
}

echo "load at start: $(cut -d' ' -f1-3 /proc/loadavg), $(nproc) cores; ${SECONDS_TOTAL} s, database down at" \
     "${RESTART_AT} s for ${DOWN} s; 3 replicas, $PRINCIPALS principals, $WORKERS workers"
LOAD_T0=$(date +%s.%N)
restart_database &
RESTARTER=$!
status=0
python3 "$HERE/mixed_load.py" --ports "$(IFS=,; echo "${PORTS[*]}")" --tokens "$WORK/tokens" \
  --seconds "$SECONDS_TOTAL" --workers "$WORKERS" --psql-uri "$DB" --out "$WORK/load.jsonl" \
  --t0 "$LOAD_T0" || status=$?
wait "$RESTARTER"
echo "load at end: $(cut -d' ' -f1-3 /proc/loadavg)"
for i in 1 2 3; do
  kill -0 "${PIDS[$((i - 1))]}" 2>/dev/null || { echo "replica $i died" >&2; status=1; }
done
[ -n "${KEEP_LOG:-}" ] && cp "$WORK/load.jsonl" "$KEEP_LOG"
exit "$status"
