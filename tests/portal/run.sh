#!/usr/bin/env bash
# End-to-end tests of the portal in Debian's Chromium (playwright-core, pinned in package-lock.json): imports the demo
# world into a temporary database, saves an attribution run of the demo usage, starts `pal serve --dev-issuer` over
# TLS with a self-signed certificate on loopback, runs `node --test`, and stops the server. Then the OpenID sign-in:
# an independent provider (oidc-provider, oidc/provider.js) over HTTPS on loopback, a second `pal serve` trusting it
# (--oidc-authority, --oidc-client-id, --oidc-ca-file; no dev issuer), and oidc/*.test.js signing in through it.
# Usage: tests/portal/run.sh [BUILD_DIR]   (default: build). Screenshots go to BUILD_DIR/portal-e2e/. Bounded: ~6 min.
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source=../lib.sh
. "$HERE/../lib.sh"
openpal_setup portal-e2e "${1:-}"
CHROMIUM="${OPENPAL_CHROMIUM:-/usr/bin/chromium}"
openpal_require_pal
[ -x "$CHROMIUM" ] || { echo "run.sh: $CHROMIUM not found; scripts/setup.sh installs Debian's chromium" >&2; exit 2; }

cd "$HERE"
if ! cmp -s package-lock.json node_modules/.openpal-installed-lock 2>/dev/null; then
  timeout 180 npm ci --no-audit --no-fund --loglevel=error && cp package-lock.json node_modules/.openpal-installed-lock
fi

# The portal's own unit tests (exact decimals), no browser needed.
timeout 60 node --test "$ROOT/portal/test/"

# The demo world and its usage, as demo/usage/README.md runs them.
DB="$WORK/openpal.db"
for snap in "$ROOT"/demo/snapshots/2026-07-01 "$ROOT"/demo/snapshots/2026-08-01 "$ROOT"/demo/snapshots/2026-09-01 \
            "$ROOT"/demo/snapshots/2026-10-01 "$ROOT"/demo/usage/snapshots/2026-10-01 "$ROOT"/demo/usage/snapshots/2026-10-16; do
  timeout 60 "$PAL" import "$snap" --db "$DB" >/dev/null
done
timeout 120 "$PAL" attribute --db "$DB" --usage "$ROOT"/demo/usage/focus_2026-q3.csv "$ROOT"/demo/usage/ea_actualcost_2026-09.csv \
  --save --quiet --out "$WORK/report.csv" || { echo "run.sh: pal attribute --save failed (see above)" >&2; exit 1; }

openssl req -x509 -newkey rsa:2048 -nodes -keyout "$WORK/key.pem" -out "$WORK/cert.pem" -days 2 \
  -subj "/CN=127.0.0.1" -addext "subjectAltName=IP:127.0.0.1,DNS:localhost" 2>/dev/null
openpal_serve serve --db "$DB" --listen 127.0.0.1:0 --tls-cert "$WORK/cert.pem" --tls-key "$WORK/key.pem" --dev-issuer \
  || exit 1

export OPENPAL_URL="https://127.0.0.1:$PORT"
export OPENPAL_CHROMIUM="$CHROMIUM"
export OPENPAL_ARTIFACTS="$BUILD/portal-e2e"
export NODE_EXTRA_CA_CERTS="$WORK/cert.pem"
mkdir -p "$OPENPAL_ARTIFACTS"
status=0
timeout 300 node --test --test-concurrency=1 --test-timeout=120000 "$HERE/test/" || status=$?
openpal_serve_stop "$SERVER_PID" || { echo "run.sh: pal serve did not exit cleanly on SIGTERM" >&2; status=1; }
cp "$WORK/serve.log" "$OPENPAL_ARTIFACTS/serve.log" 2>/dev/null || true

# The OpenID sign-in. The provider must know the portal's redirect URI before pal serve starts (pal serve fetches the
# provider's discovery document at start), so the portal's port is chosen first.
PORTAL_PORT="$(openpal_free_port)"
OIDC_PORTAL="https://127.0.0.1:$PORTAL_PORT" OIDC_CERT="$WORK/cert.pem" OIDC_KEY="$WORK/key.pem" \
  node "$HERE/oidc/provider.js" >"$WORK/oidc.out" 2>"$WORK/oidc.log" &
OIDC_PID=$!
openpal_track "$OIDC_PID"
OIDC_URL=""
for _ in $(seq 150); do
  OIDC_URL="$(sed -n 's#^oidc-provider: listening on \(https://127.0.0.1:[0-9]*\)$#\1#p' "$WORK/oidc.out" 2>/dev/null || true)"
  [ -n "$OIDC_URL" ] && break
  kill -0 "$OIDC_PID" 2>/dev/null || break
  sleep 0.1
done
[ -n "$OIDC_URL" ] || { echo "run.sh: oidc-provider did not start:" >&2; cat "$WORK/oidc.log" >&2; exit 1; }
openpal_serve serve-oidc --db "$DB" --listen "127.0.0.1:$PORTAL_PORT" --tls-cert "$WORK/cert.pem" \
  --tls-key "$WORK/key.pem" --oidc-authority "$OIDC_URL" --oidc-client-id openpal-portal \
  --oidc-ca-file "$WORK/cert.pem" || { echo "run.sh: pal serve --oidc-authority did not start (above)" >&2; exit 1; }
OPENPAL_URL="https://127.0.0.1:$PORTAL_PORT" OPENPAL_OIDC_URL="$OIDC_URL" \
  timeout 180 node --test --test-concurrency=1 --test-timeout=120000 "$HERE/oidc/" || status=$?
openpal_serve_stop "$SERVER_PID" ||
  { echo "run.sh: pal serve --oidc-authority did not exit cleanly on SIGTERM" >&2; status=1; }
openpal_stop "$OIDC_PID"
cp "$WORK/serve-oidc.log" "$OPENPAL_ARTIFACTS/serve-oidc.log" 2>/dev/null || true
cp "$WORK/oidc.log" "$OPENPAL_ARTIFACTS/oidc-provider.log" 2>/dev/null || true
echo "run.sh: screenshots in $OPENPAL_ARTIFACTS; $(wc -l <"$OPENPAL_ARTIFACTS/serve.log") requests logged; exit $status"
exit $status
