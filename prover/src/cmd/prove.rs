//! `verinfer prove build/ --input input.json [--seed HEX] [--salt HEX] -o proof.json`, and with
//! `--batch inputs.jsonl -o proofs/` many inputs ([`super::batch`]).
use crate::artifacts;
use crate::fsutil::write_atomic;
use crate::pipeline::{
    load_halo2_key, load_model, load_proving_key_with, parse_hex32, parse_salt, prove_sample_halo2, prove_sample_timed,
    random_salt, read_input, setup_backend, PointValidation, ProveOutput,
};
use crate::progress::Step;
use anyhow::Result;
use rand::RngCore;
use std::path::{Path, PathBuf};
use verinfer_circuits::Timings;
use verinfer_ir::CompiledModel;
use verinfer_verifier::{fr_to_bytes, BackendId, Fr};

/// Arguments of `prove`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// Build directory with model.compiled and proving.key.
    #[arg(default_value = "build")]
    pub dir: PathBuf,
    /// The input ({"input_data": [[...]]}).
    #[arg(long, required_unless_present = "batch")]
    pub input: Option<PathBuf>,
    /// Prove every input of a JSON Lines file, loading the model and the key once: each line is an
    /// input file's object (optionally with "id", "seed" and "salt" fields) or a bare list of the
    /// input's values. Proofs go to the directory given by -o (default: proofs), one
    /// <id>.json and <id>.json.opening.json per line (id: the line's "id", else its line number).
    #[arg(long, conflicts_with_all = ["input", "seed", "salt", "timings"])]
    pub batch: Option<PathBuf>,
    /// With --batch: how many proofs run at once (default: one per worker thread). Each holds its
    /// own witness and MSM buffers: lower it for models whose proof takes GiBs.
    #[arg(long, requires = "batch")]
    pub jobs: Option<usize>,
    /// 32-byte seed: exactly 64 hex digits, optional 0x (from the canister's request_seed);
    /// default: random.
    #[arg(long)]
    pub seed: Option<String>,
    /// Commitment salt: a BN254 scalar as a hex number of 1 to 64 digits, optional 0x, odd lengths
    /// allowed (0 for a public input; keep it private otherwise); default: random.
    #[arg(long)]
    pub salt: Option<String>,
    /// Proof file to write (its directory must exist; default: proof.json); the opening (salt,
    /// quantized input) goes next to it as <file>.opening.json: keep it private. With --batch: the
    /// directory of the proofs (created if missing; default: proofs).
    #[arg(short, long)]
    pub out: Option<PathBuf>,
    /// Also validate every point of the proving key (on the curve, in the prime-order subgroup).
    /// Always checked: the key's checksum, that it belongs to verifying.key, and the SHA-256 of
    /// both key files recorded in setup.json.
    #[arg(long)]
    pub validate_proving_key: bool,
    /// Print where the time went: loading the model and the key, the witness, the constraints,
    /// the FFTs, the MSMs, writing (with --json: a "timings" object, in seconds).
    #[arg(long)]
    pub timings: bool,
}

/// Runs `prove`.
pub fn run(args: &Args, json: bool) -> Result<()> {
    if let Some(batch) = &args.batch {
        let out = args.out.clone().unwrap_or_else(|| PathBuf::from(artifacts::PROOFS_DIR));
        return super::batch::run(&super::batch::Job { dir: &args.dir, batch, out: &out, jobs: args.jobs }, args, json);
    }
    let out = args.out.clone().unwrap_or_else(|| PathBuf::from(artifacts::PROOF));
    // Refuse a mistyped output path before the work.
    let out_dir = out.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(std::path::Path::new("."));
    if !out_dir.is_dir() {
        anyhow::bail!(
            "cannot write {}: directory {} does not exist (create it first)",
            out.display(),
            out_dir.display()
        );
    }
    let mut timings = Timings::default();
    let started = std::time::Instant::now();
    let model = timings.time("load model", || load_model(&args.dir))?;
    let input_path = args.input.as_deref().ok_or_else(|| anyhow::anyhow!("give --input FILE or --batch FILE"))?;
    let input = read_input(input_path, &model.graph.input)?;
    let (seed, salt) = seed_and_salt(args.seed.as_deref(), args.salt.as_deref())?;
    let step = Step::start("proving");
    let proved = prove_in_dir(&args.dir, &model, &input, (seed, salt), validation(args), &mut timings)?;
    let secs = step.finish().as_secs_f64();
    let opening_path = timings.time("write", || write_proof(&out, &proved, salt))?;
    let wall = started.elapsed();
    let mut value = serde_json::json!({
        "proof": out, "opening": opening_path, "seconds": secs,
        "output_index": proved.file.output.index, "output": proved.file.output.values, "statement": proved.file.statement,
    });
    if args.timings {
        let phases: serde_json::Map<_, _> =
            timings.phases().iter().map(|(p, d)| (p.to_string(), d.as_secs_f64().into())).collect();
        value["timings"] = phases.into();
        value["timings_wall"] = wall.as_secs_f64().into();
    }
    let how = if model.sampling.is_random() {
        format!(" drawn with seed {} ({})", hex::encode(seed), model.sampling.describe())
    } else {
        String::new()
    };
    let mut text =
        format!("proof written to {} in {secs:.2} s: output class {}{how}", out.display(), proved.file.output.index);
    if args.timings {
        text.push_str(&timings_table(&timings, wall));
    }
    super::emit(json, &value, &text)
}

