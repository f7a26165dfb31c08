#!/usr/bin/env bash
# Conformance with the official client: installs @azure/arm-managementpartner (pinned, package-lock.json), builds a
# fixture database with `pal import`, starts `pal serve` over TLS with the dev issuer, mints tokens with `pal token`,
# and runs the node tests. Usage: tests/conformance/run.sh [BUILD_DIR]   (default: build). Bounded to 5 minutes.
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
BUILD="$(cd "${1:-$ROOT/build}" && pwd)"
PAL="${OPENPAL_PAL:-$BUILD/pal}"
[ -x "$PAL" ] || { echo "run.sh: $PAL not found; build the pal target first" >&2; exit 2; }
WORK="$(mktemp -d /tmp/openpal-conformance-XXXXXX)"
SERVER_PID=""
cleanup() {
  if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill -TERM "$SERVER_PID"
    for _ in $(seq 50); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.2; done
  fi
  rm -rf "$WORK"
}
trap cleanup EXIT

cd "$HERE"
timeout 180 npm ci --no-audit --no-fund --loglevel=error

DB="$WORK/openpal.db"
timeout 60 "$PAL" import "$HERE/fixture/snapshot" --db "$DB" >/dev/null
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$WORK/key.pem" -out "$WORK/cert.pem" -days 2 \
  -subj "/CN=127.0.0.1" -addext "subjectAltName=IP:127.0.0.1,DNS:localhost" 2>/dev/null

"$PAL" serve --db "$DB" --listen 127.0.0.1:0 --tls-cert "$WORK/cert.pem" --tls-key "$WORK/key.pem" --dev-issuer \
  >"$WORK/serve.out" 2>"$WORK/serve.log" &
SERVER_PID=$!
PORT=""
for _ in $(seq 100); do
  # The server opens serve.out itself: until it has, there is nothing to read yet (not an error under set -e).
  PORT="$(sed -n 's#.*listening on https://127.0.0.1:\([0-9]*\).*#\1#p' "$WORK/serve.out" 2>/dev/null || true)"
  [ -n "$PORT" ] && break
  sleep 0.1
done
[ -n "$PORT" ] || { echo "run.sh: pal serve did not start:" >&2; cat "$WORK/serve.log" >&2; exit 1; }

TENANT=1b1121dd-6900-412a-af73-e8d44f81e1c1
export TOKEN_A="$("$PAL" token --db "$DB" --tenant $TENANT --object aa67f786-0552-423e-8849-244ed12bf581)"
export TOKEN_B="$("$PAL" token --db "$DB" --tenant $TENANT --object bb67f786-0552-423e-8849-244ed12bf582)"
export TOKEN_STRANGER="$("$PAL" token --db "$DB" --tenant $TENANT --object cc67f786-0552-423e-8849-244ed12bf583)"
export OPENPAL_ENDPOINT="https://127.0.0.1:$PORT"
export NODE_EXTRA_CA_CERTS="$WORK/cert.pem"
status=0
timeout 120 node --test "$HERE/test/" || status=$?
kill -TERM "$SERVER_PID"
wait "$SERVER_PID" || { echo "run.sh: pal serve did not exit cleanly on SIGTERM" >&2; status=1; }
SERVER_PID=""
echo "run.sh: $(wc -l <"$WORK/serve.log") requests logged; exit $status"
exit $status
