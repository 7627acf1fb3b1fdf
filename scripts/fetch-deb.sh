#!/usr/bin/env bash
# Fetches a Debian package and the libraries it needs that this system lacks into
# target/NAME/root without installing anything, and writes target/NAME/run-NAME, which runs
# EXE (a path inside the package) with the extracted libraries first on LD_LIBRARY_PATH
# (plus any LIBDIR given, relative to the package root). `apt-get install -s` lists what
# would be installed, `apt-get download` + `dpkg -x` unpack it: no root needed. When the
# package lists are empty it runs `apt-get update` if it may (root) and fails loudly
# otherwise. Idempotent: does nothing when the wrapper already runs `EXE --version`.
#
#     scripts/fetch-deb.sh NAME PACKAGE EXE [LIBDIR...]
# Used by fetch-xmllint.sh and fetch-chromium.sh (fetch-ent.sh needs no libraries).
set -euo pipefail
if [ $# -lt 3 ]; then
  echo "usage: scripts/fetch-deb.sh NAME PACKAGE EXE [LIBDIR...]" >&2
  exit 2
fi
name=$1 package=$2 exe=$3
shift 3
cd "$(dirname "$0")/.."
dest="$PWD/target/$name"
wrapper="$dest/run-$name"
if [ -x "$wrapper" ] && "$wrapper" --version >/dev/null 2>&1; then
  exit 0
fi
mkdir -p "$dest/deb"
# What `apt-get install` would add here, without recommends (a simulation).
list_packages() {
  apt-get install -s --no-install-recommends "$package" 2>/dev/null | awk '/^Inst /{print $2}'
}
pkgs=$(list_packages || true)
if [ -z "$pkgs" ] && [ "$(id -u)" = 0 ]; then
  apt-get update -qq >/dev/null
  pkgs=$(list_packages)
fi
if [ -z "$pkgs" ]; then
  echo "fetch-deb.sh: apt cannot resolve $package (empty package lists and I am not root to run 'apt-get update')" >&2
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
libs='$root/usr/lib/x86_64-linux-gnu:$root/usr/lib/aarch64-linux-gnu'
for dir in "$@"; do
  libs="$libs:\$root/$dir"
done
cat > "$wrapper" <<WRAP
#!/bin/sh
root="$dest/root"
libs="$libs"
LD_LIBRARY_PATH="\$libs\${LD_LIBRARY_PATH:+:\$LD_LIBRARY_PATH}" exec "\$root/$exe" "\$@"
WRAP
chmod +x "$wrapper"
"$wrapper" --version >/dev/null 2>&1 || { echo "fetch-deb.sh: the extracted $exe does not run" >&2; exit 1; }
echo "fetch-deb.sh: $name is at $wrapper" >&2
