#!/usr/bin/env bash
# The one command that runs every test: installs what is needed, builds (warnings are errors), and runs the unit and
# integration suites with ctest, whose summary line ends the output.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
bash scripts/build.sh -DTODOAI_TESTS=ON -DTODOAI_BENCH=ON -DTODOAI_WERROR=ON
cd build
ctest --output-on-failure --timeout 600 -j "$(nproc)" "$@"
