#!/usr/bin/env bash
# Builds the libFuzzer targets (fuzz/, clang + ASan + UBSan) into build-fuzz/ and runs each, one after the other, for
# SECONDS (default 60) from its checked-in seed corpus; prints executions, rate, coverage and findings per target.
#   bench/fuzz/run.sh [SECONDS] [TARGET...]      e.g. bench/fuzz/run.sh 30 jwt routes
# Environment: FUZZ_BUILD (build folder, default build-fuzz), FUZZ_RUNS (stop after this many executions instead of
# time, e.g. 10000000), FUZZ_WORK (where the grown corpora, logs and findings go; default build-fuzz/work),
# FUZZ_MAX_LEN (the longest input, for every target; default per target, below), FUZZ_TIMEOUT (seconds one input may
# take before it counts as a hang, default 10; raise it when the fuzzers share the machine, docs/fuzzing.md),
# FUZZ_JOBS (this many processes per target at once, default 1: they share the grown corpus, as libFuzzer's own
# -jobs does, each reading what the others add; FUZZ_RUNS is split between them, and the table sums their executions).
# Exit status 1 when any target found something (a crash, a leak, a timeout, a broken invariant); the input that
# caused it is in $FUZZ_WORK/<target>/ and replays with `build-fuzz/fuzz_<target> FILE`. See docs/fuzzing.md.
set -euo pipefail
cd "$(dirname "$0")/../.."
SECONDS_EACH=${1:-60}
shift || true
ALL=(usage_reader csv_split partners_csv snapshot_json snapshot_folder jwt scope_time http_request routes form)
TARGETS=("$@")
[ ${#TARGETS[@]} -gt 0 ] || TARGETS=("${ALL[@]}")
BUILD=${FUZZ_BUILD:-build-fuzz}
WORK=${FUZZ_WORK:-$BUILD/work}
JOBS=${FUZZ_JOBS:-1}
[[ "$JOBS" =~ ^[1-9][0-9]*$ ]] || { echo "FUZZ_JOBS: a whole number of processes, 1 or more, not '$JOBS'" >&2; exit 2; }

[ -d portal/dist ] || (cd portal && npm run --silent build >/dev/null)
LAUNCHER=()
command -v ccache >/dev/null 2>&1 && LAUNCHER=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
# -O2 with line tables and without NDEBUG: fast, symbolised stacks, and the code's own assertions stay on.
cmake -S . -B "$BUILD" -DOPENPAL_FUZZ=ON -DOPENPAL_BUILD_TESTS=OFF -DOPENPAL_BUILD_BENCH=OFF \
  -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O2 -gline-tables-only" "${LAUNCHER[@]}" >/dev/null
cmake --build "$BUILD" -j"$(nproc)" --target "${TARGETS[@]/#/fuzz_}" >/dev/null

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:symbolize=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
failed=0 passed=0 failures=0
printf '%-16s %12s %10s %8s %8s  %s\n' target executions "execs/s" cov features findings
for t in "${TARGETS[@]}"; do
  dir="$WORK/$t"
  mkdir -p "$dir/corpus"
  # Findings of an earlier run were reported then: only this run's count now.
  rm -f "$dir"/crash-* "$dir"/leak-* "$dir"/timeout-* "$dir"/oom-*
  # One log per process: fuzz.log alone, fuzz-1.log ... fuzz-N.log with FUZZ_JOBS=N.
  logs=("$dir/fuzz.log")
  if [ "$JOBS" -gt 1 ]; then
    logs=()
    for ((k = 1; k <= JOBS; k++)); do logs+=("$dir/fuzz-$k.log"); done
  fi
  # The grown corpus lives in $dir/corpus; the checked-in seeds are read, never written.
  limit=(-max_total_time="$SECONDS_EACH")
  [ -n "${FUZZ_RUNS:-}" ] && limit=(-runs="$(((FUZZ_RUNS + JOBS - 1) / JOBS))" -max_total_time="$SECONDS_EACH")
  # The longest input: 16 KiB, more than any request head or tenant file the targets need; for jwt, a selector byte
  # plus one more than the longest bearer token the verifier takes (kMaxTokenLength, 16 KiB), so that its refusal is
  # reached. The CSV readers take 4 KiB (a header is under 1 KiB, then rows are parsed one by one; a reader's buffer
  # is sized to the file, so no longer input reaches more code — gzip inputs still inflate past it), the snapshot
  # folder 8 KiB (twice its largest seed): their cost per input grows with its length, and libFuzzer lengthens
  # inputs to the limit as a campaign goes on. FUZZ_MAX_LEN overrides it for every target.
  case $t in
    usage_reader|csv_split) max_len=4096 ;;
    snapshot_folder) max_len=8192 ;;
    jwt) max_len=16386 ;;
    *) max_len=16384 ;;
  esac
  max_len=${FUZZ_MAX_LEN:-$max_len}
  start=$(date +%s.%N)
  pids=()
  for log in "${logs[@]}"; do
    "$BUILD/fuzz_$t" "${limit[@]}" -max_len="$max_len" -timeout="${FUZZ_TIMEOUT:-10}" -rss_limit_mb=2560 \
      -print_final_stats=1 -artifact_prefix="$dir/" "$dir/corpus" "fuzz/corpus/$t" >"$log" 2>&1 &
    pids+=($!)
  done
  rc=0
  for pid in "${pids[@]}"; do
    wait "$pid" || rc=$?  # the last non-zero status of any process
  done
  wall=$(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { print b - a }')
  # Executions summed over the processes; coverage and features are each process's own: the largest is shown.
  execs=0 cov=- ft=-
  for log in "${logs[@]}"; do
    e=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo 0)
    execs=$((execs + ${e:-0}))
    c=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | grep -o '[0-9]*' || true)
    f=$(grep -o 'ft: [0-9]*' "$log" | tail -1 | grep -o '[0-9]*' || true)
    if [ -n "$c" ] && { [ "$cov" = - ] || [ "$c" -gt "$cov" ]; }; then cov=$c; fi
    if [ -n "$f" ] && { [ "$ft" = - ] || [ "$f" -gt "$ft" ]; }; then ft=$f; fi
  done
  rate=$(awk -v e="$execs" -v w="$wall" 'BEGIN { printf "%d", e / w }')
  log=${logs[0]}
  if [ "$JOBS" -gt 1 ]; then log="$dir/fuzz-*.log"; fi
  findings=$(find "$dir" -maxdepth 1 \( -name 'crash-*' -o -name 'leak-*' -o -name 'timeout-*' -o -name 'oom-*' \) |
             wc -l)
  if [ "$rc" != 0 ] || [ "$findings" != 0 ]; then
    failed=1
    note="$findings (exit $rc; see $log)"
  else
    note=0
  fi
  printf '%-16s %12s %10s %8s %8s  %s\n' "$t" "${execs:-0}" "$rate" "$cov" "$ft" "$note"
  [ "$note" = 0 ] && passed=$((passed + 1)) || failures=$((failures + 1))
done
# The closing line CI reads: one target = one test, passed when it ended cleanly with no finding.
echo "fuzz: $passed passed, $failures failed"
exit $failed
