//! The library behind the CLI: compile, setup, prove and verify on build directories. The commands,
//! the tests and the benchmarks all go through these functions.
use crate::artifacts;
use crate::fsutil::{create_dir, read, read_string, write_atomic, write_atomic_with};
use crate::proof_file::{ProofFile, ReadableOutput};
use anyhow::{anyhow, bail, Context, Result};
use rand::{CryptoRng, RngCore};
use std::path::{Path, PathBuf};
use verinfer_circuits::{assign, lowering_version, Backend, ProvingKey, Timings};
use verinfer_compiler::data::{read_samples, samples_of, split_samples};
use verinfer_compiler::{compile, CompileOptions, Report};
use verinfer_halo2::Halo2;
use verinfer_ir::{quantize_input, CompiledModel};
use verinfer_verifier::{BackendId, Fr, Groth16, Statement, Verifier, VerifyError, VerifyingKey};

pub use crate::setup_record::*;

/// Where calibration data comes from when `--calibration` is not given: the samples bundled next to
/// the model (`calibration.json`, else `input.json`).
pub fn default_calibration(onnx: &Path) -> Option<PathBuf> {
    let dir = onnx.parent().unwrap_or(Path::new("."));
    ["calibration.json", "input.json"].iter().map(|n| dir.join(n)).find(|p| p.is_file())
}

/// The largest circuit whose other candidate widths `compile` counts constraints for.
pub const TRIAL_COUNT_LIMIT: usize = 2_000_000;

/// Compiles `onnx` into `out` (`model.compiled`, `report.json`); returns the report.
pub fn compile_to_dir(onnx: &Path, calibration: Option<&Path>, out: &Path, opts: &CompileOptions) -> Result<Report> {
    let bytes = read(onnx)?;
    let samples = match read_calibration(onnx, calibration) {
        Ok(samples) => samples,
        // Unsupported operators are the first thing a user must hear about, before any problem with
        // calibration data. (`compile` checks them first too, so the model is imported once when the
        // data is fine.)
        Err(e) => {
            verinfer_compiler::check_supported(&bytes, opts.output.as_deref())
                .with_context(|| format!("compiling {}", onnx.display()))?;
            return Err(e);
        }
    };
    compile_samples_to_dir(onnx, &bytes, &samples, out, opts)
}

/// Compiles the ONNX file `onnx` (its content `bytes`) with calibration `samples` (one row of
/// input values each) into `out`; returns the report.
pub fn compile_samples_to_dir(
    onnx: &Path,
    bytes: &[u8],
    samples: &[Vec<f64>],
    out: &Path,
    opts: &CompileOptions,
) -> Result<Report> {
    let compiled = compile(bytes, samples, opts).with_context(|| format!("compiling {}", onnx.display()))?;
    let mut report = compiled.report;
    let by_gadget = Groth16::circuit_size(&compiled.model).context("counting constraints")?;
    report.constraints = Some(by_gadget.values().sum());
    report.activations = activation_cost(&compiled.model, &by_gadget);
    report.constraints_by_gadget = Some(by_gadget);
    // the widths tried: the first trial is the width chosen, the others come with their models
    let mut trials = report.precision.trials.iter_mut();
    if let Some(t) = trials.next() {
        t.constraints = report.constraints;
    }
    // counting synthesizes the circuit: a few seconds per million constraints, so the other widths
    // of a large model are not counted (their accuracy is still reported)
    if report.constraints.is_some_and(|c| c <= TRIAL_COUNT_LIMIT) {
        for (t, m) in trials.zip(&compiled.trials) {
            if let Some(m) = m {
                t.constraints = Some(Groth16::circuit_size(m).context("counting constraints")?.values().sum());
            }
        }
    }
    create_dir(out)?;
    write_atomic(&out.join(artifacts::MODEL), &compiled.model.to_bytes()?)?;
    write_atomic(&out.join(artifacts::REPORT), report.to_json().as_bytes())?;
    Ok(report)
}

/// The parts of the constraint breakdown that are the statement's, not the layers'.
const STATEMENT_PARTS: [&str; 5] = ["input", "input_commitment", "output", "sampling", "statement"];

