#!/usr/bin/env bash
# Issue 11's scale benchmark: the same request figures on an empty store and on stores seeded with SIZES tasks
# (bench/scale_seed.cpp: 1 000 users, the benchmark's user with a fifth of them, 10 % with a reminder, 5 % recurring),
# embedded default (SQLite), one process. Per size: sign up the user on an empty data dir, stop, seed, start again,
# then REPEAT rounds of wrk over each request kind; the report gives the median of the rounds per kind and size and
# the ratio to the empty store. Goal (issue 11): no figure worse than 2x its empty-store value at 1 000 000.
#
# Measured: GET one of the user's tasks, POST a task (as a second user), the user's list's first page (default sort), a filtered and sorted page
# (status + priority, due date ascending), search with a 3+ character needle (trigram index) and with a 2-character
# one (the user's tasks in list order). Not measured here: commit -> frame p99, reminder lateness and delivery
# throughput at scale (bench/events_bench.sh measures them on an empty store).
#
#   bench/scale_bench.sh                      # SIZES="0 100000 1000000" REPEAT=3 DURATION=10
#   SIZES="0 100000" REPEAT=1 DURATION=3 bench/scale_bench.sh   # a quick check
#
# Env: TODOAI_BIN (build/todoai), SEED_BIN (build/bench/scale_seed), SIZES, REPEAT, DURATION (s), CONNS (16),
# SERVER_CPU (1), CLIENT_CPU (0), RESULTS_DIR (bench/results), KEEP_WORK=1 keeps the data dirs.
set -euo pipefail
cd "$(dirname "$0")/.."

