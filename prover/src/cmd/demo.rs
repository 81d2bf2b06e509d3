//! `verinfer demo`: the whole pipeline on the bundled digits MLP, with a timing table: compile (with a
//! seeded categorical draw), a ceremony (two contributors and a beacon on the bundled test ptau),
//! input commitment, a seed ticket from the verifier canister, prove,
//! verify, and the canister's verification consuming the ticket.
use crate::artifacts;
use crate::fsutil::{create_dir, write_atomic};
use crate::pipeline::{compile_to_dir, load_model, load_proving_key, prove_sample, random_salt, verify_files};
use anyhow::{anyhow, Result};
use std::path::PathBuf;
use std::time::Instant;
use verinfer_circuits::commit::{commit, INPUT_DOMAIN};
use verinfer_compiler::{data::read_samples, CompileOptions};
use verinfer_ir::sampling::probabilities;
use verinfer_ir::SamplingSpec;
use verinfer_verifier::fr_to_bytes;

const MODEL: &[u8] = include_bytes!("../../../fixtures/digits_mlp/model.onnx");
const CALIBRATION: &str = include_str!("../../../fixtures/digits_mlp/calibration.json");
const INPUT: &str = include_str!("../../../fixtures/digits_mlp/input.json");
const EXPECTED: &str = include_str!("../../../fixtures/digits_mlp/expected.json");
/// A power-12 Powers of Tau made with snarkjs on one machine (fixtures/ptau/README.md): for the demo
/// and tests only, since one party could have kept its secret.
const PTAU: &[u8] = include_bytes!("../../../fixtures/ptau/pot12_final.ptau");
/// The demo's public beacon (a real ceremony takes a value nobody could know in advance).
const BEACON: &str = "5e7e6f1d4c3b2a190817f6e5d4c3b2a1908172635445362718091a2b3c4d5e6f";

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
    create_dir(&src)?;
    write_atomic(&src.join("model.onnx"), MODEL)?;
    write_atomic(&src.join("calibration.json"), CALIBRATION.as_bytes())?;
    write_atomic(&src.join("input.json"), INPUT.as_bytes())?;
    let build = dir.join("build");
    let mut rows: Vec<(&str, f64, String)> = Vec::new();

    let t = Instant::now();
    // The model's own softmax (temperature 1): the output class is drawn with the canister's seed.
    let opts = CompileOptions { sampling: SamplingSpec::Categorical { temperature: 1.0 }, ..CompileOptions::default() };
    let report = compile_to_dir(&src.join("model.onnx"), None, &build, &opts)?;
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
    let (keys, ceremony) = run_ceremony(&dir, &build)?;
    rows.push((
        "ceremony",
        t.elapsed().as_secs_f64(),
        format!(
            "ptau 2^{} (bundled, test-only) -> init -> alice -> bob -> beacon, verified; proving key {} KiB, \
             verifying key {} B; transcript {}...",
            ceremony.ptau_power,
            keys.proving_key_bytes / 1024,
            keys.verifying_key_bytes,
            &ceremony.transcript_sha256[..16]
        ),
    ));

    let model = load_model(&build)?;
    let pk = load_proving_key(&build, &model)?;
    let input = read_samples(INPUT).map_err(|e| anyhow!(e))?.remove(0);
    let q = verinfer_ir::quantize_input(&model.graph, &input)?;

    // The seed protocol: commit to the input, then let the canister draw the seed.
    let t = Instant::now();
    let mut canister = DemoCanister::start(&build, &model.name)?;
    rows.push((
        "register",
        t.elapsed().as_secs_f64(),
        "verifier canister Wasm installed in the harness (ceremony keys only), verifying key registered with its ceremony".into(),
    ));
    let t = Instant::now();
    let salt = random_salt(&mut rand::rngs::OsRng)?;
    let commitment = fr_to_bytes(&commit(INPUT_DOMAIN, salt, &q, model.graph.nodes[0].bits.0));
    let ticket = canister.request_seed(&model.model_hash()?.0, &commitment)?;
    rows.push((
        "seed",
        t.elapsed().as_secs_f64(),
        format!(
            "input committed, then ticket {} from the canister for the contract (fee paid): seed {}",
            ticket.id,
            hex::encode(&ticket.seed)
        ),
    ));

    let seed: [u8; 32] = ticket.seed.as_slice().try_into().map_err(|_| anyhow!("the ticket's seed is not 32 bytes"))?;
    let t = Instant::now();
    let out = prove_sample(&model, &pk, &input, seed, salt, &mut rand::rngs::OsRng)?;
    let proof_path = dir.join(artifacts::PROOF);
    write_atomic(&proof_path, serde_json::to_string_pretty(&out.file)?.as_bytes())?;
    let logits = verinfer_ir::evaluate(&model.graph, &q)?.output(&model.graph).to_vec();
    let probability = probabilities(&model.sampling, &logits)[out.file.output.index as usize];
    rows.push((
        "prove",
        t.elapsed().as_secs_f64(),
        format!(
            "proof {} bytes: class {} drawn with the ticket's seed (probability {:.4})",
            hex::decode(&out.file.proof).map(|b| b.len()).unwrap_or(0),
            out.file.output.index,
            probability
        ),
    ));

    let t = Instant::now();
    let statement =
        verify_files(&build.join(artifacts::VERIFYING_KEY), &proof_path, Some(&build.join(artifacts::MODEL)))
            .map_err(|e| anyhow!("the demo proof did not verify: {e}"))?;
    rows.push(("verify", t.elapsed().as_secs_f64(), "valid (verifier core, as in the canister)".into()));

    // The same proof, checked by the verifier canister's real Wasm in the harness, consuming the ticket.
    let t = Instant::now();
    let run = canister.verify(&out.file, ticket.id)?;
    rows.push((
        "canister",
        t.elapsed().as_secs_f64(),
        format!(
            "verify with ticket {} by the contract: {} instructions, ~{:.1} M cycles on a 13-node subnet, \
             {:.1} M paid by the contract (34-node price; register: {} instructions); a replay is refused",
            ticket.id,
            run.verify_instructions,
            run.verify_cycles as f64 / 1e6,
            run.verify_paid as f64 / 1e6,
            run.register_instructions
        ),
    ));

    let expected: serde_json::Value = serde_json::from_str(EXPECTED)?;
    let value = serde_json::json!({
        "dir": dir, "model_hash": report.model_hash, "sampling": model.sampling.describe(),
        "steps": rows.iter().map(|(s, t, d)| serde_json::json!({"step": s, "seconds": t, "detail": d})).collect::<Vec<_>>(),
        "output_class": statement.output_index, "probability": probability, "ticket": ticket.id,
        "seed": hex::encode(seed), "label": expected["label"], "onnxruntime_argmax": expected["argmax"],
        "output": out.file.output.values,
        "canister": { "verify_instructions": run.verify_instructions, "verify_cycles": run.verify_cycles, "verify_paid_cycles": run.verify_paid as u64, "register_instructions": run.register_instructions },
    });
    let mut text =
        format!("verinfer demo: digits MLP (bundled), {}, files in {}\n\n", model.sampling.describe(), dir.display());
    text += &format!("{:<8} {:>9}  {}\n", "step", "time", "detail");
    for (s, t, d) in &rows {
        text += &format!("{:<8} {:>8.3}s  {}\n", s, t, d);
    }
    text += &format!(
        "\nverified output: class {} drawn with the canister's seed (true label {}, onnxruntime's argmax {})\nmodel hash {}",
        statement.output_index, expected["label"], expected["argmax"], report.model_hash
    );
    super::emit(json, &value, &text)
}

