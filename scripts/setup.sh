#!/usr/bin/env bash
# Installs what openpal needs on Debian 12 (as root, or with sudo), skipping what is already there.
# Every dependency is named, with why, in the README's "Dependencies" section.
set -euo pipefail

PACKAGES=(
  build-essential cmake pkg-config git ca-certificates
  libsqlite3-dev            # the embedded store
  libpq-dev                 # the PostgreSQL store's client library (libpq; src/store/postgres/)
  postgresql-15             # a throwaway PostgreSQL server for the PostgreSQL store and replica tests (tests/pg/)
  libssl-dev                # TLS, RS256 token verification, key generation
  zlib1g-dev                # gzip cost exports
  nlohmann-json3-dev        # JSON for API bodies and outputs
  libsimdjson-dev           # fast JSON for large snapshot imports
  libxxhash-dev             # XXH3-128: the identity of a usage row's resource on the crediting hot path
  libcpp-httplib-dev        # HTTP/1.1 client over OpenSSL (pal managementpartner, tests)
  libboost-dev              # Boost.Asio + Beast, header-only: pal serve's event-driven HTTP(S) edge
  libcli11-dev              # the command line
  libfmt-dev                # formatting
  libgtest-dev libgmock-dev # tests
  libbenchmark-dev          # micro-benchmarks
  nodejs npm                # the Azure SDK conformance tests; the portal's build (Vite)
  chromium                  # the portal's end-to-end tests (headless, driven by playwright-core)
  clang libclang-rt-14-dev  # libFuzzer (clang's runtime, not a dependency of clang itself): fuzz/, bench/fuzz/run.sh
  azure-cli                 # the real `az` (2.45) logging in to pal serve --dev-issuer: tests/az (~670 MB, ~1 min)
  pybind11-dev python3-dev  # the Python module openpal._engine (python/): the engine called in-process by Dask tasks
  python3-distributed       # Dask (scheduler, workers, client): pal attribute --dask and its loopback tests (tests/dask)
  python3-dask              # (named apart: Debian splits dask's core from distributed)
)
if [ "${OPENPAL_WITH_BENCH_TOOLS:-0}" = 1 ]; then
  PACKAGES+=(wrk nginx-light)   # load generator and the static-server baseline for bench/
  PACKAGES+=(time)              # /usr/bin/time: peak memory in bench/attribution/save_memory.sh and run.sh
fi

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# node/npm may come from outside Debian's packages (a preinstalled toolchain): keep it; its version is checked below.
if command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1; then
  missing=("${missing[@]/nodejs/}"); missing=("${missing[@]/npm/}")
fi
missing=($(printf '%s\n' "${missing[@]}" | grep -v '^$' || true))
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# The official Azure SDK for JavaScript (@azure/arm-managementpartner 3) and the portal's bundler (Vite 7) need
# Node.js 20; Debian 12 ships 18. The npm registry's `node` package carries an official Node.js 20 build for this
# CPU: install it when the node found is older (a machine image with Node.js 20 already skips this).
node_major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
if [ "$node_major" -lt 20 ]; then
  echo "setup: Node.js $(node --version 2>/dev/null || echo none) is older than 20; installing node@20 from the npm registry"
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
  $SUDO npm install -g --no-audit --no-fund node@20 >/dev/null
  hash -r
  node --version
fi
