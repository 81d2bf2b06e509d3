//! `verinfer export r1cs|snarkjs|wtns|solidity|calldata`: the circuit, the keys, a witness and an
//! EVM verifier in other tools' formats.
use crate::artifacts;
use crate::fsutil::{create_dir, read, read_string, write_atomic};
use crate::proof_file::ProofFile;
use anyhow::{Context, Result};
use std::path::{Path, PathBuf};
use verinfer_verifier::{BackendId, VerifyingKey};

/// Export formats.
#[derive(clap::Subcommand, Debug)]
pub enum Command {
    /// The circuit in circom's binary .r1cs format (for `snarkjs r1cs info`, `snarkjs groth16 setup`).
    R1cs(R1csArgs),
    /// verification_key.json, and with a proof proof.json and public.json, for `snarkjs groth16 verify`.
    Snarkjs(SnarkjsArgs),
    /// The witness of an input as snarkjs's .wtns (for `snarkjs groth16 prove` with a zkey of the
    /// circuit `export r1cs` writes, and `snarkjs wtns check`).
    Wtns(WtnsArgs),
    /// An EVM verifier contract for the build's Groth16 key (Solidity; `verifyProof` as snarkjs's).
    Solidity(SolidityArgs),
    /// A proof's arguments to the contract's `verifyProof` (snarkjs's soliditycalldata text).
    Calldata(CalldataArgs),
}

/// Arguments of `export solidity`.
#[derive(clap::Args, Debug)]
pub struct SolidityArgs {
    /// Build directory with verifying.key and model.compiled (set up with the Groth16 backend).
    #[arg(default_value = "build")]
    pub dir: PathBuf,
    /// Output file.
    #[arg(short, long, default_value = "Verifier.sol")]
    pub out: PathBuf,
}

/// Arguments of `export calldata`.
#[derive(clap::Args, Debug)]
pub struct CalldataArgs {
    /// A Groth16 proof file (proof.json).
    pub proof: PathBuf,
}

/// Arguments of `export wtns`.
#[derive(clap::Args, Debug)]
pub struct WtnsArgs {
    /// Build directory with model.compiled.
    #[arg(default_value = "build")]
    pub dir: PathBuf,
    /// The input ({"input_data": [[...]]}).
    #[arg(long)]
    pub input: PathBuf,
    /// Commitment salt, as for `prove` (a hex number; default: random).
    #[arg(long)]
    pub salt: Option<String>,
    /// 32-byte seed, as for `prove` (64 hex digits; default: random).
    #[arg(long)]
    pub seed: Option<String>,
    /// Output file.
    #[arg(short, long, default_value = "witness.wtns")]
    pub out: PathBuf,
}

/// Arguments of `export r1cs`.
#[derive(clap::Args, Debug)]
pub struct R1csArgs {
    /// Build directory with model.compiled.
    #[arg(default_value = "build")]
    pub dir: PathBuf,
    /// Output file.
    #[arg(short, long, default_value = "model.r1cs")]
    pub out: PathBuf,
}

/// Arguments of `export snarkjs`.
#[derive(clap::Args, Debug)]
pub struct SnarkjsArgs {
    /// Build directory with verifying.key.
    #[arg(default_value = "build")]
    pub dir: PathBuf,
    /// A proof file to convert too.
    pub proof: Option<PathBuf>,
    /// Output directory (created if missing).
    #[arg(short, long, default_value = "snarkjs")]
    pub out: PathBuf,
}

/// Runs an `export` subcommand.
pub fn run(cmd: &Command, json: bool) -> Result<()> {
    match cmd {
        Command::R1cs(a) => {
            let r1cs = crate::ceremony::export_r1cs(&a.dir, &a.out)?;
            let value = serde_json::json!({
                "r1cs": a.out, "constraints": r1cs.constraints.len(), "wires": r1cs.n_wires,
                "public_inputs": r1cs.n_public(),
            });
            let text = format!(
                "{}: {} constraints, {} wires, {} public inputs",
                a.out.display(),
                r1cs.constraints.len(),
                r1cs.n_wires,
                r1cs.n_public()
            );
            super::emit(json, &value, &text)
        }
        Command::Wtns(a) => export_wtns(a, json),
        Command::Solidity(a) => {
            let n = export_solidity(&a.dir, &a.out)?;
            let value = serde_json::json!({ "contract": a.out, "public_inputs": n });
            super::emit(json, &value, &format!("{}: contract VerinferVerifier, {n} public inputs", a.out.display()))
        }
        Command::Calldata(a) => {
            let calldata = export_calldata(&a.proof)?;
            super::emit(json, &calldata.to_json(), &calldata.to_snarkjs_text())
        }
        Command::Snarkjs(a) => {
            let files = export_snarkjs(&a.dir, a.proof.as_deref(), &a.out)?;
            let value = serde_json::json!({ "files": files });
            let text = files.iter().map(|f| f.display().to_string()).collect::<Vec<_>>().join("\n");
            super::emit(json, &value, &text)
        }
    }
}