/// The layers' constraints per rescaled element (`None` for a model without a rescale).
fn activation_cost(
    model: &CompiledModel,
    by_gadget: &std::collections::BTreeMap<String, usize>,
) -> Option<verinfer_compiler::report::ActivationCost> {
    let count: usize = model.graph.nodes.iter().filter(|n| n.op.kind() == "rescale").map(|n| n.len()).sum();
    let constraints: usize =
        by_gadget.iter().filter(|(k, _)| !STATEMENT_PARTS.contains(&k.as_str())).map(|(_, v)| v).sum();
    (count > 0).then(|| verinfer_compiler::report::ActivationCost {
        count,
        constraints,
        per_activation: constraints as f64 / count as f64,
    })
}

/// The calibration samples: `calibration`, else the file bundled next to the model.
fn read_calibration(onnx: &Path, calibration: Option<&Path>) -> Result<Vec<Vec<f64>>> {
    let cal_path = match calibration {
        Some(p) => p.to_path_buf(),
        None => default_calibration(onnx).ok_or_else(|| {
            anyhow!("no calibration data: pass --calibration data.json ({{\"input_data\": [[...], ...]}}) or put calibration.json next to {}", onnx.display())
        })?,
    };
    read_samples(&read_string(&cal_path)?).map_err(|e| anyhow!("{}: {e}", cal_path.display()))
}

/// Loads `model.compiled` from a build directory.
pub fn load_model(dir: &Path) -> Result<CompiledModel> {
    let path = dir.join(artifacts::MODEL);
    CompiledModel::from_bytes(&read(&path)?).with_context(|| format!("reading {}", path.display()))
}

/// What setup produced.
pub struct SetupOutput {
    /// Proving key size in bytes.
    pub proving_key_bytes: usize,
    /// Verifying key size in bytes.
    pub verifying_key_bytes: usize,
}

/// `verinfer setup --backend halo2`: writes `verifying.key` (the halo2 key file) and `setup.json`,
/// and removes a Groth16 `proving.key` left from an earlier setup.
pub fn setup_dir_halo2(dir: &Path) -> Result<SetupOutput> {
    let model = load_model(dir)?;
    let vk_path = dir.join(artifacts::VERIFYING_KEY);
    write_atomic_with(&vk_path, |file| {
        Ok(<Halo2 as Backend>::setup(&model, std::io::BufWriter::new(file), &mut rand::rngs::OsRng)?)
    })?;
    let vkb = read(&vk_path)?;
    let record = SetupRecord {
        format: SETUP_FORMAT.into(),
        format_version: SETUP_VERSION,
        model_hash: hex::encode(model.model_hash()?.0),
        kind: SetupKind::Transparent,
        provenance: Provenance::Transparent.describe().into(),
        proving_key_sha256: String::new(),
        verifying_key_sha256: sha256_hex(&vkb),
        ceremony: None,
        lowering: lowering_version(&model.graph),
        backend: BackendId::Halo2,
    };
    let pk_path = dir.join(artifacts::PROVING_KEY);
    if pk_path.exists() {
        std::fs::remove_file(&pk_path).with_context(|| format!("removing the old {}", pk_path.display()))?;
    }
    write_atomic(&dir.join(artifacts::SETUP), serde_json::to_string_pretty(&record)?.as_bytes())?;
    Ok(SetupOutput { proving_key_bytes: 0, verifying_key_bytes: vkb.len() })
}

/// The backend a build directory's keys are for (`setup.json`).
pub fn setup_backend(dir: &Path) -> Result<BackendId> {
    Ok(read_setup_record(&dir.join(artifacts::SETUP))?.backend)
}

