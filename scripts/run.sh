#!/usr/bin/env bash
# The one command that gets a new user going: installs what is needed, builds, and starts todoai on the embedded
# default (SQLite under TODOAI_DATA_DIR, default ./todoai-data; all five services in one process on API_PORT, 8000).
# Arguments are passed to todoai, e.g. scripts/run.sh --port 9000.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh run
bash scripts/build.sh -DTODOAI_TESTS=OFF -DTODOAI_BENCH=OFF
exec ./build/todoai "$@"
