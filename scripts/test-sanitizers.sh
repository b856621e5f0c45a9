#!/usr/bin/env bash
# The sanitizer suites (scripts/test.sh runs this before its final ctest; alone it needs scripts/install-deps.sh done):
#   build-asan (clang, ASan + UBSan, scripts/build.sh --asan): the unit suite (label unit), each libFuzzer target
#     for 30 s (label fuzz), and the integration tests that feed the sanitized todoai binary what clients send
#     (asan_integration below: CRUD, bad input, hostile and slow clients, the live feed, the event flow); every
#     integration test with TODOAI_ASAN_INTEGRATION=all (the whole suite under ASan is too slow for CI's budget);
#   build-tsan (clang, TSan, scripts/build.sh --tsan): the concurrency tests (the buses, the outbox relay, the
#     connection pools, the HTTP and WebSocket servers, the WebSocket hub, the timer queue).
# Every sanitizer report goes to <tree>/sanitizer-reports/ (processes the tests start write theirs there too, where
# their stderr would go unread); any report fails the run, and the reports are printed.
#   scripts/test-sanitizers.sh [asan|tsan]...   (default: both)
set -euo pipefail
cd "$(dirname "$0")/.."
kinds=("$@")
((${#kinds[@]})) || kinds=(asan tsan)
jobs=$(nproc)
status=0
export PATH=/usr/lib/llvm-16/bin:$PATH  # the sanitizers' reports find llvm-symbolizer there

# The concurrency tests, by gtest suite (ctest names are Suite.Test; BusContract runs per bus: Memory/, Kafka/ on
# librdkafka's mock cluster). The real-broker ones stay in the main run.
tsan_tests='^((Memory|Kafka)/BusContract/|MemoryBus\.|KafkaBus\.|OutboxRelayTest\.|ConnectionPoolTest\.'
tsan_tests+='|Sqlite/DatabaseContract/|SqliteDatabaseTest\.|ServerTest\.|WebSocketServerTest\.|WebSocketService'
tsan_tests+='|TimerQueue\.)'
asan_integration='^(TaskCrud|BadInput|HostileClients|SlowClients|LiveFeed|EventFlow)\.'
[[ ${TODOAI_ASAN_INTEGRATION:-} == all ]] && asan_integration='.'

reports_clean() {  # tree
    local dir=$1/sanitizer-reports
    if compgen -G "$dir/*" >/dev/null; then
        echo "sanitizer reports in $dir:"
        for f in "$dir"/*; do
            echo "---- $f"
            head -c 20000 "$f"
        done
        return 1
    fi
}

# run_tree kind tree 'ctest args' ['ctest args']...: one ctest run per argument (ctest ANDs -L with -R, so a label
# and a subset of another need two runs).
run_tree() {
    local kind=$1 tree=$2
    shift 2
    rm -rf "$tree/sanitizer-reports"
    mkdir -p "$tree/sanitizer-reports"
    local reports=$PWD/$tree/sanitizer-reports/$kind
    local started=$SECONDS
    local selection
    for selection in "$@"; do
        # shellcheck disable=SC2086 # each selection is a list of ctest arguments
        run_ctest "$reports" "$tree" $selection || status=1
    done
    reports_clean "$tree" || status=1
    echo "$kind suites: $((SECONDS - started)) s"
}

run_ctest() {  # reports tree ctest-args...
    local reports=$1 tree=$2
    shift 2
    # Suppressions (tests/sanitizers/*.supp) hold third-party false positives only, each with the reason.
    ASAN_OPTIONS="log_path=$reports:detect_leaks=1:strict_string_checks=1:detect_stack_use_after_return=1" \
        LSAN_OPTIONS="suppressions=$PWD/tests/sanitizers/lsan.supp:print_suppressions=0" \
        UBSAN_OPTIONS="log_path=$reports:print_stacktrace=1:halt_on_error=1" \
        TSAN_OPTIONS="log_path=$reports:suppressions=$PWD/tests/sanitizers/tsan.supp:second_deadlock_stack=1" \
        ctest --test-dir "$tree" --output-on-failure --timeout 900 -j "$jobs" "$@"
}

for kind in "${kinds[@]}"; do
    case "$kind" in
        asan)
            bash scripts/build.sh --asan -DTODOAI_TESTS=ON
            run_tree asan build-asan "-L ^(unit|fuzz)$" "-L ^integration$ -R $asan_integration"
            ;;
        tsan)
            bash scripts/build.sh --tsan --target=runtime_tests --target=services_tests --target=todoai-kafka-mock \
                -DTODOAI_TESTS=ON
            run_tree tsan build-tsan "-R $tsan_tests"
            ;;
        *)
            echo "test-sanitizers.sh: unknown kind '$kind' (asan or tsan)" >&2
            exit 2
            ;;
    esac
done
exit $status
