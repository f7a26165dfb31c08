#!/usr/bin/env bash
# The real Azure CLI (Debian's azure-cli 2.45) against `pal serve --dev-issuer` over TLS on loopback, with no other
# network: az cloud register with openpal's endpoints, az login --service-principal with a client secret and with a
# federated token (a client assertion signed by a registered key), the ARM calls login makes (GET /subscriptions),
# az rest PUT/GET/PATCH/DELETE of a partner link, az account get-access-token, and two service principals that
# cannot touch each other's links. Facts used: /work/shared/reference/az-cli-offline.md; see docs/api.md.
#   tests/az/az_login_test.sh [BUILD_DIR]        (ctest runs it as az_login, label "az")
# Exits 77 (ctest: skipped) when az is not installed (scripts/setup.sh installs it).
set -euo pipefail
# shellcheck source=../lib.sh
. "$(dirname "$0")/../lib.sh"
if ! command -v az >/dev/null 2>&1; then
  echo "az_login: SKIPPED: the Azure CLI (az) is not installed; scripts/setup.sh installs Debian's azure-cli"
  exit 77
fi

openpal_setup az "${1:-}"
fail() {
  echo "az_login: FAILED: $*" >&2
  echo "--- pal serve log (last 30 lines)" >&2
  tail -30 "$WORK/serve.log" >&2 || true
  exit 1
}
step() { echo "az_login: $*"; }

# The demo world: contoso-automation (tenant ...01) and fabrikam-ops (tenant ...02) are service principals with
# subscriptions; 4100011 and 4100012 are location partner IDs.
T01=10000000-0000-4000-8000-000000000001 CONTOSO_SP=40000000-0000-4000-8000-010000000001
CONTOSO_APP=a0000000-0000-4000-8000-010000000001
T02=10000000-0000-4000-8000-000000000002 FABRIKAM_SP=40000000-0000-4000-8000-020000000001
FABRIKAM_APP=a0000000-0000-4000-8000-020000000001
DB=$WORK/az.db
for day in 2026-07-01 2026-08-01 2026-09-01 2026-10-01; do
  "$PAL" import "$ROOT/demo/snapshots/$day" --db "$DB" >/dev/null
done

# A test CA and a leaf for localhost and 127.0.0.1; az (requests and MSAL) trusts the CA through REQUESTS_CA_BUNDLE.
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=openpal test CA" -keyout "$WORK/ca.key" \
  -out "$WORK/ca.pem" -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign" 2>/dev/null
openssl req -newkey rsa:2048 -nodes -subj "/CN=localhost" -keyout "$WORK/leaf.key" -out "$WORK/leaf.csr" 2>/dev/null
printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n' >"$WORK/leaf.ext"
openssl x509 -req -in "$WORK/leaf.csr" -CA "$WORK/ca.pem" -CAkey "$WORK/ca.key" -CAcreateserial -days 2 \
  -extfile "$WORK/leaf.ext" -out "$WORK/leaf.pem" 2>/dev/null

