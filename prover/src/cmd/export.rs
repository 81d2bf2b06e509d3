//! `verinfer export r1cs|snarkjs|wtns`: the circuit, the keys and a witness in other tools' formats.
use crate::artifacts;
use crate::fsutil::{create_dir, read, read_string, write_atomic};
use crate::proof_file::ProofFile;
use anyhow::{Context, Result};
use std::path::{Path, PathBuf};
use verinfer_verifier::VerifyingKey;

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
    use crate::pipeline::{load_model, parse_hex32, parse_salt, random_salt, read_input};
    let model = load_model(&a.dir)?;
    let input = read_input(&a.input, &model.graph.input)?;
    let salt = match &a.salt {
        Some(s) => parse_salt(s)?,
        None => random_salt(&mut rand::rngs::OsRng)?,
    };
    let seed = match &a.seed {
        Some(s) => parse_hex32(s, "seed")?,
        None => super::prove::random_seed(),
    };
    let q = verinfer_ir::quantize_input(&model.graph, &input).context("quantizing the input")?;
    let witness = verinfer_circuits::assign(&model, q, salt, seed).context("evaluating the model")?;
    let z = verinfer_circuits::assignment(&model, &witness)?;
    write_atomic(&a.out, &verinfer_ceremony::wtns::to_bytes(&z))?;
    let value = serde_json::json!({ "wtns": a.out, "wires": z.len() });
    super::emit(json, &value, &format!("{}: {} wires", a.out.display(), z.len()))
}

/// Writes snarkjs's JSON files; returns their paths.
pub fn export_snarkjs(dir: &Path, proof: Option<&Path>, out: &Path) -> Result<Vec<PathBuf>> {
    let key_path = dir.join(artifacts::VERIFYING_KEY);
    let vk = VerifyingKey::from_bytes(&read(&key_path)?).with_context(|| format!("reading {}", key_path.display()))?;
    create_dir(out)?;
    let mut files = vec![out.join("verification_key.json")];
    write_json(&files[0], &crate::snarkjs::verification_key(&vk))?;
    if let Some(p) = proof {
        let (statement, proof) =
            ProofFile::parse(&read_string(p)?)?.decode().with_context(|| p.display().to_string())?;
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
