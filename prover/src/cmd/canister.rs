//! `verinfer canister ...`: helpers for the verifier canister.
use crate::artifacts;
use crate::fsutil::read;
use crate::pipeline::load_model;
use anyhow::Result;
use std::path::PathBuf;
use verinfer_verifier::VerifyingKey;

/// Canister helpers.
#[derive(clap::Subcommand, Debug)]
pub enum Command {
    /// Print the candid arguments of `register_model` for a build directory, for
    /// `dfx canister call verifier register_model "$(verinfer canister register-args build/)"`.
    RegisterArgs(RegisterArgs),
    /// Print the candid arguments of `verify` for a proof file (optionally naming a seed ticket).
    VerifyArgs(VerifyArgs),
}

/// Arguments of `canister register-args`.
#[derive(clap::Args, Debug)]
pub struct RegisterArgs {
    /// Build directory with verifying.key and model.compiled.
    #[arg(default_value = "build")]
    pub dir: PathBuf,
    /// Release version recorded in the registry.
    #[arg(long, default_value = "1")]
    pub version: String,
}

/// Arguments of `canister verify-args`.
#[derive(clap::Args, Debug)]
pub struct VerifyArgs {
    /// The proof file.
    #[arg(default_value = artifacts::PROOF)]
    pub proof: PathBuf,
    /// Seed ticket id from `request_seed`.
    #[arg(long)]
    pub ticket: Option<u64>,
}

/// A candid blob literal.
pub fn blob(bytes: &[u8]) -> String {
    let mut s = String::with_capacity(bytes.len() * 3 + 7);
    s.push_str("blob \"");
    for b in bytes {
        s.push_str(&format!("\\{b:02x}"));
    }
    s.push('"');
    s
}

fn text(t: &str) -> String {
    format!("\"{}\"", t.replace('\\', "\\\\").replace('"', "\\\""))
}

/// Runs a `canister` subcommand.
pub fn run(cmd: &Command) -> Result<()> {
    match cmd {
        Command::RegisterArgs(a) => {
            let key = read(&a.dir.join(artifacts::VERIFYING_KEY))?;
            VerifyingKey::from_bytes(&key)?;
            let model = load_model(&a.dir)?;
            println!(
                "(record {{ verifying_key = {}; name = {}; version = {}; metadata = vec {{ record {{ \"onnx_sha256\"; {} }}; record {{ \"compiler_version\"; {} }}; record {{ \"sampling\"; {} }} }} }})",
                blob(&key),
                text(&model.name),
                text(&a.version),
                text(&model.onnx_sha256),
                text(&model.compiler_version),
                text(&model.sampling.describe())
            );
        }
        Command::VerifyArgs(a) => {
            let f = crate::proof_file::ProofFile::parse(&crate::fsutil::read_string(&a.proof)?)?;
            let (s, proof) = f.decode()?;
            let output = match &s.output {
                verinfer_verifier::OutputClaim::Tensor(v) => {
                    format!(
                        "variant {{ tensor = vec {{ {} }} }}",
                        v.iter().map(|x| format!("{x} : int64")).collect::<Vec<_>>().join("; ")
                    )
                }
                verinfer_verifier::OutputClaim::Commitment(c) => format!("variant {{ commitment = {} }}", blob(c)),
            };
            println!(
                "(record {{ proof = {}; statement = record {{ model_hash = {}; input_commitment = {}; seed = {}; output_index = {} : nat32; output = {} }}; ticket = {} }})",
                blob(&proof.to_bytes()?),
                blob(&s.model_hash),
                blob(&s.input_commitment),
                blob(&s.seed),
                s.output_index,
                output,
                a.ticket.map(|t| format!("opt ({t} : nat64)")).unwrap_or_else(|| "null".into())
            );
        }
    }
    Ok(())
}
