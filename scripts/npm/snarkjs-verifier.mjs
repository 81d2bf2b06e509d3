// Renders snarkjs 0.7.6's own Groth16 Solidity verifier (its template, as `snarkjs zkey export
// solidityverifier` does) for a verification_key.json, so that benches can compare it with
// `verinfer export solidity` on one key. Prints the contract (Groth16Verifier) on stdout.
//
//   node snarkjs-verifier.mjs verification_key.json > Groth16Verifier.sol
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import ejs from "ejs";

const [vkPath] = process.argv.slice(2);
if (!vkPath) {
    console.error("usage: node snarkjs-verifier.mjs verification_key.json");
    process.exit(2);
}
// the template is not among the package's exports: read it from the install beside this script
const here = dirname(fileURLToPath(import.meta.url));
const template = readFileSync(join(here, "node_modules/snarkjs/templates/verifier_groth16.sol.ejs"), "utf8");
process.stdout.write(ejs.render(template, JSON.parse(readFileSync(vkPath, "utf8"))));
