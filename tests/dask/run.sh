#!/usr/bin/env bash
# pal attribute --dask against a real Dask cluster on loopback (docs/scale.md): Debian's dask-scheduler and three
# dask-worker processes (--nthreads 1, PYTHONPATH=build/python), started here and stopped by PID on any exit.
#  1. differential: generated worlds (several seeds, files of many sizes, the reference exports' formats), the
#     --dask report, unattributed file, reconciliation and summary line (distinct scopes included) identical to a
#     local run's, in csv and json; --save (every saved row, --list-runs, pal report over 4 groupings) and --partial
#     against the local --save and --partial;
#  2. bad input: a rejected row is listed with its file (as given, relative) and line as a local run lists it; a file
#     that cannot be read fails the run with the local run's message; an unreachable scheduler is a clear error;
#  3. fault: one worker SIGKILLed mid-run (many slow tasks); the run still finishes with the identical report.
# Needs: pal, attribution_bench_gen and the Python module built in $BUILD (default build).
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
BUILD=$(cd "${BUILD:-build}" && pwd)
PAL=$BUILD/pal
GEN=$BUILD/attribution_bench_gen
PY=/usr/bin/python3  # Debian's: the interpreter dask-worker runs and the module is built for
for f in "$PAL" "$GEN"; do [ -x "$f" ] || { echo "tests/dask: build $f first" >&2; exit 1; }; done
ls "$BUILD"/python/openpal/_engine*.so >/dev/null 2>&1 ||
  { echo "tests/dask: the Python module is not built (pybind11-dev, python3-dev: scripts/setup.sh)" >&2; exit 1; }
command -v dask-scheduler >/dev/null || { echo "tests/dask: dask-scheduler missing (python3-distributed)" >&2; exit 1; }