/// Writes the `.wtns` of an input: the assignment the prover would use, in `export r1cs`'s wire order.
fn export_wtns(a: &WtnsArgs, json: bool) -> Result<()> {
    use crate::pipeline::{load_model, read_input};
    let model = load_model(&a.dir)?;
    let input = read_input(&a.input, &model.graph.input)?;
    let (seed, salt) = super::prove::seed_and_salt(a.seed.as_deref(), a.salt.as_deref())?;
    let q = verinfer_ir::quantize_input(&model.graph, &input).context("quantizing the input")?;
    let witness = verinfer_circuits::assign(&model, q, salt, seed).context("evaluating the model")?;
    let z = verinfer_circuits::assignment(&model, &witness)?;
    write_atomic(&a.out, &verinfer_ceremony::wtns::to_bytes(&z))?;
    let value = serde_json::json!({ "wtns": a.out, "wires": z.len() });
    super::emit(json, &value, &format!("{}: {} wires", a.out.display(), z.len()))
}

/// The Groth16 verifying key of a build directory; a halo2 build is refused by name.
fn groth16_key(dir: &Path, what: &str) -> Result<VerifyingKey> {
    if crate::pipeline::setup_backend(dir)? != BackendId::Groth16 {
        anyhow::bail!(
            "{} was set up with the halo2 backend; {what} needs a Groth16 key (`verinfer setup {}`)",
            dir.display(),
            dir.display()
        );
    }
    let key_path = dir.join(artifacts::VERIFYING_KEY);
    VerifyingKey::from_bytes(&read(&key_path)?).with_context(|| format!("reading {}", key_path.display()))
}

/// Writes the EVM verifier contract for a build directory; returns its number of public inputs.
pub fn export_solidity(dir: &Path, out: &Path) -> Result<usize> {
    let vk = groth16_key(dir, "an EVM verifier")?;
    let model = crate::pipeline::load_model(dir)?;
    let contract = crate::solidity::verifier_contract(&vk, &vk.layout, &model.name);
    write_atomic(out, contract.as_bytes())?;
    Ok(vk.layout.num_public_inputs())
}

/// A Groth16 proof file's arguments to `verifyProof`.
pub fn export_calldata(proof: &Path) -> Result<crate::solidity::Calldata> {
    let (statement, groth16) = read_groth16_proof(proof)?;
    crate::solidity::Calldata::new(&groth16, &statement).with_context(|| proof.display().to_string())
}

/// A Groth16 proof file's statement and proof; errors name the file.
fn read_groth16_proof(path: &Path) -> Result<(verinfer_verifier::Statement, verinfer_verifier::Proof)> {
    let file = ProofFile::parse(&read_string(path)?).with_context(|| path.display().to_string())?;
    file.decode().with_context(|| path.display().to_string())
}

/// Writes snarkjs's JSON files; returns their paths.
pub fn export_snarkjs(dir: &Path, proof: Option<&Path>, out: &Path) -> Result<Vec<PathBuf>> {
    let key_path = dir.join(artifacts::VERIFYING_KEY);
    let vk = groth16_key(dir, "snarkjs")?;
    create_dir(out)?;
    let mut files = vec![out.join("verification_key.json")];
    write_json(&files[0], &crate::snarkjs::verification_key(&vk))?;
    if let Some(p) = proof {
        let (statement, proof) = read_groth16_proof(p)?;
        if statement.model_hash != vk.model_hash {
            anyhow::bail!(
                "{} is a proof for model {}, {} is the key of model {}",
                p.display(),
                hex::encode(statement.model_hash),
                key_path.display(),
                hex::encode(vk.model_hash)
            );
        }
        files.push(out.join("proof.json"));
        write_json(&files[1], &crate::snarkjs::proof(&proof))?;
        files.push(out.join("public.json"));
        write_json(&files[2], &crate::snarkjs::public(&statement)?)?;
    }
    Ok(files)
}

fn write_json(path: &Path, v: &serde_json::Value) -> Result<()> {
    write_atomic(path, serde_json::to_string_pretty(v)?.as_bytes())
}
