#!/usr/bin/env bash
# The distributed system on one machine: a PostgreSQL 15 (one schema per service), the Kafka protocol peer
# (librdkafka's mock cluster as a process: 3 brokers, 6 partitions per topic) and the five services as separate
# processes on the notes' ports, with two replicas of notification and websocket. Prints where everything is and
# stops all of it on Ctrl-C.
#
#   scripts/dev-cluster.sh            # builds first (scripts/build.sh), then starts everything
#   NO_BUILD=1 scripts/dev-cluster.sh # uses ./build as it is
#
# Env: BUILD_DIR (build), CLUSTER_DIR (a mktemp dir; logs and PostgreSQL data), TODOAI_TOPIC_LAYOUT (single).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
BUILD_DIR=${BUILD_DIR:-build}
[[ ${NO_BUILD:-0} == 1 ]] || bash scripts/build.sh -DTODOAI_TESTS=OFF -DTODOAI_BENCH=OFF
TODOAI=$ROOT/$BUILD_DIR/todoai
KAFKA_MOCK=$ROOT/$BUILD_DIR/todoai-kafka-mock
for bin in "$TODOAI" "$KAFKA_MOCK"; do
    [[ -x $bin ]] || { echo "dev-cluster: $bin is missing; run scripts/build.sh" >&2; exit 1; }
done

CLUSTER_DIR=${CLUSTER_DIR:-$(mktemp -d /tmp/todoai-cluster.XXXXXX)}
CLUSTER_DIR=$(realpath "$CLUSTER_DIR")
mkdir -p "$CLUSTER_DIR"
chmod 755 "$CLUSTER_DIR"  # the PostgreSQL server runs as the postgres user when we are root
PIDS=()

stop_all() {
    trap - INT TERM EXIT
    echo
    echo "dev-cluster: stopping"
    local pid
    for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
    for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
    bash "$ROOT/tests/support/postgres_server.sh" stop "$CLUSTER_DIR/postgres" || true
    echo "dev-cluster: stopped (logs kept in $CLUSTER_DIR)"
}
trap stop_all EXIT
trap 'exit 130' INT TERM

wait_healthy() {  # wait_healthy NAME PORT PID
    for _ in $(seq 300); do
        curl -sf "http://127.0.0.1:$2/health" >/dev/null 2>&1 && return 0
        kill -0 "$3" 2>/dev/null || { echo "dev-cluster: $1 exited; its log:" >&2; tail -5 "$CLUSTER_DIR/$1.log" >&2; exit 1; }
        sleep 0.1
    done
    echo "dev-cluster: $1 did not answer /health on port $2 in 30 s" >&2
    exit 1
}

# PostgreSQL
bash "$ROOT/tests/support/postgres_server.sh" start "$CLUSTER_DIR/postgres" >/dev/null
DATABASE_URL=$(cat "$CLUSTER_DIR/postgres/url")

# Kafka peer: its first stdout line is "bootstrap=host:port,...". Its stdin stays open on a fifo (EOF stops it).
mkfifo "$CLUSTER_DIR/kafka.in"
"$KAFKA_MOCK" <"$CLUSTER_DIR/kafka.in" >"$CLUSTER_DIR/kafka.out" 2>"$CLUSTER_DIR/kafka.log" &
PIDS+=($!)
exec 7>"$CLUSTER_DIR/kafka.in"
for _ in $(seq 100); do grep -q '^bootstrap=' "$CLUSTER_DIR/kafka.out" 2>/dev/null && break; sleep 0.1; done
KAFKA_BROKERS=$(sed -n 's/^bootstrap=//p' "$CLUSTER_DIR/kafka.out" | head -1)
[[ -n $KAFKA_BROKERS ]] || { echo "dev-cluster: the Kafka peer did not start; see $CLUSTER_DIR/kafka.log" >&2; exit 1; }

export DATABASE_URL TODOAI_KAFKA_BROKERS=$KAFKA_BROKERS KAFKA_BROKERS
export JWT_SECRET=${JWT_SECRET:-$(od -An -N32 -tx1 /dev/urandom | tr -d ' \n')}
export APP_API_TOKEN=${APP_API_TOKEN:-$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')}
export TODOAI_TODO_URL=http://127.0.0.1:8001

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
for instance in "${INSTANCES[@]}"; do
    read -r name service port replica <<<"$instance"
    TODOAI_REPLICA_ID=${replica:-$name} "$TODOAI" serve "$service" --port "$port" >"$CLUSTER_DIR/$name.log" 2>&1 &
    PIDS+=($!)
    wait_healthy "$name" "$port" "$!"
done

cat <<EOF

todoai dev cluster is up (logs in $CLUSTER_DIR)
  PostgreSQL    $DATABASE_URL
  Kafka peer    $KAFKA_BROKERS   (kcat -b $KAFKA_BROKERS -C -t task-events)
  todo          http://127.0.0.1:8001   (REST API: /api/..., /openapi.json)
  audit         http://127.0.0.1:8002
  websocket     ws://127.0.0.1:8003/ws  ws://127.0.0.1:8013/ws   (two replicas)
  notification  http://127.0.0.1:8004   http://127.0.0.1:8014    (two replicas)
  recurring     http://127.0.0.1:8005
  JWT_SECRET=$JWT_SECRET
  APP_API_TOKEN=$APP_API_TOKEN

Try: curl -s -X POST localhost:8001/api/auth/sign-up -H 'content-type: application/json' \\
       -d '{"email":"me@example.com","password":"correct horse","name":"Me"}'
Ctrl-C stops everything.
EOF
wait -n "${PIDS[@]}" || true
echo "dev-cluster: a process exited; see the logs in $CLUSTER_DIR" >&2
