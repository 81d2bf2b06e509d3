#!/usr/bin/env bash
# Regenerates the test data of ceremony/tests/formats.rs with the pinned snarkjs 0.7.6:
#
#   ceremony/tests/data/formats/make_data.sh
#
# - toy.r1cs, toy16.r1cs: written by verinfer's R1cs::to_bytes (the ignored test write_toy_r1cs);
# - pot4_0001.ptau: `powersoftau new bn128 4` plus one contribution (not prepared for phase 2);
# - pot4_final.ptau: pot4_0001.ptau after `powersoftau prepare phase2`;
# - bls12381_pot4_0000.ptau: `powersoftau new bls12-381 4` (another curve);
# - toy_0000.zkey (`groth16 setup`), toy_0001.zkey (`zkey contribute`, log in toy_0001.log),
#   toy_final.zkey (`zkey beacon`, log in toy_final.log), toy_final_vk.json
#   (`zkey export verificationkey`); toy16_0000.zkey (`groth16 setup` of toy16.r1cs).
#
# NOT reproducible: snarkjs mixes OS randomness into contributions, so each run gives different
# (equally valid) files; the tests do not depend on particular values. For tests only.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../../../.." && pwd)"
SNARKJS="${VERINFER_SNARKJS:-$("$ROOT/scripts/install-snarkjs.sh")}"
[ -x "$SNARKJS" ] || { echo "make_data.sh: snarkjs not found at '$SNARKJS'" >&2; exit 1; }
VERSION="$("$SNARKJS" --version 2>&1 | grep -o 'snarkjs@[0-9.]*' || true)"
[ "$VERSION" = "snarkjs@0.7.6" ] || { echo "make_data.sh: need snarkjs@0.7.6, '$SNARKJS' is '$VERSION'" >&2; exit 1; }

cd "$HERE"
rm -f ./*.r1cs ./*.ptau ./*.zkey ./*.log ./*.json

(cd "$ROOT" && cargo test --release -p verinfer-ceremony --test formats -- --ignored --exact write_toy_r1cs)

"$SNARKJS" powersoftau new bn128 4 pot4_0000.ptau
"$SNARKJS" powersoftau contribute pot4_0000.ptau pot4_0001.ptau --name="formats test" -e="verinfer formats test entropy"
"$SNARKJS" powersoftau prepare phase2 pot4_0001.ptau pot4_final.ptau
"$SNARKJS" powersoftau verify pot4_final.ptau >/dev/null
rm pot4_0000.ptau

"$SNARKJS" powersoftau new bls12-381 4 bls12381_pot4_0000.ptau

"$SNARKJS" groth16 setup toy.r1cs pot4_final.ptau toy_0000.zkey
"$SNARKJS" zkey contribute toy_0000.zkey toy_0001.zkey --name="first contributor – ünïcödé" \
    -e="verinfer formats test zkey entropy" | tee toy_0001.log
"$SNARKJS" zkey beacon toy_0001.zkey toy_final.zkey \
    0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f 10 -n="final beacon" | tee toy_final.log
"$SNARKJS" zkey verify toy.r1cs pot4_final.ptau toy_final.zkey >/dev/null
"$SNARKJS" zkey export verificationkey toy_final.zkey toy_final_vk.json

"$SNARKJS" groth16 setup toy16.r1cs pot4_final.ptau toy16_0000.zkey

ls -l "$HERE"
