#!/usr/bin/env bash
# The event benchmarks of issue 4 in one run, each run on a fresh todoai (fresh mktemp data dir), the server
# pinned to one core (taskset -c $SERVER_CPU, ulimit -n 65536 or the hard limit), the tool to the other
# (taskset -c $CLIENT_CPU):
#   ws_latency        x REPEAT_LATENCY   (5): commit -> WebSocket frame at $RATE/s for $DURATION s
#   reminder_lateness x REPEAT_REMINDERS (3): $REMINDERS reminders due within $WINDOW s, $USERS users
#   ws_clients        x REPEAT_CLIENTS   (1): $CLIENTS WebSocket clients over $CLIENT_USERS users, RSS per connection
# Builds nothing. Output: a markdown report (medians and every run's figure) on stdout and in
# bench/results/events-<date>.md, the tools' full output beside it (events-<date>.raw.txt). See bench/README.md.
#
# Env: TODOAI_BIN (build/todoai), WS_LATENCY_BIN / REMINDER_LATENESS_BIN / WS_CLIENTS_BIN (build/bench/<tool>),
# REPEAT_LATENCY (5), REPEAT_REMINDERS (3), REPEAT_CLIENTS (1), RATE (1000), DURATION (10), USERS (20),
# REMINDERS (10000), WINDOW (10), LEAD (15), CLIENTS (2000), CLIENT_USERS (100), SKIP_LATENCY / SKIP_REMINDERS /
# SKIP_CLIENTS (=1 to skip), SERVER_CPU (1), CLIENT_CPU (0), JWT_SECRET (random), RESULTS_DIR (bench/results),
# KEEP_WORK (=1 keeps the temp dir: data dirs and server logs).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"

TODOAI_BIN=${TODOAI_BIN:-build/todoai}
WS_LATENCY_BIN=${WS_LATENCY_BIN:-build/bench/ws_latency}
REMINDER_LATENESS_BIN=${REMINDER_LATENESS_BIN:-build/bench/reminder_lateness}
WS_CLIENTS_BIN=${WS_CLIENTS_BIN:-build/bench/ws_clients}
REPEAT_LATENCY=${REPEAT_LATENCY:-5}
REPEAT_REMINDERS=${REPEAT_REMINDERS:-3}
REPEAT_CLIENTS=${REPEAT_CLIENTS:-1}
RATE=${RATE:-1000}
DURATION=${DURATION:-10}
USERS=${USERS:-20}
REMINDERS=${REMINDERS:-10000}
WINDOW=${WINDOW:-10}
LEAD=${LEAD:-15}
CLIENTS=${CLIENTS:-2000}
CLIENT_USERS=${CLIENT_USERS:-100}
SERVER_CPU=${SERVER_CPU:-1}
CLIENT_CPU=${CLIENT_CPU:-0}
RESULTS_DIR=${RESULTS_DIR:-$ROOT/bench/results}
JWT_SECRET=${JWT_SECRET:-bench-$(od -An -N24 -tx1 /dev/urandom | tr -d ' \n')}

command -v taskset >/dev/null || { echo "events_bench: taskset not found" >&2; exit 2; }
for bin in "$TODOAI_BIN" "$WS_LATENCY_BIN" "$REMINDER_LATENESS_BIN" "$WS_CLIENTS_BIN"; do
    [[ -x $bin ]] || { echo "events_bench: no executable $bin (build it, or set the *_BIN variable)" >&2; exit 2; }
done