/// Loads and prepares a halo2 build directory's key (checked against `setup.json`, then the
/// regenerated verifying key against the key file's record).
pub fn load_halo2_key(dir: &Path, model: &CompiledModel) -> Result<verinfer_halo2::verifier::PreparedKey> {
    let vk_path = dir.join(artifacts::VERIFYING_KEY);
    let record_path = dir.join(artifacts::SETUP);
    let record = read_setup_record(&record_path)?;
    let bytes = read(&vk_path).context("run `verinfer setup --backend halo2` first")?;
    let actual = sha256_hex(&bytes);
    if !actual.eq_ignore_ascii_case(&record.verifying_key_sha256) {
        let recorded = record.verifying_key_sha256.clone();
        return Err(KeyError::DigestMismatch { file: vk_path, record: record_path, recorded, actual }.into());
    }
    let key = Halo2::decode_key(&bytes).with_context(|| format!("reading {}", vk_path.display()))?;
    if key.model.model_hash()? != model.model_hash()? {
        bail!("{} is for another model: run `verinfer setup --backend halo2` again", vk_path.display());
    }
    Ok(Halo2::prepare(&key).with_context(|| format!("preparing {}", vk_path.display()))?)
}

/// [`prove_sample_timed`] with halo2.
pub fn prove_sample_halo2(
    model: &CompiledModel,
    key: &verinfer_halo2::verifier::PreparedKey,
    input: &[f64],
    (seed, salt): ([u8; 32], Fr),
    timings: &mut Timings,
) -> Result<ProveOutput> {
    let (q, witness) = timings.time("witness", || -> Result<_> {
        let q = quantize_input(&model.graph, input).context("quantizing the input")?;
        let witness = <Halo2 as Backend>::assign(model, q.clone(), salt, seed).context("evaluating the model")?;
        Ok((q, witness))
    })?;
    let proof = <Halo2 as Backend>::prove(model, key, &witness, &mut rand::rngs::OsRng, timings)?;
    let file = ProofFile::new_for::<Halo2>(&model.name, &witness.statement, &proof, readable_output(model, &witness))?;
    Ok(ProveOutput { file, quantized_input: q })
}

/// The proof file's readable output of a witness.
fn readable_output(model: &CompiledModel, witness: &verinfer_circuits::ProverWitness) -> ReadableOutput {
    let out_node = model.graph.output_node();
    let values = match model.output_mode {
        verinfer_ir::OutputMode::Tensor => {
            Some(witness.eval.output(&model.graph).iter().map(|&v| out_node.scale.dequantize(v)).collect())
        }
        verinfer_ir::OutputMode::Commitment => None,
    };
    ReadableOutput { index: witness.statement.output_index, values, scale: out_node.scale.0 }
}

/// SHA-256 of a file's bytes, hex (the digests `setup.json` records).
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(verinfer_circuits::groth16::key_file_digest(bytes))
}

/// Runs the circuit-specific setup with `rng` and writes both keys and `setup.json`; the record
/// says the randomness was supplied by the calling program ([`Provenance::CallerRng`]).
pub fn setup_dir<R: RngCore + CryptoRng>(dir: &Path, rng: &mut R) -> Result<SetupOutput> {
    setup_dir_recorded(dir, rng, Provenance::CallerRng)
}

/// `verinfer setup`: randomness from the operating system.
pub fn setup_dir_os(dir: &Path) -> Result<SetupOutput> {
    setup_dir_recorded(dir, &mut rand::rngs::OsRng, Provenance::OsRandomness)
}

/// `verinfer setup --insecure-deterministic-seed N`: for tests only, anyone who knows `n` can forge.
pub fn setup_dir_insecure(dir: &Path, n: u64) -> Result<SetupOutput> {
    use rand::SeedableRng;
    setup_dir_recorded(dir, &mut rand_chacha::ChaCha20Rng::seed_from_u64(n), Provenance::InsecureDeterministicSeed)
}

fn setup_dir_recorded<R: RngCore + CryptoRng>(dir: &Path, rng: &mut R, provenance: Provenance) -> Result<SetupOutput> {
    let model = load_model(dir)?;
    // The proving key goes straight to disk as it is computed (it is about 390 bytes a constraint).
    let pk_path = dir.join(artifacts::PROVING_KEY);
    let vk = write_atomic_with(&pk_path, |file| {
        Ok(Groth16::setup(&model, std::io::BufWriter::with_capacity(1 << 20, file), rng)?)
    })?;
    let (pk_digest, pk_len) = file_sha256(&pk_path)?;
    let vkb = vk.to_bytes()?;
    write_vk_and_record(dir, &vk, &vkb, pk_digest, (provenance, None), lowering_version(&model.graph))?;
    Ok(SetupOutput { proving_key_bytes: pk_len as usize, verifying_key_bytes: vkb.len() })
}

