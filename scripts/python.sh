#!/usr/bin/env bash
# Builds the Python package `kqent` (python/, PyO3 + maturin) into a virtual environment
# under target/ and runs its pytest suite (python/tests) against the `kqent` binary that
# `cargo test --release` built. scripts/test.sh calls it after the Rust tests.
#
# maturin, numpy and pytest come from PyPI, pinned in python/requirements-test.txt; the
# package is installed the way the README says, `pip install ./python` (with the venv's
# maturin as the build backend, so nothing else is downloaded). Where `python3 -m venv`
# is missing (Debian without python3-venv) it is installed with apt-get when we are root.
# Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
venv=target/python-venv
python=${PYTHON:-python3}
if ! command -v "$python" >/dev/null 2>&1; then
    echo "python.sh: $python not found: install Python 3.11 or newer" >&2
    exit 1
fi
if [ ! -x "$venv/bin/python" ]; then
    if ! "$python" -m venv "$venv" >/dev/null 2>&1; then
        rm -rf "$venv"
        if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
            apt-get update -qq >/dev/null
            apt-get install -y -qq python3-venv >/dev/null
            "$python" -m venv "$venv"
        else
            echo "python.sh: '$python -m venv' failed (on Debian: apt-get install python3-venv)" >&2
            exit 1
        fi
    fi
fi
pip=("$venv/bin/python" -m pip --disable-pip-version-check -q)
# Reinstall the pinned tools only when the pins change.
stamp="$venv/.requirements"
if ! cmp -s python/requirements-test.txt "$stamp"; then
    "${pip[@]}" install -r python/requirements-test.txt
    cp python/requirements-test.txt "$stamp"
fi
# The extension builds into the workspace's target directory: same lock-step
# dependencies, and a rebuild only recompiles what changed.
PATH="$root/$venv/bin:$PATH" CARGO_TARGET_DIR="$root/target" "${pip[@]}" install --no-build-isolation --no-deps --force-reinstall ./python
KQENT_BIN="$root/target/release/kqent" "$venv/bin/python" -m pytest -q python/tests "$@"
