#!/usr/bin/env bash
# Fetches Debian's `ent` (Fourmilab's entropy tester) into target/ent/ without installing it,
# for tests/cli/ent_crosscheck.rs. Needs no root: `apt-get download` + `dpkg -x`. When the package
# lists are empty it runs `apt-get update` if it may (root), and fails loudly otherwise.
# Idempotent: does nothing when target/ent/usr/bin/ent already runs.
set -euo pipefail
cd "$(dirname "$0")/.."
dest="target/ent"
bin="$dest/usr/bin/ent"
if [ -x "$bin" ] && "$bin" -u >/dev/null 2>&1; then
  exit 0
fi
mkdir -p "$dest/deb"
cd "$dest/deb"
if ! apt-get download ent >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq >/dev/null
    apt-get download ent
  else
    echo "fetch-ent.sh: 'apt-get download ent' failed and I am not root to run 'apt-get update'" >&2
    exit 1
  fi
fi
cd ..
dpkg -x deb/ent_*.deb .
"./usr/bin/ent" -u >/dev/null 2>&1 || { echo "fetch-ent.sh: extracted ent does not run" >&2; exit 1; }
echo "fetch-ent.sh: ent is at $dest/usr/bin/ent" >&2
