#!/usr/bin/env bash
# EVM verification gas, side by side in one run (issue 18): verinfer's contract (`export solidity`),
# snarkjs 0.7.6's Groth16 template rendered for the same key, and EZKL 23.0.5's verifier for the
# same ONNX file; each compiled by solc 0.8.37 (optimizer, 200 runs) and called in
# @ethereumjs/evm 10.1.3 (scripts/npm/evm-verify.mjs). Not part of the test command.
#
#   benches/evm/run.sh        # writes benches/evm/results.md
#
# Environment (all optional):
#   MODEL     a fixture folder with model.onnx, calibration.json, input.json (default fixtures/digits_mlp)
#   WORK      work folder (default /tmp/verinfer-evm-bench)
#   OUT       the markdown table (default benches/evm/results.md)
#   VERINFER  the verinfer binary (default target/release/verinfer; this script never runs cargo)
#   EZKL_VENV a venv with ezkl==23.0.5 (default /tmp/ezkl-venv; created with pip if missing;
#             SKIP_EZKL=1 leaves EZKL out)
#
# Gas: "execution" is what the call itself spends (what a contract calling the verifier pays);
# "transaction" adds the 21,000 base and the calldata's intrinsic cost (EIP-2028), as for a
# transaction that calls the verifier directly.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
MODEL="${MODEL:-$ROOT/fixtures/digits_mlp}"
WORK="${WORK:-/tmp/verinfer-evm-bench}"
OUT="${OUT:-$HERE/results.md}"
VERINFER="${VERINFER:-$ROOT/target/release/verinfer}"
EZKL_VENV="${EZKL_VENV:-/tmp/ezkl-venv}"
BENCH=evm-bench
# shellcheck source=../lib.sh
. "$ROOT/benches/lib.sh"
[ -x "$VERINFER" ] || die "no verinfer binary at '$VERINFER' (cargo build --release -p verinfer, or set VERINFER)"
TOOLS="${VERINFER_NPM_TOOLS:-$("$ROOT/scripts/install-npm.sh")}"

rm -rf "$WORK" && mkdir -p "$WORK"
ROWS=()

# row TOOL STATEMENT INPUTS CONTRACT_NAME SOL CALLDATA
row() {
    local tool="$1" statement="$2" inputs="$3" name="$4" sol="$5" calldata="$6" report
    report="$(node "$TOOLS/evm-verify.mjs" --contract "$name" "$sol" "$calldata")"
    log "$tool ($statement): $report"
    ROWS+=("$(node -e '
        const r = JSON.parse(process.argv[1]); const c = r.calls[0];
        if (c.result !== true) { console.error("the proof was not accepted: " + JSON.stringify(c)); process.exit(1); }
        const n = (x) => x.toLocaleString("en-US");
        console.log(`| ${process.argv[2]} | ${process.argv[3]} | ${process.argv[4]} | ${n(r.contract.bytecode_bytes)} | ${n(r.contract.deploy_gas)} | ${n(c.execution_gas)} | ${n(c.transaction_gas)} |`);
    ' "$report" "$tool" "$statement" "$inputs")")
}

for mode in tensor commitment; do
    dir="$WORK/verinfer-$mode"
    flags=()
    [ "$mode" = commitment ] && flags=(--commit-output)
    "$VERINFER" compile "$MODEL/model.onnx" --calibration "$MODEL/calibration.json" "${flags[@]}" -o "$dir/build" >/dev/null
    "$VERINFER" setup --insecure-deterministic-seed 1 "$dir/build" >/dev/null
    "$VERINFER" prove "$dir/build" --input "$MODEL/input.json" -o "$dir/proof.json" >/dev/null
    "$VERINFER" export solidity "$dir/build" -o "$dir/Verifier.sol" >/dev/null
    "$VERINFER" export snarkjs "$dir/build" "$dir/proof.json" -o "$dir/sj" >/dev/null
    node "$TOOLS/snarkjs-verifier.mjs" "$dir/sj/verification_key.json" >"$dir/Groth16Verifier.sol"
    "$VERINFER" --json export calldata "$dir/proof.json" >"$dir/calldata.json"
    n="$(node -e 'console.log(JSON.parse(require("fs").readFileSync(process.argv[1])).input.length)' "$dir/calldata.json")"
    what="input committed, output $([ "$mode" = tensor ] && echo "logits public" || echo "committed")"
    row "verinfer (export solidity)" "$what" "$n" VerinferVerifier "$dir/Verifier.sol" "$dir/calldata.json"
    row "snarkjs 0.7.6 template, same key" "$what" "$n" Groth16Verifier "$dir/Groth16Verifier.sol" "$dir/calldata.json"
done

if [ "${SKIP_EZKL:-0}" != 1 ]; then
    if [ ! -x "$EZKL_VENV/bin/python" ]; then
        python3 -m venv "$EZKL_VENV" && "$EZKL_VENV/bin/pip" install --quiet ezkl==23.0.5
    fi
    ez="$WORK/ezkl"
    step() { "$EZKL_VENV/bin/python" "$ROOT/benches/ezkl/ezkl_step.py" "$@"; }
    step prepare "$MODEL/model.onnx" "$MODEL/calibration.json" "$ez" >"$ez.settings.json"
    step setup "$ez"
    step witness "$ez" "$MODEL/input.json" "$ez/witness.json"
    step prove "$ez" "$ez/witness.json" "$ez/proof.json"
    step evm "$ez" "$ez/proof.json" "$ez/evm" 2>/dev/null
    n="$(node -e 'const p = JSON.parse(require("fs").readFileSync(process.argv[1])); console.log(p.instances.flat().length)' "$ez/proof.json")"
    row "EZKL 23.0.5 (create_evm_verifier)" "input and output public (defaults)" "$n" Halo2Verifier "$ez/evm/Verifier.sol" "$ez/evm/calldata.json"
fi

{
    echo "# EVM verification gas ($(basename "$MODEL"), $(date -u +%Y-%m-%d))"
    echo
    echo "Written by \`benches/evm/run.sh\`: solc 0.8.37 with the optimizer (200 runs), @ethereumjs/evm"
    echo "10.1.3 (Prague rules), one valid proof each. Execution gas is the verifier call's own; transaction"
    echo "gas adds the 21,000 base and the calldata (EIP-2028)."
    echo
    echo "| verifier | statement | public inputs | bytecode (B) | deploy gas | verify gas (execution) | verify gas (transaction) |"
    echo "| --- | --- | ---: | ---: | ---: | ---: | ---: |"
    printf '%s\n' "${ROWS[@]}"
} >"$OUT"
cat "$OUT"
