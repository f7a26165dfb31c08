#!/usr/bin/env bash
# Conformance with the official client: installs @azure/arm-managementpartner (pinned, package-lock.json), builds a
# fixture database with `pal import`, starts `pal serve` over TLS with the dev issuer, mints tokens with `pal token`,
# and runs the node tests. Usage: tests/conformance/run.sh [BUILD_DIR]   (default: build). Bounded to 5 minutes.
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source=../lib.sh
. "$HERE/../lib.sh"
openpal_setup conformance "${1:-}"
openpal_require_pal

cd "$HERE"
timeout 180 npm ci --no-audit --no-fund --loglevel=error

DB="$WORK/openpal.db"
timeout 60 "$PAL" import "$HERE/fixture/snapshot" --db "$DB" >/dev/null
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$WORK/key.pem" -out "$WORK/cert.pem" -days 2 \
  -subj "/CN=127.0.0.1" -addext "subjectAltName=IP:127.0.0.1,DNS:localhost" 2>/dev/null

openpal_serve serve --db "$DB" --listen 127.0.0.1:0 --tls-cert "$WORK/cert.pem" --tls-key "$WORK/key.pem" --dev-issuer \
  || exit 1

TENANT=1b1121dd-6900-412a-af73-e8d44f81e1c1
export TOKEN_A="$("$PAL" token --db "$DB" --tenant $TENANT --object aa67f786-0552-423e-8849-244ed12bf581)"
export TOKEN_B="$("$PAL" token --db "$DB" --tenant $TENANT --object bb67f786-0552-423e-8849-244ed12bf582)"
export TOKEN_STRANGER="$("$PAL" token --db "$DB" --tenant $TENANT --object cc67f786-0552-423e-8849-244ed12bf583)"
export OPENPAL_ENDPOINT="https://127.0.0.1:$PORT"
export NODE_EXTRA_CA_CERTS="$WORK/cert.pem"
status=0
timeout 120 node --test "$HERE/test/" || status=$?
openpal_serve_stop "$SERVER_PID" || { echo "run.sh: pal serve did not exit cleanly on SIGTERM" >&2; status=1; }
echo "run.sh: $(wc -l <"$WORK/serve.log") requests logged; exit $status"
exit $status
