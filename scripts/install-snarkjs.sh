#!/usr/bin/env bash
# Installs the pinned snarkjs 0.7.6 (scripts/snarkjs/package-lock.json) into a cache folder with
# `npm ci`, and prints the absolute path of its `snarkjs` binary on stdout (nothing else goes to
# stdout; progress goes to stderr).
#
#   scripts/install-snarkjs.sh [DIR]
#
# DIR defaults to ${VERINFER_NPM_CACHE:-$HOME/.cache/verinfer/snarkjs-0.7.6}. Nothing is done when
# DIR already holds snarkjs 0.7.6. Tests find snarkjs through $VERINFER_SNARKJS, else at
# DIR/node_modules/.bin/snarkjs with the default DIR:
#
#   export VERINFER_SNARKJS="$(scripts/install-snarkjs.sh)"
#
# Exits non-zero with a message on stderr when node or npm is missing or the install fails.
set -euo pipefail

VERSION=0.7.6
SRC="$(cd "$(dirname "${BASH_SOURCE[0]}")/snarkjs" && pwd)"
DIR="${1:-${VERINFER_NPM_CACHE:-$HOME/.cache/verinfer/snarkjs-$VERSION}}"

die() {
    echo "install-snarkjs: error: $*" >&2
    exit 1
}
log() {
    echo "install-snarkjs: $*" >&2
}

command -v node >/dev/null 2>&1 || die "node not found in PATH (snarkjs $VERSION needs Node.js >= 18)"
command -v npm >/dev/null 2>&1 || die "npm not found in PATH (it comes with Node.js)"
[ -f "$SRC/package.json" ] && [ -f "$SRC/package-lock.json" ] || die "missing $SRC/package.json or package-lock.json"

mkdir -p "$DIR" || die "cannot create $DIR"
DIR="$(cd "$DIR" && pwd)"
BIN="$DIR/node_modules/.bin/snarkjs"

installed_version() {
    node -e 'try { process.stdout.write(require(process.argv[1]).version) } catch (e) {}' \
        "$DIR/node_modules/snarkjs/package.json"
}

if [ -x "$BIN" ] && [ "$(installed_version)" = "$VERSION" ]; then
    log "snarkjs $VERSION already installed in $DIR"
else
    log "installing snarkjs $VERSION into $DIR (node $(node --version), npm $(npm --version))"
    cp "$SRC/package.json" "$SRC/package-lock.json" "$DIR/" || die "cannot copy package files to $DIR"
    # npm's own output goes to stderr: stdout carries only the binary's path.
    (cd "$DIR" && npm ci --no-audit --no-fund 1>&2) || die "npm ci failed in $DIR"
    [ -x "$BIN" ] || die "npm ci succeeded but $BIN is missing"
    got="$(installed_version)"
    [ "$got" = "$VERSION" ] || die "installed snarkjs version is '$got', expected $VERSION"
    log "installed snarkjs $VERSION"
fi

echo "$BIN"
