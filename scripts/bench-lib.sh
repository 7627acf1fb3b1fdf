# Shared by scripts/bench-assess.sh and scripts/bench-iid.sh (sourced, not run): side-by-side
# timing of kqent and, optionally, a reference build (NIST's ea_non_iid / ea_iid, built by the
# user from SP800-90B_EntropyAssessment; the project never fetches or builds it).
#
# Each measurement is one run under GNU time: wall seconds, CPU seconds (user + system) and
# peak RSS. Runs of kqent and the reference alternate, so a change of machine load hits both;
# every run prints the 1-minute load average, and the summary gives medians and the ratios
# reference / kqent.

if ! [ -x /usr/bin/time ]; then
    echo "GNU time (/usr/bin/time) is needed: apt-get install time" >&2
    exit 2
fi

BENCH_ROWS=()

# load1: the 1-minute load average.
load1() { cut -d' ' -f1 /proc/loadavg; }

# measure CMD...: runs CMD (output discarded) and prints "wall cpu rss_kib".
measure() {
    local out
    out=$(mktemp)
    if ! /usr/bin/time -o "$out" -f '%e %U %S %M' "$@" >/dev/null 2>&1; then
        # Exit 1 is a verdict (a failed gate), not a failure of the run.
        if ! grep -q '^Command exited with non-zero status 1$' "$out"; then
            echo "failed: $*" >&2
            cat "$out" >&2
            rm -f "$out"
            return 1
        fi
    fi
    tail -1 "$out" | awk '{ printf "%.2f %.2f %d\n", $1, $2 + $3, $4 }'
    rm -f "$out"
}

# median V...: the median of numbers.
median() {
    printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END {
        if (NR % 2) print v[(NR + 1) / 2]; else printf "%.2f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# compare NAME RUNS KQENT_CMD... [-- REFERENCE_CMD...]: alternating runs, medians, ratios.
# Appends a Markdown row to BENCH_ROWS.
compare() {
    local name=$1 runs=$2
    shift 2
    local kq=() ref=()
    while [ $# -gt 0 ] && [ "$1" != "--" ]; do kq+=("$1"); shift; done
    if [ $# -gt 0 ]; then shift; ref=("$@"); fi
    local kw=() kc=() kr=() rw=() rc=() rr=() w c r i
    echo "== $name"
    for ((i = 1; i <= runs; i++)); do
        read -r w c r < <(measure "${kq[@]}")
        kw+=("$w") kc+=("$c") kr+=("$r")
        printf '   run %d  kqent      wall %7.2f s  CPU %7.2f s  peak RSS %5d MB  (load %s)\n' \
            "$i" "$w" "$c" $((r / 1024)) "$(load1)"
        if [ ${#ref[@]} -gt 0 ]; then
            read -r w c r < <(measure "${ref[@]}")
            rw+=("$w") rc+=("$c") rr+=("$r")
            printf '   run %d  reference  wall %7.2f s  CPU %7.2f s  peak RSS %5d MB  (load %s)\n' \
                "$i" "$w" "$c" $((r / 1024)) "$(load1)"
        fi
    done
    local mkw mkc mkr mrw mrc mrr
    mkw=$(median "${kw[@]}") mkc=$(median "${kc[@]}") mkr=$(($(median "${kr[@]}" | cut -d. -f1) / 1024))
    printf '   median kqent      wall %7.2f s  CPU %7.2f s  peak RSS %5d MB\n' "$mkw" "$mkc" "$mkr"
    if [ ${#ref[@]} -gt 0 ]; then
        mrw=$(median "${rw[@]}") mrc=$(median "${rc[@]}") mrr=$(($(median "${rr[@]}" | cut -d. -f1) / 1024))
        local xw xc
        xw=$(awk -v a="$mrw" -v b="$mkw" 'BEGIN { printf "%.1f", (b > 0 ? a / b : 0) }')
        xc=$(awk -v a="$mrc" -v b="$mkc" 'BEGIN { printf "%.1f", (b > 0 ? a / b : 0) }')
        printf '   median reference  wall %7.2f s  CPU %7.2f s  peak RSS %5d MB\n' "$mrw" "$mrc" "$mrr"
        printf '   reference / kqent: wall %sx, CPU %sx\n' "$xw" "$xc"
        BENCH_ROWS+=("| $name | $mrw s | $mrc s | $mkw s | $mkc s | $mkr MB | ${xw}x | ${xc}x |")
    else
        BENCH_ROWS+=("| $name | — | — | $mkw s | $mkc s | $mkr MB | — | — |")
    fi
}

# print_table TITLE: the rows gathered by compare, as a Markdown table.
print_table() {
    echo
    echo "$1 (medians of $RUNS alternating runs; load average at the end: $(load1))"
    echo
    echo "| input | reference wall | reference CPU | kqent wall | kqent CPU | kqent peak RSS | wall ratio | CPU ratio |"
    echo "|---|---|---|---|---|---|---|---|"
    printf '%s\n' "${BENCH_ROWS[@]}"
}

# reference_bin DIR NAME: DIR/NAME, or DIR/cpp/NAME (a checkout of the reference repository).
reference_bin() {
    local d=$1 n=$2
    for p in "$d/$n" "$d/cpp/$n"; do
        if [ -x "$p" ]; then echo "$p"; return 0; fi
    done
    echo "no executable $n in $d or $d/cpp" >&2
    return 2
}
