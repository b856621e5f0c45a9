#!/usr/bin/env bash
# The distributed system on one machine: a PostgreSQL 15 (one schema per service), an Apache Kafka broker (one KRaft
# node, tests/support/kafka_server.sh; the services create their topics, 6 partitions each) and the five services as
# separate processes on the notes' ports, with two replicas of notification and websocket. Prints where everything is
# and stops all of it on Ctrl-C (the services first, then the broker, then PostgreSQL).
#
#   scripts/dev-cluster.sh            # builds first (scripts/build.sh), then starts everything
#   NO_BUILD=1 scripts/dev-cluster.sh # uses ./build as it is
#   scripts/dev-cluster.sh --kafka mock   # librdkafka's mock cluster (todoai-kafka-mock: 3 brokers) instead of the
#                                         # broker: starts in a second, takes fault commands on CLUSTER_DIR/kafka.in
#   scripts/dev-cluster.sh --dapr     # Dapr mode: each service beside its own daprd (scripts/install/dapr.sh), on
#                                     # the seed's ports (app 8001-8005, Dapr HTTP 3501-3505, gRPC 50001-50005; the
#                                     # second replicas 8013/8014, 3513/3514, 50013/50014), the chart's components
#                                     # (scripts/dapr-resources.sh: kafka-pubsub on the broker, statestore on the
#                                     # PostgreSQL, kubernetes-secrets as a local file holding DATABASE_URL and
#                                     # JWT_SECRET, reminder-check-cron), sqlite name resolution (no mDNS)
#   scripts/dev-cluster.sh --background   # starts everything, writes $CLUSTER_DIR/cluster.env, returns (scripts)
#   scripts/dev-cluster.sh --stop DIR     # stops what --background started in DIR
#
# --background leaves the cluster running and exits 0 once every service is ready (/health/ready); CLUSTER_DIR/cluster.env
# (shell syntax) holds DATABASE_URL, KAFKA_BROKERS, JWT_SECRET, APP_API_TOKEN, the ports (TODO_PORT, ...) and PIDS;
# with --kafka mock, write fault commands to CLUSTER_DIR/kafka.in (e.g. echo broker-down 1 >"$CLUSTER_DIR/kafka.in").
# On a failed start it stops what it started and exits 1.
#
# In Dapr mode Ctrl-C stops the services first (their relays drain into their sidecars), then the daprds, then the
# broker and PostgreSQL; every daprd listens on 127.0.0.1 only (DAPR_HOST_IP, --dapr-listen-addresses, explicit
# internal gRPC 50101-50105 and metrics 9091-9095 ports, +10 for the second replicas).
#
# Env: TODOAI_DAPRD (default: the cache's daprd), HELM (scripts/dapr-resources.sh), BUILD_DIR (build), TODOAI_BIN / KAFKA_MOCK_BIN (default $BUILD_DIR/todoai, $BUILD_DIR/todoai-kafka-mock),
# CLUSTER_DIR (a mktemp dir; logs and PostgreSQL data), PORT_OFFSET (0: added to every port, for a second cluster
# beside the first), TODO_ARGS (extra arguments of the todo service, e.g. "--http-threads 16"), TODOAI_TOPIC_LAYOUT
# (single) and any other TODOAI_* variable, which every service reads.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

# stop_in_order KAFKA_PID FIFO_HOLDER_PID SERVICE_PID...: the services first (their relays drain into Kafka, or into
# their sidecars, on the way out), then the daprds ($SIDECAR_PIDS, Dapr mode), then the Kafka peer and its fifo holder;
# each group TERM, then up to 15 s, then KILL. Polls rather than `wait`s: the pids may not be this shell's children
# (--stop), and a wait in an EXIT trap after Ctrl-C returns early.
SIDECAR_PIDS=""
stop_in_order() {
    local group pid
    for group in "${*:3}" "$SIDECAR_PIDS" "${*:1:2}"; do
        for pid in $group; do kill -TERM "$pid" 2>/dev/null || true; done
        for pid in $group; do
            for _ in $(seq 150); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
            kill -KILL "$pid" 2>/dev/null || true
        done
    done
}

