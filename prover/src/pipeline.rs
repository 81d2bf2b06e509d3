//! The library behind the CLI: compile, setup, prove and verify on build directories. The commands,
//! the tests and the benchmarks all go through these functions.
use crate::artifacts;
use crate::fsutil::{read, read_string, write_atomic};
use crate::proof_file::{ProofFile, ReadableOutput};
use anyhow::{anyhow, bail, Context, Result};
use rand::{CryptoRng, RngCore};
use std::path::{Path, PathBuf};
use verinfer_circuits::{assign, constraint_count, ProvingKey};
use verinfer_compiler::{compile, data::read_samples, CompileOptions, Report};
use verinfer_ir::{quantize_input, CompiledModel};
use verinfer_verifier::{verify, Fr, Proof, Statement, VerifyError, VerifyingKey};

/// Where calibration data comes from when `--calibration` is not given: the samples bundled next to
/// the model (`calibration.json`, else `input.json`).
pub fn default_calibration(onnx: &Path) -> Option<PathBuf> {
    let dir = onnx.parent().unwrap_or(Path::new("."));
    ["calibration.json", "input.json"].iter().map(|n| dir.join(n)).find(|p| p.is_file())
}

/// Compiles `onnx` into `out` (`model.compiled`, `report.json`); returns the report.
pub fn compile_to_dir(onnx: &Path, calibration: Option<&Path>, out: &Path, opts: &CompileOptions) -> Result<Report> {
    let bytes = read(onnx)?;
    let cal_path = match calibration {
        Some(p) => p.to_path_buf(),
        None => default_calibration(onnx).ok_or_else(|| {
            anyhow!("no calibration data: pass --calibration data.json ({{\"input_data\": [[...], ...]}}) or put calibration.json next to {}", onnx.display())
        })?,
    };
    let samples = read_samples(&read_string(&cal_path)?).map_err(|e| anyhow!("{}: {e}", cal_path.display()))?;
    let compiled = compile(&bytes, &samples, opts).with_context(|| format!("compiling {}", onnx.display()))?;
    let mut report = compiled.report;
    report.constraints = Some(constraint_count(&compiled.model).context("counting constraints")?);
    write_atomic(&out.join(artifacts::MODEL), &compiled.model.to_bytes())?;
    write_atomic(&out.join(artifacts::REPORT), report.to_json().as_bytes())?;
    Ok(report)
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

/// Runs the circuit-specific setup and writes both keys.
pub fn setup_dir<R: RngCore + CryptoRng>(dir: &Path, rng: &mut R) -> Result<SetupOutput> {
    let model = load_model(dir)?;
    let (pk, vk) = verinfer_circuits::setup(&model, rng)?;
    let (pkb, vkb) = (pk.to_bytes(), vk.to_bytes());
    write_atomic(&dir.join(artifacts::PROVING_KEY), &pkb)?;
    write_atomic(&dir.join(artifacts::VERIFYING_KEY), &vkb)?;
    Ok(SetupOutput { proving_key_bytes: pkb.len(), verifying_key_bytes: vkb.len() })
}

/// Parses a 32-byte hex value (seed), left-padding shorter values with zeros.
pub fn parse_hex32(s: &str, what: &str) -> Result<[u8; 32]> {
    let s = s.trim().trim_start_matches("0x");
    if s.len() > 64 {
        bail!("{what} has {} hex digits; at most 64 (32 bytes)", s.len());
    }
    let padded = format!("{s:0>64}");
    let v = hex::decode(&padded).map_err(|_| anyhow!("{what} '{s}' is not hexadecimal"))?;
    v.try_into().map_err(|_| anyhow!("{what} must be 32 bytes"))
}

/// Parses a salt: hex, a canonical BN254 scalar.
pub fn parse_salt(s: &str) -> Result<Fr> {
    let b = parse_hex32(s, "salt")?;
    verinfer_verifier::fr_from_bytes_checked(&b).map_err(|_| anyhow!("salt must be below the BN254 scalar modulus"))
}

/// A random salt (31 random bytes, always below the modulus).
pub fn random_salt<R: RngCore>(rng: &mut R) -> Fr {
    let mut b = [0u8; 32];
    rng.fill_bytes(&mut b[1..]);
    verinfer_verifier::fr_from_bytes_checked(&b).unwrap_or_default()
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
    let q = quantize_input(&model.graph, input).context("quantizing the input")?;
    let witness = assign(model, q.clone(), salt, seed).context("evaluating the model")?;
    let proof = verinfer_circuits::prove(model, pk, &witness, rng)?;
    let out_node = model.graph.output_node();
    let values = match model.output_mode {
        verinfer_ir::OutputMode::Tensor => {
            Some(witness.eval.output(&model.graph).iter().map(|&v| out_node.scale.dequantize(v)).collect())
        }
        verinfer_ir::OutputMode::Commitment => None,
    };
    let readable = ReadableOutput { index: witness.statement.output_index, values, scale: out_node.scale.0 };
    let file = ProofFile::new(&model.name, &witness.statement, &proof, readable)?;
    Ok(ProveOutput { file, quantized_input: q })
}

/// Loads the proving key of a build directory.
pub fn load_proving_key(dir: &Path) -> Result<ProvingKey> {
    let path = dir.join(artifacts::PROVING_KEY);
    ProvingKey::from_bytes(&read(&path).context("run `verinfer setup` first")?)
        .with_context(|| format!("reading {}", path.display()))
}

/// Reads one input sample from an input file.
pub fn read_input(path: &Path) -> Result<Vec<f64>> {
    let mut samples = read_samples(&read_string(path)?).map_err(|e| anyhow!("{}: {e}", path.display()))?;
    if samples.len() != 1 {
        bail!(
            "{}: holds {} samples; prove takes exactly one ({{\"input_data\": [[...]]}})",
            path.display(),
            samples.len()
        );
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

/// Verifies proof-file text against verifying-key bytes with the verifier core.
pub fn verify_bytes(key: &[u8], proof_json: &str) -> Result<Statement, VerifyFailure> {
    let key = VerifyingKey::from_bytes(key)?.prepare();
    let file = ProofFile::parse(proof_json)?;
    let (statement, proof): (Statement, Proof) = file.decode()?;
    verify(&key, &statement, &proof)?;
    Ok(statement)
}

/// Verifies a proof file against the key of a build directory (or an explicit key file).
pub fn verify_files(key_path: &Path, proof_path: &Path) -> Result<Statement, VerifyFailure> {
    let key = std::fs::read(key_path)
        .map_err(|e| VerifyFailure::CouldNotCheck(format!("reading {}: {e}", key_path.display())))?;
    let proof = std::fs::read_to_string(proof_path)
        .map_err(|e| VerifyFailure::CouldNotCheck(format!("reading {}: {e}", proof_path.display())))?;
    verify_bytes(&key, &proof)
}
