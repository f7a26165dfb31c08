#!/usr/bin/env bash
# Link API throughput: wrk over keep-alive connections against `pal serve` (GET, and PUT/DELETE cycles; HTTP and
# HTTPS) and, in the same run, against nginx serving a static JSON body of the same size. Prints a table:
# scenario, requests/s, p50, p99, ratio to nginx. Installs nothing: `OPENPAL_WITH_BENCH_TOOLS=1 scripts/setup.sh`
# installs wrk and nginx-light. Usage: bench/api/run.sh [BUILD_DIR] (default build). Env: DURATION (10s),
# CONNECTIONS (64), THREADS (2).
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
BUILD="$(cd "${1:-$ROOT/build}" && pwd)"
PAL="${OPENPAL_PAL:-$BUILD/pal}"
DURATION="${DURATION:-10s}"
CONNECTIONS="${CONNECTIONS:-64}"
THREADS="${THREADS:-2}"
for tool in wrk nginx openssl; do
  command -v "$tool" >/dev/null || [ -x "/usr/sbin/$tool" ] || {
    echo "bench: $tool missing (OPENPAL_WITH_BENCH_TOOLS=1 scripts/setup.sh)" >&2; exit 2; }
done
NGINX="$(command -v nginx || echo /usr/sbin/nginx)"
[ -x "$PAL" ] || { echo "bench: $PAL not found; build the pal target first" >&2; exit 2; }

WORK="$(mktemp -d /tmp/openpal-bench-api-XXXXXX)"
chmod 755 "$WORK"  # nginx workers run as another user and must read the static body
PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$WORK"
}
trap cleanup EXIT

DB="$WORK/openpal.db"
timeout 60 "$PAL" import "$ROOT/tests/conformance/fixture/snapshot" --db "$DB" >/dev/null
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$WORK/key.pem" -out "$WORK/cert.pem" -days 2 \
  -subj "/CN=127.0.0.1" -addext "subjectAltName=IP:127.0.0.1" 2>/dev/null
TENANT=1b1121dd-6900-412a-af73-e8d44f81e1c1
TOKEN_GET="$("$PAL" token --db "$DB" --tenant $TENANT --object aa67f786-0552-423e-8849-244ed12bf581)"
TOKEN_WRITE="$("$PAL" token --db "$DB" --tenant $TENANT --object bb67f786-0552-423e-8849-244ed12bf582)"
LINK_PATH="/providers/Microsoft.ManagementPartner/partners/1234567?api-version=2018-02-01"

start_pal() {  # $1 = name, extra args follow; sets STARTED_PORT. Not run in $(...): PIDS must reach cleanup.
  local name="$1"; shift
  "$PAL" serve --db "$DB" --listen 127.0.0.1:0 --dev-issuer "$@" >"$WORK/$name.out" 2>"$WORK/$name.log" &
  PIDS+=($!)
  STARTED_PORT=""
  for _ in $(seq 100); do
    STARTED_PORT="$(sed -n 's#.*listening on https\{0,1\}://127.0.0.1:\([0-9]*\).*#\1#p' "$WORK/$name.out")"
    [ -n "$STARTED_PORT" ] && return
    sleep 0.1
  done
  echo "bench: pal serve ($name) did not start" >&2; cat "$WORK/$name.log" >&2; exit 1
}
start_pal http
HTTP_PORT="$STARTED_PORT"
start_pal https --tls-cert "$WORK/cert.pem" --tls-key "$WORK/key.pem"
HTTPS_PORT="$STARTED_PORT"

# Create the GET principal's link; its body, byte for byte, is what nginx serves.
curl -sf -X PUT -H "Authorization: Bearer $TOKEN_GET" -H "Content-Length: 0" \
  "http://127.0.0.1:$HTTP_PORT$LINK_PATH" -o "$WORK/link.json"
