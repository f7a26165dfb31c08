#!/usr/bin/env bash
# Import benchmark: generates (once) a snapshot of 1,000,000 role assignments and 200,000 principals in /tmp,
# then times `pal import` into a fresh store (median of 3) against baselines measured in the same run:
# reading the files (cat > /dev/null) and parsing + validating them without a store (import_read_only).
# Usage: bench/import/run.sh   (BUILD=<dir> picks the build directory, default build-bench; SKIP_BUILD=1)
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
BUILD="${BUILD:-$ROOT/build-bench}"
WORK="${WORK:-/tmp/openpal-bench-import}"
ASSIGNMENTS=1000000
PRINCIPALS=200000

if [[ -z "${SKIP_BUILD:-}" ]]; then  # SKIP_BUILD=1 times the binaries already in $BUILD
  cmake -S "$ROOT" -B "$BUILD" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DOPENPAL_BUILD_TESTS=OFF >/dev/null
  cmake --build "$BUILD" -j2 --target pal import_snapshot_gen import_read_only >/dev/null
fi

SNAP="$WORK/snapshot"
if [[ ! -f "$WORK/generated-$ASSIGNMENTS-$PRINCIPALS" ]]; then
  "$BUILD/import_snapshot_gen" "$SNAP" "$ASSIGNMENTS" "$PRINCIPALS"
  touch "$WORK/generated-$ASSIGNMENTS-$PRINCIPALS"
fi
BYTES=$(du -sb "$SNAP" | cut -f1)

seconds() { local s e; s=$(date +%s.%N); "$@" >/dev/null; e=$(date +%s.%N); echo "$e - $s" | bc -l; }
median3() { printf '%s\n' "$@" | sort -g | sed -n 2p; }

CAT=$(seconds bash -c "cat '$SNAP'/tenants/*/*.json > /dev/null")
PARSE=$(seconds "$BUILD/import_read_only" "$SNAP")
RUNS=()
for i in 1 2 3; do
  rm -f "$WORK/bench.db" "$WORK/bench.db-wal" "$WORK/bench.db-shm"
  RUNS+=("$(seconds "$BUILD/pal" import "$SNAP" --db "$WORK/bench.db")")
done
IMPORT=$(median3 "${RUNS[@]}")
# The same snapshot a month later into the filled store: every fact compared, none written.
AGAIN=$(seconds "$BUILD/pal" import "$SNAP" --as-of 2026-08-01T00:00:00Z --db "$WORK/bench.db")

ROWS=$((ASSIGNMENTS + PRINCIPALS))
printf 'snapshot: %s role assignments, %s principals, %.0f MB\n' "$ASSIGNMENTS" "$PRINCIPALS" "$(echo "$BYTES/1048576" | bc -l)"
printf '%-44s %8.2f s\n' "baseline: cat > /dev/null" "$CAT"
printf '%-44s %8.2f s  (%.1fx cat)\n' "baseline: parse + validate only" "$PARSE" "$(echo "$PARSE/$CAT" | bc -l)"
printf '%-44s %8.2f s  (runs: %s)\n' "pal import, fresh store (median of 3)" "$IMPORT" "${RUNS[*]}"
printf '%-44s %8.0f rows/s, %.1fx parse-only, target < 60 s: %s\n' "" "$(echo "$ROWS/$IMPORT" | bc -l)" \
  "$(echo "$IMPORT/$PARSE" | bc -l)" "$( (( $(echo "$IMPORT < 60" | bc -l) )) && echo PASS || echo FAIL)"
printf '%-44s %8.2f s\n' "pal import, same facts a month later" "$AGAIN"
