#!/usr/bin/env bash
# A throw-away Apache Kafka broker for the tests and scripts/dev-cluster.sh: one node that is both KRaft controller and
# broker, on free loopback ports, data in DIR.
#
#   kafka_server.sh start DIR    format a fresh broker in DIR (removing what was there), start it, wait until it
#                                answers; then DIR/bootstrap holds "127.0.0.1:<port>" (PLAINTEXT)
#   kafka_server.sh resume DIR   start the broker of DIR again on the same ports and data (after a kill -9)
#   kafka_server.sh stop DIR     stop it (SIGTERM, SIGKILL after 20 s), wait until it is gone, remove DIR
#
# Also written into DIR: pid (the broker's JVM), server.properties, broker.log, and for SASL/PLAIN on a second listener
# sasl_bootstrap ("127.0.0.1:<port>", security protocol SASL_PLAINTEXT) and sasl_users (lines "user password").
# Every listener is on 127.0.0.1; topics are not auto-created (todoai creates what it needs;
# KAFKA_AUTO_CREATE_TOPICS=true turns auto-creation on, for clients that create none, e.g. Dapr's pubsub.kafka); the
# internal topics have one replica. KAFKA_HEAP_OPTS (default "-Xmx512m -Xms64m") bounds the JVM's heap;
# KAFKA_JVM_OPTS (default "-XX:+UseSerialGC -XX:TieredStopAtLevel=1": one GC thread, and the quick JIT only, which
# takes less CPU to start on two busy cores; give "-XX:+UseSerialGC" for a benchmark's full JIT) tunes the JVM. The
# broker comes from scripts/install/kafka.sh (the cache folder; installed on first use).
set -euo pipefail
usage="usage: kafka_server.sh start|resume|stop DIR"
action=${1:?$usage}
dir=${2:?$usage}
here=$(cd "$(dirname "$0")" && pwd)
install=$here/../../scripts/install/kafka.sh
ready_timeout=${KAFKA_READY_TIMEOUT:-150}

free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

running() { [[ -f $dir/pid ]] && kill -0 "$(cat "$dir/pid")" 2>/dev/null; }

kill_broker() {
    running || return 0
    local pid
    pid=$(cat "$dir/pid")
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 200); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
    while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done
}

write_config() {
    local port sasl_port controller_port
    port=$(free_port)
    sasl_port=$(free_port)
    controller_port=$(free_port)
    echo "todoai todoai-secret" >"$dir/sasl_users"
    cat >"$dir/server.properties" <<EOF
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$controller_port
controller.listener.names=CONTROLLER
listeners=PLAINTEXT://127.0.0.1:$port,SASL_PLAINTEXT://127.0.0.1:$sasl_port,CONTROLLER://127.0.0.1:$controller_port
advertised.listeners=PLAINTEXT://127.0.0.1:$port,SASL_PLAINTEXT://127.0.0.1:$sasl_port
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,SASL_PLAINTEXT:SASL_PLAINTEXT,CONTROLLER:PLAINTEXT
sasl.enabled.mechanisms=PLAIN
listener.name.sasl_plaintext.plain.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required \\
    user_todoai="todoai-secret";
log.dirs=$dir/data
auto.create.topics.enable=${KAFKA_AUTO_CREATE_TOPICS:-false}
num.partitions=6
default.replication.factor=1
min.insync.replicas=1
offsets.topic.replication.factor=1
offsets.topic.num.partitions=6
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
transaction.state.log.num.partitions=6
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
# A test's consumer group joins at once, not after the default 3 s wait for more members.
group.initial.rebalance.delay.ms=0
# Two cores shared with the services under test.
num.network.threads=2
num.io.threads=2
background.threads=2
EOF
    echo "127.0.0.1:$port" >"$dir/bootstrap"
    echo "127.0.0.1:$sasl_port" >"$dir/sasl_bootstrap"
}

launch() {
    local lib
    lib=$(bash "$install" --print)
    # Its own session, no terminal, output to a file: ctest (or the caller) must not wait on the broker's pipes.
    # shellcheck disable=SC2086
    setsid java ${KAFKA_HEAP_OPTS:--Xmx512m -Xms64m} ${KAFKA_JVM_OPTS:--XX:+UseSerialGC -XX:TieredStopAtLevel=1} \
        -Djava.awt.headless=true \
        -Dorg.slf4j.simpleLogger.defaultLogLevel=warn -Dorg.slf4j.simpleLogger.showDateTime=true \
        -cp "$lib/*" kafka.Kafka "$dir/server.properties" >>"$dir/broker.log" 2>&1 </dev/null &
    echo $! >"$dir/pid"
    local bootstrap started
    bootstrap=$(cat "$dir/bootstrap")
    started=$(date +%s)
    until kcat -L -b "$bootstrap" -m 2 >/dev/null 2>&1; do
        if ! running; then
            tail -30 "$dir/broker.log" >&2
            echo "kafka_server.sh: the broker in $dir exited during start-up (log: $dir/broker.log)" >&2
            exit 1
        fi
        if (($(date +%s) - started > ready_timeout)); then
            tail -30 "$dir/broker.log" >&2
            kill_broker
            echo "kafka_server.sh: the broker on $bootstrap did not answer within ${ready_timeout} s" >&2
            exit 1
        fi
        sleep 0.2
    done
    echo "kafka_server.sh: Apache Kafka on $bootstrap (SASL/PLAIN on $(cat "$dir/sasl_bootstrap"); data in $dir/data," \
        "pid $(cat "$dir/pid"))"
}

case $action in
start)
    kill_broker
    rm -rf "$dir"
    mkdir -p "$dir"
    lib=$(bash "$install" --print)
    write_config
    # A cluster id is 16 random bytes in URL-safe base64 (what StorageTool random-uuid prints, without its JVM). Like
    # Kafka's Uuid.randomUuid(), never one that starts with '-': StorageTool's parser takes that for an option (1 in 64).
    cluster_id=$(python3 -c 'import base64,uuid
while (i := base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")).startswith("-"): pass
print(i)')
    java -cp "$lib/*" kafka.tools.StorageTool format -t "$cluster_id" -c "$dir/server.properties" \
        >"$dir/format.log" 2>&1 ||
        { cat "$dir/format.log" >&2; echo "kafka_server.sh: formatting $dir/data failed" >&2; exit 1; }
    launch
    ;;
resume)
    [[ -f $dir/server.properties ]] || { echo "kafka_server.sh: no broker in $dir to resume" >&2; exit 1; }
    running && { echo "kafka_server.sh: the broker in $dir is running" >&2; exit 1; }
    launch
    ;;
stop)
    kill_broker
    rm -rf "$dir"
    ;;
*) echo "kafka_server.sh: unknown action '$action' ($usage)" >&2; exit 2 ;;
esac
