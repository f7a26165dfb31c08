#!/usr/bin/env bash
# pal attribute over cost exports in Blob storage against the same files read locally (docs/blob-exports.md,
# "Measured"), with and without read-ahead: Azurite (tests/blob's install) on loopback, a plain and a gzip FOCUS file
# cut from bench/attribution's world, and curl fetching the plain blob whole (the emulator's own speed). REPEAT runs
# each (default 3), medians. Blob inputs are never split across threads, so the local baseline is `--threads 1`.
#   bench/blob/run.sh            WORLD (default /tmp/pal-bench/medium: world.db, usage.csv), MB (default 150)
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source=../../tests/lib.sh
. "$HERE/../../tests/lib.sh"
openpal_setup bench-blob "${BUILD:-}"
[ -n "${KEEP_AZURITE:-}" ] && trap - EXIT  # (development: leave Azurite running)
openpal_require_pal
WORLD=${WORLD:-/tmp/pal-bench/medium}
MB=${MB:-150}
REPEAT=${REPEAT:-3}
[ -f "$WORLD/world.db" ] && [ -f "$WORLD/usage.csv" ] ||
  { echo "bench/blob: no world in $WORLD (BUILD=build bench/attribution/run.sh makes one; or WORLD=...)" >&2; exit 1; }
(cd "$ROOT/tests/blob" && { [ -d node_modules/azurite ] || timeout 240 npm ci --no-audit --no-fund --loglevel=error; })

# The first MB megabytes of the world's usage, cut after a whole line; and the same gzip-compressed.
head -c "$((MB << 20))" "$WORLD/usage.csv" | sed '$d' >"$WORK/focus.csv"
gzip -1 -c "$WORK/focus.csv" >"$WORK/focus.csv.gz"
rows=$(($(wc -l <"$WORK/focus.csv") - 1))
[ -f "$WORLD/world.db.index" ] || "$PAL" index build --db "$WORLD/world.db" >/dev/null

PORT="$(openpal_free_port)"
node "$ROOT/tests/blob/node_modules/azurite/dist/src/blob/main.js" --blobHost 127.0.0.1 --blobPort "$PORT" \
  --location "$WORK/azurite" --silent --skipApiVersionCheck >"$WORK/azurite.log" 2>&1 &
openpal_track $!
openpal_wait_port "$PORT" || { echo "bench/blob: Azurite did not start" >&2; exit 1; }
ENDPOINT="http://127.0.0.1:$PORT/devstoreaccount1"
SAS=$(timeout 600 node "$HERE/upload.mjs" "$ROOT/tests/blob" "$ENDPOINT" "$WORK/focus.csv" "$WORK/focus.csv.gz")
printf '%s' "$SAS" >"$WORK/sas"

median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
# time_of NAME COMMAND...: REPEAT runs (COMMAND may be a function); prints the median wall seconds.
time_of() {
  local name=$1 i start
  shift
  for i in $(seq "$REPEAT"); do
    start=$(date +%s.%N)
    "$@" >"$WORK/$name.out" 2>"$WORK/$name.err" || { echo "bench/blob: $name failed: $(tail -3 "$WORK/$name.err")" >&2; exit 1; }
    awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { print b - a }'
  done | median
}
attribute() {  # attribute NAME INPUT [ENV...]: pal attribute --threads 1 over one input
  local name=$1 input=$2
  shift 2
  env "$@" "$PAL" attribute --db "$WORLD/world.db" --threads 1 --quiet --blob-sas-file "$WORK/sas" --usage "$input" \
    --out "$WORK/$name.csv"
}
echo "bench/blob: $rows rows, $(du -m "$WORK/focus.csv" | cut -f1) MB plain, $(du -m "$WORK/focus.csv.gz" | cut -f1) MB gzip; REPEAT=$REPEAT"
local_plain=$(time_of local_plain attribute local_plain "$WORK/focus.csv")
local_gz=$(time_of local_gz attribute local_gz "$WORK/focus.csv.gz")
curl_plain=$(time_of curl_plain curl -sf -o /dev/null "$ENDPOINT/bench/focus.csv?$SAS")
# The ranges pal asks for (64 KiB, then 8 MiB at a time), fetched one after the other by curl: the fetch alone.
ranges() {
  local size offset=65536
  size=$(stat -c %s "$WORK/focus.csv")
  curl -sf -o /dev/null -r 0-65535 "$ENDPOINT/bench/focus.csv?$SAS"
  for ((; offset < size; offset += 8388608)); do
    curl -sf -o /dev/null -r "$offset-$((offset + 8388607))" "$ENDPOINT/bench/focus.csv?$SAS"
  done
}
curl_ranges=$(time_of curl_ranges ranges)
blob_plain=$(time_of blob_plain attribute blob_plain "$ENDPOINT/bench/focus.csv")
blob_plain_off=$(time_of blob_plain_off attribute blob_plain_off "$ENDPOINT/bench/focus.csv" OPENPAL_BLOB_READ_AHEAD=0)
blob_gz=$(time_of blob_gz attribute blob_gz "$ENDPOINT/bench/focus.csv.gz")
blob_gz_off=$(time_of blob_gz_off attribute blob_gz_off "$ENDPOINT/bench/focus.csv.gz" OPENPAL_BLOB_READ_AHEAD=0)
for name in local_gz blob_plain blob_plain_off blob_gz blob_gz_off; do
  cmp -s "$WORK/local_plain.csv" "$WORK/$name.csv" || { echo "bench/blob: $name's report differs from the local one" >&2; exit 1; }
done
awk -v lp="$local_plain" -v lg="$local_gz" -v c="$curl_plain" -v cr="$curl_ranges" -v bp="$blob_plain" -v bpo="$blob_plain_off" \
    -v bg="$blob_gz" -v bgo="$blob_gz_off" 'BEGIN {
  printf "%-44s %8s %10s\n", "", "median", "ratio"
  printf "%-44s %7.2fs %10s\n", "local plain file (baseline)", lp, "1.00"
  printf "%-44s %7.2fs %9.2fx\n", "curl: the plain blob, one GET (Azurite alone)", c, c / lp
  printf "%-44s %7.2fs %9.2fx\n", "curl: pal'"'"'s ranges, one after the other", cr, cr / lp
  printf "%-44s %7.2fs %9.2fx\n", "blob plain, read-ahead", bp, bp / lp
  printf "%-44s %7.2fs %9.2fx\n", "blob plain, no read-ahead", bpo, bpo / lp
  printf "%-44s %7.2fs %10s\n", "local gzip file (baseline)", lg, "1.00"
  printf "%-44s %7.2fs %9.2fx\n", "blob gzip, read-ahead", bg, bg / lg
  printf "%-44s %7.2fs %9.2fx\n", "blob gzip, no read-ahead", bgo, bgo / lg
  printf "read-ahead: plain %.2fx, gzip %.2fx faster than without; reports identical\n", bpo / bp, bgo / bg
  printf "plain blob: fetch and credit added up would take %.2f s, perfectly overlapped %.2f s\n", cr + lp, (cr > lp ? cr : lp)
}'
