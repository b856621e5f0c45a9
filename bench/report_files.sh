# Sourced by the bench/*_bench.sh scripts: where one run's report goes, and how a script speaks while it runs.
#   open_report KIND   sets STAMP, REPORT (<RESULTS_DIR>/<KIND>-<date>.md), RAW (its .raw.txt beside it) and
#                      NOTES (<WORK>/notes.txt, lines the report quotes), empties RAW and NOTES; needs RESULTS_DIR, WORK
#   note TEXT          stderr and NOTES          log TEXT   stderr, prefixed with the script's name
# CLK_TCK: clock ticks per second, for /proc/<pid>/stat CPU times.
CLK_TCK=$(getconf CLK_TCK)

open_report() {
    STAMP=$(date +%Y-%m-%d-%H%M%S)
    mkdir -p "$RESULTS_DIR"
    REPORT="$RESULTS_DIR/$1-$STAMP.md"
    RAW="$RESULTS_DIR/$1-$STAMP.raw.txt"
    NOTES="$WORK/notes.txt"
    : >"$RAW"
    : >"$NOTES"
}

note() { echo "$*" | tee -a "$NOTES" >&2; }
log() { echo "[$(basename "$0" .sh)] $*" >&2; }