MODE=foreground
KAFKA_KIND=real
DAPR=0
while (($#)); do
    case $1 in
    --background) MODE=background ;;
    --dapr) DAPR=1 ;;
    --kafka)
        KAFKA_KIND=${2:-}
        [[ $KAFKA_KIND == real || $KAFKA_KIND == mock ]] || { echo "dev-cluster: --kafka real or mock" >&2; exit 2; }
        shift
        ;;
    --stop)
        dir=${2:?usage: dev-cluster.sh --stop CLUSTER_DIR}
        [[ -f $dir/cluster.env ]] || { echo "dev-cluster: no $dir/cluster.env" >&2; exit 1; }
        read -r -a pids <<<"$(sed -n 's/^PIDS="\(.*\)"$/\1/p' "$dir/cluster.env")"
        SIDECAR_PIDS=$(sed -n 's/^SIDECAR_PIDS="\(.*\)"$/\1/p' "$dir/cluster.env")
        stop_in_order "${pids[@]}"
        [[ ! -d $dir/kafka ]] || bash "$ROOT/tests/support/kafka_server.sh" stop "$dir/kafka" || true
        bash "$ROOT/tests/support/postgres_server.sh" stop "$dir/postgres" || true
        exit 0
        ;;
    *) echo "dev-cluster: unknown argument '$1' (--background, --dapr, --kafka real|mock, --stop DIR)" >&2; exit 2 ;;
    esac
    shift
done

# daprd's Kafka client (sarama) does not read librdkafka's mock cluster correctly (tests/dapr/dapr_fixture.hpp).
[[ $DAPR == 0 || $KAFKA_KIND == real ]] || { echo "dev-cluster: --dapr runs on the real broker only" >&2; exit 2; }
BUILD_DIR=${BUILD_DIR:-build}
[[ ${NO_BUILD:-0} == 1 ]] || bash scripts/build.sh -DTODOAI_TESTS=OFF -DTODOAI_BENCH=OFF
TODOAI=${TODOAI_BIN:-$ROOT/$BUILD_DIR/todoai}
KAFKA_MOCK=${KAFKA_MOCK_BIN:-$ROOT/$BUILD_DIR/todoai-kafka-mock}
PORT_OFFSET=${PORT_OFFSET:-0}
read -r -a TODO_EXTRA <<<"${TODO_ARGS:-}"
bins=("$TODOAI")
[[ $KAFKA_KIND == real ]] || bins+=("$KAFKA_MOCK")
for bin in "${bins[@]}"; do
    [[ -x $bin ]] || { echo "dev-cluster: $bin is missing; run scripts/build.sh" >&2; exit 1; }
done
if [[ $DAPR == 1 ]]; then
    # As tests/support/dapr_sidecar.cpp finds it: the full build, else the minimal one (scripts/install/dapr.sh).
    dapr_cache=${TODOAI_CACHE:-$HOME/.cache/todoai}
    DAPRD=${TODOAI_DAPRD:-}
    for candidate in "$dapr_cache/dapr-v1.18.1/daprd" "$dapr_cache/dapr-v1.18.1-minimal/daprd"; do
        [[ -n $DAPRD || ! -x $candidate ]] || DAPRD=$candidate
    done
    [[ -n $DAPRD && -x $DAPRD ]] || { echo "dev-cluster: no daprd (scripts/install/dapr.sh builds it)" >&2; exit 1; }
fi

CLUSTER_DIR=${CLUSTER_DIR:-$(mktemp -d /tmp/todoai-cluster.XXXXXX)}
CLUSTER_DIR=$(realpath "$CLUSTER_DIR")
mkdir -p "$CLUSTER_DIR"
chmod 755 "$CLUSTER_DIR"  # the PostgreSQL server runs as the postgres user when we are root
PIDS=()

