#!/usr/bin/env bash
# A throw-away PostgreSQL 15 for the tests: `start DIR` runs initdb in DIR, starts the server on a free loopback port
# (socket in DIR too) and writes its connection URL to DIR/url; `stop DIR` stops it and removes DIR.
# initdb refuses to run as root, so as root the server runs as the `postgres` user (Debian's package creates it).
# POSTGRES_EXTRA_OPTIONS: more server settings ("-c name=value ..."), e.g. dev-cluster.sh's group-commit tuning.
set -euo pipefail
action=${1:?usage: postgres_server.sh start|stop DIR}
dir=${2:?usage: postgres_server.sh start|stop DIR}
bin=/usr/lib/postgresql/15/bin
[[ -x $bin/pg_ctl ]] || { echo "postgres_server.sh: $bin/pg_ctl not found; run scripts/install-deps.sh" >&2; exit 1; }

as_owner() {
    if [[ $(id -u) -eq 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi
}

free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

stop() {
    if [[ -f $dir/data/postmaster.pid ]]; then
        as_owner "$bin/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true
    fi
    rm -rf "$dir"
}

case $action in
start)
    stop
    mkdir -p "$dir"
    [[ $(id -u) -eq 0 ]] && chown postgres: "$dir"
    password=todoai-test
    echo "$password" >"$dir/pwfile"
    as_owner "$bin/initdb" -D "$dir/data" -U todoai --pwfile="$dir/pwfile" --auth=scram-sha-256 \
        --no-sync -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log"
    port=$(free_port)
    # fsync stays on: the figures and fault tests must see a real commit cost.
    as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
        -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c max_connections=200 ${POSTGRES_EXTRA_OPTIONS:-}" start >/dev/null
    echo "postgresql://todoai:$password@127.0.0.1:$port/postgres" >"$dir/url"
    echo "postgres_server.sh: PostgreSQL 15 on 127.0.0.1:$port (data in $dir/data)"
    ;;
stop) stop ;;
*) echo "postgres_server.sh: unknown action '$action' (start or stop)" >&2; exit 2 ;;
esac
