//! `verinfer canister ...`: helpers for the verifier canister.
use crate::artifacts;
use crate::fsutil::read;
use crate::pipeline::load_model;
use anyhow::Result;
use candid::CandidType;
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

/// The candid text of `value` with its type's field names: what `dfx canister call` takes. Built
/// from the canister's own types, so it cannot drift from the interface.
pub fn candid_text<T: CandidType>(value: &T) -> Result<String> {
    let bytes = candid::encode_one(value)?;
    let args = candid::IDLArgs::from_bytes_with_types(&bytes, &candid::types::TypeEnv::new(), &[T::ty()])?;
    // One line: the printer breaks long values over lines, and no literal holds a raw newline
    // (text escapes it), so the line breaks and their indentation are layout only.
    Ok(args.to_string().split('\n').map(str::trim).collect::<Vec<_>>().join(" "))
}

/// The canister's record of how a build's keys were made, from its `setup.json`.
pub fn provenance(record: &crate::pipeline::SetupRecord) -> Result<t::SetupProvenance> {
    if record.kind == crate::pipeline::SetupKind::Transparent {
        return Ok(t::SetupProvenance::transparent());
    }
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

/// Runs a `canister` subcommand.
pub fn run(cmd: &Command) -> Result<()> {
    match cmd {
        Command::RegisterArgs(a) => {
            let key = read(&a.dir.join(artifacts::VERIFYING_KEY))?;
            VerifyingKey::from_bytes(&key)?;
            let model = load_model(&a.dir)?;
            let record = crate::pipeline::read_setup_record(&a.dir.join(artifacts::SETUP))?;
            let meta = |k: &str, v: &str| (k.to_string(), v.to_string());
            let args = t::RegisterArgs {
                verifying_key: ByteBuf::from(key),
                name: model.name.clone(),
                version: a.version.clone(),
                metadata: vec![
                    meta("onnx_sha256", &model.onnx_sha256),
                    meta("compiler_version", &model.compiler_version),
                    meta("sampling", &model.sampling.describe()),
                ],
                setup: Some(provenance(&record)?),
            };
            println!("{}", candid_text(&args)?);
        }
        Command::VerifyArgs(a) => {
            let f = crate::proof_file::ProofFile::parse(&crate::fsutil::read_string(&a.proof)?)?;
            // Decoded first: a proof whose points are not on the curve is refused here, not by the canister.
            f.decode()?;
            println!("{}", candid_text(&f.canister_args(a.ticket)?)?);
        }
    }
    Ok(())
}
