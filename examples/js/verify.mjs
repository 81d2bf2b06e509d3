// Checks a verinfer proof from JavaScript, with no verinfer code: recomputes the input commitment
// with circomlibjs's Poseidon (docs/statement.md, "Commitments") and verifies the Groth16 proof with
// snarkjs, after `verinfer export snarkjs`.
//
//   node verify.mjs BUILD PROOF.json SNARKJS_DIR
//
// BUILD is the build directory (its model.compiled gives the input width), PROOF.json the proof
// `verinfer prove` wrote (PROOF.json.opening.json beside it holds the salt and the quantized input),
// SNARKJS_DIR what `verinfer export snarkjs BUILD PROOF.json -o SNARKJS_DIR` wrote. Prints one JSON
// line; exits 0 when both checks pass, 1 when one fails, 2 on bad arguments.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { buildPoseidon } from "circomlibjs";
import * as snarkjs from "snarkjs";

const [build, proofPath, sjDir] = process.argv.slice(2);
if (!sjDir) {
    console.error("usage: node verify.mjs BUILD PROOF.json SNARKJS_DIR");
    process.exit(2);
}
const json = (path) => JSON.parse(readFileSync(path, "utf8"));

// The ASCII of a domain tag as a big-endian integer.
const tag = (s) => BigInt("0x" + Buffer.from(s, "ascii").toString("hex"));

// commit(tag, salt, q, b) = hash_chain(tag, salt, n, b, P_0, P_1, ...), with floor(253 / b) values
// q_i + 2^(b-1) packed little-endian into each P_k.
function commit(poseidon, domain, salt, q, b) {
    const per = Math.max(1, Math.floor(253 / b));
    const offset = 1n << BigInt(b - 1);
    const elements = [tag(domain), salt, BigInt(q.length), BigInt(b)];
    for (let k = 0; k < q.length; k += per) {
        let packed = 0n;
        q.slice(k, k + per).forEach((v, j) => (packed += (BigInt(v) + offset) << BigInt(b * j)));
        elements.push(packed);
    }
    // Poseidon(16) over the first 16, then Poseidon([h] ++ next 15) until all are used.
    let h = poseidon(elements.slice(0, 16));
    for (let i = 16; i < elements.length; i += 15) h = poseidon([h, ...elements.slice(i, i + 15)]);
    return poseidon.F.toObject(h);
}

const model = json(join(build, "model.compiled"));
const opening = json(proofPath + ".opening.json");
const bits = model.graph.nodes[0].bits;
const poseidon = await buildPoseidon();
const commitment = commit(poseidon, "verinfer/input/v1", BigInt("0x" + opening.salt), opening.quantized_input, bits);

const publicSignals = json(join(sjDir, "public.json"));
const commitmentMatches = BigInt(publicSignals[2]) === commitment;
const proofValid = await snarkjs.groth16.verify(
    json(join(sjDir, "verification_key.json")),
    publicSignals,
    json(join(sjDir, "proof.json")),
);
console.log(JSON.stringify({ commitment: commitment.toString(), commitmentMatches, proofValid }));
// snarkjs keeps worker threads alive; exit explicitly.
process.exit(commitmentMatches && proofValid ? 0 : 1);
