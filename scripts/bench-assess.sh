#!/usr/bin/env bash
# Non-IID benchmark: wall time, CPU time and peak RSS of `kqent analyze` (the ten estimators)
# per file, an estimator profile per file (each estimator alone on one thread), and, with
# --reference, NIST's ea_non_iid on the same file (alternating runs, medians, ratios).
#
#   scripts/bench-assess.sh [--reference DIR] [--nist-bin DIR] [--runs N] [--no-profile]
#                           [--scaling] [FILE:BITS ...]
#       default file: the uniform 8-bit conformance file (v1_uniform8);
#       --nist-bin DIR adds truerand_8bit, normal and biased-random-bytes from the bin/
#       folder of NIST's repository (its 1,000,000-sample 8-bit files);
#       --reference DIR: a directory holding ea_non_iid (or DIR/cpp/ea_non_iid), built by
#       the user; the project never fetches or builds it;
#       --scaling: also 1,000,000 and 10,000,000 seeded uniform bytes (python3), the time
#       ratio and the peak RSS of the larger.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/bench-lib.sh
D="$PWD/crates/analysis/tests/data/conformance"
REF="" RUNS=3 FILES=() PROFILE=1 SCALING=0
while [ $# -gt 0 ]; do
    case "$1" in
    --reference) REF=$(reference_bin "$2" ea_non_iid); shift 2 ;;
    --nist-bin)
        for f in truerand_8bit normal biased-random-bytes; do FILES+=("$2/$f.bin:8"); done
        shift 2 ;;
    --runs) RUNS=$2; shift 2 ;;
    --no-profile) PROFILE=0; shift ;;
    --scaling) SCALING=1; shift ;;
    -h | --help) sed -n '2,16p' "$0"; exit 0 ;;
    *) FILES+=("$1"); shift ;;
    esac
done
if [ ${#FILES[@]} -eq 0 ]; then FILES=("$D/v1_uniform8.bin:8"); fi
cargo build --release --quiet --bin kqent
KQ="$PWD/target/release/kqent"
if [ "$PROFILE" = 1 ]; then
    cargo bench -p kqent-analysis --bench profile --no-run 2>/dev/null
    PROF=$(ls -t target/release/deps/profile-* | grep -v '\.d$' | head -1)
fi

for fb in "${FILES[@]}"; do
    f=${fb%:*} b=${fb##*:}
    if [ -n "$REF" ]; then
        compare "non-IID $(basename "$f")" "$RUNS" "$KQ" analyze "$f" --bits "$b" \
            -- "$REF" -q "$f" "$b"
    else
        compare "non-IID $(basename "$f")" "$RUNS" "$KQ" analyze "$f" --bits "$b"
    fi
    if [ "$PROFILE" = 1 ]; then
        "$PROF" "$f" "$b" | sed 's/^/   /'
    fi
done

if [ "$SCALING" = 1 ]; then
    tmp=$(mktemp -d)
    trap 'rm -rf "$tmp"' EXIT
    for n in 1000000 10000000; do
        python3 -c "import random, sys; random.seed(14); sys.stdout.buffer.write(random.randbytes($n))" \
            >"$tmp/uniform_$n.bin"
        compare "non-IID uniform bytes, $n samples" "$RUNS" "$KQ" analyze "$tmp/uniform_$n.bin" --bits 8
    done
    small=${BENCH_ROWS[-2]} large=${BENCH_ROWS[-1]}
    ws=$(echo "$small" | awk -F'|' '{ print $5 }' | tr -dc '0-9.')
    wl=$(echo "$large" | awk -F'|' '{ print $5 }' | tr -dc '0-9.')
    cs=$(echo "$small" | awk -F'|' '{ print $6 }' | tr -dc '0-9.')
    cl=$(echo "$large" | awk -F'|' '{ print $6 }' | tr -dc '0-9.')
    echo "   10,000,000 / 1,000,000 samples: wall $(awk -v a="$wl" -v b="$ws" 'BEGIN { printf "%.1f", a / b }')x, CPU $(awk -v a="$cl" -v b="$cs" 'BEGIN { printf "%.1f", a / b }')x"
fi
print_table "Non-IID track (kqent analyze vs ea_non_iid)"