/// SHA-256 (hex) and length of a file, read as a stream.
pub fn file_sha256(path: &Path) -> Result<(String, u64)> {
    use sha2::Digest;
    let mut f = std::fs::File::open(path).with_context(|| format!("reading {}", path.display()))?;
    let mut h = sha2::Sha256::new();
    let n = std::io::copy(&mut f, &mut h).with_context(|| format!("reading {}", path.display()))?;
    Ok((hex::encode(h.finalize()), n))
}

/// Writes both keys and `setup.json` (the key files' digests, the provenance and the lowering
/// version of `model`'s circuit, which the keys must be for).
pub fn write_keys(
    dir: &Path,
    model: &CompiledModel,
    (pk, vk): (&ProvingKey, &VerifyingKey),
    provenance: Provenance,
    ceremony: Option<CeremonyRecord>,
) -> Result<SetupOutput> {
    let pkb = pk.to_bytes()?;
    let vkb = vk.to_bytes()?;
    write_atomic(&dir.join(artifacts::PROVING_KEY), &pkb)?;
    write_vk_and_record(dir, vk, &vkb, sha256_hex(&pkb), (provenance, ceremony), lowering_version(&model.graph))?;
    Ok(SetupOutput { proving_key_bytes: pkb.len(), verifying_key_bytes: vkb.len() })
}

fn write_vk_and_record(
    dir: &Path,
    vk: &VerifyingKey,
    vkb: &[u8],
    proving_key_sha256: String,
    (provenance, ceremony): (Provenance, Option<CeremonyRecord>),
    lowering: u32,
) -> Result<()> {
    let record = SetupRecord {
        format: SETUP_FORMAT.into(),
        format_version: SETUP_VERSION,
        model_hash: hex::encode(vk.model_hash),
        kind: provenance.kind(),
        provenance: provenance.describe().into(),
        proving_key_sha256,
        verifying_key_sha256: sha256_hex(vkb),
        ceremony,
        lowering,
        backend: BackendId::Groth16,
    };
    write_atomic(&dir.join(artifacts::VERIFYING_KEY), vkb)?;
    write_atomic(&dir.join(artifacts::SETUP), serde_json::to_string_pretty(&record)?.as_bytes())
}

/// Parses a seed: exactly 64 hex digits (32 bytes), with an optional `0x` prefix. `what` names the
/// value in errors.
pub fn parse_hex32(s: &str, what: &str) -> Result<[u8; 32]> {
    let digits = strip_0x(s);
    if digits.is_empty() {
        bail!("{what} is empty; give 64 hex digits (32 bytes)");
    }
    if !digits.bytes().all(|b| b.is_ascii_hexdigit()) {
        bail!("{what} '{s}' is not hexadecimal");
    }
    if digits.len() != 64 {
        bail!("{what} has {} hex digits; it must have exactly 64 (32 bytes)", digits.len());
    }
    let v = hex::decode(digits).map_err(|_| anyhow!("{what} '{s}' is not hexadecimal"))?;
    v.try_into().map_err(|_| anyhow!("{what} must be 32 bytes"))
}

/// Parses a salt: a BN254 scalar written as a hexadecimal number (optional `0x`), 1 to 64 digits
/// (`0` is an unsalted commitment, `2a` is 42), below the scalar modulus.
pub fn parse_salt(s: &str) -> Result<Fr> {
    let digits = strip_0x(s);
    if digits.is_empty() {
        bail!("salt is empty; give a hex number (0 for an unsalted commitment of a public input)");
    }
    if !digits.bytes().all(|b| b.is_ascii_hexdigit()) {
        bail!("salt '{s}' is not hexadecimal");
    }
    if digits.len() > 64 {
        bail!("salt has {} hex digits; at most 64 (32 bytes)", digits.len());
    }
    let v = hex::decode(format!("{digits:0>64}")).map_err(|_| anyhow!("salt '{s}' is not hexadecimal"))?;
    let b: [u8; 32] = v.try_into().map_err(|_| anyhow!("salt must be at most 32 bytes"))?;
    verinfer_verifier::fr_from_bytes_checked(&b).map_err(|_| anyhow!("salt must be below the BN254 scalar modulus"))
}

