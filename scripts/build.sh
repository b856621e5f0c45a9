#!/usr/bin/env bash
# Configures and builds todoai (Release) into ./build. Extra arguments go to CMake's configure step.
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=$(nproc)
# ccache keys on paths relative to the checkout, so a clone or worktree elsewhere reuses the same cache entries.
export CCACHE_BASEDIR="$PWD"
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release "$@" >/dev/null
cmake --build build -j "$jobs"
