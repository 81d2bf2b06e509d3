//! verinfer's proofs in JavaScript tools, with the pinned versions `scripts/install-npm.sh` installs:
//! - the EVM verifier: `export solidity` compiled by solc 0.8.37 and run in @ethereumjs/evm 10.1.3
//!   (`scripts/npm/evm-verify.mjs`): a valid proof returns true; a changed public input, another
//!   model's hash, an input at or above the field order and a point off the curve return false
//!   without reverting;
//! - `export calldata` prints exactly what snarkjs's `zkey export soliditycalldata` prints;
//! - `examples/js/verify.mjs` (circomlibjs and snarkjs) accepts a proof and its opening, and
//!   refuses a changed opening or public input.
use serde_json::Value;
use std::path::Path;

mod common;
use common::{bin, fails, fixture, node_script, npm_tools, ok, root, snarkjs, stdout, text};

/// BN254's scalar field order, as a decimal string.
const R: &str = "21888242871839275222246405745257275088548364400416034343698204186575808495617";

/// Compiles, sets up (deterministically) and proves the iris MLP in `dir`; returns the build
/// directory and the proof file.
fn iris_proof(dir: &Path, extra: &[&str]) -> (std::path::PathBuf, std::path::PathBuf) {
    let build = dir.join("build");
    ok(bin().arg("compile").arg(fixture("iris_mlp/model.onnx")).args(extra).arg("-o").arg(&build));
    ok(bin().args(["setup", "--insecure-deterministic-seed", "11"]).arg(&build));
    let proof = dir.join("proof.json");
    ok(bin().arg("prove").arg(&build).arg("--input").arg(fixture("iris_mlp/input.json")).arg("-o").arg(&proof));
    (build, proof)
}

fn calldata(proof: &Path) -> Value {
    serde_json::from_str(&stdout(bin().args(["--json", "export", "calldata"]).arg(proof))).unwrap()
}

/// Writes the calldata variants: valid, then each tampering; returns their paths.
fn variants(dir: &Path, valid: &Value) -> Vec<std::path::PathBuf> {
    let mut cases: Vec<(&str, Value)> = vec![("valid", valid.clone())];
    let mut tamper = |name, f: &dyn Fn(&mut Value)| {
        let mut v = valid.clone();
        f(&mut v);
        cases.push((name, v));
    };
    let add_one = |x: &Value| {
        let n = u128::from_str_radix(x.as_str().unwrap().trim_start_matches("0x"), 16).unwrap_or(0);
        Value::String(format!("{:#066x}", n + 1))
    };
    tamper("output_index", &|v| v["input"][5] = add_one(&v["input"][5]));
    tamper("model_hash", &|v| v["input"][1] = add_one(&v["input"][1]));
    tamper("seed_above_r", &|v| v["input"][4] = Value::String(R.into()));
    tamper("a_off_curve", &|v| v["a"][1] = add_one(&v["a"][1]));
    tamper("c_swapped", &|v| v["c"] = valid["a"].clone());
    cases
        .into_iter()
        .map(|(name, v)| {
            let p = dir.join(format!("{name}.json"));
            std::fs::write(&p, v.to_string()).unwrap();
            p
        })
        .collect()
}

#[test]
fn the_solidity_verifier_accepts_a_valid_proof_and_nothing_else_in_an_evm() {
    let d = tempfile::tempdir().unwrap();
    let (build, proof) = iris_proof(d.path(), &[]);
    let sol = d.path().join("Verifier.sol");
    let out = ok(bin().args(["export", "solidity"]).arg(&build).arg("-o").arg(&sol));
    assert!(out.contains("9 public inputs"), "{out}");
    let valid = calldata(&proof);
    assert_eq!(valid["input"].as_array().unwrap().len(), 9);
    let files = variants(d.path(), &valid);
    let report: Value = serde_json::from_str(&stdout(node_script("evm-verify.mjs").arg(&sol).args(&files))).unwrap();
    let calls = report["calls"].as_array().unwrap();
    let results: Vec<&Value> = calls.iter().map(|c| &c["result"]).collect();
    assert_eq!(results, [true, false, false, false, false, false], "{report}");
    let gas = calls[0]["transaction_gas"].as_u64().unwrap();
    // 9 inputs: a pairing of 4 (181,000), up to 9 ecMul (6,000) and ecAdd (150), base and calldata
    assert!((181_000..300_000).contains(&gas), "{report}");
    eprintln!("iris (9 public inputs): {gas} gas; {report}");
}

