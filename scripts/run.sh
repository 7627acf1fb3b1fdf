#!/usr/bin/env bash
# The main job: build kqent, sweep the default backend (epoll on Linux, kqueue on
# macOS/FreeBSD) over timers x sockets x watchers with both null controls and 3
# repetitions, render the report and print the answer with its statistics.
#
#   scripts/run.sh [OUT_DIR]        default OUT_DIR: target/kqent-run/<UTC time>
#
# The grid holds every event kind alone, every pair, all three together and none (the
# empty queue: the wait call only times out), plus the clock-only control (two clock reads,
# no wait call), so the report can answer "does combining event kinds add entropy?" and
# compare everything with both floors. 3 repetitions give each configuration a confidence
# interval and each comparison a Welch test (about 3 minutes on a 2-core machine). 10,000
# samples per run is a quick look: for an SP 800-90B assessment use
# `kqent sweep --samples 1000000` (the default), and more repetitions when the answer says
# "inconclusive".
set -euo pipefail
cd "$(dirname "$0")/.."

cargo build --release
kqent=target/release/kqent
out=${1:-target/kqent-run/$(date -u +%Y%m%dT%H%M%SZ)}

"$kqent" sweep --timers 0,4 --sockets 0,4 --watchers 0,4 --timeout-ms 1 \
    --samples 10000 --warmup 200 --repeat 3 --clock-control --seed 0 --out "$out"
"$kqent" report "$out" --quiet

echo
echo "HTML report:      $out/report.html"
echo "Markdown summary: $out/summary.md"
echo "Statistics:       $out/summary.json"
