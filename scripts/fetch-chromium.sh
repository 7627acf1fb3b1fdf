#!/usr/bin/env bash
# Fetches Debian's chromium (and the libraries it needs that this system lacks) into
# target/chromium/ without installing anything, for the headless-browser test of the HTML
# report (tests/cli/html_browser.rs). Same pattern as fetch-ent.sh: `apt-get download` +
# `dpkg -x`, no root needed; when the package lists are empty it runs `apt-get update` if it
# may (root) and fails loudly otherwise. Idempotent: does nothing when the browser runs.
#
# Prints nothing on success but the path; the test runs
#   target/chromium/run-chromium --headless --dump-dom file://...
set -euo pipefail
cd "$(dirname "$0")/.."
dest="$PWD/target/chromium"
wrapper="$dest/run-chromium"
if [ -x "$wrapper" ] && "$wrapper" --version >/dev/null 2>&1; then
  exit 0
fi
mkdir -p "$dest/deb"
# What `apt-get install` would add here, without recommends: chromium, chromium-common and
# the libraries missing on this system (a simulation; nothing is installed).
list_packages() {
  apt-get install -s --no-install-recommends chromium 2>/dev/null | awk '/^Inst /{print $2}'
}
pkgs=$(list_packages || true)
if [ -z "$pkgs" ]; then
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq >/dev/null
    pkgs=$(list_packages)
  fi
fi
if [ -z "$pkgs" ]; then
  echo "fetch-chromium.sh: apt cannot resolve chromium (empty package lists and I am not root to run 'apt-get update')" >&2
  exit 1
fi
cd "$dest/deb"
# apt drops privileges to _apt for downloads when it can; let it write here.
chmod 777 . 2>/dev/null || true
rm -f ./*.deb
# shellcheck disable=SC2086
apt-get download $pkgs >/dev/null
cd "$dest"
for deb in deb/*.deb; do
  dpkg -x "$deb" root
done
rm -rf deb
# The extracted libraries come first; chromium's own launcher script expects /usr paths,
# so the binary is run directly.
cat > "$wrapper" <<WRAP
#!/bin/sh
root="$dest/root"
libs="\$root/usr/lib/x86_64-linux-gnu:\$root/usr/lib/x86_64-linux-gnu/pulseaudio:\$root/usr/lib/aarch64-linux-gnu:\$root/usr/lib/aarch64-linux-gnu/pulseaudio:\$root/usr/lib/chromium"
LD_LIBRARY_PATH="\$libs\${LD_LIBRARY_PATH:+:\$LD_LIBRARY_PATH}" exec "\$root/usr/lib/chromium/chromium" "\$@"
WRAP
chmod +x "$wrapper"
"$wrapper" --version >/dev/null 2>&1 || { echo "fetch-chromium.sh: the extracted chromium does not run" >&2; exit 1; }
echo "fetch-chromium.sh: chromium is at $wrapper" >&2
