#!/usr/bin/env bash
# Runs every test of the workspace: unit, integration, doc tests and conformance, then the
# Python package's tests.
# Release mode: the conformance files hold 1,000,000 samples each.
set -euo pipefail
cd "$(dirname "$0")/.."
# Debian's `ent` for the statistics cross-check (tests/cli/ent_crosscheck.rs); no root needed.
# Where apt is missing the test itself says so (and fails under CI=true).
if command -v apt-get >/dev/null 2>&1; then
    bash scripts/fetch-ent.sh
fi
# Debian's chromium for the headless-browser test of the HTML report (tests/cli/html_browser.rs).
if command -v apt-get >/dev/null 2>&1; then
    bash scripts/fetch-chromium.sh
fi
# The `openentropy` feature (openentropy-core's sources and the cross-check of
# `--extract openentropy` against its own extraction) needs libudev's pkg-config file on Linux.
eval "$(bash scripts/fetch-libudev.sh)"
# Property tests draw the same cases on every run (proptest's seed fixed unless the caller
# sets one) and never write regression files into the source tree: a red CI is then a
# change's fault, not the draw's. scripts/fuzz.sh explores fresh seeds.
export PROPTEST_RNG_SEED="${PROPTEST_RNG_SEED:-20261130}"
export PROPTEST_DISABLE_FAILURE_PERSISTENCE=1
cargo test --workspace --release --features openentropy "$@"
# The Python package, built into target/python-venv and tested against the binary the
# line above built (maturin, numpy and pytest from PyPI; see scripts/python.sh).
bash scripts/python.sh
