#!/usr/bin/env bash
# Side-by-side benchmark of verinfer against EZKL 23.0.5 on the same ONNX files, in the same run
# (issue 16). Not part of the test command.
#
#   python benches/ezkl/make_models.py     # once: benches/ezkl/models/{mlp784,cnn28} (committed)
#   benches/ezkl/run.sh                    # writes benches/ezkl/results.md
#
# Environment (all optional):
#   REPEAT    runs per tool and step; the table shows medians (default 3)
#   MODELS    model folders to run, each with model.onnx, input.json, calibration.json: names under
#             benches/ezkl/models/ or fixtures/, or paths (default "mlp784 cnn28")
#   WORK      work folder: build dirs, EZKL settings/keys/SRS, proofs, logs (default /tmp/verinfer-ezkl-bench)
#   OUT       the markdown table (default benches/ezkl/results.md)
#   VERINFER  the verinfer binary (default target/release/verinfer; copied to WORK first, so that a
#             rebuild during the run does not swap it; this script never runs cargo)
#   EZKL_VENV a venv with ezkl==23.0.5 (default /tmp/ezkl-venv; created with pip if missing)
#   BATCH     inputs in the throughput run of `prove --batch` (default 20)
#
# Per model, once and timed separately (not in the ratios):
#   verinfer: verinfer compile MODEL --calibration CAL -o DIR
#   EZKL:     ezkl_step.py prepare = gen_settings (defaults) + calibrate_settings (target "resources")
#             + compile_circuit + gen_srs (a local SRS of the settings' logrows, made offline: EZKL is
#             never asked to download one; every setup/prove/verify gets srs_path). The prepared
#             folder is reused while model.onnx and calibration.json keep their SHA-256.
# then each step REPEAT times with the tools interleaved (verinfer, EZKL, verinfer, EZKL, ...),
# each step its own process under /usr/bin/time (user+sys CPU, max RSS; wall by date +%s%N, ms):
#   setup    verinfer setup DIR                      | ezkl.setup(compiled, vk, pk, srs_path)
#   witness  (inside verinfer prove)                 | ezkl.gen_witness(input, compiled, witness)
#   prove    verinfer prove DIR --input IN -o PROOF  | ezkl.prove(witness, compiled, pk, proof, srs_path)
#   verify   verinfer verify DIR PROOF               | ezkl.verify(proof, settings, vk, srs_path)
# verinfer prove includes its witness computation; the table also gives EZKL witness + prove.
# Then, verinfer only: REPEAT runs of `prove --timings --json` with --threads 1 and with every core
# (where the time goes, the MSM+FFT floor, the scaling), and `prove --batch` of BATCH inputs with
# --jobs 1 and one job per core (proofs a minute; EZKL's is 60 s over its witness + prove).
# Each EZKL step includes the start-up of Python and `import ezkl` (measured as the step "noop").
#
# Visibility, i.e. what each proof states: EZKL's defaults: input public (the 784 values are
# instances of the proof), output public, parameters fixed (baked into the circuit);
# verinfer's defaults: the input is private behind a Poseidon commitment carried by the proof, the
# output (logits and argmax) public, weights fixed in the circuit (their hash is public).
# Both prove the same ONNX file; each quantizes it its own way (EZKL's calibrated scale vs
# verinfer's 16-bit activations), so the circuits differ: that is what is being compared.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
REPEAT="${REPEAT:-3}"
BATCH="${BATCH:-20}"
MODELS="${MODELS:-mlp784 cnn28}"
WORK="${WORK:-/tmp/verinfer-ezkl-bench}"
OUT="${OUT:-$HERE/results.md}"
VERINFER_SRC="${VERINFER:-$ROOT/target/release/verinfer}"
EZKL_VENV="${EZKL_VENV:-/tmp/ezkl-venv}"
EZKL_VERSION=23.0.5

BENCH=ezkl-bench
# shellcheck source=../lib.sh
. "$ROOT/benches/lib.sh"
need_gnu_time
[ -x "$VERINFER_SRC" ] || die "no verinfer binary at '$VERINFER_SRC' (cargo build --release -p verinfer, or set VERINFER)"
if [ ! -x "$EZKL_VENV/bin/python" ]; then
    log "creating $EZKL_VENV with ezkl==$EZKL_VERSION from PyPI"
    python3 -m venv "$EZKL_VENV"
    "$EZKL_VENV/bin/pip" install -q "ezkl==$EZKL_VERSION"
fi
PY="$EZKL_VENV/bin/python"
got="$("$PY" -c 'import ezkl; print(ezkl.__version__)')" || die "cannot import ezkl from $EZKL_VENV"
[ "$got" = "$EZKL_VERSION" ] || die "need ezkl $EZKL_VERSION, $EZKL_VENV has $got"
STEP="$HERE/ezkl_step.py"

