#!/usr/bin/env bash
# Fetches Debian's chromium (and the libraries it needs that this system lacks) into
# target/chromium/ without installing anything, for the headless-browser test of the HTML
# report (tests/cli/html_browser.rs; see fetch-deb.sh). chromium's own launcher script
# expects /usr paths, so the wrapper runs the binary directly. The test runs
#   target/chromium/run-chromium --headless --dump-dom file://...
set -euo pipefail
exec bash "$(dirname "$0")/fetch-deb.sh" chromium chromium usr/lib/chromium/chromium \
  usr/lib/x86_64-linux-gnu/pulseaudio usr/lib/aarch64-linux-gnu/pulseaudio usr/lib/chromium
