#!/usr/bin/env bash
# Fetches Debian's xmllint (package libxml2-utils, and libxml2 where this system lacks it)
# into target/xmllint/ without installing anything, for the JUnit XSD check of
# tests/cli/junit.rs. Same pattern as fetch-ent.sh: `apt-get download` + `dpkg -x`, no root
# needed; when the package lists are empty it runs `apt-get update` if it may (root) and
# fails loudly otherwise. Idempotent: does nothing when the wrapper already runs.
#
# The test runs target/xmllint/run-xmllint --noout --schema XSD FILE.
set -euo pipefail
cd "$(dirname "$0")/.."
dest="$PWD/target/xmllint"
wrapper="$dest/run-xmllint"
if [ -x "$wrapper" ] && "$wrapper" --version >/dev/null 2>&1; then
  exit 0
fi
mkdir -p "$dest/deb"
# What `apt-get install` would add here (a simulation; nothing is installed).
list_packages() {
  apt-get install -s --no-install-recommends libxml2-utils 2>/dev/null | awk '/^Inst /{print $2}'
}
pkgs=$(list_packages || true)
if [ -z "$pkgs" ]; then
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq >/dev/null
    pkgs=$(list_packages)
  fi
fi
if [ -z "$pkgs" ]; then
  echo "fetch-xmllint.sh: apt cannot resolve libxml2-utils (empty package lists and I am not root to run 'apt-get update')" >&2
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
cat > "$wrapper" <<WRAP
#!/bin/sh
root="$dest/root"
libs="\$root/usr/lib/x86_64-linux-gnu:\$root/usr/lib/aarch64-linux-gnu"
LD_LIBRARY_PATH="\$libs\${LD_LIBRARY_PATH:+:\$LD_LIBRARY_PATH}" exec "\$root/usr/bin/xmllint" "\$@"
WRAP
chmod +x "$wrapper"
"$wrapper" --version >/dev/null 2>&1 || { echo "fetch-xmllint.sh: the extracted xmllint does not run" >&2; exit 1; }
echo "fetch-xmllint.sh: xmllint is at $wrapper" >&2