#[test]
fn calldata_is_snarkjs_soliditycalldata() {
    let d = tempfile::tempdir().unwrap();
    let (build, proof) = iris_proof(d.path(), &["--commit-output"]);
    let ours = stdout(bin().args(["export", "calldata"]).arg(&proof));
    let sj = d.path().join("sj");
    ok(bin().args(["export", "snarkjs"]).arg(&build).arg(&proof).arg("-o").arg(&sj));
    let theirs = stdout(
        snarkjs().args(["zkey", "export", "soliditycalldata"]).arg(sj.join("public.json")).arg(sj.join("proof.json")),
    );
    assert_eq!(ours.trim(), theirs.trim());
}

#[test]
fn halo2_builds_and_non_proofs_are_refused_by_name() {
    let d = tempfile::tempdir().unwrap();
    let build = d.path().join("build");
    ok(bin().arg("compile").arg(fixture("iris_mlp/model.onnx")).arg("-o").arg(&build));
    ok(bin().args(["setup", "--backend", "halo2"]).arg(&build));
    let err = fails(bin().args(["export", "solidity"]).arg(&build).arg("-o").arg(d.path().join("V.sol")));
    assert!(err.contains("halo2") && err.contains("Groth16"), "{err}");
    assert!(!d.path().join("V.sol").exists());
    let junk = d.path().join("junk.json");
    std::fs::write(&junk, "{}").unwrap();
    let err = fails(bin().args(["export", "calldata"]).arg(&junk));
    assert!(err.contains("junk.json"), "{err}");
}

/// Runs examples/js/verify.mjs from a copy beside the pinned tools' node_modules (as `npm ci` in
/// examples/js would give); returns (exit code, stdout).
fn js_example(dir: &Path, args: &[&Path]) -> (i32, String) {
    let example = dir.join("example");
    if !example.exists() {
        std::fs::create_dir(&example).unwrap();
        for f in ["verify.mjs", "package.json"] {
            std::fs::copy(root().join("examples/js").join(f), example.join(f)).unwrap();
        }
        std::os::unix::fs::symlink(npm_tools().join("node_modules"), example.join("node_modules")).unwrap();
    }
    let o = std::process::Command::new("node").arg(example.join("verify.mjs")).args(args).output().unwrap();
    (o.status.code().unwrap_or(-1), text(&o))
}

#[test]
fn the_js_example_checks_the_commitment_and_the_proof() {
    let d = tempfile::tempdir().unwrap();
    let (build, proof) = iris_proof(d.path(), &[]);
    let sj = d.path().join("sj");
    ok(bin().args(["export", "snarkjs"]).arg(&build).arg(&proof).arg("-o").arg(&sj));
    let (code, out) = js_example(d.path(), &[&build, &proof, &sj]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains(r#""commitmentMatches":true,"proofValid":true"#), "{out}");

    // another quantized input: the recomputed commitment differs
    let opening_path = d.path().join("proof.json.opening.json");
    let honest = std::fs::read_to_string(&opening_path).unwrap();
    let mut opening: Value = serde_json::from_str(&honest).unwrap();
    opening["quantized_input"][0] = (opening["quantized_input"][0].as_i64().unwrap() + 1).into();
    std::fs::write(&opening_path, opening.to_string()).unwrap();
    let (code, out) = js_example(d.path(), &[&build, &proof, &sj]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains(r#""commitmentMatches":false,"proofValid":true"#), "{out}");
    std::fs::write(&opening_path, honest).unwrap();

    // another output index in public.json: snarkjs rejects the proof
    let public_path = sj.join("public.json");
    let mut public: Value = serde_json::from_str(&std::fs::read_to_string(&public_path).unwrap()).unwrap();
    let index: u64 = public[5].as_str().unwrap().parse().unwrap();
    public[5] = Value::String(((index + 1) % 3).to_string());
    std::fs::write(&public_path, public.to_string()).unwrap();
    let (code, out) = js_example(d.path(), &[&build, &proof, &sj]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains(r#""commitmentMatches":true,"proofValid":false"#), "{out}");
}
