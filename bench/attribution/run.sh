#!/usr/bin/env bash
# The attribution benchmark in one command: generates the world and 10M FOCUS rows (once, in /tmp), then measures in
# the same run (1) `pal attribute`, (2) DuckDB computing the same report, (3) the raw read floor (wc -l, memchr), and
# prints rows/s, peak memory, the ratios, and whether the two reports are identical.
#   bench/attribution/run.sh            # full size
#   ROWS=1000000 TENANTS=1000 ASSIGNMENTS=100000 LINKS=5000 DIR=/tmp/pal-bench/medium bench/attribution/run.sh
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
BUILD=${BUILD:-$HERE/../../build}
DIR=${DIR:-/tmp/pal-bench/full}
NODE_DIR=${NODE_DIR:-/tmp/pal-bench/node}
ROWS=${ROWS:-10000000}; TENANTS=${TENANTS:-10000}; ASSIGNMENTS=${ASSIGNMENTS:-1000000}; LINKS=${LINKS:-50000}

for bin in pal attribution_bench_gen attribution_bench_floor attribution_bench_read; do
  [[ -x $BUILD/$bin ]] || { echo "missing $BUILD/$bin: build the targets pal attribution_bench_gen attribution_bench_floor attribution_bench_read" >&2; exit 1; }
done
if [[ ! -f $DIR/usage.csv ]]; then
  echo "generating into $DIR ..." >&2
  "$BUILD/attribution_bench_gen" "$DIR" --tenants "$TENANTS" --assignments "$ASSIGNMENTS" --links "$LINKS" --rows "$ROWS"
fi
if [[ ! -d $NODE_DIR/node_modules/@duckdb/node-api ]]; then
  mkdir -p "$NODE_DIR" && (cd "$NODE_DIR" && npm init -y >/dev/null && npm install @duckdb/node-api >/dev/null)
fi
cp "$HERE/duckdb_report.mjs" "$NODE_DIR/"   # ESM resolves packages next to the script

bytes=$(stat -c %s "$DIR/usage.csv")
cat "$DIR/usage.csv" > /dev/null             # warm the page cache once, for every contender alike

t0=$(date +%s.%N); wc -l "$DIR/usage.csv" > /dev/null; t1=$(date +%s.%N)
wc_s=$(echo "$t1 - $t0" | bc -l)
floor_s=$("$BUILD/attribution_bench_floor" "$DIR/usage.csv" | awk '{print $5}')
read_s=$("$BUILD/attribution_bench_read" "$DIR/usage.csv" | awk '{print $5}')   # the usage reader alone, one thread

# The compiled directory index (docs/index-format.md), built once per world like the import, timed apart.
if [[ ! -f $DIR/world.db.index ]] || ! "$BUILD/pal" explain --db "$DIR/world.db" --index "$DIR/world.db.index" \
     --resource 20000000-0000-4000-8000-000000000000 --at 2026-02-15 > /dev/null 2>&1; then
  /usr/bin/time -f "%e %M" -o "$DIR/index.time" "$BUILD/pal" index build --db "$DIR/world.db" > /dev/null
  echo "index built in $(cut -d' ' -f1 "$DIR/index.time") s" >&2
fi

/usr/bin/time -f "%e %M %U %S" -o "$DIR/pal.time" "$BUILD/pal" attribute --quiet --timings --db "$DIR/world.db" \
  --index "$DIR/world.db.index" --usage "$DIR/usage.csv" 2> "$DIR/pal.timings" \
  --out "$DIR/pal_report.csv" --unattributed "$DIR/pal_unattributed.csv"
read -r pal_s pal_kb pal_u pal_sys < "$DIR/pal.time"

duck_json=$(cd "$NODE_DIR" && /usr/bin/time -f "%e %M %U %S" -o "$DIR/duck.time" node duckdb_report.mjs "$DIR" "$DIR/duckdb_report.csv")
read -r duck_s duck_kb duck_u duck_sys < "$DIR/duck.time"
verdict=$(node "$HERE/compare_reports.mjs" "$DIR/pal_report.csv" "$DIR/duckdb_report.csv" || true)

cat "$DIR/pal.timings"
python3 - "$ROWS" "$bytes" "$wc_s" "$floor_s" "$pal_s" "$pal_kb" "$duck_s" "$duck_kb" "$duck_json" "$verdict" \
  "$pal_u" "$pal_sys" "$duck_u" "$duck_sys" "$read_s" <<'PY'
import json, sys
rows, size, wc, floor, pal, pal_kb, duck, duck_kb = (float(x) for x in sys.argv[1:9])
duck_info, verdict = json.loads(sys.argv[9]), json.loads(sys.argv[10])
pal_cpu, duck_cpu = float(sys.argv[11]) + float(sys.argv[12]), float(sys.argv[13]) + float(sys.argv[14])
print(f"usage: {int(rows):,} rows, {size/1e9:.2f} GB (page cache warm), 2 cores")
print(f"floor  wc -l          {wc:7.2f} s  {rows/wc:13,.0f} rows/s")
print(f"floor  memchr read    {floor:7.2f} s  {rows/floor:13,.0f} rows/s")
read = float(sys.argv[15])
print(f"usage reader alone    {read:7.2f} s  {rows/read:13,.0f} rows/s  (one thread: {read/floor:.2f}x the memchr floor)")
print(f"pal attribute         {pal:7.2f} s  {rows/pal:13,.0f} rows/s  peak {pal_kb/1024:,.0f} MiB (compiled index)")
print(f"DuckDB (same report)  {duck:7.2f} s  {rows/duck:13,.0f} rows/s  peak {duck_kb/1024:,.0f} MiB (node process)")
print(f"pal / DuckDB throughput: {duck/pal:.2f}x wall (target >= 10x); CPU seconds pal {pal_cpu:.1f}, DuckDB {duck_cpu:.1f}: {duck_cpu/pal_cpu:.2f}x")
print(f"pal vs memchr floor: {pal/floor:.2f}x slower (target <= 5x); vs wc -l: {pal/wc:.2f}x")
print(f"peak memory: {pal_kb/1024:,.0f} MiB (target < 1,024 MiB)")
print(f"reports identical: {verdict['identical']} ({verdict['rows']} rows, max relative difference {verdict['maxRelativeDifference']:.2e})")
if verdict['problems']: print("  " + "\n  ".join(verdict['problems']))
PY
