# shellcheck shell=bash
# The prologue the shell tests share (source it: `. "$(dirname "$0")/../lib.sh"`): where the build is, the pal binary,
# a work folder removed at exit, a free loopback port, `pal serve` started and waited for, and every process a test
# starts stopped by its PID at exit, whatever happens. Every wait is bounded.
#   openpal_setup NAME [BUILD_DIR]   sets ROOT, BUILD, PAL and WORK (/tmp/openpal-NAME-XXXXXX); KEEP_WORK=1 keeps it
#   openpal_require_pal              exits 2 when $PAL is not built
#   openpal_track PID                stops PID at exit (SIGTERM, up to 10 s, then SIGKILL)
#   openpal_stop PID                 stops it now, the same way
#   openpal_stop_all PID...          stops them all at once: SIGTERM to each, up to 10 s in all, then SIGKILL
#   openpal_free_port                prints a loopback port nobody listens on (bound, then released)
#   openpal_wait_port PORT [TENTHS]  waits until 127.0.0.1:PORT accepts a connection (default 10 s)
#   openpal_serve NAME ARGS...       `pal serve ARGS` with stdout/stderr in $WORK/NAME.out and .log; sets SERVER_PID
#                                    and PORT (from its "listening on" line, up to 15 s); fails naming its log
#   openpal_serve_stop PID           SIGTERM and wait: fails when it did not exit 0

openpal_setup() {
  local name=$1
  ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
  BUILD="$(cd "${2:-$ROOT/build}" && pwd)"
  PAL="${OPENPAL_PAL:-$BUILD/pal}"
  WORK="$(mktemp -d "/tmp/openpal-$name-XXXXXX")"
  OPENPAL_PIDS=()
  trap openpal_cleanup EXIT
}

openpal_require_pal() {
  [ -x "$PAL" ] || { echo "$(basename "$0"): $PAL not found; build the pal target first" >&2; exit 2; }
}

openpal_track() { OPENPAL_PIDS+=("$1"); }

# Forgets PID once it is reaped, so that the exit trap never signals a number the system may have reused.
openpal_untrack() {
  local kept=() pid
  for pid in "${OPENPAL_PIDS[@]}"; do [ "$pid" = "$1" ] || kept+=("$pid"); done
  OPENPAL_PIDS=("${kept[@]}")
}

openpal_stop() {
  local pid=$1
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
  fi
  wait "$pid" 2>/dev/null || true
  openpal_untrack "$pid"
}

# A dask-worker told to stop while its scheduler stops can hang in its own shutdown (seen: a CancelledError in
# Worker.close, then nothing): every stop must end with SIGKILL.
openpal_stop_all() {
  local pid alive
  for pid in "$@"; do kill -TERM "$pid" 2>/dev/null || true; done
  for _ in $(seq 100); do
    alive=0
    for pid in "$@"; do kill -0 "$pid" 2>/dev/null && alive=1; done
    [ "$alive" = 0 ] && break
    sleep 0.1
  done
  for pid in "$@"; do kill -KILL "$pid" 2>/dev/null || true; done
  for pid in "$@"; do wait "$pid" 2>/dev/null || true; done
}

openpal_cleanup() {
  local pid
  for pid in "${OPENPAL_PIDS[@]}"; do openpal_stop "$pid"; done
  cd /
  if [ -n "${KEEP_WORK:-}" ]; then echo "$(basename "$0"): kept $WORK" >&2; else rm -rf "$WORK"; fi
}

openpal_free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

openpal_wait_port() {
  local port=$1 tenths=${2:-100}
  for _ in $(seq "$tenths"); do
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && return 0
    sleep 0.1
  done
  return 1
}

openpal_serve() {
  local name=$1
  shift
  "$PAL" serve "$@" >"$WORK/$name.out" 2>"$WORK/$name.log" &
  SERVER_PID=$!
  openpal_track "$SERVER_PID"
  PORT=""
  for _ in $(seq 150); do
    # The server opens NAME.out itself: until it has, there is nothing to read yet (not an error under set -e).
    PORT="$(sed -n 's#.*listening on https\?://127\.0\.0\.1:\([0-9]*\).*#\1#p' "$WORK/$name.out" 2>/dev/null || true)"
    [ -n "$PORT" ] && return 0
    kill -0 "$SERVER_PID" 2>/dev/null || break
    sleep 0.1
  done
  echo "$(basename "$0"): pal serve did not start:" >&2
  cat "$WORK/$name.log" >&2
  return 1
}

openpal_serve_stop() {
  local status=0
  kill -TERM "$1"
  wait "$1" || status=$?
  openpal_untrack "$1"
  return $status
}