fn strip_0x(s: &str) -> &str {
    s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")).unwrap_or(s)
}

/// A random salt, uniform below 2^248 (31 random bytes under a zero byte, always below the
/// BN254 scalar modulus, about 2^253.6).
pub fn random_salt<R: RngCore>(rng: &mut R) -> Result<Fr> {
    let mut b = [0u8; 32];
    rng.fill_bytes(&mut b[1..]);
    verinfer_verifier::fr_from_bytes(&b, "random salt").context("drawing a salt")
}

/// What proving produced.
pub struct ProveOutput {
    /// The proof file.
    pub file: ProofFile,
    /// The quantized input (part of the opening).
    pub quantized_input: Vec<i64>,
}

/// Proves `model` on one flattened input sample.
pub fn prove_sample<R: RngCore + CryptoRng>(
    model: &CompiledModel,
    pk: &ProvingKey,
    input: &[f64],
    seed: [u8; 32],
    salt: Fr,
    rng: &mut R,
) -> Result<ProveOutput> {
    prove_sample_timed(model, pk, input, (seed, salt), rng, &mut Timings::default())
}

/// [`prove_sample`], adding the wall time of its phases to `timings`: `witness` (quantizing the
/// input and evaluating the model), then those of [`verinfer_circuits::prove_timed`].
pub fn prove_sample_timed<R: RngCore + CryptoRng>(
    model: &CompiledModel,
    pk: &ProvingKey,
    input: &[f64],
    (seed, salt): ([u8; 32], Fr),
    rng: &mut R,
    timings: &mut Timings,
) -> Result<ProveOutput> {
    let (q, witness) = timings.time("witness", || -> Result<_> {
        let q = quantize_input(&model.graph, input).context("quantizing the input")?;
        let witness = assign(model, q.clone(), salt, seed).context("evaluating the model")?;
        Ok((q, witness))
    })?;
    let proof = Groth16::prove(model, pk, &witness, rng, timings).map_err(|e| key_digest_error(pk, e))?;
    let file = ProofFile::new(&model.name, &witness.statement, &proof, readable_output(model, &witness))?;
    Ok(ProveOutput { file, quantized_input: q })
}

/// Why the keys of a build directory were refused before proving.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum KeyError {
    /// The proving key's embedded verifying key is not `verifying.key`: the keys come from two setups
    /// (or one was substituted). Proofs would not verify, or the proving key was crafted.
    #[error("{} does not belong to {}: {reason}. Run `verinfer setup` again (and register the new verifying key)", proving_key.display(), verifying_key.display())]
    Mismatch {
        /// The proving key file.
        proving_key: PathBuf,
        /// The verifying key file.
        verifying_key: PathBuf,
        /// What differs.
        reason: String,
    },
    /// A key file is not the one whose SHA-256 setup recorded.
    #[error("{} is not the file setup wrote: its SHA-256 is {actual}, {} records {recorded}. Run `verinfer setup` again", file.display(), record.display())]
    DigestMismatch {
        /// The key file.
        file: PathBuf,
        /// The setup record.
        record: PathBuf,
        /// SHA-256 recorded at setup, hex.
        recorded: String,
        /// SHA-256 of the file now, hex.
        actual: String,
    },
    /// No setup record (a build directory from before `setup.json`, or the record was removed).
    #[error("{} is missing: the key files cannot be checked. Run `verinfer setup` again", record.display())]
    MissingRecord {
        /// The setup record.
        record: PathBuf,
    },
    /// The keys were made for other constraints: an older (or newer) verinfer lowers this model's
    /// gadgets differently, so its proofs would not verify.
    #[error("the keys in {} were made for version {recorded} of this model's constraints; this verinfer writes version {current} (a gadget changed). Run `verinfer setup` again (or a new ceremony) and register the new verifying key", dir.display())]
    StaleLowering {
        /// The build directory.
        dir: PathBuf,
        /// The version `setup.json` records.
        recorded: u32,
        /// The version of the constraints this build writes.
        current: u32,
    },
    /// The setup record cannot be read.
    #[error("{}: {reason}", record.display())]
    MalformedRecord {
        /// The setup record.
        record: PathBuf,
        /// What is wrong.
        reason: String,
    },
}

