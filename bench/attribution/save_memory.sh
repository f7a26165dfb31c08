#!/usr/bin/env bash
# `pal attribute --save` peak memory for 1, 8 and 32 usage files, in one command: generates the benchmark world and one
# usage file (once, in $DIR), links it under 32 names, then saves a run of 1, 8 and 32 of them, each into a fresh copy
# of the world, and prints each run's peak resident memory, wall and CPU time, and the ratio 32 files / 1 file
# (target: <= 1.2, docs/reports.md).
#   BUILD=build bench/attribution/save_memory.sh
#   ROWS=100000 TENANTS=1000 ASSIGNMENTS=100000 LINKS=5000 DIR=/tmp/pal-bench/save-small bench/attribution/save_memory.sh
# The files are copies of one file on purpose: the printed report and the crediting state are then the same size
# whatever the number of files, so what grows is only what --save keeps per file. (Different files add their own
# report keys to the printed report, with or without --save.)
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
BUILD=${BUILD:-$HERE/../../build}
DIR=${DIR:-/tmp/pal-bench/save}
ROWS=${ROWS:-500000}; TENANTS=${TENANTS:-10000}; ASSIGNMENTS=${ASSIGNMENTS:-1000000}; LINKS=${LINKS:-50000}
COUNTS=${COUNTS:-1 8 32}

for bin in pal attribution_bench_gen; do
  [[ -x $BUILD/$bin ]] || { echo "missing $BUILD/$bin: build the targets pal attribution_bench_gen" >&2; exit 1; }
done
[[ -x /usr/bin/time ]] || { echo "missing /usr/bin/time (Debian package time; OPENPAL_WITH_BENCH_TOOLS=1 scripts/setup.sh)" >&2; exit 1; }
if [[ ! -f $DIR/usage.csv || ! -f $DIR/world.db ]]; then
  echo "generating into $DIR ..." >&2
  "$BUILD/attribution_bench_gen" "$DIR" --tenants "$TENANTS" --assignments "$ASSIGNMENTS" --links "$LINKS" --rows "$ROWS"
fi
max=0
for n in $COUNTS; do (( n > max )) && max=$n; done
files=()
for ((i = 1; i <= max; i++)); do
  f=$(printf '%s/usage%02d.csv' "$DIR" "$i")
  [[ -e $f ]] || ln "$DIR/usage.csv" "$f"   # a hard link: another path, so another file to pal, no more disk
  files+=("$f")
done
cat "$DIR/usage.csv" > /dev/null   # warm the page cache once

declare -A peak
printf '%-6s %12s %9s %9s %18s\n' files "peak MiB" "wall s" "CPU s" "report rows saved"
for n in $COUNTS; do
  cp "$DIR/world.db" "$DIR/run.db"
  /usr/bin/time -f "%e %M %U %S" -o "$DIR/save.time" "$BUILD/pal" attribute --quiet --save --db "$DIR/run.db" \
    --out /dev/null --usage "${files[@]:0:n}"
  read -r wall kib user sys < "$DIR/save.time"
  rows=$(python3 -c 'import sqlite3, sys; print(sqlite3.connect(sys.argv[1]).execute("SELECT count(*) FROM run_report_rows").fetchone()[0])' "$DIR/run.db")
  peak[$n]=$kib
  printf '%-6s %12.0f %9.2f %9.2f %18s\n' "$n" "$(echo "$kib / 1024" | bc -l)" "$wall" "$(echo "$user + $sys" | bc -l)" "$rows"
  rm -f "$DIR/run.db" "$DIR/run.db-wal" "$DIR/run.db-shm"
done
first=${COUNTS%% *}; last=${COUNTS##* }
echo "usage: $ROWS rows a file ($(stat -c %s "$DIR/usage.csv") bytes), world of $TENANTS tenants, $ASSIGNMENTS assignments, $LINKS links"
printf 'peak %s files / %s file: %.3f (target <= 1.2)\n' "$last" "$first" "$(echo "${peak[$last]} / ${peak[$first]}" | bc -l)"
