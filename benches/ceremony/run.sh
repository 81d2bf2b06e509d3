#!/usr/bin/env bash
# Side-by-side benchmark of verinfer's Groth16 phase-2 ceremony against snarkjs 0.7.6, on the same
# files in the same run (see README.md):
#
#   benches/ceremony/run.sh                      # writes benches/ceremony/results.md
#
# Environment (all optional):
#   WORK      work folder: build dirs, .r1cs, cached test .ptau, zkeys, logs
#             (default /tmp/verinfer-ceremony-bench)
#   REPEAT    runs per tool and step; the table shows medians (default 3)
#   MODELS    fixtures to run (default "digits_mlp digits_cnn digits_transformer")
#   MAX_POWER models whose domain (2^k >= constraints + public inputs + 1) is larger than
#             2^MAX_POWER are skipped (default 18)
#   OUT       the markdown table (default benches/ceremony/results.md)
#   SNARKJS   the snarkjs 0.7.6 binary (default: scripts/install-snarkjs.sh)
#   NO_BUILD  set to 1 to use the existing target/release binaries without `cargo build`
#
# Per model: `verinfer compile` the fixture, `verinfer export r1cs`, a cached INSECURE test ptau of
# the power both tools accept (benches/src/bin/test_ptau.rs; the domain's power, plus one above
# 2^14, see below), then, each step REPEAT times with the
# tools interleaved, timed by /usr/bin/time (wall, user+sys CPU, max RSS):
#   setup      verinfer ceremony init        | snarkjs groth16 setup       (outputs must be identical)
#   contribute verinfer ceremony contribute  | snarkjs zkey contribute     (same input: the 0000 zkey)
#   beacon     verinfer ceremony beacon      | snarkjs zkey beacon         (outputs must be identical)
#   verify     verinfer ceremony verify      | snarkjs zkey verify         (the same final zkey)
# The final zkey alternates tools: 0000 (verinfer init) -> contribution 1 (snarkjs) ->
# contribution 2 (verinfer) -> beacon (snarkjs; verinfer's beacon output must equal it).
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
WORK="${WORK:-/tmp/verinfer-ceremony-bench}"
REPEAT="${REPEAT:-3}"
MODELS="${MODELS:-digits_mlp digits_cnn digits_transformer}"
MAX_POWER="${MAX_POWER:-18}"
OUT="${OUT:-$HERE/results.md}"
BEACON_HEX=0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f
BEACON_EXP=10
BEACON_NAME="bench beacon"

BENCH=ceremony-bench
# shellcheck source=../lib.sh
. "$ROOT/benches/lib.sh"
need_gnu_time
need_snarkjs
SNARKJS_VERSION="$("$SNARKJS" --version 2>&1 | grep -o 'snarkjs@[0-9.]*' | head -1 || true)"
[ "$SNARKJS_VERSION" = "snarkjs@0.7.6" ] || die "need snarkjs@0.7.6, '$SNARKJS' is '$SNARKJS_VERSION'"

if [ "${NO_BUILD:-0}" != 1 ]; then
    log "cargo build --release (verinfer, test_ptau)"
    (cd "$ROOT" && cargo build --release -p verinfer --bin verinfer && cargo build --release -p verinfer-benches --bin test_ptau) >&2
fi
[ -x "$ROOT/target/release/verinfer" ] && [ -x "$ROOT/target/release/test_ptau" ] ||
    die "missing target/release/verinfer or test_ptau (build them or unset NO_BUILD)"
# Copies, so that a rebuild of target/ by someone else during the run does not swap the binary.
mkdir -p "$WORK/bin" "$WORK/ptau" "$WORK/logs"
cp "$ROOT/target/release/verinfer" "$ROOT/target/release/test_ptau" "$WORK/bin/"
VERINFER="$WORK/bin/verinfer"
TEST_PTAU="$WORK/bin/test_ptau"

RAW="$WORK/raw.tsv"
META="$WORK/meta.tsv"
printf 'model\tstep\ttool\trep\twall_s\tuser_s\tsys_s\tmaxrss_kb\n' >"$RAW"
: >"$META"
meta() { # key value...
    local k="$1"
    shift
    printf '%s\t%s\n' "$k" "$*" >>"$META"
}

