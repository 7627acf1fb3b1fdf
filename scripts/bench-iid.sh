#!/usr/bin/env bash
# IID-track benchmark: wall time, CPU time and peak RSS of iid::assess_iid on the conformance
# files, where the time goes per permutation, and the bzip2-only floor (N compressions of
# shuffles spread over all threads).
#   scripts/bench-iid.sh            # IID-looking files + nist_ringOsc verdict
#   scripts/bench-iid.sh --floor    # also the 10,000-compression floor and --all-statistics
set -euo pipefail
cd "$(dirname "$0")/.."
D="$PWD/crates/analysis/tests/data/conformance"
cargo bench -p kqent-analysis --bench iid --no-run
BIN=$(ls -t target/release/deps/iid-* | grep -v '\.d$' | head -1)
run() {
  echo "== $*"
  /usr/bin/time -f "   (wall %e s, user %U s, sys %S s, max RSS %M KiB)" "$BIN" "$@"
}
run "$D/v1_uniform8.bin" 8
run "$D/v3_gauss4.bin" 4
run "$D/v2_biased1.bin" 1
run "$D/nist_ringOsc.bin" 1
if [[ "${1:-}" == "--floor" ]]; then
  run "$D/nist_ringOsc.bin" 1 --floor 10000
  run "$D/nist_ringOsc.bin" 1 --all-statistics
fi
