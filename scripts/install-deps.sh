#!/usr/bin/env bash
# Installs everything todoai needs to build, run, test and benchmark on Debian 12 (apt-get only; idempotent).
set -euo pipefail

packages=(
    build-essential cmake ninja-build ccache pkg-config git
    libboost1.81-dev libboost-json1.81-dev libboost-url1.81-dev
    libsqlite3-dev sqlite3 libpq-dev postgresql-15 librdkafka-dev libical-dev libsodium-dev libjwt-dev
    libspdlog-dev libcli11-dev libyaml-cpp-dev libgtest-dev libgmock-dev libbenchmark-dev
    wrk kcat curl sqlite3 python3 python3-fastapi uvicorn python3-jwt python3-websockets python3-uvloop python3-httptools
)

missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if ((${#missing[@]})); then
    sudo_cmd=()
    [[ $(id -u) -eq 0 ]] || sudo_cmd=(sudo)
    "${sudo_cmd[@]}" apt-get update -qq
    DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
