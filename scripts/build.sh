#!/usr/bin/env bash
# Configures and builds todoai (Release) into ./build. Extra arguments go to CMake's configure step.
#   scripts/build.sh [cmake args]            ./build, the default compiler
#   scripts/build.sh --asan [cmake args]     ./build-asan: clang 16, ASan + UBSan, and the libFuzzer targets (tests/fuzz)
#   scripts/build.sh --tsan [cmake args]     ./build-tsan: clang 16, TSan
# Clang 16, not Debian's default clang 14: 14 cannot compile our coroutines (Beast sessions) with UBSan ("Cannot
# represent a difference across sections", LLVM issue 49689, fixed in 15) and miscompiles some of them (LLVM 56301).
#   --target=NAME (repeatable, before the cmake args) builds only those targets.
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=$(nproc)
dir=build
preset=()
targets=()
# Sanitizer trees: -O1 (ASan's and TSan's advice: readable reports, and a third less compile time than -O3 here) and
# assertions on, since a failed assert is as much a finding as a sanitizer report.
sanitizer_flags=(-DCMAKE_CXX_FLAGS_RELEASE=-O1)
while (($#)); do
    case "$1" in
        --asan)
            dir=build-asan
            # One clang tree serves both: the sanitized unit and integration suites, and the fuzz targets, whose
            # coverage instrumentation the other executables carry along (cheaper than a third tree).
            preset=(-DCMAKE_CXX_COMPILER=clang++-16 -DTODOAI_SANITIZE=address,undefined -DTODOAI_FUZZ=ON -DTODOAI_BENCH=OFF
                "${sanitizer_flags[@]}")
            ;;
        --tsan)
            dir=build-tsan
            preset=(-DCMAKE_CXX_COMPILER=clang++-16 -DTODOAI_SANITIZE=thread -DTODOAI_BENCH=OFF "${sanitizer_flags[@]}")
            ;;
        --target=*) targets+=(--target "${1#--target=}") ;;
        *) break ;;
    esac
    shift
done
# ccache keys on paths relative to the checkout, so a clone or worktree elsewhere reuses the same cache entries.
export CCACHE_BASEDIR="$PWD"
cmake -S . -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=Release "${preset[@]}" "$@" >/dev/null
cmake --build "$dir" -j "$jobs" "${targets[@]}"
