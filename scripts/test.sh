#!/usr/bin/env bash
# Runs every test of the workspace: unit, integration, doc tests and conformance.
# Release mode: the conformance files hold 1,000,000 samples each.
set -euo pipefail
cd "$(dirname "$0")/.."
exec cargo test --workspace --release "$@"
