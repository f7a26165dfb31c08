#!/usr/bin/env bash
# The README's test command: installs what is missing, builds, and runs every test (unit, integration,
# conformance with the official Azure SDK for JavaScript), then the unit and integration tests again under ASan + UBSan
# (build-asan/) and a short run of every fuzz target (build-fuzz/). Exits non-zero if anything fails.
set -euo pipefail
cd "$(dirname "$0")/.."
# Each step prints its wall time and the running total, so that every CI log measures where its time goes (the
# budget: 45 minutes on a 2-core machine; docs/fuzzing.md, "What it adds to CI").
step() {
  local name=$1 start=$SECONDS
  shift
  "$@"
  echo "test.sh: step '$name' took $((SECONDS - start)) s (${SECONDS} s in all)"
}
step setup bash scripts/setup.sh
step build bash scripts/build.sh
# The tests' temporary files go to a folder of this run's own (gtest's TempDir() and std::filesystem's
# temp_directory_path() both read TMPDIR; so do mktemp, PostgreSQL, Dask and Chromium), so that a test run in another
# checkout on the same machine cannot collide with this one on a fixed file name. Removed when the run ends.
TEST_TMP=$(mktemp -d /tmp/openpal-test.XXXXXX)
chmod 1777 "$TEST_TMP"   # as /tmp is: tests that drop to the user nobody must still reach their files
trap 'rm -rf "$TEST_TMP"' EXIT
export TMPDIR=$TEST_TMP
step ctest ctest --test-dir build --output-on-failure --timeout 300 -j2
if [ -f tests/conformance/package.json ]; then
  step conformance bash tests/conformance/run.sh
fi
# Cost exports read from Azure Blob Storage, against Azurite (npm) on loopback (tests/blob/run.sh).
if [ -f tests/blob/package.json ]; then
  step blob bash tests/blob/run.sh
fi
# pal attribute --dask against a real Dask scheduler and three workers on loopback (tests/dask/run.sh, docs/scale.md).
step dask bash tests/dask/run.sh
if [ -f tests/portal/package.json ]; then
  step portal bash tests/portal/run.sh
fi
# The same tests under AddressSanitizer + UndefinedBehaviorSanitizer (OPENPAL_SANITIZE, docs/fuzzing.md). Tests
# labelled no_asan are too slow there and say why in their CMakeLists.txt.
step sanitize bash scripts/sanitize.sh
# Every fuzz target for a short smoke from its seed corpus (bench/fuzz/run.sh runs them longer).
step fuzz-smoke bash bench/fuzz/run.sh "${OPENPAL_FUZZ_SMOKE_SECONDS:-20}"
