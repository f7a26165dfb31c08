#!/usr/bin/env bash
# pal attribute --dask against a local run over the same inputs (docs/scale.md, "Measurements"), like with like:
#   local --threads 1            vs 1 worker process x 1 thread   (the goal's strict reading: one core each)
#   local default (a thread/core) vs 1 worker process x CORES threads (one worker holding the machine, as pal does)
#                                 and CORES worker processes x 1 thread (the layout docs/scale.md deploys)
# then one --timings run of each cluster (where the fixed costs go: starting Python, importing distributed,
# connecting, shipping the index, crediting, merging, reading the part), and a paper estimate of throughput per core
# at 100 workers from measured per-task costs (bench/dask/estimate.py). Uses bench/attribution's world (WORLD,
# default /tmp/pal-bench/full: 10M rows; never regenerated here). The usage is cut into FILES files under OUT, cut
# again into tasks of TASK_BYTES by pal; REPEAT runs each, medians quoted; CLUSTERS picks the clusters (below). Needs: pal and the Python module in $BUILD (default build), python3-distributed.
set -euo pipefail
cd "$(dirname "$0")/../.."
BUILD=$(cd "${BUILD:-build}" && pwd)
PAL=$BUILD/pal
WORLD=${WORLD:-/tmp/pal-bench/full}
OUT=${OUT:-/tmp/pal-bench/dask}
FILES=${FILES:-12}
REPEAT=${REPEAT:-3}
TASK_BYTES=${TASK_BYTES:-268435456}  # --dask-task-bytes (pal's default, 256 MiB; 0: one task per file)
PY=/usr/bin/python3
[ -f "$WORLD/world.db" ] && [ -f "$WORLD/usage.csv" ] ||
  { echo "bench/dask: no world in $WORLD (BUILD=build bench/attribution/run.sh generates it)" >&2; exit 1; }
mkdir -p "$OUT"
export PYTHONPATH=$BUILD/python${PYTHONPATH:+:$PYTHONPATH}

# Our own compiled index (never the world's default path: other runs of that world would pick it up).
INDEX=$OUT/world.index
"$PAL" index build --db "$WORLD/world.db" --index "$INDEX" >/dev/null
# The usage cut into FILES files with the header each (once per world and count).
stamp="$(stat -c %s-%Y "$WORLD/usage.csv")-$FILES"
if [ "$(cat "$OUT/usage.stamp" 2>/dev/null)" != "$stamp" ]; then
  rm -f "$OUT"/usage-*.csv
  $PY - "$WORLD/usage.csv" "$FILES" "$OUT/usage" <<'EOF'
import os, sys
src, n, prefix = sys.argv[1], int(sys.argv[2]), sys.argv[3]
size = os.path.getsize(src)
with open(src, "rb") as f:
    header = f.readline()
    for k in range(n):
        end = (k + 1) * size // n
        with open("%s-%02d.csv" % (prefix, k), "wb") as out:
            out.write(header)
            while f.tell() < end or k == n - 1:
                block = f.readlines(1 << 24)
                if not block:
                    break
                out.writelines(block)
EOF
  echo "$stamp" >"$OUT/usage.stamp"