meta date "$(date -u '+%Y-%m-%d %H:%M UTC')"
meta nproc "$(nproc)"
meta cpu "$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
meta mem "$(awk '/MemTotal/ {printf "%.1f GiB", $2 / 1048576}' /proc/meminfo)"
meta load_start "$(cut -d' ' -f1-3 /proc/loadavg)"
meta snarkjs "$SNARKJS_VERSION (node $(node --version))"
meta verinfer "$("$VERINFER" --version) at $(cd "$ROOT" && git rev-parse --short HEAD)$(cd "$ROOT" &&
    [ -n "$(git status --porcelain -- ceremony prover)" ] && echo ' (ceremony/ or prover/ modified in the work tree)' || true)"
meta repeat "$REPEAT"

# timed MODEL STEP TOOL REP -- command...: runs the command under /usr/bin/time, appends a row to
# raw.tsv, keeps its output in logs/; fails the script if the command fails.
timed() {
    local model="$1" step="$2" tool="$3" rep="$4"
    shift 5
    local t="$WORK/logs/$model.$step.$tool.$rep.time" o="$WORK/logs/$model.$step.$tool.$rep.log"
    if ! /usr/bin/time -f '%e\t%U\t%S\t%M' -o "$t" "$@" >"$o" 2>&1; then
        tail -20 "$o" >&2
        die "$model $step $tool (run $rep) failed: $*"
    fi
    printf '%s\t%s\t%s\t%s\t%s\n' "$model" "$step" "$tool" "$rep" "$(tail -1 "$t")" >>"$RAW"
    log "$model $step $tool #$rep: $(tail -1 "$t" | awk -F'\t' '{printf "wall %ss, cpu %.2fs, rss %d MB", $1, $2 + $3, $4 / 1024}')"
}

# snarkjs's power for a circuit (zkey_new.js): floor(log2(constraints + public inputs)) + 1.
power_for() {
    local v="$1" p=0
    while [ $((v >> 1)) -gt 0 ]; do
        v=$((v >> 1))
        p=$((p + 1))
    done
    echo $((p + 1))
}

json_field() { # FILE FIELD
    python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$1" "$2"
}