/// How much of the proving key to check on load.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum PointValidation {
    /// The checksum, the verifying key and the setup record only (the default).
    #[default]
    No,
    /// Also every point: on the curve and in the prime-order subgroup (several times a proof's cost).
    Yes,
}

/// Loads the proving key of a build directory for `model` (the directory's), after checking it
/// against the directory's `verifying.key` (the verifying key embedded in the proving key must be
/// that one), both key files against the SHA-256 digests `setup.json` recorded at setup, and the
/// recorded lowering version against the one `model`'s circuit has now.
pub fn load_proving_key(dir: &Path, model: &CompiledModel) -> Result<ProvingKey> {
    load_proving_key_with(dir, model, PointValidation::No)
}

/// [`load_proving_key`], optionally validating every point of the proving key.
pub fn load_proving_key_with(dir: &Path, model: &CompiledModel, points: PointValidation) -> Result<ProvingKey> {
    let path = dir.join(artifacts::PROVING_KEY);
    let vk_path = dir.join(artifacts::VERIFYING_KEY);
    let record_path = dir.join(artifacts::SETUP);
    if !path.is_file() {
        bail!("{} is missing: run `verinfer setup` first", path.display());
    }
    // The key is opened, not loaded: each proof streams its queries (checksum and, if asked, every
    // point checked as they are read).
    let pk = ProvingKey::open(&path, points == PointValidation::Yes)
        .with_context(|| format!("reading {}", path.display()))?;
    let vk_bytes = read(&vk_path).context("run `verinfer setup` first")?;
    let vk = VerifyingKey::from_bytes(&vk_bytes).with_context(|| format!("reading {}", vk_path.display()))?;
    pk.check_pair(&vk).map_err(|e| KeyError::Mismatch {
        proving_key: path.clone(),
        verifying_key: vk_path.clone(),
        reason: match e {
            verinfer_circuits::BackendError::KeyPairMismatch(r) => r,
            other => other.to_string(),
        },
    })?;
    let record = read_setup_record(&record_path)?;
    let current = lowering_version(&model.graph);
    if record.lowering != current {
        return Err(KeyError::StaleLowering { dir: dir.to_path_buf(), recorded: record.lowering, current }.into());
    }
    let actual = sha256_hex(&vk_bytes);
    if !actual.eq_ignore_ascii_case(&record.verifying_key_sha256) {
        let recorded = record.verifying_key_sha256.clone();
        return Err(KeyError::DigestMismatch { file: vk_path, record: record_path, recorded, actual }.into());
    }
    // The proving key's digest is checked as each proof streams the key (one pass instead of two;
    // no proof is returned if it differs): the key pair and the verifying key's digest, checked
    // above, already pin the setup.
    let mut recorded = [0u8; 32];
    if hex::decode_to_slice(record.proving_key_sha256.trim(), &mut recorded).is_err() {
        let (actual, recorded) = (file_sha256(&path)?.0, record.proving_key_sha256.clone());
        return Err(KeyError::DigestMismatch { file: path, record: record_path, recorded, actual }.into());
    }
    Ok(pk.expect_file_digest(recorded))
}

/// A proof's error, with a proving key that is not the file setup wrote
/// ([`verinfer_circuits::BackendError::KeyDigestMismatch`]) told as [`KeyError::DigestMismatch`]
/// for the key of `pk`.
fn key_digest_error(pk: &ProvingKey, e: verinfer_circuits::BackendError) -> anyhow::Error {
    match (e, pk.path()) {
        (verinfer_circuits::BackendError::KeyDigestMismatch { expected, actual }, Some(file)) => {
            let record = file.with_file_name(artifacts::SETUP);
            KeyError::DigestMismatch { file: file.to_path_buf(), record, recorded: expected, actual }.into()
        }
        (e, _) => e.into(),
    }
}

