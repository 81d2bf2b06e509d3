#!/usr/bin/env bash
# The real-model benchmarks of issue 15: every fixture made by fixtures/gen_real.py, compiled, set
# up, proved and verified with the verinfer CLI, each step timed by /usr/bin/time (wall seconds,
# peak resident memory), plus the circuit's argmax agreement with onnxruntime on the fixture's test
# split (benches/src/bin/agreement.rs). Not part of the test command.
#
#   benches/real-models/run.sh            # writes benches/real-models/results.md
#
# Environment (all optional):
#   MODELS           fixtures to run (default: "dense_4m transformer cifar_cnn audio_cnn mobilenet_v3s")
#   REPEAT           prove runs per model; the table shows the median (default 3)
#   REPEAT_LARGE     prove runs for circuits above 3M constraints (default 1: minutes each)
#   MAX_CONSTRAINTS  circuits larger than this are compiled and checked for agreement but not set up
#                    or proved (default 20000000; setup and prove peak at about 300-450 bytes a
#                    constraint since the proving key is streamed)
#   WORK             build directories and logs (default /tmp/verinfer-real-models)
#   OUT              the markdown table (default benches/real-models/results.md)
#   NO_BUILD         set to 1 to use the existing target/release binaries without `cargo build`
#   PYTHON           a Python with the onnx package, for the parameter count (default python3; the
#                    column shows "?" without onnx)
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
MODELS="${MODELS:-dense_4m transformer cifar_cnn audio_cnn mobilenet_v3s}"
REPEAT="${REPEAT:-3}"
MAX_CONSTRAINTS="${MAX_CONSTRAINTS:-20000000}"
REPEAT_LARGE="${REPEAT_LARGE:-1}"
WORK="${WORK:-/tmp/verinfer-real-models}"
OUT="${OUT:-$HERE/results.md}"
BIN="$ROOT/target/release"
PYTHON="${PYTHON:-python3}"

if [ "${NO_BUILD:-0}" != 1 ]; then
  (cd "$ROOT" && cargo build --release -p verinfer -p verinfer-benches --bin verinfer --bin agreement --bin fft)
fi
command -v /usr/bin/time >/dev/null || { echo "needs /usr/bin/time (Debian package 'time')" >&2; exit 2; }
mkdir -p "$WORK"

# timed LOG CMD...: runs CMD under /usr/bin/time -v, keeps its output in LOG.out; prints "wall_s rss_mib"
timed() {
  local log="$1"; shift
  /usr/bin/time -v "$@" >"$log.out" 2>"$log.time" || { cat "$log.out" "$log.time" >&2; return 1; }
  awk -F': ' '/Elapsed \(wall clock\)/ {n = split($2, p, ":"); s = 0; for (i = 1; i <= n; i++) s = s * 60 + p[i]; w = s}
              /Maximum resident set size/ {r = $2 / 1024}
              END {printf "%.2f %.0f\n", w, r}' "$log.time"
}

median() { tr ' ' '\n' | sort -g | awk '{v[NR] = $1} END {print v[int((NR + 1) / 2)]}'; }

# The host lends this VM its second core only part of the time: the same transforms on 1 and on 2
# threads, before and after the run, say how many cores the run really had.
fft_seconds() { RAYON_NUM_THREADS="$1" "$BIN/fft" 18 --repeat 3 | sed -nE "s/.*a proof's 6[^:]*: ([0-9.]+) s.*/\1/p"; }
cores_check() { echo "6 FFTs of 2^18: $(fft_seconds 1) s on 1 thread, $(fft_seconds 2) s on 2"; }
before_check="$(cores_check)"
{
  echo "Real models (issue 15), $(date -u +%Y-%m-%d), $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2 / 1048576}' /proc/meminfo)."
  echo "Times are wall seconds, memory is peak RSS; prove is the median of $REPEAT runs ($REPEAT_LARGE above 3M constraints)."
  echo "Cores really lent, at $(date -u +%H:%M) UTC: $before_check."
  echo
  echo "| model | parameters | constraints | compile s / MiB | setup s / MiB | prove s / MiB | verify s | agreement (test) | max output error |"
  echo "|---|---:|---:|---|---|---|---:|---:|---:|"
} >"$OUT"

for m in $MODELS; do
  fx="$ROOT/fixtures/$m"
  build="$WORK/$m"
  rm -rf "$build"
  echo "== $m" >&2
  read -r c_s c_mib < <(timed "$WORK/$m.compile" "$BIN/verinfer" compile "$fx/model.onnx" \
    --calibration "$fx/calibration.json" -o "$build")
  constraints=$(python3 -c "import json, sys; print(json.load(open(sys.argv[1]))['constraints'])" "$build/report.json")
  params=$("$PYTHON" - "$fx/model.onnx" <<'EOF'
import sys
try:
    import onnx
    m = onnx.load(sys.argv[1])
    print(sum(int(__import__("numpy").prod(t.dims)) for t in m.graph.initializer))
except ImportError:
    print("?")
EOF
)
  agreement=$("$BIN/agreement" "$build" "$fx/test.json")
  agree=$(python3 -c "import json, sys; a = json.loads(sys.argv[1]); print(f\"{100 * a['argmax_agreement']:.1f}% of {a['samples']}\" + (f\", {a['rejected']} rejected\" if a['rejected'] else ''))" "$agreement")
  err=$(python3 -c "import json, sys; print(f\"{json.loads(sys.argv[1])['max_abs_error']:.4f}\")" "$agreement")
  if [ "$constraints" -gt "$MAX_CONSTRAINTS" ]; then
    echo "| $m | $params | $constraints | $c_s / $c_mib | not run (> $MAX_CONSTRAINTS constraints) | | | $agree | $err |" >>"$OUT"
    continue
  fi
  read -r s_s s_mib < <(timed "$WORK/$m.setup" "$BIN/verinfer" setup "$build")
  walls=""; rss=0; reps=$REPEAT
  [ "$constraints" -gt 3000000 ] && reps=$REPEAT_LARGE
  for i in $(seq "$reps"); do
    read -r p_s p_mib < <(timed "$WORK/$m.prove$i" "$BIN/verinfer" prove "$build" --input "$fx/input.json" \
      -o "$build/proof.json")
    walls="$walls $p_s"; rss=$(( p_mib > rss ? p_mib : rss ))
  done
  p_med=$(echo $walls | median)
  read -r v_s _ < <(timed "$WORK/$m.verify" "$BIN/verinfer" verify "$build" "$build/proof.json")
  echo "| $m | $params | $constraints | $c_s / $c_mib | $s_s / $s_mib | $p_med / $rss | $v_s | $agree | $err |" >>"$OUT"
done
echo >>"$OUT"
echo "At $(date -u +%H:%M) UTC: $(cores_check)." >>"$OUT"
cat "$OUT"
