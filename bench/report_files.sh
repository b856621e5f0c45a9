# Sourced by the bench/*_bench.sh scripts: where one run's report goes, and how a script speaks while it runs.
#   open_report KIND   sets STAMP, REPORT (<RESULTS_DIR>/<KIND>-<date>.md), RAW (its .raw.txt beside it) and
#                      NOTES (<WORK>/notes.txt, lines the report quotes), empties RAW and NOTES; needs RESULTS_DIR, WORK
#   note TEXT          stderr and NOTES          log TEXT   stderr, prefixed with the script's name
#   core_ticks LIST    "busy total" clock ticks of the cores in LIST ("1", "0,1") so far, from /proc/stat
#   busy_pct T0 T1     % busy between two core_ticks samples
#   warn_if_busy A B   samples cores A and B for 1 s (-> PRE_BUSY_A, PRE_BUSY_B in %) and notes a WARNING when
#                      either is > 10 % busy already
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

core_ticks() {
    awk -v list="$1" 'BEGIN {n = split(list, cs, ","); for (i = 1; i <= n; i++) want["cpu" cs[i]] = 1}
        $1 in want {b += $2+$3+$4+$7+$8+$9; t += $2+$3+$4+$5+$6+$7+$8+$9} END {print b+0, t+0}' /proc/stat
}
# (The ternary is parenthesised: awk reads a bare `>` after printf's arguments as output redirection.)
busy_pct() {
    awk -v p="$1" -v q="$2" 'BEGIN {split(p, x, " "); split(q, y, " "); t = y[2] - x[2]
        printf "%.0f", (t > 0 ? (y[1] - x[1]) / t * 100 : 0)}'
}
warn_if_busy() {
    local a0 b0 a1 b1
    a0=$(core_ticks "$1"); b0=$(core_ticks "$2"); sleep 1
    a1=$(core_ticks "$1"); b1=$(core_ticks "$2")
    PRE_BUSY_A=$(busy_pct "$a0" "$a1"); PRE_BUSY_B=$(busy_pct "$b0" "$b1")
    if (( PRE_BUSY_A > 10 || PRE_BUSY_B > 10 )); then
        note "WARNING: before the run cpu $1 was ${PRE_BUSY_A}% and cpu $2 ${PRE_BUSY_B}% busy with other work:" \
            "figures are indicative only"
    fi
}
log() { echo "[$(basename "$0" .sh)] $*" >&2; }
