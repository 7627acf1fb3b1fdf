#!/usr/bin/env bash
# Longer fuzz runs of kqent's readers (tests/cli/fuzz.rs): N cases (default 500), each a
# mutated trace, symbol file, result document and sweep directory run through every
# command that reads it. KQENT_FUZZ_SEED picks the seed (default 1); a failure names its
# seed and case. CI runs the same test with a few cases.
#     bash scripts/fuzz.sh 2000
set -euo pipefail
cd "$(dirname "$0")/.."
eval "$(bash scripts/fetch-libudev.sh)"
KQENT_FUZZ_CASES="${1:-500}" cargo test --release --features openentropy --test cli -- \
    fuzz:: --nocapture
