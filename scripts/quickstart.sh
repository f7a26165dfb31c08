#!/usr/bin/env bash
# The README's first command: installs what is missing, builds, and runs the main job on the embedded
# default store (SQLite) in a fresh temporary folder.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/build.sh
exec build/pal demo "$@"
