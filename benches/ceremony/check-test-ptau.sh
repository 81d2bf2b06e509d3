#!/usr/bin/env bash
# Checks the INSECURE benchmark ptau generator (benches/src/bin/test_ptau.rs) against snarkjs 0.7.6:
#
#   benches/ceremony/check-test-ptau.sh [POWER] [MODEL]     (defaults: 10, iris_mlp)
#
# 1. `test_ptau --unprepared` (sections 1-7), then `snarkjs powersoftau prepare phase2` on it: the
#    result must equal `test_ptau`'s own prepared file byte for byte (sections 12-15 included).
# 2. For the fixture MODEL, with a test ptau of the power its circuit needs: `verinfer ceremony
#    init` and `snarkjs groth16 setup` must write identical zkeys, and after a `verinfer ceremony
#    contribute` both `snarkjs zkey verify` and `verinfer ceremony verify` must accept it.
# Needs target/release/{verinfer,test_ptau} (cargo build --release -p verinfer -p verinfer-benches).
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
POWER="${1:-10}"
MODEL="${2:-iris_mlp}"
SNARKJS="${SNARKJS:-$("$ROOT/scripts/install-snarkjs.sh")}"
VERINFER="$ROOT/target/release/verinfer"
TEST_PTAU="$ROOT/target/release/test_ptau"
[ -x "$VERINFER" ] && [ -x "$TEST_PTAU" ] || {
    echo "check-test-ptau: build first: cargo build --release -p verinfer -p verinfer-benches" >&2
    exit 1
}
T="$(mktemp -d "${TMPDIR:-/tmp}/verinfer-test-ptau.XXXXXX")"
trap 'rm -rf "$T"' EXIT
fail() {
    echo "check-test-ptau: FAILED: $*" >&2
    exit 1
}

echo "== 1. power $POWER: test_ptau vs snarkjs powersoftau prepare phase2" >&2
"$TEST_PTAU" --power "$POWER" -o "$T/ours.ptau" 2>/dev/null
"$TEST_PTAU" --power "$POWER" --unprepared -o "$T/unprepared.ptau" 2>/dev/null
"$SNARKJS" powersoftau prepare phase2 "$T/unprepared.ptau" "$T/snarkjs.ptau" >/dev/null
cmp "$T/ours.ptau" "$T/snarkjs.ptau" || fail "prepared files differ"
echo "ok: identical ($(stat -c %s "$T/ours.ptau") bytes)" >&2

echo "== 2. $MODEL: init vs groth16 setup, contribute, zkey verify" >&2
"$VERINFER" compile "$ROOT/fixtures/$MODEL/model.onnx" -o "$T/build" >/dev/null
"$VERINFER" --json export r1cs "$T/build" -o "$T/model.r1cs" >"$T/r1cs.json"
n=$(python3 -c 'import json, sys; d = json.load(open(sys.argv[1])); print(d["constraints"] + d["public_inputs"])' "$T/r1cs.json")
p=0
while [ $((n >> (p + 1))) -gt 0 ]; do p=$((p + 1)); done
p=$((p + 1))
echo "circuit: $n constraints + public inputs, ptau power $p" >&2
"$TEST_PTAU" --power "$p" -o "$T/p.ptau" 2>/dev/null
"$VERINFER" ceremony init "$T/build" --ptau "$T/p.ptau" -o "$T/0000.verinfer.zkey" >/dev/null
"$SNARKJS" groth16 setup "$T/model.r1cs" "$T/p.ptau" "$T/0000.snarkjs.zkey" >/dev/null
cmp "$T/0000.verinfer.zkey" "$T/0000.snarkjs.zkey" || fail "init and groth16 setup differ"
echo "ok: verinfer ceremony init == snarkjs groth16 setup" >&2
"$VERINFER" ceremony contribute "$T/0000.verinfer.zkey" "$T/0001.zkey" --name check --entropy check >/dev/null
"$SNARKJS" zkey verify "$T/model.r1cs" "$T/p.ptau" "$T/0001.zkey" | grep -q 'ZKey Ok!' || fail "snarkjs zkey verify"
echo "ok: snarkjs zkey verify accepts a verinfer contribution" >&2
"$VERINFER" ceremony verify "$T/0001.zkey" --ptau "$T/p.ptau" "$T/build" | grep -q 'ZKey Ok!' || fail "verinfer verify"
echo "ok: verinfer ceremony verify accepts it" >&2
echo "all checks passed" >&2
