//! `verinfer demo`: the whole pipeline on the bundled digits MLP, with a timing table.
use crate::artifacts;
use crate::fsutil::write_atomic;
use crate::pipeline::{
    compile_to_dir, load_model, load_proving_key, prove_sample, random_salt, setup_dir, verify_files,
};
use anyhow::{anyhow, Result};
use rand::RngCore;
use std::path::PathBuf;
use std::time::Instant;
use verinfer_compiler::{data::read_samples, CompileOptions};

const MODEL: &[u8] = include_bytes!("../../../fixtures/digits_mlp/model.onnx");
const CALIBRATION: &str = include_str!("../../../fixtures/digits_mlp/calibration.json");
const INPUT: &str = include_str!("../../../fixtures/digits_mlp/input.json");
const EXPECTED: &str = include_str!("../../../fixtures/digits_mlp/expected.json");

/// Arguments of `demo`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// Working directory for the demo's files (default: a directory under the system temp dir).
    #[arg(long)]
    pub out: Option<PathBuf>,
}

/// Runs `demo`.
pub fn run(args: &Args, json: bool) -> Result<()> {
    let dir =
        args.out.clone().unwrap_or_else(|| std::env::temp_dir().join(format!("verinfer-demo-{}", std::process::id())));
    let src = dir.join("digits_mlp");
    write_atomic(&src.join("model.onnx"), MODEL)?;
    write_atomic(&src.join("calibration.json"), CALIBRATION.as_bytes())?;
    write_atomic(&src.join("input.json"), INPUT.as_bytes())?;
    let build = dir.join("build");
    let mut rows: Vec<(&str, f64, String)> = Vec::new();

    let t = Instant::now();
    let report = compile_to_dir(&src.join("model.onnx"), None, &build, &CompileOptions::default())?;
    rows.push((
        "compile",
        t.elapsed().as_secs_f64(),
        format!(
            "{} constraints, {:.1}% float agreement",
            report.constraints.unwrap_or(0),
            report.calibration.argmax_agreement * 100.0
        ),
    ));

    let t = Instant::now();
    let keys = setup_dir(&build, &mut rand::rngs::OsRng)?;
    rows.push((
        "setup",
        t.elapsed().as_secs_f64(),
        format!("proving key {} KiB, verifying key {} B", keys.proving_key_bytes / 1024, keys.verifying_key_bytes),
    ));

    let model = load_model(&build)?;
    let pk = load_proving_key(&build)?;
    let input = read_samples(INPUT).map_err(|e| anyhow!(e))?.remove(0);
    let mut seed = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut seed);
    let t = Instant::now();
    let out = prove_sample(&model, &pk, &input, seed, random_salt(&mut rand::rngs::OsRng), &mut rand::rngs::OsRng)?;
    let proof_path = dir.join(artifacts::PROOF);
    write_atomic(&proof_path, serde_json::to_string_pretty(&out.file)?.as_bytes())?;
    rows.push((
        "prove",
        t.elapsed().as_secs_f64(),
        format!("proof {} bytes", hex::decode(&out.file.proof).map(|b| b.len()).unwrap_or(0)),
    ));

    let t = Instant::now();
    let statement = verify_files(&build.join(artifacts::VERIFYING_KEY), &proof_path)
        .map_err(|e| anyhow!("the demo proof did not verify: {e}"))?;
    rows.push(("verify", t.elapsed().as_secs_f64(), "valid (verifier core, as in the canister)".into()));

    // The same proof, checked by the verifier canister's real Wasm in the harness.
    let t = Instant::now();
    let canister = canister_verify(&build, &out.file)?;
    rows.push((
        "canister",
        t.elapsed().as_secs_f64(),
        format!(
            "verify: {} instructions, ~{:.1} M cycles on a 13-node subnet (register: {} instructions)",
            canister.verify_instructions,
            canister.verify_cycles as f64 / 1e6,
            canister.register_instructions
        ),
    ));

    let expected: serde_json::Value = serde_json::from_str(EXPECTED)?;
    let value = serde_json::json!({
        "dir": dir, "model_hash": report.model_hash,
        "steps": rows.iter().map(|(s, t, d)| serde_json::json!({"step": s, "seconds": t, "detail": d})).collect::<Vec<_>>(),
        "output_class": statement.output_index, "label": expected["label"], "onnxruntime_argmax": expected["argmax"],
        "output": out.file.output.values,
        "canister": { "verify_instructions": canister.verify_instructions, "verify_cycles": canister.verify_cycles, "register_instructions": canister.register_instructions },
    });
    let mut text = format!("verinfer demo: digits MLP (bundled), files in {}\n\n", dir.display());
    text += &format!("{:<8} {:>9}  {}\n", "step", "time", "detail");
    for (s, t, d) in &rows {
        text += &format!("{:<8} {:>8.3}s  {}\n", s, t, d);
    }
    text += &format!(
        "\nverified output: class {} (true label {}, onnxruntime says {})\nmodel hash {}",
        statement.output_index, expected["label"], expected["argmax"], report.model_hash
    );
    super::emit(json, &value, &text);
    Ok(())
}

