#!/usr/bin/env bash
# Issues 6 and 13's benchmark: the same figures on three setups, in one run, each run on fresh state, the setups
# interleaved (repetition 1 of every setup, then repetition 2, ...) so that all three see the same machine.
#   embedded     `todoai serve all` (SQLite files in a mktemp dir, the in-process bus): the default
#   distributed  PostgreSQL 15 (fsync on) + Apache Kafka (one KRaft broker, tests/support/kafka_server.sh, full JIT)
#                + the five services as separate processes, two replicas of websocket and notification
#                (scripts/dev-cluster.sh --background)
#   distributed-mock  the same on todoai-kafka-mock (librdkafka's mock cluster: 3 brokers, 6 partitions) instead
# Per setup:
#   throughput x REPEAT: wrk -t1 -c$CONNS POST /api/{user}/tasks (wrk/post_task.lua) on todo for $DURATION s, then
#                        wait until audit holds a task.created entry for every task todo committed (SQL counts):
#                        "delivered/s" = tasks / (wrk time + the time audit needed to catch up)
#   latency    x REPEAT: ws_latency at $RATE/s for $LAT_SECONDS s ($SENDERS POST connections to todo, the WebSocket on
#                        the websocket service): commit -> frame p50/p99
# Pinning: every server process (todoai, the services, PostgreSQL, the Kafka broker or mock) runs under
# `taskset -c $SERVER_CPUS`, the load generator under `taskset -c $CLIENT_CPUS` (both default 0,1: the machine's two
# cores; ~9 processes on one core would only serialise them). The report gives each process's CPU share, the
# Kafka peer's RSS, and the machine's load. Builds nothing. Output: a markdown report on stdout and in bench/results/cluster-<date>.md, raw tool
# output beside it (cluster-<date>.raw.txt). See bench/README.md.
#
# Env: TODOAI_BIN (build/todoai), KAFKA_MOCK_BIN (todoai-kafka-mock beside TODOAI_BIN), WS_LATENCY_BIN
# (build/bench/ws_latency), SETUPS ("embedded distributed distributed-mock"), REPEAT (3), DURATION (10), CONNS (64), RATE (1000),
# LAT_SECONDS (10), SENDERS (4), SKIP_THROUGHPUT / SKIP_LATENCY (=1), HTTP_THREADS (todo's --http-threads in the
# distributed setup; empty: its default), POOL_SIZE (TODOAI_DATABASE_POOL_SIZE; empty: the default), FETCH_WAITS
# ("": the default fetch.wait.max.ms; "10 1" runs the distributed setup once per value, as distributed-fw10, ...),
# DRAIN_TIMEOUT (120 s), PORT_OFFSET (700: the distributed services on 8701..8714), JWT_SECRET (random),
# RESULTS_DIR (bench/results), KEEP_WORK (=1 keeps the temp dir: data, logs), SERVER_CPUS / CLIENT_CPUS (0,1).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"

TODOAI_BIN=$(realpath -m "${TODOAI_BIN:-build/todoai}")
KAFKA_MOCK_BIN=$(realpath -m "${KAFKA_MOCK_BIN:-$(dirname "$TODOAI_BIN")/todoai-kafka-mock}")
WS_LATENCY_BIN=$(realpath -m "${WS_LATENCY_BIN:-build/bench/ws_latency}")
SETUPS=${SETUPS:-embedded distributed distributed-mock}
REPEAT=${REPEAT:-3}
DURATION=${DURATION:-10}
CONNS=${CONNS:-64}
RATE=${RATE:-1000}
LAT_SECONDS=${LAT_SECONDS:-10}
SENDERS=${SENDERS:-4}
HTTP_THREADS=${HTTP_THREADS:-}
POOL_SIZE=${POOL_SIZE:-}
FETCH_WAITS=${FETCH_WAITS:-}
DRAIN_TIMEOUT=${DRAIN_TIMEOUT:-120}
PORT_OFFSET=${PORT_OFFSET:-700}
RESULTS_DIR=${RESULTS_DIR:-$ROOT/bench/results}
SERVER_CPUS=${SERVER_CPUS:-0,1}
CLIENT_CPUS=${CLIENT_CPUS:-0,1}
SRV=(taskset -c "$SERVER_CPUS")
CLI=(taskset -c "$CLIENT_CPUS")
export JWT_SECRET=${JWT_SECRET:-bench-$(od -An -N24 -tx1 /dev/urandom | tr -d ' \n')}

