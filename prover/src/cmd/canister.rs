//! `verinfer canister ...`: helpers for the verifier canister.
use crate::artifacts;
use crate::fsutil::read;
use crate::pipeline::load_model;
use anyhow::Result;
use serde_bytes::ByteBuf;
use std::path::PathBuf;
use verinfer_verifier::VerifyingKey;
use verinfer_verifier_canister::types as t;

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

/// The canister's record of how a build's keys were made, from its `setup.json`.
pub fn provenance(record: &crate::pipeline::SetupRecord) -> Result<t::SetupProvenance> {
    let Some(c) = record.ceremony.as_ref().filter(|_| record.kind == crate::pipeline::SetupKind::Ceremony) else {
        return Ok(t::SetupProvenance::single_party());
    };
    let bytes = |h: &str, what: &str| -> Result<ByteBuf> {
        Ok(ByteBuf::from(hex::decode(h).map_err(|e| anyhow::anyhow!("setup.json: {what} is not hex ({e})"))?))
    };
    Ok(t::SetupProvenance {
        kind: t::SetupKind::Ceremony,
        contributions: c.contributions.iter().filter(|k| !k.beacon).count() as u32,
        transcript_hash: bytes(&c.transcript_sha256, "transcript_sha256")?,
        ptau_hash: bytes(&c.ptau_sha256, "ptau_sha256")?,
        beacon: match &c.beacon {
            Some(b) => Some(t::Beacon { hash: bytes(&b.hash, "beacon hash")?, iterations_exp: b.iterations_exp }),
            None => None,
        },
    })
}

/// Candid text of a provenance record.
fn provenance_text(p: &t::SetupProvenance) -> String {
    let kind = match p.kind {
        t::SetupKind::SingleParty => "single_party",
        t::SetupKind::Ceremony => "ceremony",
    };
    let beacon = match &p.beacon {
        Some(b) => format!("opt record {{ hash = {}; iterations_exp = {} : nat8 }}", blob(&b.hash), b.iterations_exp),
        None => "null".into(),
    };
    format!(
        "record {{ kind = variant {{ {kind} }}; contributions = {} : nat32; transcript_hash = {}; ptau_hash = {}; beacon = {beacon} }}",
        p.contributions,
        blob(&p.transcript_hash),
        blob(&p.ptau_hash)
    )
}

/// Runs a `canister` subcommand.
pub fn run(cmd: &Command) -> Result<()> {
    match cmd {
        Command::RegisterArgs(a) => {
            let key = read(&a.dir.join(artifacts::VERIFYING_KEY))?;
            VerifyingKey::from_bytes(&key)?;
            let model = load_model(&a.dir)?;
            let record = crate::pipeline::read_setup_record(&a.dir.join(artifacts::SETUP))?;
            println!(
                "(record {{ verifying_key = {}; name = {}; version = {}; metadata = vec {{ record {{ \"onnx_sha256\"; {} }}; record {{ \"compiler_version\"; {} }}; record {{ \"sampling\"; {} }} }}; setup = opt {} }})",
                blob(&key),
                text(&model.name),
                text(&a.version),
                text(&model.onnx_sha256),
                text(&model.compiler_version),
                text(&model.sampling.describe()),
                provenance_text(&provenance(&record)?)
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
