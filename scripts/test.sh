#!/usr/bin/env bash
# The whole test suite, as CI runs it (the README's test command): the Rust workspace (its interop
# tests run the pinned JavaScript tools of scripts/install-npm.sh), then the Python package built
# from python/ into a fresh virtual environment and its pytest tests.
#
#   scripts/test.sh
#
# Environment (optional): VERINFER_NPM_TOOLS (a folder install-npm.sh filled; default: install
# into its cache), VERINFER_PY_VENV (the virtual environment to create or reuse; default
# target/py-venv).
set -euo pipefail
cd "$(dirname "$0")/.."

rustup target add wasm32-unknown-unknown
VERINFER_NPM_TOOLS="${VERINFER_NPM_TOOLS:-$(scripts/install-npm.sh)}"
export VERINFER_NPM_TOOLS
export VERINFER_SNARKJS="${VERINFER_SNARKJS:-$VERINFER_NPM_TOOLS/node_modules/.bin/snarkjs}"

echo "== Rust: cargo test --release --locked --workspace"
cargo test --release --locked --workspace

# The workspace build runs the canister harness on wasmtime; the CLI alone (the README's demo)
# runs it on wasmi. The harness's own tests, again on wasmi:
echo "== Rust: the canister harness on wasmi"
cargo test --release --locked -p verinfer-ic-harness --no-default-features --features wasmi --test harness --test attacks

echo "== Python: pip install ./python (maturin builds the extension), then pytest python/tests"
VENV="${VERINFER_PY_VENV:-target/py-venv}"
[ -x "$VENV/bin/python" ] || python3 -m venv "$VENV"
"$VENV/bin/pip" install --quiet --upgrade pip
"$VENV/bin/pip" install --quiet "./python[test]"
"$VENV/bin/python" -m pytest -q python/tests