stop_all() {
    trap - INT TERM EXIT
    echo
    echo "dev-cluster: stopping"
    stop_in_order "${PIDS[@]}"
    if [[ -d $CLUSTER_DIR/kafka ]]; then
        cp "$CLUSTER_DIR/kafka/broker.log" "$CLUSTER_DIR/kafka-broker.log" 2>/dev/null || true
        bash "$ROOT/tests/support/kafka_server.sh" stop "$CLUSTER_DIR/kafka" || true
    fi
    bash "$ROOT/tests/support/postgres_server.sh" stop "$CLUSTER_DIR/postgres" || true
    echo "dev-cluster: stopped (logs kept in $CLUSTER_DIR)"
} >&2
trap stop_all EXIT
trap 'exit 130' INT TERM

wait_sidecar() {  # wait_sidecar NAME DAPR_HTTP_PORT PID: daprd's /v1.0/healthz answers 204 (components, app channel)
    for _ in $(seq 600); do
        [[ $(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$2/v1.0/healthz" 2>/dev/null) == 204 ]] && return 0
        kill -0 "$3" 2>/dev/null || { echo "dev-cluster: $1's daprd exited; its log:" >&2; tail -5 "$CLUSTER_DIR/$1.daprd.log" >&2; exit 1; }
        sleep 0.1
    done
    echo "dev-cluster: $1's daprd was not healthy on port $2 in 60 s; see $CLUSTER_DIR/$1.daprd.log" >&2
    exit 1
}

wait_healthy() {  # wait_healthy NAME PORT PID
    for _ in $(seq 300); do
        # Ready, not just alive: its store answers, the producer is warm and its consumer groups have joined.
        curl -sf "http://127.0.0.1:$2/health/ready" >/dev/null 2>&1 && return 0
        kill -0 "$3" 2>/dev/null || { echo "dev-cluster: $1 exited; its log:" >&2; tail -5 "$CLUSTER_DIR/$1.log" >&2; exit 1; }
        sleep 0.1
    done
    echo "dev-cluster: $1 was not ready (/health/ready) on port $2 in 30 s" >&2
    exit 1
}

# PostgreSQL
# POSTGRES_EXTRA_OPTIONS passes server settings through (e.g. "-c commit_delay=200 -c commit_siblings=4": measured,
# no throughput gain beyond noise and a worse live-feed tail, so not the default).
bash "$ROOT/tests/support/postgres_server.sh" start "$CLUSTER_DIR/postgres" >/dev/null
DATABASE_URL=$(cat "$CLUSTER_DIR/postgres/url")

if [[ $KAFKA_KIND == real ]]; then
    # Apache Kafka (KRaft, one node) on free loopback ports; it ignores SIGINT like the mock below, and stop_all
    # stops it after the services (its pid twice: stop_in_order's last group is "Kafka and its fifo holder").
    (trap '' INT && exec bash "$ROOT/tests/support/kafka_server.sh" start "$CLUSTER_DIR/kafka") >/dev/null ||
        { echo "dev-cluster: the Kafka broker did not start; see $CLUSTER_DIR/kafka/broker.log" >&2; exit 1; }
    PIDS+=("$(cat "$CLUSTER_DIR/kafka/pid")" "$(cat "$CLUSTER_DIR/kafka/pid")")
    KAFKA_BROKERS=$(cat "$CLUSTER_DIR/kafka/bootstrap")
    KAFKA_WHAT="Apache Kafka (one KRaft node, data in $CLUSTER_DIR/kafka/data)"
    # A real broker answers a waiting fetch as soon as a record arrives: a longer wait costs no latency, only fewer
    # idle fetches.
    export TODOAI_KAFKA_FETCH_WAIT_MS=${TODOAI_KAFKA_FETCH_WAIT_MS:-100}
else
# Kafka peer: its first stdout line is "bootstrap=host:port,...". Its stdin stays open on a fifo (EOF stops it)
# held by a sleeping writer, which outlives this script in --background mode.
mkfifo "$CLUSTER_DIR/kafka.in"
# It and the fifo's holder ignore SIGINT: Ctrl-C reaches the whole foreground group, and the services must drain into
# the peer before it goes (stop_all stops it last).
(trap '' INT && exec "$KAFKA_MOCK" <"$CLUSTER_DIR/kafka.in" >"$CLUSTER_DIR/kafka.out" 2>"$CLUSTER_DIR/kafka.log") &
PIDS+=($!)
(trap '' INT && exec sleep infinity >"$CLUSTER_DIR/kafka.in" 2>/dev/null) &
PIDS+=($!)
for _ in $(seq 100); do grep -q '^bootstrap=' "$CLUSTER_DIR/kafka.out" 2>/dev/null && break; sleep 0.1; done
KAFKA_BROKERS=$(sed -n 's/^bootstrap=//p' "$CLUSTER_DIR/kafka.out" | head -1)
[[ -n $KAFKA_BROKERS ]] || { echo "dev-cluster: the Kafka peer did not start; see $CLUSTER_DIR/kafka.log" >&2; exit 1; }
KAFKA_WHAT="librdkafka's mock cluster (todoai-kafka-mock, 3 brokers; faults: $CLUSTER_DIR/kafka.in)"
# librdkafka's mock broker holds an empty fetch for the whole fetch.wait.max.ms even when a record arrives meanwhile
# (a real broker answers at once), so against the mock the wait is added to every hop: keep it short here.
export TODOAI_KAFKA_FETCH_WAIT_MS=${TODOAI_KAFKA_FETCH_WAIT_MS:-2}
fi

export DATABASE_URL TODOAI_KAFKA_BROKERS=$KAFKA_BROKERS
export JWT_SECRET=${JWT_SECRET:-$(od -An -N32 -tx1 /dev/urandom | tr -d ' \n')}
export APP_API_TOKEN=${APP_API_TOKEN:-$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')}
export TODOAI_TODO_URL=http://127.0.0.1:$((8001 + PORT_OFFSET))
# name service port [replica-id]
INSTANCES=(
    "todo todo 8001"
    "audit audit 8002"
    "websocket-1 websocket 8003 websocket-1"
    "websocket-2 websocket 8013 websocket-2"
    "notification-1 notification 8004 notification-1"
    "notification-2 notification 8014 notification-2"
    "recurring recurring 8005"
)
"$TODOAI" migrate >"$CLUSTER_DIR/migrate.log" 2>&1 || { cat "$CLUSTER_DIR/migrate.log" >&2; exit 1; }

DAPR_PORTS=""
if [[ $DAPR == 1 ]]; then
    # daprd's pubsub.kafka creates no topics: todoai's, and their dead-letter topics, with the broker's admin client.
    kafka_lib=$(ls -d "${TODOAI_CACHE:-$HOME/.cache/todoai}"/kafka-*/lib | head -1)
    topics=()
    for t in task-events reminders task-created task-updated task-completed task-deleted reminder-due \
        reminder-scheduled; do topics+=("$t" "$t-dlq"); done
    java -cp "$kafka_lib/*" "$ROOT/tests/support/CreateTopics.java" "$KAFKA_BROKERS" 6 "${topics[@]}" \
        >"$CLUSTER_DIR/create-topics.log" 2>&1 ||
        { echo "dev-cluster: creating the topics failed; see $CLUSTER_DIR/create-topics.log" >&2; exit 1; }
    # The secret store (kubernetes-secrets, a local file here): what the services read (seed 000's db-credentials,
    # jwt-secret) and the chart's Secret the statestore component refers to.
    export DAPR_API_TOKEN=${DAPR_API_TOKEN:-$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')}
    python3 - "$CLUSTER_DIR/secrets.json" <<'PY'
import json, os, sys
url, jwt = os.environ["DATABASE_URL"], os.environ["JWT_SECRET"]
json.dump({"db-credentials": {"connectionString": url}, "jwt-secret": {"secret": jwt},
           "todoai-secrets": {"DATABASE_URL": url, "JWT_SECRET": jwt}}, open(sys.argv[1], "w"))
PY
    chmod 600 "$CLUSTER_DIR/secrets.json"
    bash "$ROOT/scripts/dapr-resources.sh" "$CLUSTER_DIR/dapr" "$KAFKA_BROKERS" "$CLUSTER_DIR/secrets.json" \
        "$CLUSTER_DIR/dapr/names.db" ${DAPR_CRON:+--set-string "dapr.cron.schedule=$DAPR_CRON"}
fi

for instance in "${INSTANCES[@]}"; do
    read -r name service port replica <<<"$instance"
    n=$((port - 8000))
    port=$((port + PORT_OFFSET))
    extra=()
    [[ $service != todo ]] || extra=("${TODO_EXTRA[@]}")
    if [[ $DAPR == 1 ]]; then
        http=$((3500 + n + PORT_OFFSET))
        app_id=$service-service
        sidecar_env=(DAPR_HOST_IP=127.0.0.1)
        if [[ $service == websocket ]]; then
            # Each websocket replica consumes every event: the chart's kafka-pubsub-broadcast, consumer group
            # {podName}; its own subscriptions name that component, as the chart's Deployment does.
            sidecar_env+=(POD_NAME="$app_id.$name")
            extra+=(--dapr-pubsub-name kafka-pubsub-broadcast)
        fi
        # Dapr's seed ports (50001-50005 gRPC) lie in Linux's ephemeral range, where another program's outgoing
        # connection can hold one for a while: name a taken port rather than let daprd die on it.
        for p in "$http" $((50000 + n + PORT_OFFSET)) $((50100 + n + PORT_OFFSET)) $((9090 + n + PORT_OFFSET)); do
            if ss -Htan "sport = :$p" | grep -q .; then
                echo "dev-cluster: port $p ($name's daprd) is in use on this machine; try again or set PORT_OFFSET" >&2
                exit 1
            fi
        done
        # daprd first (it waits for the app's port), in a session of its own: a Ctrl-C reaches the services, which
        # drain into their sidecars, and stop_all stops the daprds after them. Loopback only, every port explicit.
        env "${sidecar_env[@]}" setsid "$DAPRD" --mode standalone --app-id "$app_id" --app-port "$port" \
            --app-protocol http --app-channel-address 127.0.0.1 --dapr-listen-addresses 127.0.0.1 \
            --dapr-http-port "$http" --dapr-grpc-port $((50000 + n + PORT_OFFSET)) \
            --dapr-internal-grpc-port $((50100 + n + PORT_OFFSET)) --dapr-internal-grpc-listen-address 127.0.0.1 \
            --metrics-port $((9090 + n + PORT_OFFSET)) --metrics-listen-address 127.0.0.1 \
            --resources-path "$CLUSTER_DIR/dapr/resources" --config "$CLUSTER_DIR/dapr/config.yaml" \
            --dapr-graceful-shutdown-seconds 5 --log-level "${DAPR_LOG_LEVEL:-info}" \
            >"$CLUSTER_DIR/$name.daprd.log" 2>&1 </dev/null &
        sidecar=$!
        SIDECAR_PIDS+="$sidecar "
        DAPR_PORTS+="$name=$http "
        # DATABASE_URL and JWT_SECRET come from the secret store, through the sidecar.
        env -u DATABASE_URL -u JWT_SECRET -u TODOAI_KAFKA_BROKERS TODOAI_REPLICA_ID="${replica:-$name}" "$TODOAI" serve "$service" \
            --port "$port" --pubsub dapr --dapr-http-port "$http" --secret-store kubernetes-secrets "${extra[@]}" \
            >"$CLUSTER_DIR/$name.log" 2>&1 </dev/null &
        PIDS+=($!)
        wait_healthy "$name" "$port" "$!"
        wait_sidecar "$name" "$http" "$sidecar"
        continue
    fi
    TODOAI_REPLICA_ID=${replica:-$name} "$TODOAI" serve "$service" --port "$port" "${extra[@]}" \
        >"$CLUSTER_DIR/$name.log" 2>&1 </dev/null &
    PIDS+=($!)
    wait_healthy "$name" "$port" "$!"
done

P=$PORT_OFFSET
if [[ $MODE == background ]]; then
    cat >"$CLUSTER_DIR/cluster.env" <<EOF
DATABASE_URL="$DATABASE_URL"
KAFKA_BROKERS="$KAFKA_BROKERS"
KAFKA_KIND=$KAFKA_KIND
JWT_SECRET="$JWT_SECRET"
APP_API_TOKEN="$APP_API_TOKEN"
TODO_PORT=$((8001 + P))
AUDIT_PORT=$((8002 + P))
WEBSOCKET_PORTS="$((8003 + P)) $((8013 + P))"
NOTIFICATION_PORTS="$((8004 + P)) $((8014 + P))"
RECURRING_PORT=$((8005 + P))
POSTGRES_DIR="$CLUSTER_DIR/postgres"
PIDS="${PIDS[*]}"
DAPR=$DAPR
SIDECAR_PIDS="$SIDECAR_PIDS"
DAPR_PORTS="$DAPR_PORTS"
DAPR_API_TOKEN="${DAPR_API_TOKEN:-}"
EOF
    trap - EXIT INT TERM
    echo "dev-cluster: up in the background; $CLUSTER_DIR/cluster.env; stop with: $0 --stop $CLUSTER_DIR"
    exit 0
fi

cat <<EOF

todoai dev cluster is up (logs in $CLUSTER_DIR)
  PostgreSQL    $DATABASE_URL
  Kafka         $KAFKA_BROKERS   $KAFKA_WHAT
                (kcat -L -b $KAFKA_BROKERS lists the topics; kcat -b $KAFKA_BROKERS -C -t task-events reads one)
  todo          http://127.0.0.1:$((8001 + P))   (REST API: /api/..., /openapi.json)
  audit         http://127.0.0.1:$((8002 + P))
  websocket     ws://127.0.0.1:$((8003 + P))/ws  ws://127.0.0.1:$((8013 + P))/ws   (two replicas)
  notification  http://127.0.0.1:$((8004 + P))   http://127.0.0.1:$((8014 + P))    (two replicas)
  recurring     http://127.0.0.1:$((8005 + P))
EOF
if [[ $DAPR == 1 ]]; then
    cat <<EOF
  Dapr          each service beside its daprd ($DAPRD), the chart's components rendered into
                $CLUSTER_DIR/dapr; daprd HTTP ports: $DAPR_PORTS
                (gRPC 50000+n, e.g. $((50001 + P)) for todo; logs in <name>.daprd.log)
                curl -H "dapr-api-token: \$DAPR_API_TOKEN" localhost:$((3501 + P))/v1.0/metadata
  DAPR_API_TOKEN=$DAPR_API_TOKEN
EOF
fi
cat <<EOF
  JWT_SECRET=$JWT_SECRET
  APP_API_TOKEN=$APP_API_TOKEN

Try: curl -s -X POST localhost:$((8001 + P))/api/auth/sign-up -H 'content-type: application/json' \\
       -d '{"email":"me@example.com","password":"correct horse","name":"Me"}'
Ctrl-C stops everything.
EOF
# The services and sidecars (the broker's pid, PIDS' first two, is not this shell's child: `wait` cannot take it).
# shellcheck disable=SC2086 # SIDECAR_PIDS: a list of pids
wait -n "${PIDS[@]:2}" $SIDECAR_PIDS || true
echo "dev-cluster: a process exited; see the logs in $CLUSTER_DIR" >&2
