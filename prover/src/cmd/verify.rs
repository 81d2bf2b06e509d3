//! `verinfer verify build/ proof.json`: exit 0 valid, 1 rejected, 2 could not check.
use crate::artifacts;
use crate::pipeline::{verify_files, VerifyFailure};
use std::path::PathBuf;

/// Arguments of `verify`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// Build directory with verifying.key (or the key file itself).
    pub key: PathBuf,
    /// The proof file.
    #[arg(default_value = artifacts::PROOF)]
    pub proof: PathBuf,
}

/// Runs `verify`; returns the process exit code.
pub fn run(args: &Args, json: bool) -> i32 {
    let key = if args.key.is_dir() { args.key.join(artifacts::VERIFYING_KEY) } else { args.key.clone() };
    match verify_files(&key, &args.proof) {
        Ok(s) => {
            let value =
                serde_json::json!({ "valid": true, "statement": crate::proof_file::StatementJson::from_statement(&s) });
            super::emit(
                json,
                &value,
                &format!("valid: model {} output class {}", hex::encode(s.model_hash), s.output_index),
            );
            0
        }
        Err(VerifyFailure::Rejected(e)) => {
            let value = serde_json::json!({ "valid": false, "rejected": e.to_string() });
            super::emit(json, &value, &format!("REJECTED: {e}"));
            1
        }
        Err(VerifyFailure::CouldNotCheck(e)) => {
            let value = serde_json::json!({ "valid": false, "error": e });
            if json {
                super::emit(true, &value, "");
            }
            eprintln!("error: could not check: {e}");
            2
        }
    }
}
