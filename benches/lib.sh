# Shell helpers the benchmark scripts share; sourced after setting BENCH (the name their errors
# start with) and ROOT (the checkout).

die() {
    echo "$BENCH: error: $*" >&2
    exit 1
}

log() {
    echo "== [$(date +%H:%M:%S)] $*" >&2
}

# GNU time, which every script's measurements come from.
need_gnu_time() {
    [ -x /usr/bin/time ] || die "/usr/bin/time (GNU time) is needed"
}

# Sets SNARKJS to the snarkjs binary (scripts/install-snarkjs.sh's npm cache unless given).
need_snarkjs() {
    SNARKJS="${SNARKJS:-$("$ROOT/scripts/install-snarkjs.sh")}"
    [ -x "$SNARKJS" ] || die "snarkjs not found at '$SNARKJS'"
}
