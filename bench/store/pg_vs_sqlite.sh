#!/usr/bin/env bash
# The import benchmark on both stores in one run: 1,000,000 role assignments + 200,000 principals into SQLite (a
# temporary file) and into PostgreSQL 15 (a throwaway server, tests/pg/pg_server.sh, fsync on), then the reads.
# Usage: bench/store/pg_vs_sqlite.sh [ASSIGNMENTS] [PRINCIPALS]   (after scripts/build.sh; not a timed test)
set -euo pipefail
cd "$(dirname "$0")/../.."
n=${1:-1000000}
p=${2:-200000}
echo "== SQLite"
build/store_bench "/tmp/openpal-bench-$$.db" "$n" "$p"
rm -f /tmp/openpal-bench-$$.db*
dir=$(mktemp -d /tmp/openpal-pg-bench-XXXXXX)
echo "== PostgreSQL 15"
tests/pg/pg_server.sh run "$dir" bash -c '
  psql -q "$OPENPAL_TEST_PG_URI" -c "CREATE DATABASE openpal_bench" &&
  build/store_bench "${OPENPAL_TEST_PG_URI%/*}/openpal_bench" '"$n $p"
rm -rf "$dir"