WORK=$(mktemp -d /tmp/todoai-events-bench.XXXXXX)
SERVER_PID=""
cleanup() {
    if [[ -n $SERVER_PID ]]; then stop_server "$SERVER_PID"; fi
    if [[ "${KEEP_WORK:-0}" == 1 ]]; then echo "events_bench: kept $WORK" >&2; else rm -rf "$WORK"; fi
}
stop_server() {
    kill -TERM "$1" 2>/dev/null || true
    for _ in $(seq 100); do kill -0 "$1" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$1" 2>/dev/null || true
    wait "$1" 2>/dev/null || true
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# shellcheck source=bench/report_files.sh
source "$ROOT/bench/report_files.sh"
open_report events

# The server's open-file limit: 65536 when allowed, else the hard limit.
if (ulimit -n 65536) 2>/dev/null; then NOFILE=65536; else
    NOFILE=$(ulimit -Hn); note "ulimit -n 65536 not permitted here; the server runs with the hard limit $NOFILE"; fi

cpu_ticks() { awk '{print $14+$15}' "/proc/$1/stat" 2>/dev/null || echo 0; }
# children's user+sys seconds so far (bash `times`, second line; run in this shell, not in a $(...) subshell)
child_cpu_to() { times >"$1"; }
child_cpu() { awk 'NR==2 {n=0; for (i=1;i<=2;i++) {split($i,a,"m"); sub("s","",a[2]); n+=a[1]*60+a[2]} print n}' "$1"; }

# start_server -> SERVER_PID, PORT on a fresh data dir
start_server() {
    local data log url
    data=$(mktemp -d "$WORK/data.XXXXXX"); log="$data.log"
    ( ulimit -n "$NOFILE"; exec taskset -c "$SERVER_CPU" "$TODOAI_BIN" --port 0 --host 127.0.0.1 --data-dir "$data" \
        --jwt-secret "$JWT_SECRET" --access-log false ) >"$log" 2>&1 &
    SERVER_PID=$!
    for _ in $(seq 300); do
        url=$(grep -o -m1 'serving all on http://[0-9.:]*' "$log" 2>/dev/null || true)
        if [[ -n $url ]]; then PORT=${url##*:}; sleep 0.5; return 0; fi
        kill -0 "$SERVER_PID" 2>/dev/null || { note "todoai exited during start-up:"; tail -5 "$log" >&2; return 1; }
        sleep 0.1
    done
    note "todoai did not print its address within 30 s"; return 1
}

# run NAME REP TOOL ARGS... : fresh server, the tool pinned, its RESULT line plus rc and core shares to $WORK/NAME.txt
run() {
    local name=$1 rep=$2 out="$WORK/out.txt" rc=0 s0 s1 k0 k1 c0 c1 t0 t1 u0 u1 line shares; shift 2
    start_server || { note "$name #$rep: no server"; return 0; }
    local args=("$@")
    args=("${args[@]//@PORT@/$PORT}"); args=("${args[@]//@PID@/$SERVER_PID}")
    s0=$(cpu_ticks "$SERVER_PID"); k0=$(core_ticks "$SERVER_CPU"); c0=$(core_ticks "$CLIENT_CPU"); child_cpu_to "$WORK/t0"; t0=$(date +%s.%N)
    taskset -c "$CLIENT_CPU" "${args[@]}" >"$out" 2>&1 || rc=$?
    t1=$(date +%s.%N); s1=$(cpu_ticks "$SERVER_PID"); k1=$(core_ticks "$SERVER_CPU"); c1=$(core_ticks "$CLIENT_CPU"); child_cpu_to "$WORK/t1"
    u0=$(child_cpu "$WORK/t0"); u1=$(child_cpu "$WORK/t1")
    kill -0 "$SERVER_PID" 2>/dev/null || note "$name #$rep: todoai died during the run"
    printf '### %s #%s (rc %s)\n%s\n\n' "$name" "$rep" "$rc" "$(cat "$out")" >>"$RAW"
    # others on a core = its busy share not spent by our process on it (server / tool), in % of the wall time
    shares=$(awk -v k0="$k0" -v k1="$k1" -v c0="$c0" -v c1="$c1" -v s0="$s0" -v s1="$s1" -v u0="$u0" -v u1="$u1" \
        -v t0="$t0" -v t1="$t1" -v hz="$CLK_TCK" 'BEGIN { split(k0,a," "); split(k1,b," "); split(c0,c," "); split(c1,d," ");
        w = t1 - t0; so = ((b[1]-a[1]) - (s1-s0)) / hz / w * 100; co = ((d[1]-c[1]) / hz - (u1-u0)) / w * 100;
        printf "server_cpu_pct=%.0f others_server_core_pct=%.0f others_client_core_pct=%.0f", (s1-s0)/hz/w*100,
            so < 0 ? 0 : so, co < 0 ? 0 : co }')
    line=$(grep -m1 '^RESULT' "$out" || true)
    [[ -n $line ]] || note "$name #$rep: no RESULT line (rc $rc): $(tail -2 "$out" | tr '\n' ' ')"
    echo "${line:-RESULT} rc=$rc $shares" >>"$WORK/$name.txt"
    log "$name #$rep rc=$rc: ${line#RESULT } $shares"
    [[ $rc == 0 ]] || note "$name #$rep: exit code $rc (a check failed: see the raw output)"
    stop_server "$SERVER_PID"; SERVER_PID=""
}

LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
warn_if_busy "$SERVER_CPU" "$CLIENT_CPU"
log "work dir $WORK; server on cpu $SERVER_CPU, tools on cpu $CLIENT_CPU; load average $LOAD_BEFORE"

[[ ${SKIP_LATENCY:-0} == 1 ]] || for i in $(seq "$REPEAT_LATENCY"); do
    run ws_latency "$i" "$WS_LATENCY_BIN" --port @PORT@ --rate "$RATE" --seconds "$DURATION"; done
[[ ${SKIP_REMINDERS:-0} == 1 ]] || for i in $(seq "$REPEAT_REMINDERS"); do
    run reminder_lateness "$i" "$REMINDER_LATENESS_BIN" --port @PORT@ --users "$USERS" --reminders "$REMINDERS" \
        --window "$WINDOW" --lead "$LEAD"; done
[[ ${SKIP_CLIENTS:-0} == 1 ]] || for i in $(seq "$REPEAT_CLIENTS"); do
    run ws_clients "$i" "$WS_CLIENTS_BIN" --port @PORT@ --pid @PID@ --clients "$CLIENTS" --users "$CLIENT_USERS"; done
LOAD_AFTER=$(cut -d' ' -f1-3 /proc/loadavg)

# rows FILE "key|label|target" ... -> one table row each: median over the runs, then every run's value
rows() {
    local file=$1 spec key label target; shift
    [[ -s $file ]] || { echo "| (no runs) | | | |"; return; }
    for spec in "$@"; do
        IFS='|' read -r key label target <<<"$spec"
        awk -v k="$key" -v l="$label" -v t="$target" '{
            v = ""; for (i = 2; i <= NF; i++) { split($i, kv, "="); if (kv[1] == k) v = kv[2] }
            vals[NR] = v; raw = raw (NR > 1 ? ", " : "") (v == "" ? "?" : v) }
            END { n = 0; for (i = 1; i <= NR; i++) if (vals[i] != "") s[++n] = vals[i] + 0
                for (i = 2; i <= n; i++) { x = s[i]; for (j = i - 1; j >= 1 && s[j] > x; j--) s[j+1] = s[j]; s[j+1] = x }
                m = n == 0 ? "?" : (n % 2 ? s[(n+1)/2] : (s[n/2] + s[n/2+1]) / 2)
                printf "| %s | %s | %s | %s |\n", l, t, m, raw }' "$file"
    done
}
busy_runs=$(cat "$WORK"/*.txt 2>/dev/null | awk '{for (i=2;i<=NF;i++) {split($i,kv,"="); if (kv[1] ~ /^others_/ && kv[2] > 10) {n++; break}}} END {print n+0}')
{
    echo "# Event benchmarks — todoai"
    echo
    echo "* date: $(date -u +%Y-%m-%dT%H:%M:%SZ); repo HEAD $(git rev-parse --short HEAD 2>/dev/null || echo '?')$(git diff --quiet -- src 2>/dev/null || echo ' (src/ dirty in the work tree)') (the binary may be older: see its build time)"
    echo "* binary: $TODOAI_BIN, built $(date -u -r "$TODOAI_BIN" +%Y-%m-%dT%H:%MZ); each run on a fresh server and data dir; server on cpu $SERVER_CPU (ulimit -n $NOFILE), tool on cpu $CLIENT_CPU"
    echo "* host: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//'); load average before $LOAD_BEFORE, after $LOAD_AFTER"
    if (( busy_runs > 0 )) || (( PRE_BUSY_A > 10 || PRE_BUSY_B > 10 )); then
        echo "* **indicative only**: $busy_runs run(s) shared a core with other work (> 10% \"others\"); measure again on a quiet machine"
    fi
    backlog_runs=$(awk '{for (i=2;i<=NF;i++) {split($i,kv,"="); if (kv[1]=="last_scheduled_vs_t0_ms" && kv[2] > 0) n++}} END {print n+0}' \
        "$WORK/reminder_lateness.txt" 2>/dev/null || echo 0)
    if (( backlog_runs > 0 )); then
        echo "* reminder_lateness: in $backlog_runs run(s) reminder.scheduled frames were still arriving after T0 (the creation backlog overlapped the firing window, so reminders fired while the server was still busy with it); LEAD=$LEAD s, a longer LEAD measures the firing alone"
    fi
    sed 's/^/* /' "$NOTES"
    echo
    echo "Columns: median over the runs, then each run's figure in run order. Full tool output: $(basename "$RAW")."
    echo
    echo "## Event latency: commit → WebSocket frame (ws_latency, $RATE/s for ${DURATION} s, $REPEAT_LATENCY runs)"
    echo
    echo "| figure | target (issue 4) | median | runs |"
    echo "|---|---|---|---|"
    rows "$WORK/ws_latency.txt" "c_p50_ms|commit→frame p50 ms (201 received → frame)|≤ 1" "c_p90_ms|commit→frame p90 ms|" \
        "c_p99_ms|commit→frame p99 ms|≤ 5" "c_max_ms|commit→frame max ms|" "before_201|frames before their 201 (counted 0)|" \
        "s_p50_ms|send→frame p50 ms (request written → frame)|" "s_p99_ms|send→frame p99 ms|" "s_max_ms|send→frame max ms|" \
        "count|events matched|" "misses|misses|0" "duplicates|duplicate frames|0" "errors|HTTP errors|0" \
        "achieved_rps|achieved POST rate /s|$RATE" "late_slots|send slots > 1 ms late|" "post_p50_ms|POST p50 ms|" \
        "post_p99_ms|POST p99 ms|" "server_cpu_pct|server CPU %|" "others_server_core_pct|others on the server's core %|0" \
        "others_client_core_pct|others on the tool's core %|0" "rc|tool exit code|0"
    echo
    echo "## Reminder lateness (reminder_lateness, $REMINDERS reminders within $WINDOW s, $USERS users, lead $LEAD s, $REPEAT_REMINDERS runs)"
    echo
    echo "| figure | target (issue 4) | median | runs |"
    echo "|---|---|---|---|"
    rows "$WORK/reminder_lateness.txt" "c_p50_ms|client lateness p50 ms (frame arrival − remind_at)|" \
        "c_p99_ms|client lateness p99 ms|≤ 10" "c_max_ms|client lateness max ms|≤ 50" \
        "s_p50_ms|server lateness p50 ms (fired_at − remind_at)|" "s_p99_ms|server lateness p99 ms|≤ 10" \
        "s_max_ms|server lateness max ms|≤ 50" "fired|fired|$REMINDERS" "missing|missing|0" "duplicates|fired twice|0" \
        "early|fired early|0" "notifications|notifications stored|$REMINDERS" "notification_dups|notifications twice|0" \
        "create_rps|creation rate tasks/s|" "overran_t0_ms|creation overran T0 by ms|0" \
        "last_scheduled_vs_t0_ms|last reminder.scheduled frame vs T0 ms|< 0" "server_cpu_pct|server CPU %|" \
        "others_server_core_pct|others on the server's core %|0" "others_client_core_pct|others on the tool's core %|0" \
        "rc|tool exit code|0"
    echo
    echo "## Concurrent WebSocket clients (ws_clients, $CLIENTS clients over $CLIENT_USERS users, $REPEAT_CLIENTS run(s))"
    echo
    echo "| figure | target (issue 4) | median | runs |"
    echo "|---|---|---|---|"
    rows "$WORK/ws_clients.txt" "opened|clients open|$CLIENTS" "failed|failed to open|0" "open_s|time to open all s|" \
        "rss_before_kb|server VmRSS before kB|" "rss_after_kb|server VmRSS all open, idle kB|" \
        "rss_per_conn_kb|RSS growth per idle connection KB|≤ 20" "received|clients that got their user's event|= open" \
        "duplicates|duplicate events|0" "foreign|another user's events|0" "closed|closed by the server|0" \
        "last_ms|last arrival after the first POST ms|" "last_after_posts_ms|last arrival after the last 201 ms|" \
        "others_server_core_pct|others on the server's core %|0" "others_client_core_pct|others on the tool's core %|0" \
        "rc|tool exit code|0"
} | tee "$REPORT"
log "report: $REPORT (raw: $RAW)"
