//! The ceremony with snarkjs 0.7.6 itself (a tool verinfer did not write), on a model the demo does
//! not use: ptau -> init -> contributions alternating verinfer and snarkjs -> beacon -> both
//! verifiers accept -> finalize -> proofs verify in the CLI, in snarkjs and in the canister; a
//! tampered contribution is refused by both tools; bad inputs get errors that name the problem.
//!
//! snarkjs comes from `scripts/install-npm.sh` (`.ci/run` runs it); `VERINFER_SNARKJS` may point
//! at another install of 0.7.6. Without it these tests fail and say how to install it.
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use verinfer_ceremony::zkey::Zkey;

mod common;
use common::{bin, fails, fixture, ok, root, snarkjs, text};

fn ptau() -> PathBuf {
    fixture("ptau/pot12_final.ptau")
}

fn compile(name: &str, build: &Path) {
    ok(bin().arg("compile").arg(fixture(name).join("model.onnx")).arg("-o").arg(build));
}

/// The 4 lines of hex snarkjs prints for each hash (tabs and spaces normalized).
fn hash_blocks(out: &str) -> Vec<String> {
    let lines: Vec<&str> = out.lines().collect();
    let is_hex = |l: &str| {
        let w: Vec<&str> = l.split_whitespace().collect();
        w.len() == 4 && w.iter().all(|x| x.len() == 8 && x.bytes().all(|b| b.is_ascii_hexdigit()))
    };
    let mut blocks = Vec::new();
    let mut i = 0;
    while i + 4 <= lines.len() {
        if lines[i..i + 4].iter().all(|l| is_hex(l)) {
            blocks.push(lines[i..i + 4].iter().map(|l| l.split_whitespace().collect::<Vec<_>>().join(" ")).collect());
            i += 4;
        } else {
            i += 1;
        }
    }
    blocks
}

