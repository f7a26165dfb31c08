#!/usr/bin/env bash
# The README's test command: installs what is missing, builds, and runs every test (unit, integration,
# conformance with the official Azure SDK for JavaScript). Exits non-zero if anything fails.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/build.sh
ctest --test-dir build --output-on-failure --timeout 300 -j2
if [ -f tests/conformance/package.json ]; then
  bash tests/conformance/run.sh
fi
if [ -f tests/portal/package.json ]; then
  bash tests/portal/run.sh
fi