WORK=$(mktemp -d /tmp/pal-dask-test.XXXXXX)
PIDS=()
# shellcheck source=../lib.sh
. tests/lib.sh  # openpal_stop_all
cleanup() {
  openpal_stop_all "${PIDS[@]}"
  rm -rf "$WORK"
}
trap cleanup EXIT
export PYTHONPATH=$BUILD/python${PYTHONPATH:+:$PYTHONPATH}
free_port() { $PY -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
fail() { echo "tests/dask: FAIL: $*" >&2; exit 1; }

PORT=$(free_port)
SCHED=tcp://127.0.0.1:$PORT
dask-scheduler --host 127.0.0.1 --port "$PORT" --no-dashboard >"$WORK/scheduler.log" 2>&1 &
PIDS+=($!)
WORKERS=()
start_worker() {
  dask-worker "$SCHED" --host 127.0.0.1 --nthreads 1 --no-nanny --no-dashboard --death-timeout 60 \
    --local-directory "$WORK/worker$1" >"$WORK/worker$1.log" 2>&1 &
  PIDS+=($!)
  WORKERS+=($!)
}
for i in 1 2 3; do start_worker "$i"; done
timeout 90 $PY tests/dask/wait_for_cluster.py "$SCHED" 3 ||
  { tail -5 "$WORK"/*.log >&2; fail "the cluster did not start"; }
echo "tests/dask: scheduler $SCHED, 3 workers"

# Cuts FILE into N files (each with the header) named PREFIX-K.csv.
cut_file() {
  $PY - "$@" <<'EOF'
import sys
src, n, prefix = sys.argv[1], int(sys.argv[2]), sys.argv[3]
with open(src, "rb") as f:
    header = f.readline()
    rows = f.readlines()
size = (len(rows) + n - 1) // n
for k in range(n):
    with open("%s-%02d.csv" % (prefix, k), "wb") as out:
        out.write(header)
        out.writelines(rows[k * size:(k + 1) * size])
EOF
}

# The summary line of a run's standard error without its timing: "N report rows, M unattributed groups, K distinct scopes".
summary() { sed -n 's/^attribute: \(.* distinct scopes\),.*/\1/p' "$1"; }

# Runs pal locally and on the cluster over the same inputs and compares every output byte for byte.
compare() {  # NAME DB FILE...
  local name=$1 db=$2
  shift 2
  for output in csv json; do
    local l=$WORK/$name.local.$output d=$WORK/$name.dask.$output
    (cd "$WORK" && "$PAL" attribute --db "$db" --usage "$@" --output $output --out "$l.report" \
       --unattributed "$l.unattr" 2>"$l.err") || fail "$name: the local run failed: $(cat "$l.err")"
    (cd "$WORK" && "$PAL" attribute --db "$db" --usage "$@" --output $output --out "$d.report" \
       --unattributed "$d.unattr" --dask "$SCHED" --dask-task-bytes "${TASK_BYTES:-0}" 2>"$d.err") ||
      fail "$name: the --dask run failed: $(cat "$d.err")"
    cmp "$l.report" "$d.report" || fail "$name ($output): reports differ"
    cmp "$l.unattr" "$d.unattr" || fail "$name ($output): unattributed files differ"
    # Standard error: rejected rows and the reconciliation, identical; the last line (timings) differs.
    diff <(grep -v '^attribute: ' "$l.err") <(grep -v '^attribute: ' "$d.err") ||
      fail "$name ($output): rejected rows or reconciliation differ"
    # The summary line up to its timing: report rows, unattributed groups and distinct scopes (the parts' union).
    [ "$(summary "$l.err")" = "$(summary "$d.err")" ] ||
      fail "$name ($output): summary '$(summary "$d.err")', locally '$(summary "$l.err")'"
  done
  echo "tests/dask: $name: identical ($(wc -l <"$WORK/$name.local.csv.report") report lines, $# inputs)"
}

# 1. Differential: generated worlds of several seeds and sizes, the usage cut into files of uneven sizes.
for seed in 1 2 3; do
  w=$WORK/world$seed
  "$GEN" "$w" --tenants $((40 * seed)) --assignments $((3000 * seed)) --links $((150 * seed)) \
    --rows $((20000 + 7000 * seed)) --seed "$seed" >/dev/null 2>&1 || fail "generating world $seed"
  "$PAL" index build --db "$w/world.db" >/dev/null 2>&1 || fail "pal index build (world $seed)"
  cut_file "$w/usage.csv" $((3 + 2 * seed)) "$w/part"
  compare "seed$seed" "$w/world.db" "$w"/part-*.csv
done
# The Python API against pal itself (tests/dask/api_test.py).
$PY tests/dask/api_test.py "$PAL" "$WORK/world1/world.db" "$WORK/world1/world.db.index" "$WORK" "$WORK"/world1/part-*.csv ||
  fail "the Python API"
# One file holding the whole month (a single task), and the same files grouped into fewer tasks.
compare "one-file" "$WORK/world1/world.db" "$WORK/world1/usage.csv"
# A store without a compiled index: --dask builds the default one (a local run loads the facts).
mkdir -p "$WORK/noindex" && cp "$WORK/world1/world.db" "$WORK/noindex/world.db"
compare "no-index" "$WORK/noindex/world.db" "$WORK"/world1/part-0[0-1].csv
[ -f "$WORK/noindex/world.db.index" ] || fail "no-index: --dask did not build the default index"
# One large file cut into byte ranges on line starts (about 1 MB each), and files mixed with ranges.
TASK_BYTES=1000000 compare "byte-ranges" "$WORK/world3/world.db" "$WORK/world3/usage.csv"
TASK_BYTES=1000000 compare "ranges-and-files" "$WORK/world2/world.db" "$WORK"/world2/part-0[0-2].csv \
  "$WORK/world2/usage.csv"
# Edge cases of the contract's inputs: the reference exports (EA actual and amortized cost, a header without rows,
# a FOCUS sample) against world 1's directory, alone and with generated files.
compare "reference" "$WORK/world1/world.db" "$ROOT"/tests/data/reference/*.csv "$WORK"/world1/part-00.csv

# The distinct-scope count of a run is its own, not what a worker's earlier runs profiled: a few rows after the whole
# month, on the same workers (each run is a session of its own; docs/scale.md).
head -200 "$WORK/world1/usage.csv" >"$WORK/world1/few.csv"
compare "few-after-many" "$WORK/world1/world.db" "$WORK/world1/few.csv"

# --save and --partial. A run saved from the cluster is the local --save run: same inputs (absolute paths, SHA-256,
# rows), same report rows (pal report --run, several groupings), under a role policy file; --partial writes the
# merged part: the local part's inputs, counts and outputs, and pal merge renders it into the local report.
s=$WORK/save && mkdir -p "$s" && cp "$WORK"/world2/world.db "$WORK"/world2/world.db.index "$s/"
printf '# Owner, Contributor\n8e3af657-a8ff-443c-a75c-2fe8c4bcb635\nb24988ac-6180-49af-a7e2-ae56d6d6d4f0\n' >"$s/policy.txt"
save_inputs=(world2/part-00.csv world2/part-01.csv world2/usage.csv world2/part-02.csv)
(cd "$WORK" && "$PAL" attribute --db save/world.db --usage "${save_inputs[@]}" --role-policy save/policy.txt --save \
   --out save/local.csv 2>save/local.err) || fail "--save: the local run failed: $(cat "$s/local.err")"
(cd "$WORK" && "$PAL" attribute --db save/world.db --usage "${save_inputs[@]}" --role-policy save/policy.txt --save \
   --out save/dask.csv --dask "$SCHED" --dask-task-bytes 1000000 2>save/dask.err) ||
  fail "--save: the --dask run failed: $(cat "$s/dask.err")"
cmp "$s/local.csv" "$s/dask.csv" || fail "--save: reports differ"
grep -q '^attribute: saved as run 2 ' "$s/dask.err" || fail "--save: the --dask run was not saved as run 2: $(cat "$s/dask.err")"
[ "$(summary "$s/local.err")" = "$(summary "$s/dask.err")" ] || fail "--save: summary lines differ"
# The saved runs' records without their ID and time: period, policy (file:PATH sha256:HEX), measure, files.
"$PAL" report --db "$s/world.db" --list-runs --output csv >"$s/runs.csv"
[ "$(sed -n 2p "$s/runs.csv" | cut -d, -f3-)" = "$(sed -n 3p "$s/runs.csv" | cut -d, -f3-)" ] ||
  fail "--save: the saved runs differ: $(cat "$s/runs.csv")"
grep -qF "$WORK/world2/usage.csv" "$s/runs.csv" || fail "--save: inputs not saved with absolute paths: $(cat "$s/runs.csv")"
for by in partner,customer,month subscription,month adminType customer,partner,adminType,month; do
  for r in 1 2; do
    "$PAL" report --db "$s/world.db" --run $r --by $by --output csv >"$s/report$r.csv" || fail "pal report --run $r"
  done
  cmp "$s/report1.csv" "$s/report2.csv" || fail "--save: pal report --run --by $by differs"
done
partner=$(sed -n 2p "$s/local.csv" | cut -d, -f1)
for r in 1 2; do
  "$PAL" report --db "$s/world.db" --run $r --unattributed --partner "$partner" --output csv >"$s/unattr$r.csv"
done
cmp "$s/unattr1.csv" "$s/unattr2.csv" || fail "--save: pal report --run --unattributed differs"
# Every saved row of the two runs, without its run ID: files (path, SHA-256, rows read), report rows per file,
# unattributed rows, reconciliation.
$PY - "$s/world.db" <<'EOF2' || fail "--save: the saved runs' rows differ"
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
for table in ("run_files", "run_report_rows", "run_unattributed_rows", "run_reconciliation"):
    cols = [r[1] for r in db.execute("pragma table_info(%s)" % table) if r[1] not in ("id", "run_id")]
    rows = [db.execute("select %s from %s where run_id = ? order by %s" % (",".join(cols), table, ",".join(cols)),
                       (r,)).fetchall() for r in (1, 2)]
    if not rows[0] or rows[0] != rows[1]:
        sys.exit("%s: %d rows in run 1, %d in run 2, first difference %s" % (
            table, len(rows[0]), len(rows[1]), next((p for p in zip(*rows) if p[0] != p[1]), None)))
EOF2
echo "tests/dask: --save: run 2 (from the cluster) is run 1 (local): saved rows, --list-runs and pal report (4 groupings)"
(cd "$WORK" && "$PAL" attribute --quiet --db world2/world.db --usage world2/part-00.csv world2/part-01.csv \
   --partial save/local.part) || fail "--partial: the local run failed"
(cd "$WORK" && "$PAL" attribute --quiet --db world2/world.db --usage world2/part-00.csv world2/part-01.csv \
   --partial save/dask.part --dask "$SCHED" --dask-task-bytes 0) || fail "--partial: the --dask run failed"
# Not byte for byte: each input's result keeps the distinct-scope count of the profile cache it was credited with
# (a local run's one cache, a worker's), meaningless alone; what a part stands for is compared.
$PY - "$s/local.part" "$s/dask.part" <<'EOF2' || fail "--partial: the merged part is not the local part"
import sys, openpal
local, dask = (open(p, "rb").read() for p in sys.argv[1:3])
assert openpal.summary(local) == openpal.summary(dask), (openpal.summary(local), openpal.summary(dask))
assert openpal.render(local) == openpal.render(dask)
EOF2
(cd "$WORK" && "$PAL" attribute --quiet --db world2/world.db --usage "${save_inputs[@]}" --partial save/ranges.part \
   --dask "$SCHED" --dask-task-bytes 1000000) || fail "--partial (byte ranges): the --dask run failed"
(cd "$WORK" && "$PAL" merge --quiet save/ranges.part) >"$s/merged.csv" || fail "--partial: pal merge of the part failed"
(cd "$WORK" && "$PAL" attribute --quiet --db world2/world.db --usage "${save_inputs[@]}") >"$s/all.csv"
cmp "$s/all.csv" "$s/merged.csv" || fail "--partial: pal merge of the --dask part is not the local report"
echo "tests/dask: --partial: the merged part is the local part and merges into the local report"

# 2. Bad input. A rejected row, listed with its file as given (relative) and its line, as a local run lists it.
mkdir -p "$WORK/bad"
cp "$WORK"/world2/part-0*.csv "$WORK/bad/"
$PY - "$WORK/bad/part-02.csv" <<'EOF'
import sys
p = sys.argv[1]
lines = open(p, "rb").read().split(b"\n")
lines[7] = b"this,row,is,broken"              # line 8: too few fields
lines[20] = lines[20].replace(b",", b",x", 1)  # line 21: a field that does not parse
open(p, "wb").write(b"\n".join(lines))
EOF
(cd "$WORK" && "$PAL" attribute --db world2/world.db --usage bad/part-0*.csv --out bad.local.csv 2>bad.local.err) ||
  fail "bad input: the local run failed"
(cd "$WORK" && "$PAL" attribute --db world2/world.db --usage bad/part-0*.csv --out bad.dask.csv --dask "$SCHED" \
   --dask-task-bytes 0 2>bad.dask.err) || fail "bad input: the --dask run failed: $(cat "$WORK/bad.dask.err")"
grep -q '^rejected: bad/part-02.csv:8: ' "$WORK/bad.dask.err" || fail "bad input: line 8 not listed as bad/part-02.csv:8"
diff <(grep '^rejected: ' "$WORK/bad.local.err") <(grep '^rejected: ' "$WORK/bad.dask.err") ||
  fail "bad input: rejected rows listed differently"
cmp "$WORK/bad.local.csv" "$WORK/bad.dask.csv" || fail "bad input: reports differ"
echo "tests/dask: rejected rows: $(grep -c '^rejected: ' "$WORK/bad.dask.err") listed as the local run lists them"
# The same rows in one large file cut into byte ranges: each rejected row keeps its line in the whole file.
$PY - "$WORK/world2/usage.csv" "$WORK/bad/whole.csv" <<'EOF'
import sys
lines = open(sys.argv[1], "rb").read().split(b"\n")
for at in (9, len(lines) // 3, len(lines) // 2 + 1, len(lines) - 5):
    lines[at] = b"this,row,is,broken"
open(sys.argv[2], "wb").write(b"\n".join(lines))
EOF
(cd "$WORK" && "$PAL" attribute --db world2/world.db --usage bad/whole.csv --out whole.local.csv 2>whole.local.err) ||
  fail "bad input in one file: the local run failed"
(cd "$WORK" && "$PAL" attribute --db world2/world.db --usage bad/whole.csv --out whole.dask.csv --dask "$SCHED" \
   --dask-task-bytes 1000000 2>whole.dask.err) || fail "bad input in ranges: the --dask run failed: $(cat "$WORK/whole.dask.err")"
diff <(grep '^rejected: ' "$WORK/whole.local.err") <(grep '^rejected: ' "$WORK/whole.dask.err") ||
  fail "bad input in byte ranges: rejected rows listed differently"
cmp "$WORK/whole.local.csv" "$WORK/whole.dask.csv" || fail "bad input in byte ranges: reports differ"
echo "tests/dask: rejected rows in byte ranges: $(grep -c '^rejected: ' "$WORK/whole.dask.err") listed with whole-file lines"
# A file that cannot be credited (no usable header) fails the run with the local run's message, without retries.
printf 'not,a,cost,export\n1,2,3,4\n' >"$WORK/bad/part-09.csv"
set +e
(cd "$WORK" && "$PAL" attribute --db world2/world.db --usage bad/part-00.csv bad/part-09.csv --out x.csv \
   2>bad2.local.err)
local_rc=$?
(cd "$WORK" && timeout 60 "$PAL" attribute --db world2/world.db --usage bad/part-00.csv bad/part-09.csv --out x.csv \
   --dask "$SCHED" --dask-task-bytes 0 2>bad2.dask.err)
dask_rc=$?
set -e
[ "$local_rc" = 1 ] && [ "$dask_rc" = 1 ] || fail "unreadable file: exit $local_rc locally, $dask_rc on --dask"
want=$(grep -o 'bad/part-09.csv.*' "$WORK/bad2.local.err" | head -1)
grep -qF -- "$want" "$WORK/bad2.dask.err" ||
  fail "unreadable file: the --dask message '$(cat "$WORK/bad2.dask.err")' lacks '$want'"
echo "tests/dask: a failing task fails the run: $(head -1 "$WORK/bad2.dask.err")"
# An unreachable scheduler: a clear error, quickly.
set +e
timeout 60 "$PAL" attribute --db "$WORK/world1/world.db" --usage "$WORK/world1/part-00.csv" --out "$WORK/x.csv" \
  --dask "tcp://127.0.0.1:$(free_port)" 2>"$WORK/unreach.err"
rc=$?
set -e
[ "$rc" != 0 ] && grep -q 'cannot reach the Dask scheduler' "$WORK/unreach.err" ||
  fail "unreachable scheduler: exit $rc, '$(cat "$WORK/unreach.err")'"
echo "tests/dask: unreachable scheduler: $(cat "$WORK/unreach.err")"

# 3. Fault: 48 tasks of ~0.4 s each (a test-only delay in the task); one worker is SIGKILLed once tasks run. The
# scheduler gives its tasks to the others; the report is still the local one.
w=$WORK/world3
cut_file "$w/usage.csv" 48 "$w/many"
(cd "$WORK" && "$PAL" attribute --quiet --db "$w/world.db" --usage "$w"/many-*.csv --out fault.local.csv \
   --unattributed fault.local.u.csv) || fail "fault: the local run failed"
(cd "$WORK" && OPENPAL_DASK_TASK_DELAY=0.4 "$PAL" attribute --quiet --db "$w/world.db" --usage "$w"/many-*.csv \
   --out fault.dask.csv --unattributed fault.dask.u.csv --dask "$SCHED" --dask-task-bytes 0 2>fault.err) &
run=$!
# Kill once the victim has worked for a while: its log shows nothing, so wait on the scheduler's view of it.
sleep 3
victim=${WORKERS[0]}
kill -0 "$run" 2>/dev/null || fail "fault: the run ended before a worker could be killed (make the tasks slower)"
kill -KILL "$victim"
echo "tests/dask: SIGKILLed worker PID $victim mid-run"
wait "$run" || fail "fault: the --dask run failed after a worker died: $(cat "$WORK/fault.err")"
cmp "$WORK/fault.local.csv" "$WORK/fault.dask.csv" || fail "fault: reports differ"
cmp "$WORK/fault.local.u.csv" "$WORK/fault.dask.u.csv" || fail "fault: unattributed files differ"
echo "tests/dask: fault: identical report after a worker was killed"
echo "tests/dask: PASS"