mkdir -p "$WORK/bin" "$WORK/logs"
cp "$VERINFER_SRC" "$WORK/bin/verinfer"
VERINFER="$WORK/bin/verinfer"

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
meta ezkl "ezkl $got (PyPI), $("$PY" --version 2>&1)"
meta verinfer "$("$VERINFER" --version) at $(cd "$ROOT" && git rev-parse --short HEAD 2>/dev/null || echo '?')"
meta repeat "$REPEAT"

# timed MODEL STEP TOOL REP -- command...: runs the command under /usr/bin/time, appends a row to
# raw.tsv, keeps its output in logs/; fails the script if the command fails.
timed() {
    local model="$1" step="$2" tool="$3" rep="$4"
    shift 5
    local t="$WORK/logs/$model.$step.$tool.$rep.time" o="$WORK/logs/$model.$step.$tool.$rep.log"
    local start end
    start=$(date +%s%N)
    if ! /usr/bin/time -f '%e\t%U\t%S\t%M' -o "$t" "$@" >"$o" 2>&1; then
        tail -20 "$o" >&2
        die "$model $step $tool (run $rep) failed: $*"
    fi
    end=$(date +%s%N)
    # Wall time to the millisecond (GNU time's %e has 10 ms steps: a fifth of a 50 ms proof).
    local wall
    wall=$(awk -v ns=$((end - start)) 'BEGIN { printf "%.3f", ns / 1e9 }')
    tail -1 "$t" | awk -F'\t' -v OFS='\t' -v w="$wall" '{ $1 = w; print }' >"$t.ms"
    printf '%s\t%s\t%s\t%s\t%s\n' "$model" "$step" "$tool" "$rep" "$(cat "$t.ms")" >>"$RAW"
    log "$model $step $tool #$rep: $(cat "$t.ms" | awk -F'\t' '{printf "wall %ss, cpu %.2fs, rss %d MB", $1, $2 + $3, $4 / 1024}')"
}

model_dir() {
    if [ -d "$1" ]; then
        (cd "$1" && pwd)
    elif [ -d "$HERE/models/$1" ]; then
        echo "$HERE/models/$1"
    elif [ -d "$ROOT/fixtures/$1" ]; then
        echo "$ROOT/fixtures/$1"
    else
        die "no model folder '$1' (benches/ezkl/models/, fixtures/ or a path)"
    fi
}

# The Python start-up + `import ezkl` that every EZKL step pays.
for rep in $(seq 1 "$REPEAT"); do
    timed _ noop ezkl "$rep" -- "$PY" "$STEP" noop
done

