#!/usr/bin/env bash
# pal attribute --dask on 1, 2 and 3 loopback workers against a local run over the same inputs (docs/scale.md,
# "Measurements"), and a paper estimate of throughput per core at 100 workers from measured per-task costs
# (bench/dask/estimate.py). Uses bench/attribution's world (WORLD, default /tmp/pal-bench/full: 10M rows; it is
# never regenerated here). The usage is cut into FILES files (tasks) under OUT; REPEAT runs each, medians quoted.
# Needs: pal and the Python module in $BUILD (default build), python3-distributed.
set -euo pipefail
cd "$(dirname "$0")/../.."
BUILD=$(cd "${BUILD:-build}" && pwd)
PAL=$BUILD/pal
WORLD=${WORLD:-/tmp/pal-bench/full}
OUT=${OUT:-/tmp/pal-bench/dask}
FILES=${FILES:-12}
REPEAT=${REPEAT:-3}
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
cleanup() {
  local pid
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
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

echo "bench/dask: $rows rows in ${#INPUTS[@]} files ($(du -sh "$OUT" | cut -f1) with copies), load average $(cut -d' ' -f1-3 /proc/loadavg)"
read -r local1 local1cpu <<<"$(timed local1 --threads 1)"
read -r local2 local2cpu <<<"$(timed local2 --threads 2)"
echo "local, 1 thread:  $local1 s wall, $local1cpu CPU-s (medians of $REPEAT)"
echo "local, 2 threads: $local2 s wall, $local2cpu CPU-s"
for n in 1 2 3; do
  dask-worker "$SCHED" --host 127.0.0.1 --nthreads 1 --no-nanny --no-dashboard --local-directory "$OUT/worker$n" \
    >"$OUT/worker$n.log" 2>&1 &
  PIDS+=($!)
  $PY -c "from distributed import Client; c = Client('$SCHED', timeout=30); c.wait_for_workers($n, timeout=60); c.close()"
  read -r wall cpu <<<"$(timed dask$n --dask "$SCHED")"
  cmp "$OUT/local1.csv" "$OUT/dask$n.csv" || { echo "bench/dask: the report on $n workers differs" >&2; exit 1; }
  cmp "$OUT/local1.u.csv" "$OUT/dask$n.u.csv" || { echo "bench/dask: unattributed differs on $n workers" >&2; exit 1; }
  echo "dask, $n worker(s): $wall s wall (x$(echo "scale=2; $wall / $local1" | bc) of local 1 thread), $cpu CPU-s" \
       "(x$(echo "scale=2; $cpu / $local1cpu" | bc)) with pal, driver, scheduler and workers; report identical"
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
# Per-task costs on the 3 workers, and the estimate at 100 workers.
$PY bench/dask/estimate.py "$SCHED" "$INDEX" "$rows" "${INPUTS[@]}"