BODY_BYTES="$(wc -c <"$WORK/link.json")"
mkdir -p "$WORK/nginx/html/providers/Microsoft.ManagementPartner/partners"
cp "$WORK/link.json" "$WORK/nginx/html/providers/Microsoft.ManagementPartner/partners/1234567"
NGINX_HTTP=$((HTTP_PORT + 1)); NGINX_HTTPS=$((HTTP_PORT + 2))
cat >"$WORK/nginx/nginx.conf" <<CONF
worker_processes 2;
daemon off;
pid $WORK/nginx/nginx.pid;
error_log $WORK/nginx/error.log;
events { worker_connections 1024; }
http {
  access_log off;
  keepalive_requests 1000000;
  default_type application/json;
  client_body_temp_path $WORK/nginx/tmp; proxy_temp_path $WORK/nginx/tmp; fastcgi_temp_path $WORK/nginx/tmp;
  uwsgi_temp_path $WORK/nginx/tmp; scgi_temp_path $WORK/nginx/tmp;
  server {
    listen 127.0.0.1:$NGINX_HTTP;
    listen 127.0.0.1:$NGINX_HTTPS ssl;
    ssl_certificate $WORK/cert.pem; ssl_certificate_key $WORK/key.pem;
    root $WORK/nginx/html;
  }
}
CONF
mkdir -p "$WORK/nginx/tmp"
"$NGINX" -p "$WORK/nginx" -c "$WORK/nginx/nginx.conf" 2>"$WORK/nginx/start.log" &
PIDS+=($!)
sleep 0.5

to_ms() {
  awk -v v="$1" 'BEGIN { n = v + 0; if (v ~ /us$/) n /= 1000; else if (v ~ /ms$/) n += 0; else if (v ~ /s$/) n *= 1000; printf "%.2f", n }'
}
# wrk's request path must start with "/": rebuild it from the URL.
path_of() { echo "/${1#*://*/}"; }

declare -A R
run() {  # $1 = scenario, $2 = url, $3 = script, $4 = token
  local path; path="$(path_of "$2")"
  R[$1]="$(measure_path "$2" "$3" "$4" "$path")"
}
measure_path() {  # $1 = url, $2 = script, $3 = token, $4 = path; prints "rps p50_ms p99_ms"
  local out
  out="$(BENCH_PATH="$4" BENCH_TOKEN="$3" wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency -s "$2" "$1" 2>&1)"
  echo "== $1 $2" >>"$WORK/wrk.txt"; echo "$out" >>"$WORK/wrk.txt"
  if echo "$out" | grep -q "Non-2xx"; then echo "bench: $(echo "$out" | grep Non-2xx) for $1 $2" >&2; fi
  local rps p50 p99
  rps="$(echo "$out" | awk '/Requests\/sec/ {print $2}')"
  p50="$(echo "$out" | awk '$1=="50%" {print $2}')"
  p99="$(echo "$out" | awk '$1=="99%" {print $2}')"
  echo "$rps $(to_ms "$p50") $(to_ms "$p99")"
}

LOAD_START="$(cut -d' ' -f1-3 /proc/loadavg)"
run nginx_http "http://127.0.0.1:$NGINX_HTTP$LINK_PATH" "$HERE/get.lua" "unused"
run nginx_https "https://127.0.0.1:$NGINX_HTTPS$LINK_PATH" "$HERE/get.lua" "unused"
run get_http "http://127.0.0.1:$HTTP_PORT$LINK_PATH" "$HERE/get.lua" "$TOKEN_GET"
run get_https "https://127.0.0.1:$HTTPS_PORT$LINK_PATH" "$HERE/get.lua" "$TOKEN_GET"
run putdel_http "http://127.0.0.1:$HTTP_PORT$LINK_PATH" "$HERE/put_delete.lua" "$TOKEN_WRITE"
run putdel_https "https://127.0.0.1:$HTTPS_PORT$LINK_PATH" "$HERE/put_delete.lua" "$TOKEN_WRITE"

echo "link API bench: $CONNECTIONS keep-alive connections, $THREADS wrk threads, $DURATION each, body $BODY_BYTES bytes, $(nproc) cores"
# The machine is shared: figures mean little without the load they were measured under.
echo "load average (1/5/15 min) at start: $LOAD_START; at end: $(cut -d' ' -f1-3 /proc/loadavg)"
printf "%-22s %10s %9s %9s %9s\n" scenario "req/s" "p50 ms" "p99 ms" "vs nginx"
for s in nginx_http nginx_https get_http get_https putdel_http putdel_https; do
  read -r rps p50 p99 <<<"${R[$s]}"
  base="${R[nginx_${s##*_}]%% *}"
  printf "%-22s %10.0f %9s %9s %9s\n" "$s" "$rps" "$p50" "$p99" "$(awk -v a="$rps" -v b="$base" 'BEGIN{printf "%.2f", a/b}')"
done
echo "(pal serve logged $(cat "$WORK"/http.log "$WORK"/https.log | wc -l) request lines)"
