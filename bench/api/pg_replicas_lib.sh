# Shared by bench/api/replicas_pg.sh and restart_pg.sh (sourced, not run): a work folder removed at exit, a throwaway
# PostgreSQL 15 (tests/pg/pg_server.sh, fsync on) with a database for the bench, and `pal serve` replicas on it.
# Needs ROOT and PAL set by the caller; sets WORK, PIDS, ADMIN, DB and PORTS.

# Makes WORK (named after $1), stops every replica and the server at exit, and moves into it: the dev issuer's key
# for a URI is a file in the current folder, so replicas started here share it.
bench_work() {
  WORK="$(mktemp -d "/tmp/openpal-bench-$1-XXXXXX")"
  chmod 755 "$WORK"  # the server runs as the postgres user when we are root, and must reach its folder
  PIDS=()
  trap bench_cleanup EXIT
  cd "$WORK"
}
bench_cleanup() {
  for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  "$ROOT/tests/pg/pg_server.sh" stop "$WORK/pg" >/dev/null 2>&1 || true
  rm -rf "$WORK"
}

# Starts the server in WORK/pg and creates the database openpal_bench: ADMIN and DB are their URIs.
bench_database() {
  ADMIN="$("$ROOT/tests/pg/pg_server.sh" start "$WORK/pg")"
  psql -q "$ADMIN" -c "CREATE DATABASE openpal_bench"
  DB="${ADMIN%/*}/openpal_bench"
}

# Starts $1 replicas (`pal serve --dev-issuer` over HTTP on a free port) on DB: PORTS lists their ports.
bench_replicas() {
  local i port
  PORTS=()
  for i in $(seq "$1"); do
    : >"$WORK/serve$i.out"  # before the background start opens it: the first read below may come first
    "$PAL" serve --db "$DB" --listen 127.0.0.1:0 --dev-issuer >>"$WORK/serve$i.out" 2>"$WORK/serve$i.log" &
    PIDS+=($!)
    port=""
    for _ in $(seq 100); do
      port="$(sed -n 's#.*listening on http://127.0.0.1:\([0-9]*\).*#\1#p' "$WORK/serve$i.out")"
      [ -n "$port" ] && break
      sleep 0.1
    done
    [ -n "$port" ] || { echo "bench: pal serve $i did not start" >&2; cat "$WORK/serve$i.log" >&2; exit 1; }
    PORTS+=("$port")
  done
}