/// How much of the proving key to check on load.
pub fn validation(args: &Args) -> PointValidation {
    if args.validate_proving_key {
        PointValidation::Yes
    } else {
        PointValidation::No
    }
}

/// A fresh random 32-byte seed (for models that do not sample, or when none is given).
pub fn random_seed() -> [u8; 32] {
    let mut s = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut s);
    s
}

/// The seed and salt given (64 hex digits; a hex scalar), else 32 random bytes and a random scalar.
pub fn seed_and_salt(seed: Option<&str>, salt: Option<&str>) -> Result<([u8; 32], Fr)> {
    let seed = match seed {
        Some(s) => parse_hex32(s, "seed")?,
        None => random_seed(),
    };
    let salt = match salt {
        Some(s) => parse_salt(s)?,
        None => random_salt(&mut rand::rngs::OsRng)?,
    };
    Ok((seed, salt))
}

/// The opening of a proof's input commitment (`<proof>.opening.json`): the salt and the quantized
/// input.
pub fn opening_json(salt: &Fr, quantized_input: &[i64]) -> serde_json::Value {
    serde_json::json!({ "salt": hex::encode(fr_to_bytes(salt)), "quantized_input": quantized_input })
}

/// Proves `input` with the keys of build directory `dir` (whose model is `model`), with the
/// backend it was set up for.
pub fn prove_in_dir(
    dir: &Path,
    model: &CompiledModel,
    input: &[f64],
    (seed, salt): ([u8; 32], Fr),
    points: PointValidation,
    timings: &mut Timings,
) -> Result<ProveOutput> {
    match setup_backend(dir)? {
        BackendId::Groth16 => {
            let pk = timings.time("load key", || load_proving_key_with(dir, model, points))?;
            prove_sample_timed(model, &pk, input, (seed, salt), &mut rand::rngs::OsRng, timings)
        }
        BackendId::Halo2 => {
            let key = timings.time("load key", || load_halo2_key(dir, model))?;
            prove_sample_halo2(model, &key, input, (seed, salt), timings)
        }
    }
}

/// Writes the proof file to `out` and its opening (salt, quantized input) beside it, each
/// atomically; returns the opening's path.
pub fn write_proof(out: &Path, proved: &ProveOutput, salt: Fr) -> Result<PathBuf> {
    let opening_path = PathBuf::from(format!("{}{}", out.display(), artifacts::OPENING_SUFFIX));
    write_atomic(out, serde_json::to_string_pretty(&proved.file)?.as_bytes())?;
    let opening = opening_json(&salt, &proved.quantized_input);
    write_atomic(&opening_path, serde_json::to_string_pretty(&opening)?.as_bytes())?;
    Ok(opening_path)
}

/// The phases as aligned lines (seconds and share of the wall time from loading to writing), after
/// a newline. `key read` overlaps the MSMs, so the shares add up to more than 100%.
fn timings_table(t: &Timings, wall: std::time::Duration) -> String {
    let total = wall.as_secs_f64().max(f64::MIN_POSITIVE);
    let mut s = String::new();
    for (phase, d) in t.phases().iter().chain([&("wall", wall)]) {
        let secs = d.as_secs_f64();
        s.push_str(&format!("\n  {phase:<12} {secs:>8.3} s {:>5.1}%", 100.0 * secs / total));
    }
    s
}