/// Reads one input sample of the model input `input` from an input file: one list, or for a model
/// with several graph inputs one list per graph input (`{"input_data": [[...], [...]]}`), joined.
pub fn read_input(path: &Path, input: &verinfer_ir::InputSpec) -> Result<Vec<f64>> {
    let v: serde_json::Value =
        serde_json::from_str(&read_string(path)?).map_err(|e| anyhow!("{}: not JSON: {e}", path.display()))?;
    one_sample(&v, input).map_err(|e| anyhow!("{}: {e}", path.display()))
}

/// The one sample of a parsed input file (`{"input_data": [[...]]}`, or one list per graph input).
pub fn one_sample(v: &serde_json::Value, input: &verinfer_ir::InputSpec) -> Result<Vec<f64>, String> {
    let rows = samples_of(v)?;
    let mut samples = split_samples(&rows, input)?;
    if samples.len() != 1 {
        return Err(format!(
            "holds {} samples; prove takes exactly one ({{\"input_data\": [[...]]}}, or one list per graph input)",
            samples.len()
        ));
    }
    Ok(samples.remove(0))
}

/// Why verification did not accept.
#[derive(Debug, thiserror::Error)]
pub enum VerifyFailure {
    /// The inputs could not be read (exit code 2).
    #[error("could not check: {0}")]
    CouldNotCheck(String),
    /// The proof was checked and does not hold (exit code 1).
    #[error("{0}")]
    Rejected(VerifyError),
    /// The proof holds, but a field of the file outside the statement (`output`, `model_name`)
    /// disagrees with it or with the model (exit code 1): tools reading that field would be misled.
    #[error("{field} disagrees with the proven statement: {reason}")]
    Inconsistent {
        /// The field, as a JSON path (`output.values[3]`, `model_name`, ...).
        field: String,
        /// What it says and what it should say.
        reason: String,
    },
}

impl From<VerifyError> for VerifyFailure {
    fn from(e: VerifyError) -> Self {
        if e.is_rejection() {
            VerifyFailure::Rejected(e)
        } else {
            VerifyFailure::CouldNotCheck(e.to_string())
        }
    }
}

/// Verifies proof-file text against verifying-key bytes with the verifier core, then checks the
/// file's readable output (`output.index`, `output.values`) against the proven statement.
pub fn verify_bytes(key: &[u8], proof_json: &str) -> Result<Statement, VerifyFailure> {
    verify_bytes_for_model(key, proof_json, None)
}

/// [`verify_bytes`]; with the compiled model, also `model_name` and `output.scale`.
pub fn verify_bytes_for_model(
    key: &[u8],
    proof_json: &str,
    model: Option<&CompiledModel>,
) -> Result<Statement, VerifyFailure> {
    let file = ProofFile::parse(proof_json)?;
    let statement = match file.backend {
        BackendId::Groth16 => verify_file::<Groth16>(key, &file)?,
        BackendId::Halo2 => verify_file::<Halo2>(key, &file)?,
    };
    if let Some(model) = model {
        check_model_fields(&file, &statement, model)?;
    }
    check_readable_output(&file.output, &statement)?;
    Ok(statement)
}

/// Checks `file`'s proof with backend `V`'s verifier and key bytes; returns the proven statement.
fn verify_file<V: Verifier>(key: &[u8], file: &ProofFile) -> Result<Statement, VerifyError> {
    let key = V::prepare(&V::decode_key(key)?)?;
    let (statement, proof) = file.decode_as::<V>()?;
    V::verify(&key, &statement, &proof)?;
    Ok(statement)
}

fn inconsistent(field: impl Into<String>, reason: String) -> VerifyFailure {
    VerifyFailure::Inconsistent { field: field.into(), reason }
}

