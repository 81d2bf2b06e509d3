#!/usr/bin/env bash
# Installs the pinned JavaScript tools (scripts/install-npm.sh) and prints the absolute path of
# their `snarkjs` 0.7.6 binary on stdout. Tests find snarkjs through $VERINFER_SNARKJS:
#
#   export VERINFER_SNARKJS="$(scripts/install-snarkjs.sh)"
set -euo pipefail
DIR="$("$(dirname "${BASH_SOURCE[0]}")/install-npm.sh" "$@")"
echo "$DIR/node_modules/.bin/snarkjs"