for model in $MODELS; do
    onnx="$ROOT/fixtures/$model/model.onnx"
    [ -f "$onnx" ] || die "no fixture $onnx"
    build="$WORK/build-$model"
    r1cs="$WORK/$model.r1cs"
    log "$model: compile, export r1cs"
    "$VERINFER" --json compile "$onnx" -o "$build" >"$WORK/logs/$model.compile.json"
    "$VERINFER" --json export r1cs "$build" -o "$r1cs" >"$WORK/logs/$model.r1cs.json"
    constraints="$(json_field "$WORK/logs/$model.r1cs.json" constraints)"
    public="$(json_field "$WORK/logs/$model.r1cs.json" public_inputs)"
    wires="$(json_field "$WORK/logs/$model.r1cs.json" wires)"
    domain="$(power_for $((constraints + public)))"
    # verinfer refuses a ptau of exactly the domain's power above 2^14 points (snarkjs's circuit
    # hash then reads one point past the ptau's tauG1 section: ceremony/src/phase2.rs check_fits),
    # so both tools get the power verinfer accepts.
    power="$domain"
    [ $(((1 << domain) - 1)) -gt 16384 ] && power=$((domain + 1))
    meta "model" "$model	$constraints	$public	$wires	$domain	$power	$(stat -c %s "$r1cs")"
    if [ "$domain" -gt "$MAX_POWER" ]; then
        log "$model: domain 2^$domain > 2^MAX_POWER=2^$MAX_POWER, skipped"
        meta skipped "$model	its domain 2^$domain is larger than 2^$MAX_POWER"
        continue
    fi
    ptau="$WORK/ptau/test$power.ptau"
    if [ ! -s "$ptau" ]; then
        log "$model: INSECURE test ptau of power $power (cached in $ptau)"
        "$TEST_PTAU" --power "$power" -o "$ptau.tmp" 2>"$WORK/logs/test_ptau.$power.log"
        mv "$ptau.tmp" "$ptau"
    fi
    meta ptau "$model	$power	$(stat -c %s "$ptau")"
    d="$WORK/$model"
    rm -rf "$d"
    mkdir -p "$d"

    for rep in $(seq 1 "$REPEAT"); do
        timed "$model" setup verinfer "$rep" -- "$VERINFER" ceremony init "$build" --ptau "$ptau" -o "$d/0000.verinfer.zkey"
        timed "$model" setup snarkjs "$rep" -- "$SNARKJS" groth16 setup "$r1cs" "$ptau" "$d/0000.snarkjs.zkey"
    done
    if cmp -s "$d/0000.verinfer.zkey" "$d/0000.snarkjs.zkey"; then
        meta check "$model	setup: verinfer init and snarkjs groth16 setup wrote identical zkeys	ok"
    else
        meta check "$model	setup: verinfer init and snarkjs groth16 setup wrote identical zkeys	FAILED"
    fi

    for rep in $(seq 1 "$REPEAT"); do
        timed "$model" contribute verinfer "$rep" -- "$VERINFER" ceremony contribute "$d/0000.verinfer.zkey" \
            "$d/c1.verinfer.zkey" --name "bench verinfer $rep" --entropy "bench entropy verinfer $rep"
        timed "$model" contribute snarkjs "$rep" -- "$SNARKJS" zkey contribute "$d/0000.verinfer.zkey" \
            "$d/c1.snarkjs.zkey" --name="bench snarkjs $rep" -e="bench entropy snarkjs $rep"
    done
    # The ceremony: contribution 1 by snarkjs (the last timed run), contribution 2 by verinfer.
    "$VERINFER" ceremony contribute "$d/c1.snarkjs.zkey" "$d/c2.zkey" --name "bench verinfer 2" \
        --entropy "bench entropy 2" >"$WORK/logs/$model.c2.log" 2>&1 || die "$model: second contribution failed"

    for rep in $(seq 1 "$REPEAT"); do
        timed "$model" beacon verinfer "$rep" -- "$VERINFER" ceremony beacon "$d/c2.zkey" "$d/final.verinfer.zkey" \
            --beacon "$BEACON_HEX" --iterations "$BEACON_EXP" --name "$BEACON_NAME"
        timed "$model" beacon snarkjs "$rep" -- "$SNARKJS" zkey beacon "$d/c2.zkey" "$d/final.zkey" \
            "$BEACON_HEX" "$BEACON_EXP" -n="$BEACON_NAME"
    done
    if cmp -s "$d/final.verinfer.zkey" "$d/final.zkey"; then
        meta check "$model	beacon: verinfer and snarkjs wrote identical zkeys	ok"
    else
        meta check "$model	beacon: verinfer and snarkjs wrote identical zkeys	FAILED"
    fi

    for rep in $(seq 1 "$REPEAT"); do
        timed "$model" verify verinfer "$rep" -- "$VERINFER" ceremony verify "$d/final.zkey" --ptau "$ptau" "$build"
        timed "$model" verify snarkjs "$rep" -- "$SNARKJS" zkey verify "$r1cs" "$ptau" "$d/final.zkey"
    done
    for tool in verinfer snarkjs; do
        ok=FAILED
        grep -q 'ZKey Ok!' "$WORK/logs/$model.verify.$tool.$REPEAT.log" && ok=ok
        meta check "$model	verify: $tool accepts the final zkey (2 contributions + beacon)	$ok"
    done
    meta sizes "$model	$(stat -c %s "$d/0000.verinfer.zkey")	$(stat -c %s "$d/c1.verinfer.zkey")	$(stat -c %s "$d/c1.snarkjs.zkey")	$(stat -c %s "$d/final.zkey")"
done

meta load_end "$(cut -d' ' -f1-3 /proc/loadavg)"
python3 "$HERE/summarize.py" "$RAW" "$META" >"$OUT"
log "wrote $OUT"