/// Phase 2 of a ceremony in `dir` for the build's circuit: two contributors, then the beacon; the
/// result is verified against the initial parameters and its keys written into `build`.
fn run_ceremony(
    dir: &std::path::Path,
    build: &std::path::Path,
) -> Result<(crate::pipeline::SetupOutput, crate::pipeline::CeremonyRecord)> {
    use crate::ceremony as c;
    let ptau = dir.join("pot12_final.ptau");
    write_atomic(&ptau, PTAU)?;
    use verinfer_ceremony::phase2;
    let (init, ptau) = c::initial_zkey(build, &ptau)?;
    let z = |i: usize| dir.join(format!("{i:04}.zkey"));
    c::write_zkey(&z(0), &init)?;
    // Each step as `verinfer ceremony contribute|beacon` does it, without re-reading the files.
    let (alice, _) = phase2::contribute(&init, &mut c::os_contribution_rng(""), Some("alice".into()));
    c::write_zkey(&z(1), &alice)?;
    let (bob, _) = phase2::contribute(&alice, &mut c::os_contribution_rng(""), Some("bob".into()));
    c::write_zkey(&z(2), &bob)?;
    let (last, _) = phase2::beacon(&bob, &c::parse_beacon(BEACON)?, 10, Some("beacon".into()))?;
    c::write_zkey(&z(3), &last)?;
    let checked = c::verify_against(&z(3), &init, &ptau)?;
    c::write_checked(&checked, &z(3), build)
}

/// What the canister step measured.
pub struct CanisterRun {
    /// Instructions of `register_model`.
    pub register_instructions: u64,
    /// Instructions of `verify`.
    pub verify_instructions: u64,
    /// Cycles `verify` would cost on a 13-node subnet (per message plus per instruction).
    pub verify_cycles: u64,
    /// Cycles the calling contract paid for `verify` (at the canister's 34-node price).
    pub verify_paid: u128,
}

