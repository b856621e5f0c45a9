#!/usr/bin/env bash
# The one command that runs every test: installs what is needed, builds (warnings are errors) and runs every suite
# with ctest, whose summary line ends the output. The sanitizer suites (scripts/test-sanitizers.sh: ASan + UBSan on the
# unit and integration suites and 30 s of each fuzz target, TSan on the concurrency tests) run first when
# TODOAI_SANITIZERS names them ("asan", "tsan" or "asan tsan"); they are not on by default yet: TSan still reports
# (issue 17's note), and the ASan integration run has not been seen green here. A failed sanitizer suite says so
# before the main run, and the script exits non-zero after it.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
sanitizers=0
kinds=${TODOAI_SANITIZERS-none}
[[ $kinds == none ]] || bash scripts/test-sanitizers.sh $kinds || sanitizers=$?
((sanitizers == 0)) || echo "test.sh: the sanitizer suites FAILED (above); the main suite runs anyway" >&2
bash scripts/build.sh -DTODOAI_TESTS=ON -DTODOAI_BENCH=ON -DTODOAI_WERROR=ON
cd build
status=0
ctest --output-on-failure --timeout 600 -j "$(nproc)" "$@" || status=$?
if ((status)); then exit $status; fi
exit $sanitizers
