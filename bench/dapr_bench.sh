#!/usr/bin/env bash
# Issue 14's benchmark: Dapr mode beside direct Kafka mode, the same services on the same kind of broker.
#   direct  scripts/dev-cluster.sh --background: PostgreSQL 15 + Apache Kafka (one KRaft broker) + todo, audit,
#           recurring and two replicas each of websocket and notification, todoai's own Kafka client (librdkafka)
#   dapr    scripts/dev-cluster.sh --dapr --background: the same, each process beside its own daprd (the chart's
#           components, scripts/dapr-resources.sh): publish through daprd's pubsub.kafka (sarama), deliveries from
#           daprd to POST /events/<topic>, recurring/notification -> todo through daprd's invocation
# Per setup and run (a fresh cluster each run):
#   latency     ws_latency at $RATE/s for $LAT_SECONDS s (REST on todo, the WebSocket on the first websocket
#               replica): commit -> frame p50/p99
#   throughput  wrk -t1 -c$CONNS POST /api/{user}/tasks for $DURATION s, then wait until audit holds a task.created
#               entry for every task todo committed: delivered/s = tasks / (wrk time + catch-up time)
#   sidecars    (dapr) each daprd's CPU during both runs (% of one core) and its RSS at the end of each
# Pinned: the cluster (every service, daprd, the broker, PostgreSQL) on cores $SUT_CPUS, the load generators on
# $TOOL_CPUS (taskset). Medians over REPEAT runs. Output: a markdown report on stdout and in
# bench/results/dapr-<date>.md, raw tool output beside it. Builds nothing.
#
# Env: TODOAI_BIN (build/todoai), WS_LATENCY_BIN (build/bench/ws_latency), SETUPS ("direct dapr"), REPEAT (3),
# DURATION (10), CONNS (64), RATE (1000), LAT_SECONDS (10), SENDERS (4), SUT_CPUS (1), TOOL_CPUS (0), DRAIN_TIMEOUT
# (120), PORT_OFFSET (800), RESULTS_DIR (bench/results), KEEP_WORK (=1 keeps the temp dir).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"

TODOAI_BIN=$(realpath -m "${TODOAI_BIN:-build/todoai}")
WS_LATENCY_BIN=$(realpath -m "${WS_LATENCY_BIN:-build/bench/ws_latency}")
SETUPS=${SETUPS:-direct dapr}
REPEAT=${REPEAT:-3}
DURATION=${DURATION:-10}
CONNS=${CONNS:-64}
RATE=${RATE:-1000}
LAT_SECONDS=${LAT_SECONDS:-10}
SENDERS=${SENDERS:-4}
SUT_CPUS=${SUT_CPUS:-1}
TOOL_CPUS=${TOOL_CPUS:-0}
DRAIN_TIMEOUT=${DRAIN_TIMEOUT:-120}
PORT_OFFSET=${PORT_OFFSET:-800}
RESULTS_DIR=${RESULTS_DIR:-$ROOT/bench/results}
export JWT_SECRET=${JWT_SECRET:-bench-$(od -An -N24 -tx1 /dev/urandom | tr -d ' \n')}

for tool in wrk curl psql python3 taskset; do
    command -v "$tool" >/dev/null || { echo "dapr_bench: $tool not found" >&2; exit 2; }
done
for bin in "$TODOAI_BIN" "$WS_LATENCY_BIN"; do
    [[ -x $bin ]] || { echo "dapr_bench: no executable $bin (build it, or set the *_BIN variable)" >&2; exit 2; }
done

