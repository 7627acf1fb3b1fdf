#!/usr/bin/env bash
# IID-track benchmark: wall time, CPU time and peak RSS of `kqent analyze --iid` per file,
# and, with --reference, of NIST's ea_iid on the same file (alternating runs, medians, ratios).
#
#   scripts/bench-iid.sh [--reference DIR] [--nist-bin DIR] [--runs N] [FILE:BITS ...]
#       default files: the IID-looking conformance files (v1_uniform8, v3_gauss4, v2_biased1);
#       --nist-bin DIR adds truerand_8bit, truerand_4bit, truerand_1bit and
#       biased-random-bytes from the bin/ folder of NIST's repository;
#       --reference DIR: a directory holding ea_iid (or DIR/cpp/ea_iid), built by the user.
#   scripts/bench-iid.sh --breakdown FILE BITS   where the time goes per permutation
#   scripts/bench-iid.sh --floor                 the 10,000-compression floor on nist_ringOsc
set -euo pipefail
cd "$(dirname "$0")/.."
D="$PWD/crates/analysis/tests/data/conformance"

if [[ "${1:-}" == "--breakdown" || "${1:-}" == "--floor" ]]; then
    cargo bench -p kqent-analysis --bench iid --no-run
    BIN=$(ls -t target/release/deps/iid-* | grep -v '\.d$' | head -1)
    if [[ "$1" == "--floor" ]]; then
        "$BIN" "$D/nist_ringOsc.bin" 1 --floor 10000
        "$BIN" "$D/nist_ringOsc.bin" 1 --all-statistics
    else
        "$BIN" "$2" "$3"
    fi
    exit 0
fi

source scripts/bench-lib.sh
REF="" RUNS=3 FILES=()
while [ $# -gt 0 ]; do
    case "$1" in
    --reference) REF=$(reference_bin "$2" ea_iid); shift 2 ;;
    --nist-bin)
        for f in truerand_8bit:8 truerand_4bit:4 truerand_1bit:1 biased-random-bytes:8; do
            FILES+=("$2/${f%:*}.bin:${f#*:}")
        done
        shift 2 ;;
    --runs) RUNS=$2; shift 2 ;;
    -h | --help) sed -n '2,13p' "$0"; exit 0 ;;
    *) FILES+=("$1"); shift ;;
    esac
done
if [ ${#FILES[@]} -eq 0 ]; then
    FILES=("$D/v1_uniform8.bin:8" "$D/v3_gauss4.bin:4" "$D/v2_biased1.bin:1")
fi
cargo build --release --quiet --bin kqent
KQ="$PWD/target/release/kqent"
for fb in "${FILES[@]}"; do
    f=${fb%:*} b=${fb##*:}
    if [ -n "$REF" ]; then
        compare "IID $(basename "$f")" "$RUNS" "$KQ" analyze "$f" --bits "$b" --iid \
            -- "$REF" -q "$f" "$b"
    else
        compare "IID $(basename "$f")" "$RUNS" "$KQ" analyze "$f" --bits "$b" --iid
    fi
done
print_table "IID track (kqent analyze --iid vs ea_iid)"