for tool in wrk curl psql sqlite3 python3 taskset; do
    command -v "$tool" >/dev/null || { echo "cluster_bench: $tool not found" >&2; exit 2; }
done
for bin in "$TODOAI_BIN" "$KAFKA_MOCK_BIN" "$WS_LATENCY_BIN"; do
    [[ -x $bin ]] || { echo "cluster_bench: no executable $bin (build it, or set the *_BIN variable)" >&2; exit 2; }
done

WORK=$(mktemp -d /tmp/todoai-cluster-bench.XXXXXX)
chmod 755 "$WORK"  # PostgreSQL runs as the postgres user when we are root
SERVER_PID=""   # embedded
CLUSTER=""      # distributed: its CLUSTER_DIR
cleanup() {
    stop_setup
    if [[ "${KEEP_WORK:-0}" == 1 ]]; then echo "cluster_bench: kept $WORK" >&2; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# shellcheck source=bench/report_files.sh
source "$ROOT/bench/report_files.sh"
open_report cluster
json_get() { python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }

# --- setups ----------------------------------------------------------------------------------------------------
# start_setup NAME -> PORT (REST, todo), WS_PORT, PROCS ("name:pid ..." whose CPU is counted), COUNT_SQL (a function)
start_setup() {
    local name=$1 fetch_wait="" url
    case $name in
    embedded)
        local data; data=$(mktemp -d "$WORK/embedded.XXXXXX")
        "${SRV[@]}" "$TODOAI_BIN" serve all --port 0 --host 127.0.0.1 --data-dir "$data" --access-log false \
            >"$data.log" 2>&1 </dev/null &
        SERVER_PID=$!
        for _ in $(seq 300); do
            url=$(grep -o -m1 'serving all on http://[0-9.:]*' "$data.log" 2>/dev/null || true)
            [[ -z $url ]] || break
            kill -0 "$SERVER_PID" 2>/dev/null || { note "embedded: exited during start-up: $(tail -2 "$data.log")"; return 1; }
            sleep 0.1
        done
        [[ -n $url ]] || { note "embedded: no address within 30 s"; return 1; }
        PORT=${url##*:}; WS_PORT=$PORT; PROCS="todoai:$SERVER_PID"; EMBEDDED_DATA=$data
        ;;
    distributed*)
        [[ $name == distributed-fw* ]] && fetch_wait=${name#distributed-fw}
        local kafka_kind=real
        [[ $name != *-mock ]] || kafka_kind=mock
        local p
        for p in 1 2 3 4 5 13 14; do
            if ss -Hltn "sport = :$((8000 + PORT_OFFSET + p))" | grep -q .; then
                note "$name: port $((8000 + PORT_OFFSET + p)) is taken (set PORT_OFFSET)"; return 1
            fi
        done
        CLUSTER=$(mktemp -d "$WORK/cluster.XXXXXX")
        local env=(NO_BUILD=1 TODOAI_BIN="$TODOAI_BIN" KAFKA_MOCK_BIN="$KAFKA_MOCK_BIN" CLUSTER_DIR="$CLUSTER"
            PORT_OFFSET="$PORT_OFFSET" TODO_ARGS="${HTTP_THREADS:+--http-threads $HTTP_THREADS}" TODOAI_ACCESS_LOG=false
            KAFKA_JVM_OPTS="${KAFKA_JVM_OPTS:--XX:+UseSerialGC}")
        [[ -z $POOL_SIZE ]] || env+=(TODOAI_DATABASE_POOL_SIZE="$POOL_SIZE")
        [[ -z $fetch_wait ]] || env+=(TODOAI_KAFKA_FETCH_WAIT_MS="$fetch_wait")
        if ! "${SRV[@]}" env "${env[@]}" bash "$ROOT/scripts/dev-cluster.sh" --background --kafka "$kafka_kind" \
            >"$CLUSTER/dev-cluster.out" 2>&1; then
            note "$name: dev-cluster.sh failed: $(grep -v 'stopping$\|stopped (' "$CLUSTER/dev-cluster.out" | tail -6 | tr '\n' ' ')"; CLUSTER=""; return 1
        fi
        # shellcheck disable=SC1091
        source "$CLUSTER/cluster.env"
        PORT=$TODO_PORT; WS_PORT=${WEBSOCKET_PORTS%% *}
        local names=("kafka-$kafka_kind" fifo-holder todo audit websocket-1 websocket-2 notification-1 notification-2
            recurring) i=0 pid
        PROCS=""
        for pid in $PIDS; do
            [[ ${names[$i]} == fifo-holder ]] || PROCS+="${names[$i]}:$pid "
            i=$((i + 1))
        done
        PROCS+="postgres:$(head -1 "$POSTGRES_DIR/data/postmaster.pid")"
        ;;
    *) note "unknown setup $name"; return 1 ;;
    esac
}
stop_setup() {
    if [[ -n $SERVER_PID ]]; then
        kill -TERM "$SERVER_PID" 2>/dev/null || true
        for _ in $(seq 100); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$SERVER_PID" 2>/dev/null || true
        wait "$SERVER_PID" 2>/dev/null || true
        SERVER_PID=""
    fi
    if [[ -n $CLUSTER ]]; then
        bash "$ROOT/scripts/dev-cluster.sh" --stop "$CLUSTER" >/dev/null 2>&1 || true
        CLUSTER=""
    fi
}
# counts USER -> "tasks delivered": tasks todo committed for USER, task.created entries audit holds for USER
counts() {
    local q_tasks="SELECT count(*) FROM %stasks WHERE user_id = '$1'"
    local q_audit="SELECT count(*) FROM %saudit_log WHERE user_id = '$1' AND event_type = 'com.todoai.task.created'"
    if [[ -n $SERVER_PID ]]; then
        # shellcheck disable=SC2059
        echo "$(sqlite3 "$EMBEDDED_DATA/todo.db" "$(printf "$q_tasks" "")") $(sqlite3 "$EMBEDDED_DATA/audit.db" "$(printf "$q_audit" "")")"
    else
        # shellcheck disable=SC2059
        echo "$(psql "$DATABASE_URL" -Atc "$(printf "$q_tasks" todo_service.)") $(psql "$DATABASE_URL" -Atc "$(printf "$q_audit" audit_service.)")"
    fi
}

