#!/usr/bin/env bash
# Longer fuzz runs of kqent's readers (tests/cli/fuzz.rs): N cases (default 500), each a
# mutated trace, symbol file, result document and sweep directory run through every
# command that reads it. KQENT_FUZZ_SEED picks the seed (default 1); a failure names its
# seed and case. CI runs the same test with a few cases. Then every property test under
# ROUNDS fresh seeds (default 10).
#     bash scripts/fuzz.sh [N] [ROUNDS]      e.g. bash scripts/fuzz.sh 2000 50
set -euo pipefail
cd "$(dirname "$0")/.."
eval "$(bash scripts/fetch-libudev.sh)"
KQENT_FUZZ_CASES="${1:-500}" cargo test --release --features openentropy --test cli -- \
    fuzz:: --nocapture
# Then the property tests (every `proptest!` in the workspace) under fresh seeds, ROUNDS
# rounds (second argument, default 10); scripts/test.sh always draws seed 20261130. A
# failing round prints its seed: PROPTEST_RNG_SEED=<seed> bash scripts/test.sh replays it.
export PROPTEST_DISABLE_FAILURE_PERSISTENCE=1
for _ in $(seq "${2:-10}"); do
    seed=$(od -An -N8 -tu8 /dev/urandom | tr -d ' ')
    echo "property tests, PROPTEST_RNG_SEED=$seed"
    PROPTEST_RNG_SEED=$seed cargo test --workspace --release --features openentropy -q \
        -- metadata_and_records_round_trip text_matches_the_definition \
        fast_statistics_match_their_definitions any_input_cuts_as_the_state_machine \
        matches_the_definition_on_random_periodic_and_repetitive_blocks \
        matches_the_definition_on_skewed_blocks alphabetic_codes_are_ordered_and_prefix_free \
        three_symbols_match_the_definition single_digit_text_equals_the_definition \
        equals_libbz2_on_arbitrary_bytes equals_the_byte_sort_and_the_definition \
        equals_the_text_path_on_any_samples equals_the_text_path_in_many_small_blocks \
        rolled_windows_and_packing_match_the_definitions lcps_match_the_naive_sort \
        direct_and_phi_bit_intervals_match_the_definition \
        interval_traversal_equals_the_first_version \
        window_modes_match_the_definition_on_biased_and_periodic_data \
        estimates_lie_between_zero_and_the_width \
        every_estimate_lies_within_the_width random_sessions_match \
        coding_equals_the_definition 2>&1 | grep -E "^test result|FAILED|panicked|minimal" || true
done
