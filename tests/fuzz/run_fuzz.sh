#!/usr/bin/env bash
# One fuzz target for a while on its seed corpus (ctest, label fuzz): run_fuzz.sh <target> <seed dir> <work dir> <s>.
# The seeds are copied to the work dir, which also keeps what the run found, so the repository's corpus changes only
# when someone copies an input there on purpose. Any crash, leak or sanitizer report fails the test, and so does an
# input running 30 s (a hang; the 2-core CI machine is shared, so a slow but finite input must not fail it).
set -euo pipefail
target=$1 seeds=$2 work=$3 seconds=$4
mkdir -p "$work/corpus" "$work/artifacts"
[[ -d $seeds ]] && cp -n "$seeds"/* "$work/corpus/" 2>/dev/null || true
exec "$target" -max_total_time="$seconds" -timeout=30 -rss_limit_mb=2048 -print_final_stats=1 \
    -artifact_prefix="$work/artifacts/" "$work/corpus"
