#!/usr/bin/env bash
# Cost exports read straight from Azure Blob Storage, against Azurite (Microsoft's storage emulator) on loopback:
# installs azurite and @azure/storage-blob (pinned, package-lock.json), starts Azurite's blob service on a free port,
# uploads the demo's cost exports in Cost Management's layout with the SDK (upload.mjs), then checks that
# `pal attribute --usage <blob URL>` with a SAS and with Shared Key gives the report of the same files read locally,
# byte for byte, that --save records each blob's URL and SHA-256, and that a missing blob, a bad SAS and a truncated
# gzip fail naming the blob. Azurite is stopped by its PID whatever happens. Usage: tests/blob/run.sh [BUILD_DIR]
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source=../lib.sh
. "$HERE/../lib.sh"
openpal_setup blob "${1:-}"
openpal_require_pal

cd "$HERE"
[ -d node_modules/azurite ] && [ -d node_modules/@azure/storage-blob ] ||
  timeout 240 npm ci --no-audit --no-fund --loglevel=error

PORT="$(openpal_free_port)"
node node_modules/azurite/dist/src/blob/main.js --blobHost 127.0.0.1 --blobPort "$PORT" --location "$WORK/azurite" \
  --silent --skipApiVersionCheck >"$WORK/azurite.log" 2>&1 &
openpal_track $!
openpal_wait_port "$PORT" || true
echo "run.sh: Azurite up after ${SECONDS} s"
ENDPOINT="http://127.0.0.1:$PORT/devstoreaccount1"
timeout 60 node upload.mjs "$ENDPOINT" "$ROOT/demo/usage" "$WORK/local" >"$WORK/upload.json"
json() { node -e "const j=JSON.parse(require('fs').readFileSync('$WORK/upload.json','utf8')); console.log($1)"; }
json 'j.key' >"$WORK/key"
json 'j.sas' >"$WORK/sas"
json 'j.badSas' >"$WORK/badsas"

