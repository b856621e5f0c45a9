#!/usr/bin/env bash
# Apache Kafka's broker (KRaft, no ZooKeeper) for the tests and scripts/dev-cluster.sh: the Maven artifact
# org.apache.kafka:kafka_2.13 and its runtime classpath (scripts/install/kafka/pom.xml pins the versions), copied by
# Maven into ${TODOAI_CACHE:-$HOME/.cache/todoai}/kafka-<version>/lib. Idempotent: nothing is asked of the registry
# once that folder is complete. Needs Java 17+ and Maven (Debian's openjdk-17-jre-headless and maven, installed here
# when missing). tests/support/kafka_server.sh runs the broker from that folder.
#   scripts/install/kafka.sh          install (quiet when already installed)
#   scripts/install/kafka.sh --print  print the lib folder (installing first if needed)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
pom=$here/kafka/pom.xml
version=$(sed -n 's:.*<kafka.version>\(.*\)</kafka.version>.*:\1:p' "$pom")
cache=${TODOAI_CACHE:-$HOME/.cache/todoai}
home=$cache/kafka-$version
lib=$home/lib
stamp=$home/installed  # written last (the pom's checksum): a folder without it is an interrupted install
want=$(sha256sum "$pom" | cut -d" " -f1)

if [[ $(cat "$stamp" 2>/dev/null) != "$want" ]]; then
    missing=()
    command -v java >/dev/null || missing+=(openjdk-17-jre-headless)
    command -v mvn >/dev/null || missing+=(maven)
    if ((${#missing[@]})); then
        sudo_cmd=()
        [[ $(id -u) -eq 0 ]] || sudo_cmd=(sudo)
        "${sudo_cmd[@]}" apt-get update -qq
        DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
    fi
    echo "kafka.sh: installing Apache Kafka $version into $home" >&2
    rm -rf "$home"
    mkdir -p "$lib"
    # Maven's own output goes to a log; on failure its tail says why.
    if ! mvn -q -B -f "$pom" dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory="$lib" \
        >"$home/mvn.log" 2>&1; then
        tail -20 "$home/mvn.log" >&2
        echo "kafka.sh: Maven could not fetch Apache Kafka $version (log: $home/mvn.log)" >&2
        exit 1
    fi
    [[ -f $lib/kafka_2.13-$version.jar ]] || { echo "kafka.sh: $lib has no kafka_2.13-$version.jar" >&2; exit 1; }
    echo "$want" >"$stamp"
fi
[[ ${1:-} == --print ]] && echo "$lib"
exit 0
