#!/usr/bin/env bash
# A throwaway PostgreSQL 15 for tests and benchmarks: its own data and socket folder under DIR, a free loopback port.
#   pg_server.sh start DIR    initdb (first time) and start; prints the URI and writes it to DIR/uri
#   pg_server.sh stop DIR     stops the server started in DIR (by the PID in DIR/data/postmaster.pid)
#   pg_server.sh restart DIR  stops it (fast) and starts it again on the same port (fault-injection tests)
#   pg_server.sh run DIR CMD... starts, exports OPENPAL_TEST_PG_URI, runs CMD, and stops the server however CMD ends
# Debian's binaries (postgresql-15, scripts/setup.sh). As root, initdb and postgres refuse to run: they run as the
# `postgres` user through runuser, and DIR is handed to that user.
# Without the binaries: an error when CI=true (a PG test must fail, not pass by skipping); otherwise a message and
# exit status 3, and no DIR/uri (the tests then skip, saying why).
set -euo pipefail

BIN=${OPENPAL_PG_BIN:-/usr/lib/postgresql/15/bin}
cmd=${1:-}
dir=${2:-}
if [ -z "$cmd" ] || [ -z "$dir" ]; then
  echo "usage: $0 start|stop|restart|run DIR [CMD...]" >&2
  exit 2
fi
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
data="$dir/data"
sock="$dir/sock"

as_owner() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

free_port() {
  # Ask the kernel for a free loopback port (bound then released; postgres binds it right after).
  python3 - <<'PY' 2>/dev/null || echo $((20000 + RANDOM % 20000))
import socket
s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()
PY
}

stop() {
  rm -f "$dir/uri"
  if [ -f "$data/postmaster.pid" ]; then
    as_owner "$BIN/pg_ctl" -D "$data" -m fast -w -t 30 stop >/dev/null 2>&1 || {
      pid=$(head -1 "$data/postmaster.pid" 2>/dev/null || true)
      [ -n "$pid" ] && kill -9 "$pid" 2>/dev/null || true
    }
  fi
}

start() {
  if [ ! -x "$BIN/postgres" ]; then
    if [ "${CI:-}" = true ]; then
      echo "pg_server.sh: no PostgreSQL binaries in $BIN: CI needs them (scripts/setup.sh installs postgresql-15)" >&2
      exit 1
    fi
    echo "pg_server.sh: no PostgreSQL binaries in $BIN: the PostgreSQL tests skip (install postgresql-15)" >&2
    rm -f "$dir/uri"
    exit 3
  fi
  stop  # a server left over by an interrupted run
  if [ "$(id -u)" = 0 ]; then chown postgres: "$dir"; fi
  if [ ! -f "$data/PG_VERSION" ]; then
    as_owner "$BIN/initdb" -D "$data" -U openpal --auth=trust --encoding=UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 ||
      { cat "$dir/initdb.log" >&2; exit 1; }
  fi
  as_owner mkdir -p "$sock"
  local port
  port=$(cat "$dir/port" 2>/dev/null || free_port)
  # fsync stays on: the durability tests (SIGKILL, restart) mean it. Small buffers: many of these run at once.
  if ! as_owner "$BIN/pg_ctl" -D "$data" -l "$dir/server.log" -w -t 60 \
      -o "-c listen_addresses=127.0.0.1 -p $port -k $sock -c shared_buffers=32MB -c max_connections=200 -c fsync=on" \
      start >/dev/null; then
    tail -20 "$dir/server.log" >&2
    exit 1
  fi
  echo "$port" >"$dir/port"
  local uri="postgresql://openpal@127.0.0.1:$port/postgres"
  echo "$uri" >"$dir/uri"
  echo "$uri"
}

case "$cmd" in
  start) start ;;
  stop) stop ;;
  restart) stop; start ;;
  run)
    shift 2
    trap stop EXIT
    OPENPAL_TEST_PG_URI=$(start)
    export OPENPAL_TEST_PG_URI
    "$@"
    ;;
  *) echo "usage: $0 start|stop|restart|run DIR [CMD...]" >&2; exit 2 ;;
esac
