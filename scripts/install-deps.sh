#!/usr/bin/env bash
# Installs what todoai needs on Debian 12 (idempotent; offline once everything is cached).
#   scripts/install-deps.sh run    what building and running the embedded default needs (scripts/run.sh)
#   scripts/install-deps.sh        everything: also the test and benchmark peers (scripts/test.sh, CI)
# Peers from the other registries (Kafka's broker, daprd, helm, ...) each have a script in scripts/install/, which
# installs into ${TODOAI_CACHE:-$HOME/.cache/todoai}, outside the work tree.
set -euo pipefail
mode=${1:-test}
case "$mode" in run | test) ;; *) echo "install-deps.sh: unknown mode '$mode' (run or test)" >&2; exit 2 ;; esac

run_packages=(
    build-essential cmake ninja-build ccache pkg-config git
    libboost1.81-dev libboost-json1.81-dev libboost-url1.81-dev
    libsqlite3-dev libpq-dev librdkafka-dev libical-dev libsodium-dev libjwt-dev libssl-dev
    libspdlog-dev libcli11-dev libyaml-cpp-dev
)
test_packages=(
    libgtest-dev libgmock-dev libbenchmark-dev sqlite3 postgresql-15
    wrk kcat curl python3 python3-fastapi uvicorn python3-jwt python3-websockets python3-uvloop python3-httptools
    chromium nodejs
    yamllint podman debootstrap python3-venv
    # The sanitizer trees and the libFuzzer targets (scripts/test-sanitizers.sh): clang 16 (bookworm's clang 14 fails
    # on coroutines under UBSan; scripts/build.sh), its runtime libraries (libFuzzer, ASan, UBSan, TSan) and
    # llvm-symbolizer for readable reports.
    clang-16 libclang-rt-16-dev llvm-16
)
packages=("${run_packages[@]}")
[[ $mode == test ]] && packages+=("${test_packages[@]}")

missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# Debian's nodejs comes without npm (a separate package); a nodejs that carries npm itself (NodeSource's) conflicts
# with that package, so it is asked for only when the command is missing.
[[ $mode == test ]] && ! command -v npm >/dev/null && missing+=(npm)

if ((${#missing[@]})); then
    sudo_cmd=()
    [[ $(id -u) -eq 0 ]] || sudo_cmd=(sudo)
    "${sudo_cmd[@]}" apt-get update -qq
    DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
[[ $mode == run ]] && exit 0

# The npm packages of the browser and MCP tests (playwright-core, @modelcontextprotocol/sdk, pinned by
# package-lock.json), from the repository root. A changed lock file (another package, another version) reinstalls.
cd "$(dirname "$0")/.."
locked=$(sha256sum package-lock.json | cut -d' ' -f1)
installed=$(cat node_modules/.todoai-lock-sha256 2>/dev/null || true)
if [[ "$locked" != "$installed" ]]; then
    npm ci --no-audit --no-fund
    echo "$locked" > node_modules/.todoai-lock-sha256
fi

# Test peers from the other registries, one script each.
for peer in scripts/install/*.sh; do
    [[ -e $peer ]] || continue
    bash "$peer"
done