TODOAI_BIN=${TODOAI_BIN:-build/todoai}
SEED_BIN=${SEED_BIN:-build/bench/scale_seed}
SIZES=${SIZES:-"0 100000 1000000"}
REPEAT=${REPEAT:-3}
DURATION=${DURATION:-10}
CONNS=${CONNS:-16}
SERVER_CPU=${SERVER_CPU:-1}
CLIENT_CPU=${CLIENT_CPU:-0}
RESULTS_DIR=${RESULTS_DIR:-bench/results}
PYTHON=/usr/bin/python3
export JWT_SECRET=${JWT_SECRET:-$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')}

WORK=$(mktemp -d)
SERVER_PID=
cleanup() {
    [[ -n $SERVER_PID ]] && stop_server "$SERVER_PID"
    [[ ${KEEP_WORK:-} == 1 ]] && echo "kept $WORK" >&2 || rm -rf "$WORK"
}
trap cleanup EXIT

note() { echo "scale_bench: $*" >&2; }
free_port() { "$PYTHON" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
json_get() { "$PYTHON" -c "import json,sys; d=json.load(sys.stdin); print($1)"; }

start_server() {  # DATA_DIR PORT
    taskset -c "$SERVER_CPU" "$TODOAI_BIN" serve all --host 127.0.0.1 --port "$2" --data-dir "$1" \
        >>"$WORK/server.log" 2>&1 &
    SERVER_PID=$!
    for _ in $(seq 600); do
        kill -0 "$SERVER_PID" 2>/dev/null || { note "todoai exited; its log:"; tail -20 "$WORK/server.log" >&2; exit 1; }
        [[ $(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$2/health" || true) == 200 ]] && return 0
        sleep 0.1
    done
    note "todoai did not answer /health within 60 s"; exit 1
}

stop_server() {
    kill -TERM "$1" 2>/dev/null || true
    for _ in $(seq 300); do kill -0 "$1" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$1" 2>/dev/null || true
    wait "$1" 2>/dev/null || true
    SERVER_PID=
}

RUNS="$WORK/runs.tsv"  # size kind round rps p50 p99 errors
: >"$RUNS"
KINDS="get post list list_filtered search search_short"

for size in $SIZES; do
    dir="$WORK/data-$size"
    port=$(free_port)
    base="http://127.0.0.1:$port"
    start_server "$dir" "$port"
    resp=$(curl -s -X POST "$base/api/auth/sign-up" -H 'Content-Type: application/json' \
        -d '{"email":"bench@example.com","password":"correct horse battery","name":"Bench"}')
    TOKEN=$(json_get 'd["token"]' <<<"$resp")
    USER_ID=$(json_get 'd["user"]["id"]' <<<"$resp")
    # POSTs go to a second user, so the benchmark's user (the heavy one) keeps the seeded tasks at the front of its
    # list for the list and search rounds.
    resp=$(curl -s -X POST "$base/api/auth/sign-up" -H 'Content-Type: application/json' \
        -d '{"email":"writer@example.com","password":"correct horse battery","name":"Writer"}')
    WRITER_TOKEN=$(json_get 'd["token"]' <<<"$resp")
    WRITER_ID=$(json_get 'd["user"]["id"]' <<<"$resp")
    stop_server "$SERVER_PID"
    if ((size > 0)); then
        t0=$(date +%s)
        "$SEED_BIN" "$dir" "$size" "$USER_ID"
        note "seeded $size tasks in $(($(date +%s) - t0)) s; todo.db $(du -sh "$dir/todo.db" | cut -f1)"
    fi
    start_server "$dir" "$port"
    TASK_ID=$(curl -s -X POST "$base/api/$USER_ID/tasks" -H "Authorization: Bearer $TOKEN" \
        -H 'Content-Type: application/json' -d '{"title":"the task GET reads"}' | json_get 'd["id"]')
    export TOKEN USER_ID TASK_ID
    for round in $(seq "$REPEAT"); do
        for kind in $KINDS; do
            script=bench/wrk/get_path.lua
            token=$TOKEN user=$USER_ID
            case $kind in
                get) script=bench/wrk/get_task.lua ;;
                post) script=bench/wrk/post_task.lua token=$WRITER_TOKEN user=$WRITER_ID ;;
                list) BENCH_PATH="/api/$USER_ID/tasks?limit=50" ;;
                list_filtered) BENCH_PATH="/api/$USER_ID/tasks?limit=50&status=pending&priority=high&sort=due_date&order=asc" ;;
                search) BENCH_PATH="/api/$USER_ID/tasks?limit=50&q=budget%20taxes" ;;
                search_short) BENCH_PATH="/api/$USER_ID/tasks?limit=50&q=ax" ;;
            esac
            out=$(BENCH_PATH=${BENCH_PATH:-} TOKEN=$token USER_ID=$user taskset -c "$CLIENT_CPU" \
                wrk -t1 -c"$CONNS" -d"${DURATION}s" --timeout 10s -s "$script" "$base" 2>&1) || true
            line=$(grep '^RESULT' <<<"$out" || echo "RESULT rps=0 p50_ms=0 p99_ms=0 status_errors=-1 socket_errors=-1")
            awk -v s="$size" -v k="$kind" -v r="$round" '{
                for (i = 2; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
                printf "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", s, k, r, v["rps"], v["p50_ms"], v["p99_ms"],
                    v["status_errors"] + v["socket_errors"] }' <<<"$line" >>"$RUNS"
            note "size $size $kind round $round: $line"
        done
    done
    stop_server "$SERVER_PID"
done

mkdir -p "$RESULTS_DIR"
report="$RESULTS_DIR/scale-$(date -u +%Y%m%dT%H%M%SZ).md"
"$PYTHON" - "$RUNS" "$SIZES" "$KINDS" >"$report" <<'PY'
import statistics, sys
rows = [l.rstrip("\n").split("\t") for l in open(sys.argv[1]) if l.strip()]
sizes, kinds = sys.argv[2].split(), sys.argv[3].split()
def median(size, kind, col):
    vals = [float(r[col]) for r in rows if r[0] == size and r[1] == kind]
    return statistics.median(vals) if vals else float("nan")
print("| request | " + " | ".join(f"{s} tasks: rps / p50 / p99 ms" for s in sizes) + " | worst p99 vs empty |")
print("|---|" + "---|" * (len(sizes) + 1))
for k in kinds:
    cells, base = [], median(sizes[0], k, 5)
    worst = 0.0
    for s in sizes:
        p99 = median(s, k, 5)
        cells.append(f"{median(s, k, 3):.0f} / {median(s, k, 4):.2f} / {p99:.2f}")
        if base > 0: worst = max(worst, p99 / base)
    errors = sum(int(float(r[6])) for r in rows if r[1] == k)
    print(f"| {k} | " + " | ".join(cells) + f" | {worst:.2f}x" + (f" ({errors} errors)" if errors else "") + " |")
PY
cat "$report"
note "report: $report"