DB="$WORK/openpal.db"
for s in "$ROOT"/demo/snapshots/*/; do timeout 60 "$PAL" import "$s" --db "$DB" >/dev/null; done

failures=0
check() {  # check NAME COMMAND...: runs it, counts a failure
  if "${@:2}"; then echo "ok   $1"; else echo "FAIL $1" >&2; failures=$((failures + 1)); fi
}
local_run() {
  timeout 60 "$PAL" attribute --db "$DB" --quiet --usage "$WORK/local/part_0_0001.csv.gz" "$WORK/local/part_1_0001.csv" \
    "$WORK/local/ea_actualcost_2026-09.csv" --out "$WORK/local.csv" --unattributed "$WORK/local-un.csv" 2>"$WORK/local.err"
}
blob_run() {  # blob_run NAME ARGS...: the folder URL with extra arguments
  timeout 60 "$PAL" attribute --db "$DB" --blob-list-page 2 --out "$WORK/$1.csv" --unattributed "$WORK/$1-un.csv" \
    "${@:2}" 2>"$WORK/$1.err"
}
same() { cmp -s "$WORK/local.csv" "$WORK/$1.csv" && cmp -s "$WORK/local-un.csv" "$WORK/$1-un.csv"; }
check "local run" local_run
[ -s "$WORK/local.csv" ] || { echo "run.sh: the local run wrote no report" >&2; exit 1; }

check "SAS in a file: the export folder, listed 2 blobs a page" \
  blob_run sas --usage "$ENDPOINT/costexports/exports" --blob-sas-file "$WORK/sas"
check "SAS: the report and the unattributed cost equal the local run's, byte for byte" same sas
check "SAS: the older run of the same export and period is skipped, and said" \
  grep -q "skipped $ENDPOINT/costexports/exports/focus/20260701-20260930/7a0c2f10-0000-4000-8000-000000000001/manifest.json" "$WORK/sas.err"
check "SAS: a rejected row names the blob URL and the line" \
  grep -q "rejected: $ENDPOINT/costexports/exports/focus/20260701-20260930/7a0c2f10-0000-4000-8000-000000000002/part_1_0001.csv:[0-9]" "$WORK/sas.err"
check "SAS: the signature never reaches standard error" bash -c "! grep -q 'sig=' '$WORK/sas.err'"

check "SAS in the URL itself" blob_run inline --usage "$ENDPOINT/costexports/exports?$(cat "$WORK/sas")"
check "SAS in the URL: same report" same inline
check "Shared Key: each request signed with the account key" \
  blob_run sharedkey --usage "$ENDPOINT/costexports/exports/" --blob-key-file "$WORK/key"
check "Shared Key: same report" same sharedkey
check "Shared Key, blobs named one by one (a manifest, a plain blob)" \
  blob_run named --blob-key-file "$WORK/key" --usage \
  "$ENDPOINT/costexports/exports/focus/20260701-20260930/7a0c2f10-0000-4000-8000-000000000002/manifest.json" \
  "$ENDPOINT/costexports/exports/ea/ea_actualcost_2026-09.csv"
check "named blobs: same report" same named

# The newest saved run's files are the three blobs of the export folder: their URLs (no SAS) and SHA-256s.
newest_run_holds_the_blobs() {
  timeout 60 "$PAL" report --db "$DB" --list-runs --output json >"$WORK/runs.json" &&
  node -e "
    const runs = JSON.parse(require('fs').readFileSync('$WORK/runs.json', 'utf8')).runs;
    const sha = JSON.parse(require('fs').readFileSync('$WORK/upload.json', 'utf8')).sha;
    const files = runs[runs.length - 1].files;
    const want = ['exports/focus/20260701-20260930/7a0c2f10-0000-4000-8000-000000000002/part_0_0001.csv.gz',
                  'exports/focus/20260701-20260930/7a0c2f10-0000-4000-8000-000000000002/part_1_0001.csv',
                  'exports/ea/ea_actualcost_2026-09.csv'];
    const got = files.map((f) => f.path + ' ' + f.sha256).sort();
    const expected = want.map((n) => '$ENDPOINT/costexports/' + n + ' ' + sha[n]).sort();
    if (JSON.stringify(got) !== JSON.stringify(expected)) { console.error(got, expected); process.exit(1); }"
}
saved() {  # saved ARGS...: pal attribute --save over the export folder with ARGS
  timeout 60 "$PAL" attribute --db "$DB" --quiet --save --blob-key-file "$WORK/key" \
    --usage "$ENDPOINT/costexports/exports" "$@" >/dev/null 2>"$WORK/save.err" && newest_run_holds_the_blobs
}
check "--save records each blob's URL (no SAS) and the SHA-256 of its bytes" saved

# A part of the blobs (--partial) carries each blob's SHA-256 as it streamed: pal merge gives the local run's report,
# and pal merge --save records the blobs without reading them again.
partial_blobs() {
  timeout 60 "$PAL" attribute --db "$DB" --quiet --blob-key-file "$WORK/key" --usage "$ENDPOINT/costexports/exports" \
    --partial "$WORK/blobs.part" 2>"$WORK/partial.err" &&
  timeout 60 "$PAL" merge "$WORK/blobs.part" --quiet --out "$WORK/merged.csv" --unattributed "$WORK/merged-un.csv" \
    2>"$WORK/merge.err" &&
  same merged
}
check "a part of the blobs (--partial), merged: the local run's report" partial_blobs
saved_merge() {  # that part saved by pal merge, which reads no blob: the files a local --save records
  timeout 60 "$PAL" merge "$WORK/blobs.part" --quiet --save --db "$DB" >/dev/null 2>"$WORK/merge-save.err" &&
    newest_run_holds_the_blobs
}
check "pal merge --save of that part records each blob's URL and SHA-256 (no blob read again)" saved_merge

fails_naming() {  # fails_naming NAME TEXT ARGS...: exit 1, and standard error holds TEXT
  local status=0
  timeout 60 "$PAL" attribute --db "$DB" --quiet "${@:3}" >/dev/null 2>"$WORK/$1.err" || status=$?
  [ "$status" = 1 ] && grep -qF -- "$2" "$WORK/$1.err" || { echo "  exit $status:" >&2; cat "$WORK/$1.err" >&2; return 1; }
}
check "a missing blob: the error names its URL" fails_naming missing "$ENDPOINT/costexports/exports/ea/nope.csv" \
  --blob-key-file "$WORK/key" --usage "$ENDPOINT/costexports/exports/ea/nope.csv"
check "a bad SAS: 403 naming the container, and what to check" fails_naming badsas "HTTP 403" \
  --blob-sas-file "$WORK/badsas" --usage "$ENDPOINT/costexports/exports"
check "a bad SAS: the signature is not printed" bash -c "! grep -q 'sig=' '$WORK/badsas.err'"
check "a truncated gzip: the error names the blob" fails_naming truncated \
  "$ENDPOINT/costexports/broken/truncated.csv.gz: truncated or corrupt gzip stream" \
  --blob-key-file "$WORK/key" --usage "$ENDPOINT/costexports/broken/truncated.csv.gz"

# On Dask (docs/scale.md): pal lists the blobs with its credentials; a worker reads them with its own, from its
# environment, never from the task. One scheduler and one worker, on loopback, stopped by PID.
PY=/usr/bin/python3
ls "$BUILD"/python/openpal/_engine*.so >/dev/null 2>&1 && command -v dask-scheduler >/dev/null ||
  { echo "run.sh: the Python module (build/python) or Dask is missing: scripts/setup.sh installs them" >&2; exit 1; }
export PYTHONPATH=$BUILD/python${PYTHONPATH:+:$PYTHONPATH}
DPORT="$(openpal_free_port)"
dask-scheduler --host 127.0.0.1 --port "$DPORT" --no-dashboard >"$WORK/scheduler.log" 2>&1 &
openpal_track $!
AZURE_STORAGE_KEY="$(cat "$WORK/key")" dask-worker "tcp://127.0.0.1:$DPORT" --host 127.0.0.1 --nthreads 1 --no-nanny \
  --no-dashboard --death-timeout 60 --local-directory "$WORK/worker" >"$WORK/worker.log" 2>&1 &
openpal_track $!
timeout 90 $PY "$HERE/../dask/wait_for_cluster.py" "tcp://127.0.0.1:$DPORT" 1 ||
  { tail -5 "$WORK"/scheduler.log "$WORK"/worker.log >&2; exit 1; }
echo "run.sh: Dask scheduler and worker up after ${SECONDS} s"
dask_run() {  # dask_run NAME ARGS...: the folder URL on the cluster, one task per blob
  timeout 120 "$PAL" attribute --db "$DB" --dask "tcp://127.0.0.1:$DPORT" --dask-task-bytes 0 \
    --out "$WORK/$1.csv" --unattributed "$WORK/$1-un.csv" "${@:2}" 2>"$WORK/$1.err"
}
check "Dask: pal lists with a SAS, the worker reads with its own account key" \
  dask_run dask --usage "$ENDPOINT/costexports/exports" --blob-sas-file "$WORK/sas"
check "Dask: the report and the unattributed cost equal the local run's, byte for byte" same dask
check "Dask: the rejected rows and the reconciliation are the local run's" \
  diff <(grep -v '^attribute: ' "$WORK/sas.err") <(grep -v '^attribute: ' "$WORK/dask.err")
check "Dask: pal says whose credentials read the blobs" grep -q "the workers read the blobs with their own" "$WORK/dask.err"
check "Dask: --save records each blob's URL and SHA-256, as a local run's does" \
  saved --dask "tcp://127.0.0.1:$DPORT" --dask-task-bytes 0
# A worker whose key the service refuses: the error names the blob and where the worker's credentials come from.
worker_refused() {
  local size
  size=$(stat -c %s "$WORK/local/ea_actualcost_2026-09.csv")
  AZURE_STORAGE_KEY=$(printf 'not the key' | base64) timeout 60 $PY "$HERE/worker_refused.py" "$DB.index" \
    "$ENDPOINT/costexports/exports/ea/ea_actualcost_2026-09.csv" "$size" >"$WORK/refused.err" 2>&1 ||
    { cat "$WORK/refused.err" >&2; return 1; }
}
check "a worker's refused key: 403 naming the blob and the worker's credentials" worker_refused

echo "run.sh: $failures failure(s), ${SECONDS} s"
[ "$failures" = 0 ]
