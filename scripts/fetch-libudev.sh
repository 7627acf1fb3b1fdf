#!/usr/bin/env bash
# The `openentropy` feature links openentropy-core, whose serial-port dependency
# (qcicada -> serialport -> libudev-sys) needs libudev's pkg-config file at build time.
# Where the system has none, this fetches Debian's libudev-dev and libudev1 into
# target/libudev/ without installing them (`apt-get download` + `dpkg -x`, no root) and
# prints the environment to build with; use it as
#     eval "$(bash scripts/fetch-libudev.sh)"
# Prints nothing when pkg-config already finds libudev. Idempotent.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "$(uname -s)" != Linux ] || pkg-config --exists libudev 2>/dev/null; then
  exit 0
fi
root="$PWD/target/libudev"
pc_dir="$root/usr/lib/x86_64-linux-gnu/pkgconfig"
if [ ! -f "$pc_dir/libudev.pc" ]; then
  mkdir -p "$root/deb"
  (
    cd "$root/deb"
    if ! apt-get download libudev-dev libudev1 >/dev/null 2>&1; then
      if [ "$(id -u)" = 0 ]; then
        apt-get update -qq >/dev/null
        apt-get download libudev-dev libudev1 >/dev/null
      else
        echo "fetch-libudev.sh: 'apt-get download libudev-dev' failed and I am not root to run 'apt-get update'" >&2
        exit 1
      fi
    fi
  )
  for deb in "$root"/deb/*.deb; do
    dpkg -x "$deb" "$root"
  done
  # The .pc file names /usr; point it at the extracted tree.
  sed -i -e "s|^prefix=/usr|prefix=$root/usr|" -e "s|^exec_prefix=/usr|exec_prefix=$root/usr|" \
    -e "s|^libdir=/usr|libdir=$root/usr|" -e "s|^includedir=/usr|includedir=$root/usr|" \
    "$pc_dir/libudev.pc"
fi
libdir="$(dirname "$pc_dir")"
[ -e "$libdir/libudev.so" ] || { echo "fetch-libudev.sh: no libudev.so in $libdir" >&2; exit 1; }
echo "export PKG_CONFIG_PATH=\"$pc_dir\${PKG_CONFIG_PATH:+:\$PKG_CONFIG_PATH}\""
echo "export LD_LIBRARY_PATH=\"$libdir\${LD_LIBRARY_PATH:+:\$LD_LIBRARY_PATH}\""