/// `output.index` and `output.values` must say what the statement says: the index, and each output
/// value dequantized at `output.scale` (`q / 2^scale`), as the prover writes it.
pub fn check_readable_output(out: &ReadableOutput, statement: &Statement) -> Result<(), VerifyFailure> {
    if out.index != statement.output_index {
        return Err(inconsistent(
            "output.index",
            format!("it is {}, the statement's output_index is {}", out.index, statement.output_index),
        ));
    }
    match (&statement.output, &out.values) {
        (verinfer_verifier::OutputClaim::Commitment(_), None) => Ok(()),
        (verinfer_verifier::OutputClaim::Commitment(_), Some(_)) => Err(inconsistent(
            "output.values",
            "present, but the statement commits to the output: the values are not proven (omit the field)".into(),
        )),
        (verinfer_verifier::OutputClaim::Tensor(_), None) => {
            Err(inconsistent("output.values", "absent, but the statement reveals the output tensor".into()))
        }
        (verinfer_verifier::OutputClaim::Tensor(q), Some(values)) => {
            if values.len() != q.len() {
                return Err(inconsistent(
                    "output.values",
                    format!("{} values, the statement's output tensor has {}", values.len(), q.len()),
                ));
            }
            let scale = verinfer_ir::Scale(out.scale);
            for (i, (&v, &qi)) in values.iter().zip(q).enumerate() {
                let want = as_written(scale.dequantize(qi));
                if v.to_bits() != want.to_bits() {
                    return Err(inconsistent(
                        format!("output.values[{i}]"),
                        format!("it is {v}, the statement's value {qi} at scale 2^-{} is {want}", out.scale),
                    ));
                }
            }
            Ok(())
        }
    }
}

/// A value as it reads back from a proof file: JSON's decimal form of an `f64` parses back to the
/// same `f64` up to the parser's last-bit rounding, so compare after the same round trip.
fn as_written(v: f64) -> f64 {
    serde_json::to_string(&v).ok().and_then(|t| serde_json::from_str(&t).ok()).unwrap_or(v)
}

/// With the compiled model at hand: the statement's model is this one, and `model_name` and
/// `output.scale` are the model's.
pub fn check_model_fields(file: &ProofFile, statement: &Statement, model: &CompiledModel) -> Result<(), VerifyFailure> {
    let hash = model.model_hash().map_err(|e| VerifyFailure::CouldNotCheck(e.to_string()))?;
    if hash.0 != statement.model_hash {
        return Err(VerifyFailure::CouldNotCheck(format!(
            "model.compiled is model {}, but the verifying key and the proof are for model {}: the build \
             directory is inconsistent",
            hash.to_hex(),
            hex::encode(statement.model_hash)
        )));
    }
    if file.model_name != model.name {
        return Err(inconsistent(
            "model_name",
            format!("it is '{}', the model with this hash is named '{}'", file.model_name, model.name),
        ));
    }
    let scale = model.graph.output_node().scale.0;
    if file.output.scale != scale {
        return Err(inconsistent(
            "output.scale",
            format!("it is {}, the model's output scale is {scale}", file.output.scale),
        ));
    }
    Ok(())
}

/// Verifies a proof file against a verifying key file; with `model` (the build directory's
/// `model.compiled`), also checks `model_name` and `output.scale` against it.
pub fn verify_files(key_path: &Path, proof_path: &Path, model: Option<&Path>) -> Result<Statement, VerifyFailure> {
    let key = std::fs::read(key_path).map_err(|e| could_not_read(key_path, e))?;
    let proof = std::fs::read_to_string(proof_path).map_err(|e| could_not_read(proof_path, e))?;
    let model = model.map(read_model_to_check).transpose()?;
    verify_bytes_for_model(&key, &proof, model.as_ref())
}

/// Verifies proof-file text against a build directory's verifying key and model.
pub fn verify_in_dir(dir: &Path, proof_json: &str) -> Result<Statement, VerifyFailure> {
    let key_path = dir.join(artifacts::VERIFYING_KEY);
    let key = std::fs::read(&key_path).map_err(|e| could_not_read(&key_path, e))?;
    let model = read_model_to_check(&dir.join(artifacts::MODEL))?;
    verify_bytes_for_model(&key, proof_json, Some(&model))
}

fn could_not_read(path: &Path, e: impl std::fmt::Display) -> VerifyFailure {
    VerifyFailure::CouldNotCheck(format!("reading {}: {e}", path.display()))
}

fn read_model_to_check(path: &Path) -> Result<CompiledModel, VerifyFailure> {
    let bytes = std::fs::read(path).map_err(|e| could_not_read(path, e))?;
    CompiledModel::from_bytes(&bytes).map_err(|e| could_not_read(path, e))
}
