#!/usr/bin/env bash
# The whole HTTP measurement in one run: beast_hello (the machine's HTTP ceiling), todoai
# (serve all) and the FastAPI + SQLite peer (the notes' stack), run twice: as Debian packages it (asyncio + h11)
# and with uvloop + httptools. Each server is pinned to
# one core (taskset -c $SERVER_CPU), wrk to the other (taskset -c $CLIENT_CPU).
#
# Per server: GET x REPEAT and POST x REPEAT at -t1 -c$CONNS (saturated), a paced GET at
# half of the server's own saturated GET rate, and (beast_hello, fastapi) a paced GET at
# half of todoai's saturated GET rate; VmRSS after start-up (idle) and after the load.
# Output: a markdown report on stdout and in bench/results/http-<date>.md (raw wrk output
# beside it, http-<date>.raw.txt). See bench/README.md.
#
# Env: TODOAI_BIN (build/todoai), BEAST_HELLO_BIN (build/bench/beast_hello), DURATION (10s),
# REPEAT (5), CONNS (64), PACED_CONNS (64), SKIP_TODOAI / SKIP_BEAST / SKIP_FASTAPI (=1 to
# skip; todoai is skipped automatically, with a note, when its binary is missing),
# SERVER_CPU (1), CLIENT_CPU (0) (lists allowed: 0,1 for both cores), PYTHON (/usr/bin/python3), JWT_SECRET (random),
# RESULTS_DIR (bench/results), KEEP_WORK (=1 keeps the temp dir with data and logs).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
BENCH="$ROOT/bench"