WORK=$(mktemp -d /tmp/todoai-dapr-bench.XXXXXX)
chmod 755 "$WORK"  # PostgreSQL runs as the postgres user when we are root
CLUSTER=""
cleanup() {
    stop_setup
    if [[ "${KEEP_WORK:-0}" == 1 ]]; then echo "dapr_bench: kept $WORK" >&2; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# shellcheck source=bench/report_files.sh
source "$ROOT/bench/report_files.sh"
open_report dapr
json_get() { python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }
tool() { taskset -c "$TOOL_CPUS" "$@"; }

# start_setup NAME -> PORT, WS_PORT, PROCS ("name:pid ..."), SIDECARS ("name:pid ..."), DATABASE_URL
start_setup() {
    local name=$1 flags=(--background) p
    [[ $name == dapr ]] && flags+=(--dapr)
    for p in 1 2 3 4 5 13 14; do
        if ss -Hltn "sport = :$((8000 + PORT_OFFSET + p))" | grep -q .; then
            note "$name: port $((8000 + PORT_OFFSET + p)) is taken (set PORT_OFFSET)"; return 1
        fi
    done
    CLUSTER=$(mktemp -d "$WORK/$name.XXXXXX")
    if ! env NO_BUILD=1 TODOAI_BIN="$TODOAI_BIN" CLUSTER_DIR="$CLUSTER" PORT_OFFSET="$PORT_OFFSET" \
        TODOAI_ACCESS_LOG=false DAPR_LOG_LEVEL=warn KAFKA_JVM_OPTS="${KAFKA_JVM_OPTS:--XX:+UseSerialGC}" \
        taskset -c "$SUT_CPUS" bash "$ROOT/scripts/dev-cluster.sh" "${flags[@]}" >"$CLUSTER/dev-cluster.out" 2>&1; then
        note "$name: dev-cluster.sh failed: $(tail -3 "$CLUSTER/dev-cluster.out" | tr '\n' ' ')"; CLUSTER=""; return 1
    fi
    # shellcheck disable=SC1091
    source "$CLUSTER/cluster.env"
    PORT=$TODO_PORT; WS_PORT=${WEBSOCKET_PORTS%% *}
    local names=(kafka fifo-holder todo audit websocket-1 websocket-2 notification-1 notification-2 recurring) i=0 pid
    PROCS=""
    for pid in $PIDS; do
        [[ ${names[$i]} == fifo-holder ]] || PROCS+="${names[$i]}:$pid "
        i=$((i + 1))
    done
    PROCS+="postgres:$(head -1 "$POSTGRES_DIR/data/postmaster.pid")"
    SIDECARS=""
    i=2
    for pid in $SIDECAR_PIDS; do SIDECARS+="daprd-${names[$i]}:$pid "; i=$((i + 1)); done
}
stop_setup() {
    if [[ -n $CLUSTER ]]; then
        bash "$ROOT/scripts/dev-cluster.sh" --stop "$CLUSTER" >/dev/null 2>&1 || true
        CLUSTER=""
    fi
}
counts() {  # counts USER -> "tasks-committed audit-entries"
    echo "$(psql "$DATABASE_URL" -Atc "SELECT count(*) FROM todo_service.tasks WHERE user_id = '$1'")" \
        "$(psql "$DATABASE_URL" -Atc "SELECT count(*) FROM audit_service.audit_log WHERE user_id = '$1' AND event_type = 'com.todoai.task.created'")"
}

# --- CPU and memory --------------------------------------------------------------------------------------------
ticks() { awk '{print $14+$15+$16+$17}' "/proc/$1/stat" 2>/dev/null || echo 0; }
proc_ticks() {  # proc_ticks "name:pid ..." -> "name=ticks ..." (postgres: the postmaster and its current children)
    local entry name pid total child
    for entry in $1; do
        name=${entry%%:*}; pid=${entry#*:}; total=$(ticks "$pid")
        if [[ $name == postgres ]]; then
            local kids=()
            read -r -a kids <"/proc/$pid/task/$pid/children" 2>/dev/null || true
            for child in "${kids[@]}"; do total=$((total + $(ticks "$child"))); done
        fi
        printf '%s=%s ' "$name" "$total"
    done
}
# cpu_of P0 P1 WALL -> "cpu_<group>=% ..." (% of one core): services, daprds (all, and per sidecar), broker, postgres
cpu_of() {
    awk -v p0="$1" -v p1="$2" -v w="$3" -v hz="$CLK_TCK" 'BEGIN {
        split(p0, a, " "); for (i in a) { split(a[i], kv, "="); b[kv[1]] = kv[2] }
        n = split(p1, c, " "); sidecars = 0
        for (i = 1; i <= n; i++) { split(c[i], kv, "="); d = (kv[2] - b[kv[1]]) / hz / w * 100
            if (kv[1] ~ /^daprd-/) { agg["daprd_all"] += d; sidecars++; if (d > agg["daprd_max"]) agg["daprd_max"] = d }
            else if (kv[1] == "kafka" || kv[1] == "postgres") agg[kv[1]] += d
            else agg["services"] += d
            if (kv[1] == "daprd-todo") agg["daprd_todo"] = d }
        if (sidecars) agg["daprd_avg"] = agg["daprd_all"] / sidecars
        for (k in agg) printf "cpu_%s=%.1f ", k, agg[k] }'
}
rss_of() {  # rss_of "name:pid ..." -> "rss_avg_mib=... rss_max_mib=... rss_todo_mib=..." of the daprds
    local entry kb sum=0 max=0 n=0 todo=0
    for entry in $1; do
        kb=$(awk '/^VmRSS:/ {print $2}' "/proc/${entry#*:}/status" 2>/dev/null || echo 0)
        sum=$((sum + kb)); n=$((n + 1)); ((kb > max)) && max=$kb
        [[ ${entry%%:*} != daprd-todo ]] || todo=$kb
    done
    ((n > 0)) || return 0
    awk -v s="$sum" -v n="$n" -v m="$max" -v t="$todo" \
        'BEGIN {printf "rss_avg_mib=%.1f rss_max_mib=%.1f rss_todo_mib=%.1f", s / n / 1024, m / 1024, t / 1024}'
}

sign_up() {
    local resp code
    resp=$(curl -s -w '\n%{http_code}' -X POST "http://127.0.0.1:$PORT/api/auth/sign-up" -H 'Content-Type: application/json' \
        -d "{\"email\":\"bench-$RANDOM$RANDOM@example.com\",\"password\":\"bench-password-1\",\"name\":\"Bench\"}")
    code=${resp##*$'\n'}; resp=${resp%$'\n'*}
    [[ $code == 201 ]] || { note "sign-up answered $code: $resp"; return 1; }
    TOKEN=$(json_get 'd["token"]' <<<"$resp"); USER_ID=$(json_get 'd["user"]["id"]' <<<"$resp")
}

latency() {  # latency SETUP REP
    local setup=$1 rep=$2 out="$WORK/lat.out" rc=0 p0 p1 t0 t1 wall line
    p0=$(proc_ticks "$PROCS $SIDECARS"); t0=$(date +%s.%N)
    tool "$WS_LATENCY_BIN" --port "$PORT" --ws-port "$WS_PORT" --rate "$RATE" --seconds "$LAT_SECONDS" \
        --senders "$SENDERS" >"$out" 2>&1 || rc=$?
    t1=$(date +%s.%N); p1=$(proc_ticks "$PROCS $SIDECARS")
    wall=$(awk -v a="$t0" -v b="$t1" 'BEGIN{print b-a}')
    printf '### %s latency #%s (rc %s)\n%s\n\n' "$setup" "$rep" "$rc" "$(cat "$out")" >>"$RAW"
    line=$(grep -m1 '^RESULT' "$out" || true)
    [[ -n $line ]] || note "$setup latency #$rep: no RESULT line (rc $rc): $(tail -2 "$out" | tr '\n' ' ')"
    echo "${line:-RESULT} rc=$rc $(cpu_of "$p0" "$p1" "$wall") $(rss_of "$SIDECARS")" >>"$WORK/$setup.latency.txt"
    log "$setup latency #$rep rc=$rc: ${line#RESULT }"
}

throughput() {  # throughput SETUP REP
    local setup=$1 rep=$2 out p0 p1 t0 t1 wall line created=0 delivered=0 drain c
    sign_up || return 0
    p0=$(proc_ticks "$PROCS $SIDECARS"); t0=$(date +%s.%N)
    # Saturated: post_task.lua paces itself when RATE is in its environment (the latency rate, given to this script).
    out=$(TOKEN=$TOKEN USER_ID=$USER_ID tool env -u RATE wrk -t1 -c"$CONNS" -d"${DURATION}s" --timeout 5s \
        -s "$ROOT/bench/wrk/post_task.lua" "http://127.0.0.1:$PORT" 2>&1) || true
    t1=$(date +%s.%N)
    wall=$(awk -v a="$t0" -v b="$t1" 'BEGIN{print b-a}')
    local deadline=$(($(date +%s) + DRAIN_TIMEOUT))
    while :; do
        read -r created delivered <<<"$(counts "$USER_ID")"
        ((delivered >= created)) && break
        (($(date +%s) < deadline)) || break
        sleep 0.2
    done
    drain=$(awk -v a="$t1" -v b="$(date +%s.%N)" 'BEGIN{printf "%.1f", b-a}')
    # CPU over wrk and the catch-up: what delivering the load cost
    p1=$(proc_ticks "$PROCS $SIDECARS")
    printf '### %s throughput #%s (created %s, delivered to audit %s, %s s after wrk)\n%s\n\n' \
        "$setup" "$rep" "$created" "$delivered" "$drain" "$out" >>"$RAW"
    line=$(grep -m1 '^RESULT' <<<"$out" || true)
    [[ -n $line ]] || note "$setup throughput #$rep: wrk printed no RESULT line: $(tail -2 <<<"$out" | tr '\n' ' ')"
    ((delivered >= created)) || note "$setup throughput #$rep: audit holds $delivered of $created tasks after $DRAIN_TIMEOUT s"
    c=$(awk -v n="$delivered" -v w="$wall" -v d="$drain" -v cr="$created" 'BEGIN{
        printf "created=%d delivered=%d missing=%d drain_s=%.1f accepted_rps=%.0f delivered_rps=%.0f", cr, n, cr - n, d,
        cr / w, n / (w + d) }')
    local total; total=$(awk -v w="$wall" -v d="$drain" 'BEGIN{print w + d}')
    echo "${line:-RESULT} $c $(cpu_of "$p0" "$p1" "$total") $(rss_of "$SIDECARS")" >>"$WORK/$setup.throughput.txt"
    log "$setup throughput #$rep: ${line#RESULT } $c"
}

warn_if_busy "$SUT_CPUS" "$TOOL_CPUS"
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
log "work dir $WORK; setups $SETUPS; cluster on cores $SUT_CPUS, tools on $TOOL_CPUS; load average $LOAD_BEFORE"
for rep in $(seq "$REPEAT"); do
    for setup in $SETUPS; do
        # One retry: a port of the seed's can be held for a moment by another program's connection.
        if ! start_setup "$setup"; then
            note "$setup #$rep: the setup did not start; retrying once"; stop_setup; sleep 5
            if ! start_setup "$setup"; then note "$setup #$rep: the setup did not start"; stop_setup; continue; fi
        fi
        sleep 2
        [[ ${SKIP_LATENCY:-0} == 1 ]] || latency "$setup" "$rep"
        [[ ${SKIP_THROUGHPUT:-0} == 1 ]] || throughput "$setup" "$rep"
        stop_setup
    done
done
LOAD_AFTER=$(cut -d' ' -f1-3 /proc/loadavg)

median() {  # median FILE KEY
    [[ -s $1 ]] || { echo "–"; return; }
    awk -v k="$2" '{ for (i = 2; i <= NF; i++) { split($i, kv, "="); if (kv[1] == k && kv[2] != "") s[++n] = kv[2] + 0 } }
        END { if (n == 0) { print "–"; exit }
            for (i = 2; i <= n; i++) { x = s[i]; for (j = i - 1; j >= 1 && s[j] > x; j--) s[j+1] = s[j]; s[j+1] = x }
            print (n % 2 ? s[(n+1)/2] : (s[n/2] + s[n/2+1]) / 2) }' "$1"
}
runs() {
    [[ -s $1 ]] || { echo "–"; return; }
    awk -v k="$2" '{ v = "?"; for (i = 2; i <= NF; i++) { split($i, kv, "="); if (kv[1] == k) v = kv[2] }
        r = r (NR > 1 ? ", " : "") v } END { print r }' "$1"
}
table() {  # table KIND "key|label|target" ...
    local kind=$1 spec key label target setup row m any; shift
    printf '| figure | target |'; for setup in $SETUPS; do printf ' %s |' "$setup"; done; echo
    printf '|---|---|'; for _ in $SETUPS; do printf -- '---|'; done; echo
    for spec in "$@"; do
        IFS='|' read -r key label target <<<"$spec"
        row="| $label | $target |"; any=0
        for setup in $SETUPS; do
            m=$(median "$WORK/$setup.$kind.txt" "$key")
            if [[ $m == – ]]; then row+=" – |"; else any=1; row+=" **$m** ($(runs "$WORK/$setup.$kind.txt" "$key")) |"; fi
        done
        [[ $any == 0 ]] || echo "$row"
    done
}
ratio() {  # ratio KIND KEY -> dapr's median / direct's, in %
    local d a
    d=$(median "$WORK/direct.$1.txt" "$2"); a=$(median "$WORK/dapr.$1.txt" "$2")
    [[ $d == – || $a == – ]] && { echo "–"; return; }
    awk -v d="$d" -v a="$a" 'BEGIN { if (d > 0) printf "%.0f %%", a / d * 100; else print "–" }'
}
diff_ms() {
    local d a
    d=$(median "$WORK/direct.$1.txt" "$2"); a=$(median "$WORK/dapr.$1.txt" "$2")
    [[ $d == – || $a == – ]] && { echo "–"; return; }
    awk -v d="$d" -v a="$a" 'BEGIN { printf "%+.2f ms", a - d }'
}
cpu_rows() {
    table "$1" "cpu_services|the 7 todoai processes|" "cpu_daprd_all|the 7 daprds together|" \
        "cpu_daprd_avg|one daprd (mean of 7)|" "cpu_daprd_max|the busiest daprd|" "cpu_daprd_todo|todo's daprd (publishes everything)|" \
        "cpu_kafka|Kafka broker (JVM)|" "cpu_postgres|PostgreSQL|" \
        "rss_avg_mib|daprd RSS, mean of 7, MiB (at the end)|" "rss_max_mib|daprd RSS, largest, MiB|" \
        "rss_todo_mib|todo's daprd RSS, MiB|"
}

{
    echo "# Dapr mode vs direct mode — todoai (issue 14)"
    echo
    echo "* date: $(date -u +%Y-%m-%dT%H:%M:%SZ); repo HEAD $(git rev-parse --short HEAD 2>/dev/null || echo '?')$(git diff --quiet -- src bench scripts deploy 2>/dev/null || echo ' (work tree dirty)')"
    echo "* command: \`$(for v in SETUPS REPEAT DURATION CONNS RATE LAT_SECONDS SENDERS SUT_CPUS TOOL_CPUS; do printf '%s="%s" ' "$v" "${!v}"; done)bash bench/dapr_bench.sh\`"
    echo "* binary: $TODOAI_BIN, built $(date -u -r "$TODOAI_BIN" +%Y-%m-%dT%H:%MZ); daprd $(ls "${TODOAI_CACHE:-$HOME/.cache/todoai}"/dapr-v*/daprd 2>/dev/null | head -1)"
    echo "* host: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//'); load average before $LOAD_BEFORE, after $LOAD_AFTER; before the run core(s) $SUT_CPUS were ${PRE_BUSY_A}% and $TOOL_CPUS ${PRE_BUSY_B}% busy"
    echo "* **pinned**: the whole cluster (services, daprds, Kafka, PostgreSQL) on core(s) $SUT_CPUS (\`taskset -c $SUT_CPUS scripts/dev-cluster.sh\`), wrk and ws_latency on core(s) $TOOL_CPUS"
    echo "* direct: \`scripts/dev-cluster.sh --background\`; dapr: \`scripts/dev-cluster.sh --dapr --background\` (7 daprds, the chart's components, daprd log level warn); both: Apache Kafka 4.4 (one KRaft broker, KAFKA_JVM_OPTS ${KAFKA_JVM_OPTS:--XX:+UseSerialGC}), PostgreSQL 15, TODOAI_ACCESS_LOG=false, a fresh cluster per run; latency first, then throughput on the same cluster"
    echo "* latency: \`ws_latency --rate $RATE --seconds $LAT_SECONDS --senders $SENDERS\`; throughput: \`wrk -t1 -c$CONNS -d${DURATION}s\` POST /api/{user}/tasks, **delivered/s** = tasks in audit / (wrk time + catch-up time)"
    echo "* CPU in % of one core over the run (throughput: wrk + catch-up); RSS read from /proc at the end of the run"
    sed 's/^/* /' "$NOTES"
    echo
    echo "Cells: median over $REPEAT runs in bold, then each run's figure. Raw output: $(basename "$RAW")."
    echo
    echo "## Summary"
    echo
    echo "| figure | target | dapr vs direct |"
    echo "|---|---|---|"
    echo "| delivered/s | ≥ 80 % of direct | $(ratio throughput delivered_rps) |"
    echo "| commit → frame p50 | | $(diff_ms latency c_p50_ms) |"
    echo "| commit → frame p99 | ≤ direct + 5 ms | $(diff_ms latency c_p99_ms) |"
    echo
    echo "## Commit → WebSocket frame ($RATE events/s for $LAT_SECONDS s)"
    echo
    table latency "c_p50_ms|commit→frame p50 ms|" "c_p90_ms|commit→frame p90 ms|" "c_p99_ms|commit→frame p99 ms|" \
        "c_max_ms|commit→frame max ms|" "post_p50_ms|POST p50 ms|" "post_p99_ms|POST p99 ms|" \
        "achieved_rps|achieved POST rate /s|$RATE" "count|events matched|" "misses|misses|0" \
        "duplicates|duplicates|0" "errors|HTTP errors|0" "rc|ws_latency exit code|0"
    echo
    echo "CPU and memory during the latency runs:"
    echo
    cpu_rows latency
    echo
    echo "## Task creation (saturated POST, $CONNS connections, $DURATION s)"
    echo
    table throughput "delivered_rps|delivered/s|" "accepted_rps|accepted/s (committed / wrk time)|" \
        "p50_ms|wrk p50 ms|" "p99_ms|wrk p99 ms|" "created|tasks committed|" "missing|not in audit at the end|0" \
        "drain_s|audit caught up, s after wrk|" "status_errors|HTTP errors|0" "socket_errors|socket errors|0"
    echo
    echo "CPU and memory during the throughput runs (wrk + catch-up):"
    echo
    cpu_rows throughput
} | tee "$REPORT"
log "report: $REPORT (raw: $RAW)"
