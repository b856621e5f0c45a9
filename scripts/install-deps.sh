#!/usr/bin/env bash
# Installs everything todoai needs to build, run, test and benchmark on Debian 12 (apt-get only; idempotent).
set -euo pipefail

packages=(
    build-essential cmake ninja-build ccache pkg-config git
    libboost1.81-dev libboost-json1.81-dev libboost-url1.81-dev
    libsqlite3-dev sqlite3 libpq-dev postgresql-15 librdkafka-dev libical-dev libsodium-dev libjwt-dev
    libspdlog-dev libcli11-dev libyaml-cpp-dev libgtest-dev libgmock-dev libbenchmark-dev
    wrk kcat curl sqlite3 python3 python3-fastapi uvicorn python3-jwt python3-websockets python3-uvloop python3-httptools
    chromium nodejs
)

missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# Debian's nodejs comes without npm (a separate package); a nodejs that carries npm itself (NodeSource's) conflicts
# with that package, so it is asked for only when the command is missing.
command -v npm >/dev/null || missing+=(npm)

if ((${#missing[@]})); then
    sudo_cmd=()
    [[ $(id -u) -eq 0 ]] || sudo_cmd=(sudo)
    "${sudo_cmd[@]}" apt-get update -qq
    DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# The browser tests' npm packages (playwright-core, pinned by package-lock.json), from the repository root.
cd "$(dirname "$0")/.."
locked=$(node -p 'require("./package-lock.json").packages["node_modules/playwright-core"].version')
installed=$(node -p 'require("./node_modules/playwright-core/package.json").version' 2>/dev/null || true)
if [[ "$locked" != "$installed" ]]; then
    npm ci --no-audit --no-fund
fi
