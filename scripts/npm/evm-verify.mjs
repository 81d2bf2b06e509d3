// Compiles a verifier contract with solc, deploys it in @ethereumjs/evm and calls `verifyProof`
// with each calldata file: the JSON `verinfer export calldata --json` prints ({"a", "b", "c",
// "input"}), or {"raw": "0x..."} for complete calldata (another tool's, selector included).
// Prints one JSON object:
//   {"contract": {"bytecode_bytes", "deploy_gas"}, "calls": [{"file", "result", "execution_gas", "transaction_gas"}]}
// where result is true, false or "revert". transaction_gas adds the 21,000 base and the calldata's
// intrinsic cost (EIP-2028: 16 gas a nonzero byte, 4 a zero byte) to the execution gas.
//
//   node evm-verify.mjs [--contract NAME] Verifier.sol CALLDATA.json [CALLDATA.json ...]
//
// NAME defaults to VerinferVerifier. Contracts above EIP-170's 24,576 bytes are deployed anyway
// (bytecode_bytes says how large they are).
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { createEVM } from "@ethereumjs/evm";
import { Account, createAddressFromString, hexToBytes, bytesToHex } from "@ethereumjs/util";

const require = createRequire(import.meta.url);
const solc = require("solc");

function fail(msg) {
    console.error(`evm-verify: ${msg}`);
    process.exit(2);
}

const args = process.argv.slice(2);
let name = "VerinferVerifier";
if (args[0] === "--contract") {
    name = args[1];
    args.splice(0, 2);
}
const [source, ...calls] = args;
if (!source || calls.length === 0) fail("usage: node evm-verify.mjs [--contract NAME] Verifier.sol CALLDATA.json [...]");

const input = {
    language: "Solidity",
    sources: { "Verifier.sol": { content: readFileSync(source, "utf8") } },
    settings: {
        optimizer: { enabled: true, runs: 200 },
        outputSelection: { "*": { "*": ["abi", "evm.bytecode.object", "evm.methodIdentifiers"] } },
    },
};
const output = JSON.parse(solc.compile(JSON.stringify(input)));
const errors = (output.errors || []).filter((e) => e.severity === "error");
if (errors.length) fail(`solc ${solc.version()}:\n${errors.map((e) => e.formattedMessage).join("\n")}`);
const contract = output.contracts["Verifier.sol"][name];
if (!contract) fail(`no contract ${name} in the source`);
const bytecode = hexToBytes("0x" + contract.evm.bytecode.object);

const evm = await createEVM({ allowUnlimitedContractSize: true });
const caller = createAddressFromString("0x00000000000000000000000000000000000000ee");
await evm.stateManager.putAccount(caller, new Account(0n, 10n ** 20n));
const deployed = await evm.runCall({ caller, data: bytecode, gasLimit: 30_000_000n });
if (deployed.execResult.exceptionError || !deployed.createdAddress) {
    fail(`deployment failed: ${deployed.execResult.exceptionError?.error}`);
}

// verifyProof(uint256[2],uint256[2][2],uint256[2],uint256[N]): every argument is static, so the
// calldata is the selector (from solc's method identifiers) and the words in order.
const selectors = contract.evm.methodIdentifiers;
function encode(call) {
    if (call.raw) return call.raw.startsWith("0x") ? call.raw : "0x" + call.raw;
    const words = [...call.a, ...call.b[0], ...call.b[1], ...call.c, ...call.input];
    const signature = `verifyProof(uint256[2],uint256[2][2],uint256[2],uint256[${call.input.length}])`;
    const selector = selectors[signature];
    if (!selector) fail(`the contract has no ${signature} (a proof for another model?)`);
    return "0x" + selector + words.map((w) => BigInt(w).toString(16).padStart(64, "0")).join("");
}

function intrinsic(data) {
    let gas = 21000;
    for (const b of data) gas += b === 0 ? 4 : 16;
    return gas;
}

const results = [];
for (const file of calls) {
    const call = JSON.parse(readFileSync(file, "utf8"));
    const data = hexToBytes(encode(call));
    const r = await evm.runCall({ caller, to: deployed.createdAddress, data, gasLimit: 10_000_000n });
    const gas = Number(r.execResult.executionGasUsed);
    let result;
    if (r.execResult.exceptionError) result = "revert";
    else result = BigInt(bytesToHex(r.execResult.returnValue)) === 1n;
    results.push({ file, result, execution_gas: gas, transaction_gas: gas + intrinsic(data) });
}
console.log(
    JSON.stringify({
        solc: solc.version(),
        contract: { bytecode_bytes: bytecode.length, deploy_gas: Number(deployed.execResult.executionGasUsed) },
        calls: results,
    }),
);