TODOAI_BIN=${TODOAI_BIN:-build/todoai}
BEAST_HELLO_BIN=${BEAST_HELLO_BIN:-build/bench/beast_hello}
DURATION=${DURATION:-10s}
[[ "$DURATION" =~ ^[0-9]+$ ]] && DURATION="${DURATION}s"
REPEAT=${REPEAT:-5}
CONNS=${CONNS:-64}
PACED_CONNS=${PACED_CONNS:-64}
SERVER_CPU=${SERVER_CPU:-1}
CLIENT_CPU=${CLIENT_CPU:-0}
PYTHON=${PYTHON:-/usr/bin/python3}
RESULTS_DIR=${RESULTS_DIR:-$BENCH/results}
export JWT_SECRET=${JWT_SECRET:-bench-$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')}

for tool in wrk taskset curl "$PYTHON"; do
    command -v "$tool" >/dev/null || { echo "http_bench: $tool not found" >&2; exit 2; }
done

WORK=$(mktemp -d /tmp/todoai-http-bench.XXXXXX)
PIDS=()
cleanup() {
    local pid
    for pid in "${PIDS[@]}"; do
        kill -TERM "$pid" 2>/dev/null || true
    done
    for pid in "${PIDS[@]}"; do
        for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
    if [[ "${KEEP_WORK:-0}" == 1 ]]; then echo "http_bench: kept $WORK" >&2; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# shellcheck source=bench/report_files.sh
source "$ROOT/bench/report_files.sh"
open_report http
RUNS="$WORK/runs.tsv"   # server route kind rep target rps p50 p90 p99 max requests status_err sock_err cpu other
MEM="$WORK/mem.tsv"     # server rss_idle_kb rss_after_kb hwm_kb
: >"$RUNS"; : >"$MEM"

free_port() {
    "$PYTHON" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}
cpu_ticks() { awk '{print $14+$15}' "/proc/$1/stat" 2>/dev/null || echo 0; }
# core_ticks (report_files.sh) takes a list such as 0,1: SERVER_CPU=0,1 CLIENT_CPU=0,1 runs everything unpinned
now_s() { date +%s.%N; }
rss_kb() { awk -v k="$2:" '$1==k {print $2}' "/proc/$1/status" 2>/dev/null || echo 0; }
json_get() { "$PYTHON" -c "import json,sys; d=json.load(sys.stdin); print($1)"; }

# start_server NAME URL-to-poll CMD...  -> sets SERVER_PID; returns 1 if it did not come up.
start_server() {
    local name=$1 url=$2; shift 2
    taskset -c "$SERVER_CPU" "$@" >"$WORK/$name.log" 2>&1 &
    SERVER_PID=$!
    PIDS+=("$SERVER_PID")
    for _ in $(seq 300); do
        if ! kill -0 "$SERVER_PID" 2>/dev/null; then
            note "$name: exited during start-up; its log:"; tail -20 "$WORK/$name.log" >&2; return 1
        fi
        [[ $(curl -s -o /dev/null -w '%{http_code}' "$url" || true) != 000 ]] && return 0
        sleep 0.1
    done
    note "$name: did not answer $url within 30 s"; return 1
}

stop_server() {
    kill -TERM "$1" 2>/dev/null || true
    for _ in $(seq 100); do kill -0 "$1" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$1" 2>/dev/null || true
    wait "$1" 2>/dev/null || true
}

# sign_up BASE -> sets TOKEN, USER_ID, TASK_ID (creates the task that GET reads)
sign_up() {
    local base=$1 resp code
    resp=$(curl -s -w '\n%{http_code}' -X POST "$base/api/auth/sign-up" -H 'Content-Type: application/json' \
        -d "{\"email\":\"bench-$RANDOM$RANDOM@example.com\",\"password\":\"bench-password-1\",\"name\":\"Bench\"}")
    code=${resp##*$'\n'}; resp=${resp%$'\n'*}
    [[ $code == 201 ]] || { note "sign-up at $base answered $code: $resp"; return 1; }
    TOKEN=$(json_get 'd["token"]' <<<"$resp")
    USER_ID=$(json_get 'd["user"]["id"]' <<<"$resp")
    resp=$(curl -s -w '\n%{http_code}' -X POST "$base/api/$USER_ID/tasks" -H 'Content-Type: application/json' \
        -H "Authorization: Bearer $TOKEN" \
        -d '{"title":"Write the report","description":"Figures first","priority":"medium","tags":["work"],"due_date":"2030-01-15T17:00:00Z"}')
    code=${resp##*$'\n'}; resp=${resp%$'\n'*}
    [[ $code == 201 ]] || { note "create task at $base answered $code: $resp"; return 1; }
    TASK_ID=$(json_get 'd["id"]' <<<"$resp")
    code=$(curl -s -o "$WORK/get.json" -w '%{http_code}' -H "Authorization: Bearer $TOKEN" "$base/api/$USER_ID/tasks/$TASK_ID")
    [[ $code == 200 ]] || { note "GET task at $base answered $code"; return 1; }
    log "signed up user $USER_ID, task $TASK_ID ($(wc -c <"$WORK/get.json")-byte GET body)"
}

# run_wrk SERVER ROUTE KIND REP SCRIPT URL CONNS [RATE] -> appends a row to $RUNS; prints rps
run_wrk() {
    local server=$1 route=$2 kind=$3 rep=$4 script=$5 url=$6 conns=$7 rate=${8:-} out t0 t1 c0 c1 k0 k1 cpu other line
    c0=$(cpu_ticks "$SERVER_PID"); k0=$(core_ticks "$SERVER_CPU"); t0=$(now_s)
    out=$(TOKEN=$TOKEN USER_ID=$USER_ID TASK_ID=$TASK_ID RATE=$rate \
        taskset -c "$CLIENT_CPU" wrk -t1 -c"$conns" -d"$DURATION" --timeout 5s -s "$script" "$url" 2>&1) || true
    t1=$(now_s); c1=$(cpu_ticks "$SERVER_PID"); k1=$(core_ticks "$SERVER_CPU")
    printf '### %s %s %s #%s%s\n%s\n\n' "$server" "$route" "$kind" "$rep" "${rate:+ rate=$rate}" "$out" >>"$RAW"
    cpu=$(awk -v a="$c0" -v b="$c1" -v s="$t0" -v e="$t1" -v hz="$CLK_TCK" 'BEGIN{printf "%.0f", (b-a)/hz/(e-s)*100}')
    # other = what the server's core spent on anything but the server (other processes, steal)
    other=$(awk -v k0="$k0" -v k1="$k1" -v a="$c0" -v b="$c1" 'BEGIN{split(k0,x," "); split(k1,y," ");
        t = y[2]-x[2]; o = t > 0 ? ((y[1]-x[1]) - (b-a)) / t * 100 : 0; printf "%.0f", o < 0 ? 0 : o}')
    line=$(grep '^RESULT' <<<"$out" || true)
    if [[ -z $line ]]; then
        note "$server $route $kind #$rep: wrk printed no RESULT line: $(tail -3 <<<"$out" | tr '\n' ' ')"
        echo 0; return
    fi
    # RESULT rps=.. p50_ms=.. p90_ms=.. p99_ms=.. max_ms=.. requests=.. duration_s=.. status_errors=.. socket_errors=..
    awk -v s="$server" -v r="$route" -v k="$kind" -v n="$rep" -v t="${rate:-0}" -v c="$cpu" -v o="$other" '{
        for (i = 2; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
        print s "\t" r "\t" k "\t" n "\t" t "\t" v["rps"] "\t" v["p50_ms"] "\t" v["p90_ms"] "\t" v["p99_ms"] "\t" v["max_ms"] "\t" v["requests"] "\t" v["status_errors"] "\t" v["socket_errors"] "\t" c "\t" o
    }' <<<"$line" >>"$RUNS"
    log "$server $route $kind #$rep${rate:+ (target $rate/s)}: ${line#RESULT } cpu=${cpu}% others-on-core=${other}%"
    kill -0 "$SERVER_PID" 2>/dev/null || note "$server: the process died during $route $kind #$rep"
    awk '{for (i = 2; i <= NF; i++) if ($i ~ /^rps=/) {sub("rps=", "", $i); print $i}}' <<<"$line"
}

median() { sort -g | awk '{a[NR]=$1} END {if (NR == 0) print 0; else if (NR % 2) print a[(NR+1)/2]; else print (a[NR/2]+a[NR/2+1])/2}'; }

TODOAI_HALF=""
# measure NAME BASE GET_URL POST_URL
measure() {
    local name=$1 base=$2 get_url=$3 post_url=$4 rss_idle rps i own_half
    sleep 1
    rss_idle=$(rss_kb "$SERVER_PID" VmRSS)
    if [[ $name == beast_hello ]]; then TOKEN=none USER_ID=u TASK_ID=t; else sign_up "$base" || return 1; fi
    # warm-up (not recorded)
    TOKEN=$TOKEN USER_ID=$USER_ID TASK_ID=$TASK_ID taskset -c "$CLIENT_CPU" \
        wrk -t1 -c"$CONNS" -d2s -s "$BENCH/wrk/get_task.lua" "$get_url" >/dev/null 2>&1 || true
    local get_rps=()
    for i in $(seq "$REPEAT"); do
        get_rps+=("$(run_wrk "$name" GET saturated "$i" "$BENCH/wrk/get_task.lua" "$get_url" "$CONNS")")
        sleep 1
    done
    own_half=$(printf '%s\n' "${get_rps[@]}" | median | awk '{printf "%d", $1/2}')
    [[ $name == todoai ]] && TODOAI_HALF=$own_half
    if [[ $own_half -gt 0 ]]; then
        run_wrk "$name" GET "paced-own-half" 1 "$BENCH/wrk/get_task.lua" "$get_url" "$PACED_CONNS" "$own_half" >/dev/null
        sleep 1
    fi
    if [[ $name != todoai && -n $TODOAI_HALF && $TODOAI_HALF -gt 0 ]]; then
        run_wrk "$name" GET "paced-todoai-half" 1 "$BENCH/wrk/get_task.lua" "$get_url" "$PACED_CONNS" "$TODOAI_HALF" >/dev/null
        sleep 1
    fi
    for i in $(seq "$REPEAT"); do
        run_wrk "$name" POST saturated "$i" "$BENCH/wrk/post_task.lua" "$post_url" "$CONNS" >/dev/null
        sleep 1
    done
    sleep 2
    printf '%s\t%s\t%s\t%s\n' "$name" "$rss_idle" "$(rss_kb "$SERVER_PID" VmRSS)" "$(rss_kb "$SERVER_PID" VmHWM)" >>"$MEM"
}

LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
# Pre-flight: how busy are the two cores before we start anything (1 s sample)?
warn_if_busy "$SERVER_CPU" "$CLIENT_CPU"
log "work dir $WORK; DURATION=$DURATION REPEAT=$REPEAT CONNS=$CONNS; server on cpu $SERVER_CPU, wrk on cpu $CLIENT_CPU"
log "load average now: $LOAD_BEFORE (anything else busy on these cores skews the figures)"

# --- todoai --------------------------------------------------------------------------
if [[ "${SKIP_TODOAI:-0}" == 1 ]]; then
    note "todoai: skipped (SKIP_TODOAI=1)"
elif [[ ! -x "$TODOAI_BIN" ]]; then
    note "todoai: skipped, no binary at $TODOAI_BIN (build it, or set TODOAI_BIN)"
else
    port=$(free_port); mkdir -p "$WORK/todoai-data"
    if start_server todoai "http://127.0.0.1:$port/health" \
        "$TODOAI_BIN" serve all --port "$port" --data-dir "$WORK/todoai-data"; then
        grep -m1 'listening on' "$WORK/todoai.log" >&2 || true
        note "todoai: binary $TODOAI_BIN ($("$TODOAI_BIN" --version 2>/dev/null | head -1 || true)), built $(date -u -r "$TODOAI_BIN" +%Y-%m-%dT%H:%MZ), serve all, data dir in a mktemp dir"
        base="http://127.0.0.1:$port"
        measure todoai "$base" "$base" "$base" || note "todoai: measurement aborted"
        stop_server "$SERVER_PID"
    fi
fi

# --- beast_hello -----------------------------------------------------------------------
if [[ "${SKIP_BEAST:-0}" == 1 ]]; then
    note "beast_hello: skipped (SKIP_BEAST=1)"
else
    if [[ ! -x "$BEAST_HELLO_BIN" && -x build-bench/bench/beast_hello ]]; then
        log "no $BEAST_HELLO_BIN; using build-bench/bench/beast_hello"; BEAST_HELLO_BIN=build-bench/bench/beast_hello
    fi
    if [[ ! -x "$BEAST_HELLO_BIN" ]]; then
        note "beast_hello: skipped, no binary at $BEAST_HELLO_BIN (cmake --build <dir> --target beast_hello)"
    else
        port=$(free_port)
        if start_server beast_hello "http://127.0.0.1:$port/" "$BEAST_HELLO_BIN" "$port" 1; then
            base="http://127.0.0.1:$port"
            measure beast_hello "$base" "$base" "$base" || note "beast_hello: measurement aborted"
            stop_server "$SERVER_PID"
        fi
    fi
fi

# --- FastAPI peers ---------------------------------------------------------------------
# Two runs of the same app: `fastapi` exactly as the issue names the notes' stack (Debian's python3-fastapi and
# uvicorn packages, which run uvicorn on asyncio + h11), and `fastapi-uvloop`, uvicorn's fast path (uvloop +
# httptools, what `pip install uvicorn[standard]` adds; Debian's python3-uvloop, python3-httptools).
run_peer() {  # run_peer NAME LOOP HTTP
    local name=$1 loop=$2 http=$3 port base
    port=$(free_port)
    note "$name: uvicorn --loop $loop --http $http, 1 worker"
    if start_server "$name" "http://127.0.0.1:$port/health" env PEER_DB="$WORK/$name.db" \
        "$PYTHON" -m uvicorn fastapi_app:app --app-dir "$BENCH/peers" --host 127.0.0.1 --port "$port" \
        --workers 1 --loop "$loop" --http "$http" --log-level warning --no-access-log; then
        base="http://127.0.0.1:$port"
        measure "$name" "$base" "$base" "$base" || note "$name: measurement aborted"
        stop_server "$SERVER_PID"
    fi
}
if [[ "${SKIP_FASTAPI:-0}" == 1 ]]; then
    note "fastapi: skipped (SKIP_FASTAPI=1)"
else
    versions=$("$PYTHON" -c 'import sys, fastapi, uvicorn, pydantic, jwt, sqlite3; print(f"python {sys.version.split()[0]}, fastapi {fastapi.__version__}, uvicorn {uvicorn.__version__}, pydantic {pydantic.VERSION}, pyjwt {jwt.__version__}, sqlite {sqlite3.sqlite_version}")')
    note "fastapi peers: $versions"
    run_peer fastapi asyncio h11
    if "$PYTHON" -c 'import uvloop, httptools' 2>/dev/null; then
        run_peer fastapi-uvloop uvloop httptools
    else
        note "fastapi-uvloop: skipped, python3-uvloop/python3-httptools missing (scripts/install-deps.sh installs them)"
    fi
fi

LOAD_AFTER=$(cut -d' ' -f1-3 /proc/loadavg)
"$PYTHON" "$BENCH/http_report.py" --runs "$RUNS" --mem "$MEM" --notes "$NOTES" \
    --meta "date=$(date -u +%Y-%m-%dT%H:%M:%SZ)" \
    --meta "commit=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo '?')$(git -C "$ROOT" diff --quiet 2>/dev/null || echo ' (dirty)')" \
    --meta "host=$(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')" \
    --meta "load average before=$LOAD_BEFORE after=$LOAD_AFTER" \
    --meta "wrk=-t1 -c$CONNS -d$DURATION on cpu $CLIENT_CPU, server on cpu $SERVER_CPU, REPEAT=$REPEAT, paced runs -c$PACED_CONNS" \
    --meta "raw wrk output=$(realpath --relative-to="$ROOT" "$RAW")" | tee "$REPORT"
log "report: $REPORT"
