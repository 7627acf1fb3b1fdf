#!/usr/bin/env bash
# Regenerates reports/example: a real epoll sweep on this (Linux) machine and its report,
# made by the tool itself. The traces (megabytes) are left out; every result keeps the
# SHA-256 of its trace's durations and of the file, and everything the report shows is in
# the results.
#
#   scripts/regen-example-report.sh
#
# Takes about 35 minutes on a 2-core machine: 8 configurations (each event kind alone,
# every pair, all three, none) plus the clock-only control, x 3 repetitions x 200,000
# samples. The empty queue alone needs 200,000 one-millisecond timeouts per run.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "$(uname -s)" != Linux ]; then
    echo "regen-example-report.sh: the example is an epoll sweep; run it on Linux" >&2
    exit 2
fi
cargo build --release
kqent=$PWD/target/release/kqent

work=$(mktemp -d "${TMPDIR:-/tmp}/kqent-example.XXXXXX")
trap 'rm -rf "$work"' EXIT
sweep=$work/example

"$kqent" sweep --backend epoll --timers 0,4 --sockets 0,4 --watchers 0,4 --timeout-ms 1 \
    --samples 200000 --warmup 500 --repeat 3 --clock-control --seed 1 --out "$sweep"
rm -rf "$sweep/traces"
"$kqent" report "$sweep" --quiet

rm -rf reports/example
mkdir -p reports
cp -R "$sweep" reports/example
echo "reports/example: $(ls reports/example/results | wc -l) results, report.html, summary.md, summary.json"