secret_of() { sed -n 's/^client_secret: *//p'; }
CONTOSO_SECRET=$("$PAL" credential add --db "$DB" --tenant $T01 --object $CONTOSO_SP 2>/dev/null | secret_of)
FABRIKAM_SECRET=$("$PAL" credential add --db "$DB" --tenant $T02 --object $FABRIKAM_SP 2>/dev/null | secret_of)
[ -n "$CONTOSO_SECRET" ] && [ -n "$FABRIKAM_SECRET" ] || fail "pal credential add printed no secret"
# The federated credential: contoso's own key, registered by its public half; the assertion is a `pal token --key`.
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$WORK/client.key" 2>/dev/null
openssl pkey -in "$WORK/client.key" -pubout -out "$WORK/client.pub"
"$PAL" credential add --db "$DB" --tenant $T01 --object $CONTOSO_SP --public-key "$WORK/client.pub" >/dev/null
FEDERATED=$("$PAL" token --db "$DB" --tenant $T01 --object $CONTOSO_SP --key "$WORK/client.key" \
  --audience api://AzureADTokenExchange --ttl 600)

openpal_serve serve --db "$DB" --listen 127.0.0.1:0 --tls-cert "$WORK/leaf.pem" --tls-key "$WORK/leaf.key" \
  --dev-issuer --threads 8 || fail "pal serve did not start"
BASE=https://localhost:$PORT

export AZURE_CORE_COLLECT_TELEMETRY=false AZURE_CORE_SURVEY_MESSAGE=false AZURE_CORE_NO_COLOR=true
export AZURE_CORE_ONLY_SHOW_ERRORS=true REQUESTS_CA_BUNDLE=$WORK/ca.pem
# One configuration folder (clouds, token cache) per signed-in principal.
as() {
  local who=$1
  shift
  AZURE_CONFIG_DIR=$WORK/az-$who az "$@"
}
register() {
  mkdir -p "$WORK/az-$1"
  as "$1" cloud register -n openpal --endpoint-resource-manager "$BASE/" --endpoint-active-directory "$BASE/adfs" \
    --endpoint-active-directory-resource-id https://management.core.windows.net/ \
    --endpoint-active-directory-graph-resource-id https://graph.windows.net/ >/dev/null
  as "$1" cloud set -n openpal >/dev/null
}
LINK=/providers/Microsoft.ManagementPartner/partners
V=api-version=2018-02-01
json() { python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }
started=$(date +%s)

step "az cloud register, az login --service-principal with a client secret"
register contoso
as contoso login --service-principal -u $CONTOSO_APP -p "$CONTOSO_SECRET" --tenant $T01 -o json >"$WORK/login.json" ||
  fail "az login with a secret"
[ "$(json 'd[0]["tenantId"]' <"$WORK/login.json")" = $T01 ] || fail "login: wrong tenant: $(cat "$WORK/login.json")"
[ "$(json 'd[0]["user"]["type"]' <"$WORK/login.json")" = servicePrincipal ] || fail "login: not a service principal"

step "a wrong secret is refused"
register wrong
if as wrong login --service-principal -u $CONTOSO_APP -p pal_wrong --tenant $T01 >/dev/null 2>"$WORK/wrong.err"; then
  fail "az login succeeded with a wrong secret"
fi
grep -q "client secret is wrong" "$WORK/wrong.err" || fail "wrong secret: not refused as such: $(cat "$WORK/wrong.err")"

step "az rest: PUT, GET, PATCH, GET, DELETE of contoso's link"
as contoso rest --method put --url "$LINK/4100011?$V" -o json >"$WORK/put.json" || fail "PUT"
[ "$(json 'd["properties"]["partnerId"]' <"$WORK/put.json")" = 4100011 ] || fail "PUT body: $(cat "$WORK/put.json")"
[ "$(json 'd["properties"]["objectId"]' <"$WORK/put.json")" = $CONTOSO_SP ] || fail "PUT is not contoso's link"
as contoso rest --method get --url "$LINK/4100011?$V" -o json >/dev/null || fail "GET"
as contoso rest --method patch --url "$LINK/4100012?$V" -o json >"$WORK/patch.json" || fail "PATCH"
[ "$(json 'd["properties"]["partnerId"]' <"$WORK/patch.json")" = 4100012 ] || fail "PATCH did not move the link"
[ "$(json 'd["properties"]["version"]' <"$WORK/patch.json")" = 2 ] || fail "PATCH version: $(cat "$WORK/patch.json")"
if as contoso rest --method get --url "$LINK/4100011?$V" >/dev/null 2>&1; then fail "GET of the old ID after PATCH"; fi

step "az account get-access-token"
as contoso account get-access-token -o json >"$WORK/token.json" || fail "get-access-token"
python3 - "$WORK/token.json" $CONTOSO_SP $CONTOSO_APP <<'PY' || fail "get-access-token: wrong claims"
import base64, json, sys
token = json.load(open(sys.argv[1]))["accessToken"]
payload = token.split(".")[1]
claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
assert claims["oid"] == sys.argv[2] and claims["appid"] == sys.argv[3], claims
assert claims["aud"] == "https://management.core.windows.net/", claims
PY

step "a second service principal (fabrikam-ops) cannot touch contoso's link"
register fabrikam
as fabrikam login --service-principal -u $FABRIKAM_APP -p "$FABRIKAM_SECRET" --tenant $T02 >/dev/null ||
  fail "az login as fabrikam"
if as fabrikam rest --method get --url "$LINK/4100012?$V" >/dev/null 2>&1; then fail "fabrikam sees contoso's link"; fi
as fabrikam rest --method delete --url "$LINK/4100012?$V" >/dev/null || fail "fabrikam DELETE (200 even if unlinked)"
as contoso rest --method get --url "$LINK/4100012?$V" -o json >/dev/null || fail "fabrikam's DELETE ended contoso's link"
as fabrikam rest --method put --url "$LINK/4100011?$V" -o json >"$WORK/fput.json" || fail "fabrikam PUT"
[ "$(json 'd["properties"]["objectId"]' <"$WORK/fput.json")" = $FABRIKAM_SP ] || fail "fabrikam PUT is not its own link"
as contoso rest --method get --url "$LINK/4100012?$V" -o json >/dev/null || fail "fabrikam's PUT changed contoso's link"

step "contoso deletes its link"
as contoso rest --method delete --url "$LINK/4100012?$V" >/dev/null || fail "DELETE"
if as contoso rest --method get --url "$LINK/4100012?$V" >/dev/null 2>&1; then fail "GET after DELETE"; fi
as fabrikam rest --method get --url "$LINK/4100011?$V" -o json >/dev/null || fail "contoso's DELETE ended fabrikam's link"

step "az login --service-principal --federated-token (a client assertion signed by contoso's registered key)"
register federated
as federated login --service-principal -u $CONTOSO_APP --federated-token "$FEDERATED" --tenant $T01 >/dev/null ||
  fail "az login with a federated token"
as federated rest --method put --url "$LINK/4100011?$V" -o json >"$WORK/fed.json" || fail "PUT after federated login"
[ "$(json 'd["properties"]["objectId"]' <"$WORK/fed.json")" = $CONTOSO_SP ] || fail "federated PUT is not contoso's"

echo "az_login: passed ($(($(date +%s) - started)) s of az calls)"