# --- CPU accounting --------------------------------------------------------------------------------------------
# ticks PID -> utime+stime (+ reaped children's, for the postmaster, whose backends come and go)
ticks() { awk '{print $14+$15+$16+$17}' "/proc/$1/stat" 2>/dev/null || echo 0; }
# proc_ticks -> "name=ticks ..." for PROCS (postgres: the postmaster and its current children)
proc_ticks() {
    local entry name pid total child
    for entry in $PROCS; do
        name=${entry%%:*}; pid=${entry#*:}; total=$(ticks "$pid")
        if [[ $name == postgres ]]; then
            local kids=()
            read -r -a kids <"/proc/$pid/task/$pid/children" 2>/dev/null || true
            for child in "${kids[@]}"; do total=$((total + $(ticks "$child"))); done
        fi
        printf '%s=%s ' "$name" "$total"
    done
}
# proc_rss -> "rss_<name>=MiB hwm_<name>=MiB ..." (resident now, and its peak) for the Kafka peer and `serve all`
proc_rss() {
    local entry name pid
    for entry in $PROCS; do
        name=${entry%%:*}; pid=${entry#*:}
        [[ $name == kafka-* || $name == todoai ]] || continue
        awk -v n="$name" '$1 == "VmRSS:" {r = $2} $1 == "VmHWM:" {h = $2}
            END {if (r != "") printf "rss_%s=%.0f hwm_%s=%.0f ", n, r / 1024, n, h / 1024}' "/proc/$pid/status" 2>/dev/null
    done
}
machine_ticks() { awk '$1=="cpu" {print $2+$3+$4+$7+$8+$9, $2+$3+$4+$5+$6+$7+$8+$9}' /proc/stat; }
child_cpu_to() { times >"$1"; }
child_cpu() { awk 'NR==2 {n=0; for (i=1;i<=2;i++) {split($i,a,"m"); sub("s","",a[2]); n+=a[1]*60+a[2]} print n}' "$1"; }
# cpu_shares P0 P1 M0 M1 T0 T1 WALL -> "cpu_<name>=% ... cpu_tool=% cpu_others=% machine_busy=%" (% of one core;
# the machine has $(nproc) cores: 200% = both busy)
cpu_shares() {
    awk -v p0="$1" -v p1="$2" -v m0="$3" -v m1="$4" -v t0="$5" -v t1="$6" -v w="$7" -v hz="$CLK_TCK" -v n="$(nproc)" 'BEGIN {
        split(p0, a, " "); for (i in a) { split(a[i], kv, "="); b[kv[1]] = kv[2] }
        split(p1, c, " "); ours = 0
        for (i = 1; i <= length(c); i++) { split(c[i], kv, "="); d = (kv[2] - b[kv[1]]) / hz / w * 100; ours += d
            agg[kv[1] ~ /^websocket/ ? "websocket" : kv[1] ~ /^notification/ ? "notification" : kv[1]] += d }
        for (k in agg) printf "cpu_%s=%.0f ", k, agg[k]
        tool = (t1 - t0) / w * 100; split(m0, x, " "); split(m1, y, " ")
        busy = (y[1] - x[1]) / (y[2] - x[2]) * n * 100; others = busy - ours - tool
        printf "cpu_tool=%.0f cpu_others=%.0f machine_busy=%.0f", tool, others < 0 ? 0 : others, busy }'
}

# --- runs ------------------------------------------------------------------------------------------------------
sign_up() {
    local resp code
    resp=$(curl -s -w '\n%{http_code}' -X POST "http://127.0.0.1:$PORT/api/auth/sign-up" -H 'Content-Type: application/json' \
        -d "{\"email\":\"bench-$RANDOM$RANDOM@example.com\",\"password\":\"bench-password-1\",\"name\":\"Bench\"}")
    code=${resp##*$'\n'}; resp=${resp%$'\n'*}
    [[ $code == 201 ]] || { note "sign-up answered $code: $resp"; return 1; }
    TOKEN=$(json_get 'd["token"]' <<<"$resp"); USER_ID=$(json_get 'd["user"]["id"]' <<<"$resp")
}

# throughput SETUP REP
throughput() {
    local setup=$1 rep=$2 out p0 p1 m0 m1 t0 t1 u0 u1 wall line created=0 delivered=0 drain c
    sign_up || return 0
    p0=$(proc_ticks); m0=$(machine_ticks); child_cpu_to "$WORK/c0"; t0=$(date +%s.%N)
    out=$(TOKEN=$TOKEN USER_ID=$USER_ID "${CLI[@]}" wrk -t1 -c"$CONNS" -d"${DURATION}s" --timeout 5s \
        -s "$ROOT/bench/wrk/post_task.lua" "http://127.0.0.1:$PORT" 2>&1) || true
    t1=$(date +%s.%N); p1=$(proc_ticks); m1=$(machine_ticks); child_cpu_to "$WORK/c1"
    u0=$(child_cpu "$WORK/c0"); u1=$(child_cpu "$WORK/c1")
    wall=$(awk -v a="$t0" -v b="$t1" 'BEGIN{print b-a}')
    # every committed task must reach audit: wait for it (the counts are read from the stores)
    local deadline=$(( $(date +%s) + DRAIN_TIMEOUT ))
    while :; do
        read -r created delivered <<<"$(counts "$USER_ID")"
        (( delivered >= created )) && break
        (( $(date +%s) < deadline )) || break
        sleep 0.2
    done
    drain=$(awk -v a="$t1" -v b="$(date +%s.%N)" 'BEGIN{printf "%.1f", b-a}')
    printf '### %s throughput #%s (created %s, delivered to audit %s, %s s after wrk)\n%s\n\n' \
        "$setup" "$rep" "$created" "$delivered" "$drain" "$out" >>"$RAW"
    line=$(grep -m1 '^RESULT' <<<"$out" || true)
    [[ -n $line ]] || note "$setup throughput #$rep: wrk printed no RESULT line: $(tail -2 <<<"$out" | tr '\n' ' ')"
    (( delivered >= created )) || note "$setup throughput #$rep: audit holds $delivered of $created tasks after $DRAIN_TIMEOUT s"
    c=$(awk -v n="$delivered" -v w="$wall" -v d="$drain" -v cr="$created" 'BEGIN{
        printf "created=%d delivered=%d missing=%d drain_s=%.1f accepted_rps=%.0f delivered_rps=%.0f", cr, n, cr - n, d,
        cr / w, n / (w + d) }')
    echo "${line:-RESULT} $c $(proc_rss)$(cpu_shares "$p0" "$p1" "$m0" "$m1" "$u0" "$u1" "$wall")" >>"$WORK/$setup.throughput.txt"
    log "$setup throughput #$rep: ${line#RESULT } $c"
}

# latency SETUP REP
latency() {
    local setup=$1 rep=$2 out="$WORK/lat.out" rc=0 p0 p1 m0 m1 t0 t1 u0 u1 wall line
    p0=$(proc_ticks); m0=$(machine_ticks); child_cpu_to "$WORK/c0"; t0=$(date +%s.%N)
    "${CLI[@]}" "$WS_LATENCY_BIN" --port "$PORT" --ws-port "$WS_PORT" --rate "$RATE" --seconds "$LAT_SECONDS" \
        --senders "$SENDERS" >"$out" 2>&1 || rc=$?
    t1=$(date +%s.%N); p1=$(proc_ticks); m1=$(machine_ticks); child_cpu_to "$WORK/c1"
    u0=$(child_cpu "$WORK/c0"); u1=$(child_cpu "$WORK/c1")
    wall=$(awk -v a="$t0" -v b="$t1" 'BEGIN{print b-a}')
    printf '### %s latency #%s (rc %s)\n%s\n\n' "$setup" "$rep" "$rc" "$(cat "$out")" >>"$RAW"
    line=$(grep -m1 '^RESULT' "$out" || true)
    [[ -n $line ]] || note "$setup latency #$rep: no RESULT line (rc $rc): $(tail -2 "$out" | tr '\n' ' ')"
    [[ $rc == 0 ]] || note "$setup latency #$rep: ws_latency exit code $rc (see the raw output)"
    echo "${line:-RESULT} rc=$rc $(proc_rss)$(cpu_shares "$p0" "$p1" "$m0" "$m1" "$u0" "$u1" "$wall")" >>"$WORK/$setup.latency.txt"
    log "$setup latency #$rep rc=$rc: ${line#RESULT }"
}

# one KIND SETUP REP: a fresh setup, one run, stopped
one() {
    local kind=$1 setup=$2 rep=$3
    if ! start_setup "$setup"; then note "$setup $kind #$rep: the setup did not start"; stop_setup; return 0; fi
    sleep 1
    "$kind" "$setup" "$rep"
    stop_setup
}

SETUP_LIST=()
for s in $SETUPS; do
    if [[ $s == distributed && -n $FETCH_WAITS ]]; then
        for fw in $FETCH_WAITS; do SETUP_LIST+=("distributed-fw$fw"); done
    else
        SETUP_LIST+=("$s")
    fi
done

LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
m0=$(machine_ticks); sleep 2; m1=$(machine_ticks)
PRE_BUSY=$(awk -v p="$m0" -v q="$m1" -v n="$(nproc)" 'BEGIN{split(p,x," "); split(q,y," "); printf "%.0f", (y[1]-x[1])/(y[2]-x[2])*n*100}')
(( PRE_BUSY <= 20 )) || note "WARNING: before the run the machine was ${PRE_BUSY}% busy (of $(nproc)00%) with other work: figures are disturbed"
log "work dir $WORK; setups ${SETUP_LIST[*]}; load average $LOAD_BEFORE; machine ${PRE_BUSY}% busy"

# Interleaved: each repetition runs every setup, so a slow phase of the host touches all of them alike.
for i in $(seq "$REPEAT"); do
    for setup in "${SETUP_LIST[@]}"; do
        [[ ${SKIP_THROUGHPUT:-0} == 1 ]] || one throughput "$setup" "$i"
        [[ ${SKIP_LATENCY:-0} == 1 ]] || one latency "$setup" "$i"
    done
done
LOAD_AFTER=$(cut -d' ' -f1-3 /proc/loadavg)

# median FILE KEY -> the median of KEY over the runs ("?" when none)
median() {
    [[ -s $1 ]] || { echo "–"; return; }
    awk -v k="$2" '{ for (i = 2; i <= NF; i++) { split($i, kv, "="); if (kv[1] == k && kv[2] != "") s[++n] = kv[2] + 0 } }
        END { if (n == 0) { print "–"; exit }
            for (i = 2; i <= n; i++) { x = s[i]; for (j = i - 1; j >= 1 && s[j] > x; j--) s[j+1] = s[j]; s[j+1] = x }
            print (n % 2 ? s[(n+1)/2] : (s[n/2] + s[n/2+1]) / 2) }' "$1"
}
runs() { [[ -s $1 ]] || { echo "–"; return; }
    awk -v k="$2" '{ v = "?"; for (i = 2; i <= NF; i++) { split($i, kv, "="); if (kv[1] == k) v = kv[2] }
        r = r (NR > 1 ? ", " : "") v } END { print r }' "$1"; }
# table KIND "key|label|target" ... -> one row per key: label, target, then per setup "median (runs)"
table() {
    local kind=$1 spec key label target setup row; shift
    printf '| figure | target |'; for setup in "${SETUP_LIST[@]}"; do printf ' %s |' "$setup"; done; echo
    printf '|---|---|'; for _ in "${SETUP_LIST[@]}"; do printf -- '---|'; done; echo
    for spec in "$@"; do
        IFS='|' read -r key label target <<<"$spec"
        row="| $label | $target |"; local any=0 m
        for setup in "${SETUP_LIST[@]}"; do
            m=$(median "$WORK/$setup.$kind.txt" "$key")
            if [[ $m == – ]]; then row+=" – |"; else any=1; row+=" **$m** ($(runs "$WORK/$setup.$kind.txt" "$key")) |"; fi
        done
        [[ $any == 0 ]] || echo "$row"
    done
}
cpu_rows() {
    local kind=$1
    table "$kind" "machine_busy|machine busy (% of one core; $(nproc) cores = $(nproc)00%)|" "cpu_todoai|todoai (serve all)|" \
        "cpu_todo|todo|" "cpu_audit|audit|" "cpu_websocket|websocket (2 replicas)|" "cpu_notification|notification (2 replicas)|" \
        "cpu_recurring|recurring|" "cpu_postgres|PostgreSQL (postmaster + backends)|" "cpu_kafka-mock|Kafka mock|" \
        "cpu_kafka-real|Kafka broker (JVM)|" \
        "cpu_tool|load generator (wrk / ws_latency)|" "cpu_others|others (not ours: other engineers, kernel threads)|0"
}
rss_rows() {
    local kind=$1
    table "$kind" "rss_todoai|todoai (serve all) RSS at the end, MiB|" "hwm_todoai|todoai peak RSS, MiB|" \
        "rss_kafka-real|Kafka broker (JVM) RSS at the end, MiB|" "hwm_kafka-real|Kafka broker peak RSS, MiB|" \
        "rss_kafka-mock|Kafka mock RSS at the end, MiB|" "hwm_kafka-mock|Kafka mock peak RSS, MiB|"
}

{
    echo "# Distributed benchmark — todoai (issues 6 and 13)"
    echo
    echo "* date: $(date -u +%Y-%m-%dT%H:%M:%SZ); repo HEAD $(git rev-parse --short HEAD 2>/dev/null || echo '?')$(git diff --quiet -- src bench scripts 2>/dev/null || echo ' (work tree dirty)')"
    echo "* binary: $TODOAI_BIN, built $(date -u -r "$TODOAI_BIN" +%Y-%m-%dT%H:%MZ); ws_latency $WS_LATENCY_BIN"
    echo "* host: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//'); load average before $LOAD_BEFORE, after $LOAD_AFTER; machine ${PRE_BUSY}% busy (of $(nproc)00%) in the 2 s before the first run"
    echo "* pinning: servers \`taskset -c $SERVER_CPUS\` (todoai, or the 7 services, PostgreSQL and the Kafka broker or mock), load generator \`taskset -c $CLIENT_CPUS\`; the distributed setup runs ~9 processes, so splitting them over cores one by one would only serialise them. The setups run interleaved (repetition 1 of each, then 2, ...). The CPU tables below show where the time went, and \"others\" what did not belong to the run."
    echo "* embedded: \`todoai serve all --access-log false\` on a fresh mktemp data dir (SQLite WAL, synchronous=NORMAL; the in-process bus)"
    echo "* distributed: \`scripts/dev-cluster.sh --background\` on a fresh dir per run: PostgreSQL 15 (fsync on, \`tests/support/postgres_server.sh\`), Apache Kafka 4.4 (one KRaft broker, JVM heap ≤ 512 MiB, KAFKA_JVM_OPTS ${KAFKA_JVM_OPTS:--XX:+UseSerialGC}; distributed-mock: todoai-kafka-mock, 3 brokers, 6 partitions), todo, audit, recurring and two replicas of websocket and notification as separate processes; TODOAI_ACCESS_LOG=false; todo ${HTTP_THREADS:+--http-threads $HTTP_THREADS}$([[ -n $HTTP_THREADS ]] || echo "with its default --http-threads"); pool ${POOL_SIZE:-default} per store; fetch.wait.max.ms ${FETCH_WAITS:-default: dev-cluster.sh sets 100 on the broker, 2 on the mock} (distributed-fwN: N ms)"
    echo "* throughput: \`wrk -t1 -c$CONNS -d${DURATION}s\` POST /api/{user}/tasks (bench/wrk/post_task.lua), a fresh user and setup per run, then the task and audit stores are counted until audit holds every task todo committed (at most ${DRAIN_TIMEOUT} s). **delivered/s** = tasks / (wrk time + catch-up time): the sustained rate"
    echo "* latency: \`ws_latency --rate $RATE --seconds $LAT_SECONDS --senders $SENDERS\` (REST on todo, WebSocket on the first websocket replica), fresh setup per run"
    sed 's/^/* /' "$NOTES"
    echo
    echo "Cells: median over $REPEAT runs in bold, then each run's figure. Raw output: $(basename "$RAW")."
    echo
    echo "## Task creation (saturated POST, $CONNS connections)"
    echo
    table throughput "delivered_rps|delivered/s (created and in audit / (wrk + catch-up time))|≥ 3000" \
        "accepted_rps|accepted/s (tasks committed / wrk time)|" "rps|wrk req/s|" "p50_ms|wrk p50 ms|" "p99_ms|wrk p99 ms|" \
        "created|tasks committed|" "missing|tasks not in audit at the end|0" "drain_s|audit caught up, s after wrk|" \
        "status_errors|HTTP errors|0" "socket_errors|socket errors|0"
    echo
    echo "CPU during the wrk runs (% of one core):"
    echo
    cpu_rows throughput
    echo
    echo "Memory after the wrk runs:"
    echo
    rss_rows throughput
    echo
    echo "## Commit → WebSocket frame ($RATE events/s for $LAT_SECONDS s)"
    echo
    table latency "c_p50_ms|commit→frame p50 ms (201 received → frame)|" "c_p90_ms|commit→frame p90 ms|" \
        "c_p99_ms|commit→frame p99 ms|≤ 20" "c_max_ms|commit→frame max ms|" "s_p50_ms|send→frame p50 ms|" \
        "s_p99_ms|send→frame p99 ms|" "post_p50_ms|POST p50 ms|" "post_p99_ms|POST p99 ms|" \
        "achieved_rps|achieved POST rate /s|$RATE" "late_slots|send slots > 1 ms late|" "count|events matched|" \
        "misses|misses|0" "duplicates|duplicates|0" "errors|HTTP errors|0" "rc|ws_latency exit code|0"
    echo
    echo "CPU during the latency runs (% of one core):"
    echo
    cpu_rows latency
    echo
    echo "Memory after the latency runs:"
    echo
    rss_rows latency
} | tee "$REPORT"
log "report: $REPORT (raw: $RAW)"
