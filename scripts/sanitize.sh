#!/usr/bin/env bash
# Builds the unit and integration tests under ASan + UBSan into build-asan/ (-DOPENPAL_SANITIZE=ON: the flags live in
# the top-level CMakeLists.txt) and runs them; any sanitizer report fails the test that triggered it.
# Tests labelled no_asan are skipped here (each label says why where it is set). scripts/test.sh runs this.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -d portal/dist ] || (cd portal && npm run --silent build >/dev/null)
# What this stage builds and runs (counted in the normal tree, issue 13): benches are already off here
# (-DOPENPAL_BUILD_BENCH=OFF: the 7 bench objects and save_memory_tests, which needs the bench generator); fuzz
# targets are clang-only and not built; the pal binary and every test binary are, about 177 objects. The tests run
# are ctest's all but label no_asan: the PostgreSQL-parameterised suites run twice, as in the normal tree (store_tests
# */Postgres, api_tests and reports_api_tests as pg.*, link_cli_tests *OnPostgres); they stay, since they are the only
# sanitizer coverage of the PostgreSQL store and of pal serve over it. pg_replicas_test (no_asan) is no longer built
# here (tests/pg/CMakeLists.txt), since it never ran.
# -O1 -g1: half the compile time of -O2 -g (measured on tests/api/serve_routes_test.cc: 23 s against 51 s of CPU), and
# the level ASan's own documentation suggests; line tables are all a sanitizer report needs.
cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g1" \
  -DOPENPAL_SANITIZE=ON -DOPENPAL_BUILD_BENCH=OFF >/dev/null
cmake --build build-asan -j"$(nproc)"
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
ctest --test-dir build-asan --output-on-failure --timeout 600 -j2 -LE no_asan
