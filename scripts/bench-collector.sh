#!/usr/bin/env bash
# Collector throughput: `kqent collect --timeout-ms 0` (CLI and library) against a bare
# wait loop over the same registrations, in one run. Goal: ratio >= 0.9.
# Usage: scripts/bench-collector.sh [SAMPLES] [ROUNDS]
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --bin kqent
KQENT_BIN="$PWD/target/release/kqent" \
KQENT_BENCH_SAMPLES="${1:-1000000}" \
KQENT_BENCH_ROUNDS="${2:-5}" \
    cargo bench -p kqent-collector --bench collector
