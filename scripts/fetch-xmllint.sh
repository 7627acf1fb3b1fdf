#!/usr/bin/env bash
# Fetches Debian's xmllint (package libxml2-utils, and libxml2 where this system lacks it)
# into target/xmllint/ without installing anything, for the JUnit XSD check of
# tests/cli/junit.rs (see fetch-deb.sh). The test runs
#   target/xmllint/run-xmllint --noout --schema XSD FILE
set -euo pipefail
exec bash "$(dirname "$0")/fetch-deb.sh" xmllint libxml2-utils usr/bin/xmllint