for name in $MODELS; do
    src="$(model_dir "$name")"
    model="$(basename "$src")"
    onnx="$src/model.onnx"
    input="$src/input.json"
    cal="$src/calibration.json"
    [ -f "$cal" ] || cal="$input"
    for f in "$onnx" "$input"; do [ -f "$f" ] || die "missing $f"; done
    vdir="$WORK/$model/verinfer"
    edir="$WORK/$model/ezkl"
    mkdir -p "$vdir" "$edir" "$WORK/$model/proofs"

    log "$model: verinfer compile"
    rm -rf "$vdir/build"
    timed "$model" prepare verinfer 1 -- "$VERINFER" compile "$onnx" --calibration "$cal" -o "$vdir/build"
    constraints="$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["constraints"])' "$vdir/build/report.json")"

    key="$(cat "$onnx" "$cal" | sha256sum | cut -c1-64)"
    if [ -s "$edir/network.compiled" ] && [ -s "$edir/kzg.srs" ] && [ "$(cat "$edir/source.sha256" 2>/dev/null)" = "$key" ]; then
        log "$model: EZKL prepare reused from $edir (same model and calibration)"
        meta prepared_cached "$model"
        # The time of the run that prepared it, so the one-off table stays filled.
        [ -s "$edir/prepare.time" ] && printf '%s\t%s\t%s\t%s\t%s\n' "$model" prepare ezkl 1 "$(tail -1 "$edir/prepare.time")" >>"$RAW"
    else
        log "$model: EZKL prepare (gen_settings, calibrate_settings, compile_circuit, gen_srs)"
        rm -rf "$edir"
        mkdir -p "$edir"
        timed "$model" prepare ezkl 1 -- "$PY" "$STEP" prepare "$onnx" "$cal" "$edir"
        tail -1 "$WORK/logs/$model.prepare.ezkl.1.log" >"$edir/prepare.json"
        cp "$WORK/logs/$model.prepare.ezkl.1.time" "$edir/prepare.time"
        echo "$key" >"$edir/source.sha256"
    fi
    meta ezkl_settings "$model	$(cat "$edir/prepare.json")"

    for rep in $(seq 1 "$REPEAT"); do
        timed "$model" setup verinfer "$rep" -- "$VERINFER" setup "$vdir/build"
        timed "$model" setup ezkl "$rep" -- "$PY" "$STEP" setup "$edir"
    done
    for rep in $(seq 1 "$REPEAT"); do
        vp="$WORK/$model/proofs/verinfer.$rep.json"
        ew="$WORK/$model/proofs/ezkl.witness.$rep.json"
        ep="$WORK/$model/proofs/ezkl.$rep.json"
        timed "$model" prove verinfer "$rep" -- "$VERINFER" prove "$vdir/build" --input "$input" -o "$vp"
        timed "$model" witness ezkl "$rep" -- "$PY" "$STEP" witness "$edir" "$input" "$ew"
        timed "$model" prove ezkl "$rep" -- "$PY" "$STEP" prove "$edir" "$ew" "$ep"
    done
    for rep in $(seq 1 "$REPEAT"); do
        timed "$model" verify verinfer "$rep" -- "$VERINFER" verify "$vdir/build" "$WORK/$model/proofs/verinfer.$rep.json"
        timed "$model" verify ezkl "$rep" -- "$PY" "$STEP" verify "$edir" "$WORK/$model/proofs/ezkl.$rep.json"
    done

    # Where verinfer's proof time goes (prove --timings: its MSM and FFT phases are the floor) and
    # how it scales: 1 thread against every core.
    for rep in $(seq 1 "$REPEAT"); do
        for threads in 1 "$(nproc)"; do
            timed "$model" "prove_t$threads" verinfer "$rep" -- "$VERINFER" --threads "$threads" --json prove \
                "$vdir/build" --input "$input" -o "$WORK/$model/proofs/timed.json" --timings
            meta timings "$model	$threads	$(python3 -c 'import json, sys; v = json.load(open(sys.argv[1])); print(json.dumps(dict(v["timings"], wall=v["timings_wall"])))' \
                "$WORK/logs/$model.prove_t$threads.verinfer.$rep.log")"
        done
    done
    # Throughput: BATCH inputs (the calibration samples, cycled) in one `prove --batch`, one proof at
    # a time and one per core.
    python3 -c 'import json, sys
rows = json.load(open(sys.argv[1]))["input_data"]
print("\n".join(json.dumps({"input_data": [rows[i % len(rows)]]}) for i in range(int(sys.argv[2]))))' \
        "$cal" "$BATCH" >"$WORK/$model/batch.jsonl"
    for jobs in 1 "$(nproc)"; do
        rm -rf "$WORK/$model/batch.$jobs"
        timed "$model" "batch_j$jobs" verinfer 1 -- "$VERINFER" --json prove "$vdir/build" \
            --batch "$WORK/$model/batch.jsonl" --jobs "$jobs" -o "$WORK/$model/batch.$jobs"
        meta throughput "$model	$jobs	$(python3 -c 'import json, sys; v = json.load(open(sys.argv[1])); print(v["proved"], v["seconds"], v["proofs_per_minute"], sep="\t")' \
            "$WORK/logs/$model.batch_j$jobs.verinfer.1.log")"
    done

    vp="$WORK/$model/proofs/verinfer.$REPEAT.json"
    ep="$WORK/$model/proofs/ezkl.$REPEAT.json"
    # Raw proof bytes: verinfer's "proof" field (hex), EZKL's "proof" field (byte list).
    vraw="$(python3 -c 'import json, sys; print(len(json.load(open(sys.argv[1]))["proof"]) // 2)' "$vp")"
    eraw="$(python3 -c 'import json, sys; print(len(json.load(open(sys.argv[1]))["proof"]))' "$ep")"
    meta sizes "$model	verinfer	$constraints	$vraw	$(stat -c %s "$vp")	$(stat -c %s "$vdir/build/proving.key")	$(stat -c %s "$vdir/build/verifying.key")	$(stat -c %s "$vdir/build/model.compiled")"
    meta sizes "$model	ezkl	$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["num_rows"])' "$edir/prepare.json")	$eraw	$(stat -c %s "$ep")	$(stat -c %s "$edir/pk.key")	$(stat -c %s "$edir/vk.key")	$(stat -c %s "$edir/network.compiled")	$(stat -c %s "$edir/kzg.srs")"
    for tool in verinfer ezkl; do
        ok=FAILED
        grep -qE '^(valid|verified)' "$WORK/logs/$model.verify.$tool.$REPEAT.log" && ok=ok
        meta check "$model	$tool verifies its proof of input.json	$ok"
    done
done

meta load_end "$(cut -d' ' -f1-3 /proc/loadavg)"
python3 "$HERE/summarize.py" "$RAW" "$META" >"$OUT"
log "wrote $OUT"