/// What the canister step measured.
pub struct CanisterRun {
    /// Instructions of `register_model`.
    pub register_instructions: u64,
    /// Instructions of `verify`.
    pub verify_instructions: u64,
    /// Cycles `verify` would cost on a 13-node subnet (per message plus per instruction).
    pub verify_cycles: u64,
}

/// Installs the verifier canister's Wasm in the harness, registers the build's key and verifies the
/// proof with an update call.
pub fn canister_verify(build: &std::path::Path, proof: &crate::proof_file::ProofFile) -> Result<CanisterRun> {
    use candid::{decode_one, encode_one, Principal};
    use serde_bytes::ByteBuf;
    use verinfer_ic_harness::{Canister, CYCLES_PER_INSTRUCTION, CYCLES_PER_UPDATE};
    use verinfer_verifier_canister::types as t;

    let wasm = verinfer_ic_harness::verifier_canister_wasm()?;
    let controller = Principal::from_slice(&[1; 29]);
    let mut c = Canister::install(&wasm, &[controller], encode_one(None::<t::InitArgs>)?)?;
    let key = std::fs::read(build.join(artifacts::VERIFYING_KEY))?;
    let reg = t::RegisterArgs {
        verifying_key: ByteBuf::from(key),
        name: "digits_mlp".into(),
        version: "demo".into(),
        metadata: vec![],
    };
    let r = c.update(controller, "register_model", encode_one(reg)?)?;
    let info: Result<t::ModelInfo, t::Error> = decode_one(r.reply()?)?;
    let info = info.map_err(|e| anyhow!("register_model: {e:?}"))?;
    let (statement, proof_bytes) = proof.decode()?;
    let args = t::VerifyArgs {
        proof: ByteBuf::from(proof_bytes.to_bytes()),
        statement: t::Statement {
            model_hash: ByteBuf::from(statement.model_hash.to_vec()),
            input_commitment: ByteBuf::from(statement.input_commitment.to_vec()),
            seed: ByteBuf::from(statement.seed.to_vec()),
            output_index: statement.output_index,
            output: match statement.output {
                verinfer_verifier::OutputClaim::Tensor(v) => t::Output::Tensor(v),
                verinfer_verifier::OutputClaim::Commitment(c) => t::Output::Commitment(ByteBuf::from(c.to_vec())),
            },
        },
        ticket: None,
    };
    let r = c.update(Principal::anonymous(), "verify", encode_one(args)?)?;
    let verified: Result<t::Verified, t::Error> = decode_one(r.reply()?)?;
    verified.map_err(|e| anyhow!("the canister rejected the demo proof: {e:?}"))?;
    let n = r.instructions.first().copied().unwrap_or(0);
    Ok(CanisterRun {
        register_instructions: info.registration_instructions,
        verify_instructions: n,
        verify_cycles: CYCLES_PER_UPDATE + n * CYCLES_PER_INSTRUCTION,
    })
}
