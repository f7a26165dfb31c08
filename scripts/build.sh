#!/usr/bin/env bash
# Configures and builds everything into build/ (the binary is build/pal).
set -euo pipefail
cd "$(dirname "$0")/.."
cmake -S . -B build -DCMAKE_BUILD_TYPE=${OPENPAL_BUILD_TYPE:-RelWithDebInfo} >/dev/null
cmake --build build -j"$(nproc)"
