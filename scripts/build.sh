#!/usr/bin/env bash
# Configures and builds everything into build/ (the binary is build/pal).
set -euo pipefail
cd "$(dirname "$0")/.."
# The portal (portal/): its npm dependencies (pinned by package-lock.json; `npm ci` only when node_modules was not
# installed from this very lockfile), then `npm run build` into portal/dist, which the CMake build embeds into pal.
if [ -f portal/package.json ]; then
  if ! cmp -s portal/package-lock.json portal/node_modules/.openpal-installed-lock 2>/dev/null; then
    (cd portal && npm ci --no-audit --no-fund --loglevel=error && cp package-lock.json node_modules/.openpal-installed-lock)
  fi
  (cd portal && npm run --silent build >/dev/null)
fi
cmake -S . -B build -DCMAKE_BUILD_TYPE=${OPENPAL_BUILD_TYPE:-RelWithDebInfo} >/dev/null
cmake --build build -j"$(nproc)"
