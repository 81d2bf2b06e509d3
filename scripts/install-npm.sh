#!/usr/bin/env bash
# Installs verinfer's pinned JavaScript tools (scripts/npm/package-lock.json: snarkjs 0.7.6,
# circomlibjs 0.1.7, solc 0.8.37, @ethereumjs/evm 10.1.3) into a cache folder with `npm ci`, copies
# the scripts of scripts/npm beside them (Node resolves their imports from there), and prints the
# folder's absolute path on stdout (nothing else goes to stdout; progress goes to stderr).
#
#   scripts/install-npm.sh [DIR]
#
# DIR defaults to ${VERINFER_NPM_CACHE:-$HOME/.cache/verinfer/npm}. `npm ci` runs only when DIR's
# lock file differs from scripts/npm's. Tests find the folder through $VERINFER_NPM_TOOLS:
#
#   export VERINFER_NPM_TOOLS="$(scripts/install-npm.sh)"
#
# Exits non-zero with a message on stderr when node or npm is missing or the install fails.
set -euo pipefail

SRC="$(cd "$(dirname "${BASH_SOURCE[0]}")/npm" && pwd)"
DIR="${1:-${VERINFER_NPM_CACHE:-$HOME/.cache/verinfer/npm}}"

die() {
    echo "install-npm: error: $*" >&2
    exit 1
}
log() {
    echo "install-npm: $*" >&2
}

command -v node >/dev/null 2>&1 || die "node not found in PATH (the tools need Node.js >= 18)"
command -v npm >/dev/null 2>&1 || die "npm not found in PATH (it comes with Node.js)"
[ -f "$SRC/package.json" ] && [ -f "$SRC/package-lock.json" ] || die "missing $SRC/package.json or package-lock.json"

mkdir -p "$DIR" || die "cannot create $DIR"
DIR="$(cd "$DIR" && pwd)"

if [ -d "$DIR/node_modules" ] && cmp -s "$SRC/package-lock.json" "$DIR/package-lock.json"; then
    log "the pinned tools are already installed in $DIR"
else
    log "installing the pinned tools into $DIR (node $(node --version), npm $(npm --version))"
    cp "$SRC/package.json" "$SRC/package-lock.json" "$DIR/" || die "cannot copy package files to $DIR"
    # npm's own output goes to stderr: stdout carries only the folder's path.
    (cd "$DIR" && npm ci --no-audit --no-fund 1>&2) || die "npm ci failed in $DIR"
    for bin in snarkjs; do
        [ -x "$DIR/node_modules/.bin/$bin" ] || die "npm ci succeeded but $DIR/node_modules/.bin/$bin is missing"
    done
    log "installed"
fi
cp "$SRC"/*.mjs "$DIR/" || die "cannot copy the scripts of $SRC to $DIR"

echo "$DIR"