/// The principal that installs the demo canister and registers the model.
const CONTROLLER: candid::Principal = candid::Principal::from_slice(&[1; 29]);
/// The contract (a canister id) that requests the seed and verifies, paying with attached cycles.
const CONTRACT: candid::Principal = candid::Principal::from_slice(&[0, 0, 0, 0, 0, 0x10, 0, 9, 1, 1]);
/// Cycles the contract attaches to `request_seed` and `verify` (the canister's default fees).
const SEED_CYCLES: u128 = 40_000_000;
const VERIFY_CYCLES: u128 = 1_000_000_000;

/// The verifier canister's real Wasm in the harness, with the demo's model registered.
pub struct DemoCanister {
    canister: verinfer_ic_harness::Canister,
    register_instructions: u64,
}

impl DemoCanister {
    /// Installs the canister and registers the build's verifying key.
    pub fn start(build: &std::path::Path, name: &str) -> Result<DemoCanister> {
        use candid::{decode_one, encode_one};
        use serde_bytes::ByteBuf;
        use verinfer_verifier_canister::types as t;
        let wasm = verinfer_ic_harness::verifier_canister_wasm()?;
        let controller = CONTROLLER;
        // The canister accepts only keys from a ceremony, as a deployment for contracts should.
        let init = t::InitArgs { require_ceremony: Some(true), ..t::InitArgs::default() };
        let mut c = verinfer_ic_harness::Canister::install(&wasm, &[controller], encode_one(Some(init))?)?;
        // raw_rand answers with OS randomness here, as the replica's would be unpredictable.
        let mut seed = [0u8; 32];
        rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, &mut seed);
        c.seed_raw_rand(seed);
        let key = std::fs::read(build.join(artifacts::VERIFYING_KEY))?;
        let record = crate::pipeline::read_setup_record(&build.join(artifacts::SETUP))?;
        let reg = t::RegisterArgs {
            verifying_key: ByteBuf::from(key),
            name: name.into(),
            version: "demo".into(),
            metadata: vec![],
            setup: Some(super::canister::provenance(&record)?),
        };
        let r = c.update(controller, "register_model", encode_one(reg)?)?;
        let info: Result<t::ModelInfo, t::Error> = decode_one(r.reply()?)?;
        let info = info.map_err(|e| anyhow!("register_model: {e:?}"))?;
        Ok(DemoCanister { canister: c, register_instructions: info.registration_instructions })
    }

    /// `request_seed(model_hash, input_commitment)`: a ticket with a seed from `raw_rand`.
    pub fn request_seed(
        &mut self,
        model_hash: &[u8; 32],
        commitment: &[u8; 32],
    ) -> Result<verinfer_verifier_canister::types::Ticket> {
        use candid::{decode_one, encode_one};
        use serde_bytes::ByteBuf;
        use verinfer_verifier_canister::types as t;
        let args = encode_one(t::SeedRequest {
            model_hash: ByteBuf::from(model_hash.to_vec()),
            input_commitment: ByteBuf::from(commitment.to_vec()),
            event: None,
            consumer: None,
        })?;
        let r = self.canister.update_with_cycles(CONTRACT, "request_seed", args, SEED_CYCLES)?;
        let ticket: Result<t::Ticket, t::Error> = decode_one(r.reply()?)?;
        ticket.map_err(|e| anyhow!("request_seed: {e:?}"))
    }

    /// `verify` with the ticket (an update call that consumes it), then checks that a replay is refused.
    pub fn verify(&mut self, proof: &crate::proof_file::ProofFile, ticket: u64) -> Result<CanisterRun> {
        use candid::{decode_one, encode_one};
        use verinfer_ic_harness::{CYCLES_PER_INSTRUCTION, CYCLES_PER_UPDATE};
        use verinfer_verifier_canister::types as t;
        let args = proof.canister_args(Some(ticket))?;
        let r = self.canister.update_with_cycles(CONTRACT, "verify", encode_one(&args)?, VERIFY_CYCLES)?;
        let verified: Result<t::Verified, t::Error> = decode_one(r.reply()?)?;
        verified.map_err(|e| anyhow!("the canister rejected the demo proof: {e:?}"))?;
        let n = r.instructions.first().copied().unwrap_or(0);
        let replay = self.canister.update_with_cycles(CONTRACT, "verify", encode_one(&args)?, VERIFY_CYCLES)?;
        let replay: Result<t::Verified, t::Error> = decode_one(replay.reply()?)?;
        if !matches!(replay, Err(t::Error::TicketAlreadyUsed { .. })) {
            return Err(anyhow!("the canister did not refuse a replayed ticket: {replay:?}"));
        }
        Ok(CanisterRun {
            register_instructions: self.register_instructions,
            verify_instructions: n,
            verify_cycles: CYCLES_PER_UPDATE + n * CYCLES_PER_INSTRUCTION,
            verify_paid: r.cycles_accepted,
        })
    }
}