#[test]
fn a_ceremony_alternating_verinfer_and_snarkjs_gives_keys_every_verifier_accepts() {
    let d = tempfile::tempdir().unwrap();
    let p = |f: &str| d.path().join(f);
    let build = p("build");
    compile("breast_cancer_mlp", &build);

    // The circuit in circom's format, read by snarkjs.
    let exported = ok(bin().args(["--json", "export", "r1cs"]).arg(&build).arg("-o").arg(p("model.r1cs")));
    let exported: serde_json::Value = serde_json::from_str(&exported[..exported.rfind('}').unwrap() + 1]).unwrap();
    let info = ok(snarkjs().args(["r1cs", "info"]).arg(p("model.r1cs")));
    assert!(info.contains(&format!("# of Constraints: {}", exported["constraints"])), "{info}");
    assert!(info.contains(&format!("# of Public Inputs: {}", exported["public_inputs"])), "{info}");

    // Initial parameters: verinfer's equal snarkjs's.
    ok(bin().args(["ceremony", "init"]).arg(&build).arg("--ptau").arg(ptau()).arg("-o").arg(p("0000.zkey")));
    ok(snarkjs().args(["groth16", "setup"]).arg(p("model.r1cs")).arg(ptau()).arg(p("snarkjs_0000.zkey")));
    let ours = Zkey::from_bytes(&std::fs::read(p("0000.zkey")).unwrap()).unwrap();
    let theirs = Zkey::from_bytes(&std::fs::read(p("snarkjs_0000.zkey")).unwrap()).unwrap();
    assert!(ours == theirs, "verinfer's initial zkey differs from snarkjs groth16 setup's");

    // Contributions alternating the two tools, then the beacon.
    ok(bin().args(["ceremony", "contribute"]).arg(p("0000.zkey")).arg(p("0001.zkey")).args(["--name", "alice"]));
    ok(snarkjs().args(["zkey", "contribute"]).arg(p("0001.zkey")).arg(p("0002.zkey")).args(["--name=bob", "-e=bob"]));
    ok(bin().args(["ceremony", "contribute"]).arg(p("0002.zkey")).arg(p("0003.zkey")).args(["--name", "carol"]));
    let beacon = "0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";
    ok(bin().args(["ceremony", "beacon"]).arg(p("0003.zkey")).arg(p("final.zkey")).args(["--beacon", beacon]));
    ok(snarkjs().args(["zkey", "beacon"]).arg(p("0003.zkey")).arg(p("snarkjs_final.zkey")).args([beacon, "10"]));
    assert!(
        std::fs::read(p("final.zkey")).unwrap() == std::fs::read(p("snarkjs_final.zkey")).unwrap(),
        "the beacon is deterministic: verinfer's file must be snarkjs's byte for byte"
    );

    // Both verifiers accept, and print the same hashes.
    let sj = ok(snarkjs().args(["zkey", "verify"]).arg(p("model.r1cs")).arg(ptau()).arg(p("final.zkey")));
    assert!(sj.contains("ZKey Ok!"), "{sj}");
    let vi = ok(bin().args(["ceremony", "verify"]).arg(p("final.zkey")).arg("--ptau").arg(ptau()).arg(&build));
    assert!(vi.contains("ZKey Ok!"), "{vi}");
    let (sj_hashes, vi_hashes) = (hash_blocks(&sj), hash_blocks(&vi));
    assert_eq!(vi_hashes.len(), 5, "circuit hash and 4 contributions:\n{vi}");
    for h in &vi_hashes {
        assert!(sj_hashes.contains(h), "snarkjs did not print {h}:\n{sj}");
    }

    // Keys, provenance, proofs.
    ok(bin().args(["ceremony", "finalize"]).arg(p("final.zkey")).arg(&build).arg("--ptau").arg(ptau()));
    let record: serde_json::Value = serde_json::from_slice(&std::fs::read(build.join("setup.json")).unwrap()).unwrap();
    assert_eq!(record["kind"], "ceremony");
    let names: Vec<&str> = record["ceremony"]["contributions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(names, ["alice", "bob", "carol", ""]);
    assert_eq!(record["ceremony"]["beacon"]["hash"], beacon);
    assert_eq!(record["ceremony"]["ptau_power"], 12);
    let final_bytes = std::fs::read(p("final.zkey")).unwrap();
    assert_eq!(record["ceremony"]["transcript_sha256"], verinfer::pipeline::sha256_hex(&final_bytes));
    let vk_sha = verinfer::pipeline::sha256_hex(&std::fs::read(build.join("verifying.key")).unwrap());
    assert!(vi.contains(&format!("verifying.key SHA-256 {vk_sha}")), "verify names the key finalize writes:\n{vi}");
    let inspect = ok(bin().arg("inspect").arg(&build));
    assert!(inspect.contains("\"kind\": \"ceremony\"") && inspect.contains("alice"), "{inspect}");

    let input = fixture("breast_cancer_mlp").join("input.json");
    ok(bin().arg("prove").arg(&build).arg("--input").arg(&input).arg("-o").arg(p("proof.json")));
    ok(bin().arg("verify").arg(&build).arg(p("proof.json")));
    ok(bin().args(["export", "snarkjs"]).arg(&build).arg(p("proof.json")).arg("-o").arg(p("sj")));
    let v = ok(snarkjs()
        .args(["groth16", "verify"])
        .arg(p("sj/verification_key.json"))
        .arg(p("sj/public.json"))
        .arg(p("sj/proof.json")));
    assert!(v.contains("OK!"), "{v}");

    // The verifier canister (its real Wasm, requiring ceremony keys) registers the key with its
    // provenance and verifies a proof made with a seed it drew.
    in_the_canister(&build, &input);

    // A tampered contribution (bob's, made by snarkjs) is refused by both tools.
    let mut z = Zkey::from_bytes(&final_bytes).unwrap();
    z.contributions[1].g1_sx = {
        use ark_ec::{AffineRepr, CurveGroup};
        (z.contributions[1].g1_sx + ark_bn254::G1Affine::generator()).into_affine()
    };
    std::fs::write(p("tampered.zkey"), z.to_bytes()).unwrap();
    let e = fails(bin().args(["ceremony", "verify"]).arg(p("tampered.zkey")).arg("--ptau").arg(ptau()).arg(&build));
    assert!(e.contains("contribution #2 (bob) is invalid"), "{e}");
    let o =
        snarkjs().args(["zkey", "verify"]).arg(p("model.r1cs")).arg(ptau()).arg(p("tampered.zkey")).output().unwrap();
    assert!(!text(&o).contains("ZKey Ok!") && text(&o).contains("INVALID"), "snarkjs accepted:\n{}", text(&o));
}

#[test]
fn bad_ceremony_inputs_get_errors_naming_the_problem() {
    let d = tempfile::tempdir().unwrap();
    let p = |f: &str| d.path().join(f);
    let (iris, bc) = (p("iris"), p("bc"));
    compile("iris_mlp", &iris);
    compile("breast_cancer_mlp", &bc);

    // Too few powers: the power needed and the file to download.
    let e = fails(
        bin()
            .args(["ceremony", "init"])
            .arg(&bc)
            .arg("--ptau")
            .arg(fixture("ptau/pot6_final.ptau"))
            .arg("-o")
            .arg(p("x.zkey")),
    );
    // the power the message asks for, and the file it names for it (the breast_cancer circuit needs
    // more than the file's 2^6)
    let power: u32 = e
        .split("the circuit needs 2^")
        .nth(1)
        .and_then(|t| t.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no power in: {e}"));
    assert!(power > 6 && e.contains(&format!("powersOfTau28_hez_final_{power}.ptau")), "{e}");
    // Another curve.
    let bls = root().join("ceremony/tests/data/formats/bls12381_pot4_0000.ptau");
    let e = fails(bin().args(["ceremony", "init"]).arg(&iris).arg("--ptau").arg(&bls).arg("-o").arg(p("x.zkey")));
    assert!(e.to_lowercase().contains("bls12-381"), "{e}");
    assert!(!p("x.zkey").exists(), "nothing written on failure");

    ok(bin().args(["ceremony", "init"]).arg(&iris).arg("--ptau").arg(ptau()).arg("-o").arg(p("0000.zkey")));
    // Finalizing without a secret contribution: anyone could forge.
    let e = fails(bin().args(["ceremony", "finalize"]).arg(p("0000.zkey")).arg(&iris).arg("--ptau").arg(ptau()));
    assert!(e.contains("no secret contribution"), "{e}");
    assert!(!iris.join("proving.key").exists());
    ok(bin().args(["ceremony", "contribute"]).arg(p("0000.zkey")).arg(p("0001.zkey")).args(["--name", "a"]));
    // A zkey for another circuit.
    let e = fails(bin().args(["ceremony", "verify"]).arg(p("0001.zkey")).arg("--ptau").arg(ptau()).arg(&bc));
    assert!(e.contains("not for this circuit"), "{e}");
    // A truncated file.
    let bytes = std::fs::read(p("0001.zkey")).unwrap();
    std::fs::write(p("cut.zkey"), &bytes[..bytes.len() / 2]).unwrap();
    let e = fails(bin().args(["ceremony", "verify"]).arg(p("cut.zkey")).arg("--ptau").arg(ptau()).arg(&iris));
    assert!(e.contains("cut.zkey") && e.to_lowercase().contains("truncated"), "{e}");
    // A delta swapped for another secret's.
    let mut z = Zkey::from_bytes(&bytes).unwrap();
    {
        use ark_ec::CurveGroup;
        let x = ark_bn254::Fr::from(7u64);
        z.delta1 = (z.delta1 * x).into_affine();
        z.delta2 = (z.delta2 * x).into_affine();
    }
    std::fs::write(p("swapped.zkey"), z.to_bytes()).unwrap();
    let e = fails(bin().args(["ceremony", "verify"]).arg(p("swapped.zkey")).arg("--ptau").arg(ptau()).arg(&iris));
    assert!(e.contains("delta"), "{e}");
    // A bad beacon.
    let e = fails(bin().args(["ceremony", "beacon"]).arg(p("0001.zkey")).arg(p("b.zkey")).args(["--beacon", "abc"]));
    assert!(e.contains("hex"), "{e}");
    let e = fails(bin().args(["ceremony", "beacon"]).arg(p("0001.zkey")).arg(p("b.zkey")).args([
        "--beacon",
        "ab",
        "--iterations",
        "5",
    ]));
    assert!(e.contains("10 to 63"), "{e}");
}

fn in_the_canister(build: &Path, input: &Path) {
    use verinfer::pipeline::{load_model, load_proving_key, prove_sample, random_salt};
    use verinfer_circuits::commit::{commit, INPUT_DOMAIN};
    let model = load_model(build).unwrap();
    let pk = load_proving_key(build, &model).unwrap();
    let x = verinfer_compiler::data::read_samples(&std::fs::read_to_string(input).unwrap()).unwrap().remove(0);
    let q = verinfer_ir::quantize_input(&model.graph, &x).unwrap();
    let mut canister = verinfer::cmd::demo::DemoCanister::start(build, &model.name).unwrap();
    let salt = random_salt(&mut rand::rngs::OsRng).unwrap();
    let commitment = verinfer_verifier::fr_to_bytes(&commit(INPUT_DOMAIN, salt, &q, model.graph.nodes[0].bits.0));
    let ticket = canister.request_seed(&model.model_hash().unwrap().0, &commitment).unwrap();
    let seed: [u8; 32] = ticket.seed.as_slice().try_into().unwrap();
    let out = prove_sample(&model, &pk, &x, seed, salt, &mut rand::rngs::OsRng).unwrap();
    let run = canister.verify(&out.file, ticket.id).expect("the canister verifies a proof from the ceremony's key");
    assert!(run.verify_instructions > 0);
}

#[test]
fn snarkjs_proves_from_the_zkey_and_a_verinfer_witness_the_statement_verinfer_proves() {
    let d = tempfile::tempdir().unwrap();
    let (build, p) = (d.path().join("build"), |n: &str| d.path().join(n));
    compile("iris_mlp", &build);
    ok(bin().args(["export", "r1cs"]).arg(&build).arg("-o").arg(p("m.r1cs")));
    ok(bin().args(["ceremony", "init"]).arg(&build).arg("--ptau").arg(ptau()).arg("-o").arg(p("0000.zkey")));
    let (salt, seed) = ("2a", "11".repeat(32));
    let input = fixture("iris_mlp").join("input.json");
    ok(bin()
        .args(["export", "wtns"])
        .arg(&build)
        .arg("--input")
        .arg(&input)
        .args(["--salt", salt, "--seed", &seed])
        .arg("-o")
        .arg(p("w.wtns")));
    // the witness satisfies the exported circuit, and snarkjs proves with it
    ok(snarkjs().args(["wtns", "check"]).arg(p("m.r1cs")).arg(p("w.wtns")));
    ok(snarkjs()
        .args(["groth16", "prove"])
        .arg(p("0000.zkey"))
        .arg(p("w.wtns"))
        .arg(p("proof.json"))
        .arg(p("public.json")));
    ok(snarkjs().args(["zkey", "export", "verificationkey"]).arg(p("0000.zkey")).arg(p("vk.json")));
    ok(snarkjs().args(["groth16", "verify"]).arg(p("vk.json")).arg(p("public.json")).arg(p("proof.json")));
    // its public signals are the statement verinfer's own proof of that input, salt and seed makes
    ok(bin().args(["setup", "--insecure-deterministic-seed", "3"]).arg(&build));
    ok(bin()
        .arg("prove")
        .arg(&build)
        .arg("--input")
        .arg(&input)
        .args(["--salt", salt, "--seed", &seed])
        .arg("-o")
        .arg(p("v.json")));
    ok(bin().args(["export", "snarkjs"]).arg(&build).arg(p("v.json")).arg("-o").arg(p("ours")));
    let read = |f: PathBuf| -> serde_json::Value { serde_json::from_slice(&std::fs::read(f).unwrap()).unwrap() };
    assert_eq!(read(p("public.json")), read(p("ours").join("public.json")));
    // a witness with one wire changed is refused by snarkjs's check
    let mut w = std::fs::read(p("w.wtns")).unwrap();
    let last = w.len() - 32;
    w[last] ^= 1;
    std::fs::write(p("bad.wtns"), &w).unwrap();
    let o = snarkjs().args(["wtns", "check"]).arg(p("m.r1cs")).arg(p("bad.wtns")).output().unwrap();
    assert!(!o.status.success(), "a corrupted witness passed snarkjs's check: {}", text(&o));
}
