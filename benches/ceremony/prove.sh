#!/usr/bin/env bash
# verinfer's prover against snarkjs 0.7.6 `groth16 prove` with the same zkey and the same witness
# (issue 16), in the same run. Not part of the test command.
#
#   benches/ceremony/prove.sh                  # writes benches/ceremony/prove-results.md
#
# Environment (all optional):
#   WORK      work folder (default /tmp/verinfer-prove-bench)
#   REPEAT    runs per tool; the table shows medians (default 3)
#   MODELS    model folders with model.onnx, input.json (and calibration.json): names under
#             benches/ezkl/models/ or fixtures/ (default "mlp784 cnn28")
#   OUT       the markdown table (default benches/ceremony/prove-results.md)
#   SNARKJS   the snarkjs 0.7.6 binary (default: scripts/install-snarkjs.sh)
#   VERINFER, TEST_PTAU  the binaries (default target/release/verinfer and target/release/test_ptau;
#             copied to WORK first; this script never runs cargo)
#
# Per model, once: verinfer compile, export r1cs, an INSECURE test ptau of the power both tools
# accept (benches/src/bin/test_ptau.rs), ceremony init (the 0000 zkey), one contribution, ceremony
# finalize (the zkey's keys into the build directory, as VIPK and VIVK), export wtns (the witness of
# input.json with a fixed salt and seed). Then REPEAT times, interleaved, under /usr/bin/time:
#   snarkjs groth16 prove ZKEY WTNS proof.json public.json
#   verinfer prove BUILD --input input.json --salt S --seed E -o proof.json
# Checks: snarkjs verifies its proof, verinfer verifies its own, both state the same public inputs.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
WORK="${WORK:-/tmp/verinfer-prove-bench}"
REPEAT="${REPEAT:-3}"
MODELS="${MODELS:-mlp784 cnn28}"
OUT="${OUT:-$HERE/prove-results.md}"
SALT=2a
SEED=1111111111111111111111111111111111111111111111111111111111111111

BENCH=prove-bench
# shellcheck source=../lib.sh
. "$ROOT/benches/lib.sh"
need_gnu_time
need_snarkjs
mkdir -p "$WORK/bin" "$WORK/logs" "$WORK/ptau"
for b in "${VERINFER:-$ROOT/target/release/verinfer}" "${TEST_PTAU:-$ROOT/target/release/test_ptau}"; do
    [ -x "$b" ] || die "missing $b (cargo build --release -p verinfer; cargo build --release -p verinfer-benches --bin test_ptau)"
    cp "$b" "$WORK/bin/"
done
VERINFER="$WORK/bin/$(basename "${VERINFER:-verinfer}")"
TEST_PTAU="$WORK/bin/$(basename "${TEST_PTAU:-test_ptau}")"

RAW="$WORK/raw.tsv"
printf 'model\tstep\ttool\trep\twall_s\tuser_s\tsys_s\tmaxrss_kb\n' >"$RAW"
{
    echo "- date: $(date -u '+%Y-%m-%d %H:%M UTC')"
    echo "- machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//'), load $(cut -d' ' -f1-3 /proc/loadavg) at the start"
    echo "- $("$VERINFER" --version) at $(cd "$ROOT" && git rev-parse --short HEAD 2>/dev/null || echo '?'); snarkjs $("$SNARKJS" --version 2>&1 | grep -o 'snarkjs@[0-9.]*' | head -1), $(node --version)"
} >"$WORK/meta.md"

timed() { # MODEL STEP TOOL REP -- command...
    local model="$1" step="$2" tool="$3" rep="$4"
    shift 5
    local t="$WORK/logs/$model.$step.$tool.$rep.time" o="$WORK/logs/$model.$step.$tool.$rep.log"
    /usr/bin/time -f '%e\t%U\t%S\t%M' -o "$t" "$@" >"$o" 2>&1 || { tail -20 "$o" >&2; die "$model $step $tool failed: $*"; }
    printf '%s\t%s\t%s\t%s\t%s\n' "$model" "$step" "$tool" "$rep" "$(tail -1 "$t")" >>"$RAW"
    log "$model $step $tool #$rep: $(tail -1 "$t" | cut -f1) s wall"
}

model_dir() {
    for d in "$1" "$ROOT/benches/ezkl/models/$1" "$ROOT/fixtures/$1"; do
        [ -d "$d" ] && { (cd "$d" && pwd); return; }
    done
    die "no model folder '$1'"
}