fi
INPUTS=("$OUT"/usage-*.csv)
rows=$(($(cat "${INPUTS[@]}" | wc -l) - ${#INPUTS[@]}))
cat "${INPUTS[@]}" >/dev/null  # warm the page cache

PIDS=()
# shellcheck source=../../tests/lib.sh
. tests/lib.sh  # openpal_stop_all: SIGTERM, then SIGKILL (a worker can hang in its own shutdown)
cleanup() {
  openpal_stop_all "${PIDS[@]}"
}
trap cleanup EXIT
PORT=$($PY -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
SCHED=tcp://127.0.0.1:$PORT
dask-scheduler --host 127.0.0.1 --port "$PORT" --no-dashboard >"$OUT/scheduler.log" 2>&1 &
PIDS+=($!)

median() { sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }
# CPU seconds (user + system) used so far by the scheduler and workers we started.
cluster_cpu() {
  local pid total=0 t
  for pid in "${PIDS[@]}"; do
    t=$(awk '{print $14 + $15}' "/proc/$pid/stat" 2>/dev/null || echo 0)
    total=$((total + t))
  done
  echo "scale=2; $total / $(getconf CLK_TCK)" | bc
}
# REPEAT runs of: pal attribute ARGS (report to OUT/NAME.csv). Prints the medians "WALL CPU": wall seconds, and CPU
# seconds of pal, its driver, the scheduler and the workers (on a loaded shared machine, CPU is the fairer figure).
timed() {
  local name=$1
  shift
  local walls=() cpus=()
  for _ in $(seq "$REPEAT"); do
    local c0 c1 out
    c0=$(cluster_cpu)
    out=$( { TIMEFORMAT='%R %U %S'; time "$PAL" attribute --quiet --db "$WORLD/world.db" --index "$INDEX"       --usage "${INPUTS[@]}" --out "$OUT/$name.csv" --unattributed "$OUT/$name.u.csv" "$@" ; } 2>&1 | tail -1)
    c1=$(cluster_cpu)
    walls+=("$(echo "$out" | cut -d' ' -f1)")
    cpus+=("$(echo "$out" | awk -v a="$c0" -v b="$c1" '{print $2 + $3 + b - a}')")
  done
  echo "$(printf '%s\n' "${walls[@]}" | median) $(printf '%s\n' "${cpus[@]}" | median)"
}

CORES=$(nproc)
WPIDS=()
# Starts N worker processes of T threads each and waits until the scheduler has them.
start_workers() {
  local n
  for n in $(seq "$1"); do
    dask-worker "$SCHED" --host 127.0.0.1 --nthreads "$2" --no-nanny --no-dashboard \
      --local-directory "$OUT/worker$n" >"$OUT/worker$n.log" 2>&1 &
    PIDS+=($!)
    WPIDS+=($!)
  done
  $PY -c "from distributed import Client; c = Client('$SCHED', timeout=30); c.wait_for_workers($1, timeout=60); c.close()"
}
stop_workers() {
  openpal_stop_all "${WPIDS[@]}"
  WPIDS=()
  # Until the scheduler has forgotten them (the next cluster's count must be its own).
  $PY -c "
import time
from distributed import Client
c = Client('$SCHED', timeout=30)
deadline = time.monotonic() + 60
while c.scheduler_info()['workers'] and time.monotonic() < deadline:
    time.sleep(0.2)
c.close()"
}
ratio() { echo "scale=2; $1 / $2" | bc; }

echo "bench/dask: $rows rows in ${#INPUTS[@]} files ($(du -sh "$OUT" | cut -f1) with copies), $CORES cores," \
     "load average $(cut -d' ' -f1-3 /proc/loadavg)"
read -r local1 local1cpu <<<"$(timed local1 --threads 1)"
read -r localn localncpu <<<"$(timed localn)"
echo "local, 1 thread:               $local1 s wall, $local1cpu CPU-s (medians of $REPEAT)"
echo "local, default ($CORES threads):    $localn s wall, $localncpu CPU-s"
# NAME WORKERS THREADS BASELINE-NAME BASELINE-WALL BASELINE-CPU [PAL-ARGS...]: on the workers running now.
cluster() {
  local name=$1 workers=$2 threads=$3 base=$4 basewall=$5 basecpu=$6 wall cpu how=""
  shift 6
  [ $# -gt 0 ] && how=" ($*)"
  read -r wall cpu <<<"$(timed "$name" --dask "$SCHED" --dask-task-bytes "$TASK_BYTES" "$@")"
  cmp "$OUT/local1.csv" "$OUT/$name.csv" || { echo "bench/dask: the report of $name differs" >&2; exit 1; }
  cmp "$OUT/local1.u.csv" "$OUT/$name.u.csv" || { echo "bench/dask: unattributed differs in $name" >&2; exit 1; }
  echo "dask, $workers worker(s) x $threads thread(s)$how: $wall s wall (x$(ratio "$wall" "$basewall") of $base)," \
       "$cpu CPU-s (x$(ratio "$cpu" "$basecpu")) with pal, driver, scheduler and workers; report identical"
  "$PAL" attribute --quiet --timings --db "$WORLD/world.db" --index "$INDEX" --usage "${INPUTS[@]}" \
    --out "$OUT/$name.csv" --dask "$SCHED" --dask-task-bytes "$TASK_BYTES" "$@" 2>&1 | sed 's/^/  /'
}
# CLUSTERS: which clusters to measure (default: 1x1, 1xCORES, CORESx1 and 3x1, the issue's 1, 2 and 3 workers; e.g.
# CLUSTERS=1x1 for the goal's comparison alone). The
# one-core cluster runs twice: with the index shipped by pal, and read by the worker from shared storage
# (--dask-worker-index: here the same disk, as a cluster's shared volume would be).
ALL="1x1 1x$CORES ${CORES}x1"
[ "$CORES" = 3 ] || ALL="$ALL 3x1"
for c in ${CLUSTERS:-$ALL}; do
  workers=${c%x*} threads=${c#*x}
  [ ${#WPIDS[@]} -eq 0 ] || stop_workers  # the last cluster stays, for the estimate below
  start_workers "$workers" "$threads"
  if [ "$workers" = 1 ] && [ "$threads" = 1 ]; then
    cluster dask1x1 1 1 "local 1 thread" "$local1" "$local1cpu"
    cluster dask1x1s 1 1 "local 1 thread" "$local1" "$local1cpu" --dask-worker-index "$INDEX"
  else
    cluster "dask$c" "$workers" "$threads" "local default" "$localn" "$localncpu"
  fi
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
# Per-task costs on the last cluster, and the estimate at 100 workers.
$PY bench/dask/estimate.py "$SCHED" "$INDEX" "$rows" "${INPUTS[@]}"
