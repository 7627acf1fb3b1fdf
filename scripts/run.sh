#!/usr/bin/env bash
# The main job: build kqent, sweep the default backend (epoll on Linux, kqueue on
# macOS/FreeBSD) over timers x sockets x watchers, and render the report.
#
#   scripts/run.sh [OUT_DIR]        default OUT_DIR: target/kqent-run/<UTC time>
#
# The grid holds every event kind alone, every pair, all three together and none, so the
# report can answer "does combining event kinds add entropy?". 10,000 samples per
# configuration keep it quick (about a minute on a 2-core machine); for an SP 800-90B
# assessment use `kqent sweep --samples 1000000` (the default).
set -euo pipefail
cd "$(dirname "$0")/.."

cargo build --release
kqent=target/release/kqent
out=${1:-target/kqent-run/$(date -u +%Y%m%dT%H%M%SZ)}

"$kqent" sweep --timers 0,4 --sockets 0,4 --watchers 0,4 --timeout-ms 1 \
    --samples 10000 --warmup 200 --seed 0 --out "$out"
"$kqent" report "$out" --quiet

echo
echo "HTML report:      $out/report.html"
echo "Markdown summary: $out/summary.md"