for name in $MODELS; do
    src="$(model_dir "$name")"
    model="$(basename "$src")"
    d="$WORK/$model"
    build="$d/build"
    rm -rf "$d"
    mkdir -p "$d"
    cal="$src/calibration.json"
    [ -f "$cal" ] || cal="$src/input.json"
    log "$model: compile, export r1cs, ptau, ceremony (init, one contribution, finalize), export wtns"
    "$VERINFER" compile "$src/model.onnx" --calibration "$cal" -o "$build" >"$WORK/logs/$model.compile.log"
    "$VERINFER" --json export r1cs "$build" -o "$d/m.r1cs" >"$WORK/logs/$model.r1cs.json"
    n="$(python3 -c 'import json, sys; v = json.load(open(sys.argv[1])); print(v["constraints"] + v["public_inputs"])' "$WORK/logs/$model.r1cs.json")"
    power=1
    while [ $((1 << power)) -le "$n" ]; do power=$((power + 1)); done
    [ $(((1 << power) - 1)) -gt 16384 ] && power=$((power + 1)) # see benches/ceremony/run.sh
    ptau="$WORK/ptau/test$power.ptau"
    [ -s "$ptau" ] || "$TEST_PTAU" --power "$power" -o "$ptau" 2>"$WORK/logs/test_ptau.$power.log"
    "$VERINFER" ceremony init "$build" --ptau "$ptau" -o "$d/0000.zkey" >"$WORK/logs/$model.init.log" 2>&1
    "$VERINFER" ceremony contribute "$d/0000.zkey" "$d/final.zkey" --name bench --entropy "bench entropy" \
        >"$WORK/logs/$model.contribute.log" 2>&1
    "$VERINFER" ceremony finalize "$d/final.zkey" "$build" --ptau "$ptau" >"$WORK/logs/$model.finalize.log" 2>&1
    "$VERINFER" export wtns "$build" --input "$src/input.json" --salt "$SALT" --seed "$SEED" -o "$d/w.wtns" \
        >"$WORK/logs/$model.wtns.log"
    "$SNARKJS" zkey export verificationkey "$d/final.zkey" "$d/vk.json" >/dev/null
    for rep in $(seq 1 "$REPEAT"); do
        timed "$model" prove snarkjs "$rep" -- "$SNARKJS" groth16 prove "$d/final.zkey" "$d/w.wtns" \
            "$d/snarkjs.proof.json" "$d/snarkjs.public.json"
        timed "$model" prove verinfer "$rep" -- "$VERINFER" prove "$build" --input "$src/input.json" \
            --salt "$SALT" --seed "$SEED" -o "$d/verinfer.proof.json"
    done
    "$SNARKJS" groth16 verify "$d/vk.json" "$d/snarkjs.public.json" "$d/snarkjs.proof.json" \
        >"$WORK/logs/$model.snarkjs-verify.log" 2>&1 && s_ok=ok || s_ok=FAILED
    "$VERINFER" verify "$build" "$d/verinfer.proof.json" >"$WORK/logs/$model.verinfer-verify.log" 2>&1 && v_ok=ok || v_ok=FAILED
    "$VERINFER" export snarkjs "$build" "$d/verinfer.proof.json" -o "$d/ours" >/dev/null
    cmp -s <(python3 -m json.tool "$d/snarkjs.public.json") <(python3 -m json.tool "$d/ours/public.json") && same=ok || same=FAILED
    echo "- $model: $(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["constraints"])' "$WORK/logs/$model.r1cs.json") constraints, ptau 2^$power; snarkjs verifies its proof: $s_ok; verinfer verifies its proof: $v_ok; same public inputs: $same" >>"$WORK/meta.md"
done

python3 - "$RAW" "$WORK/meta.md" >"$OUT" <<'EOF'
import csv, statistics, sys
from collections import defaultdict
runs = defaultdict(list)
for r in csv.DictReader(open(sys.argv[1]), delimiter="\t"):
    runs[(r["model"], r["tool"])].append((float(r["wall_s"]), float(r["user_s"]) + float(r["sys_s"]), int(r["maxrss_kb"])))
print("# verinfer prove vs snarkjs 0.7.6 groth16 prove: same zkey, same witness\n")
print("Written by `benches/ceremony/prove.sh` (its header says what runs). Medians; ratio = snarkjs / verinfer.\n")
print(open(sys.argv[2]).read())
print("| model | snarkjs wall s | verinfer wall s | wall ratio | snarkjs CPU s | verinfer CPU s | CPU ratio | snarkjs MiB | verinfer MiB |")
print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
for model in dict.fromkeys(m for m, _ in runs):
    s, v = runs[(model, "snarkjs")], runs[(model, "verinfer")]
    m = lambda xs, i: statistics.median(x[i] for x in xs)
    print(f"| {model} | {m(s, 0):.2f} | {m(v, 0):.2f} | {m(s, 0) / m(v, 0):.1f}x | {m(s, 1):.2f} | {m(v, 1):.2f} | "
          f"{m(s, 1) / m(v, 1):.1f}x | {m(s, 2) / 1024:.0f} | {m(v, 2) / 1024:.0f} |")
print("\nEvery run (wall s): " + "; ".join(f"{m} {t}: " + ", ".join(f"{x[0]:.2f}" for x in xs) for (m, t), xs in runs.items()))
EOF
log "wrote $OUT"
