#!/usr/bin/env bash
# Wall time and peak RSS of the full non-IID assessment of one file (default: the
# 1,000,000-sample uniform 8-bit conformance fixture).
#   scripts/bench-assess.sh [FILE] [extra `kqent analyze` arguments...]
set -euo pipefail
cd "$(dirname "$0")/.."
input="${1:-crates/analysis/tests/data/conformance/v1_uniform8.bin}"
shift || true
cargo build --release --quiet --bin kqent
bin=target/release/kqent
if [ -x /usr/bin/time ]; then
    /usr/bin/time -f 'wall %e s  user %U s  sys %S s  peak RSS %M KB' \
        "$bin" analyze "$input" "$@" >/dev/null
else
    # No GNU time: sample VmHWM from /proc while the process runs.
    start=$(date +%s.%N)
    "$bin" analyze "$input" "$@" >/dev/null &
    pid=$!
    peak=0
    while kill -0 "$pid" 2>/dev/null; do
        hwm=$(awk '/^VmHWM/ {print $2}' "/proc/$pid/status" 2>/dev/null || echo 0)
        [ -n "$hwm" ] && [ "$hwm" -gt "$peak" ] && peak=$hwm
        sleep 0.02
    done
    wait "$pid"
    end=$(date +%s.%N)
    echo "wall $(echo "$end - $start" | bc) s  peak RSS >= ${peak} KB (sampled)" >&2
fi
