//! `verinfer verify build/ proof.json`: exit 0 valid, 1 rejected, 2 could not check.
use crate::artifacts;
use crate::pipeline::{verify_files, VerifyFailure};
use std::path::PathBuf;

/// Arguments of `verify`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// Build directory with verifying.key (or the key file itself). With a build directory that
    /// holds model.compiled, the proof file's model_name and output.scale are checked against the
    /// model too; output.index and output.values are always checked against the statement.
    pub key: PathBuf,
    /// The proof file.
    #[arg(default_value = artifacts::PROOF)]
    pub proof: PathBuf,
}

/// Runs `verify`; returns the process exit code.
pub fn run(args: &Args, json: bool) -> i32 {
    let (key, model) = if args.key.is_dir() {
        let model = args.key.join(artifacts::MODEL);
        (args.key.join(artifacts::VERIFYING_KEY), model.is_file().then_some(model))
    } else {
        (args.key.clone(), None)
    };
    let (code, value, text) = match verify_files(&key, &args.proof, model.as_deref()) {
        Ok(s) => (
            0,
            serde_json::json!({ "valid": true, "statement": crate::proof_file::StatementJson::from_statement(&s) }),
            format!("valid: model {} output class {}", hex::encode(s.model_hash), s.output_index),
        ),
        Err(e @ (VerifyFailure::Rejected(_) | VerifyFailure::Inconsistent { .. })) => {
            let field = match &e {
                VerifyFailure::Inconsistent { field, .. } => Some(field.clone()),
                _ => None,
            };
            let inner = match &e {
                VerifyFailure::Rejected(r) => r.to_string(),
                other => other.to_string(),
            };
            (1, serde_json::json!({ "valid": false, "rejected": inner, "field": field }), format!("REJECTED: {inner}"))
        }
        Err(VerifyFailure::CouldNotCheck(e)) => {
            if json {
                let value = serde_json::json!({ "valid": false, "error": e });
                if let Err(err) = super::emit(true, &value, "") {
                    eprintln!("error: {err:#}");
                }
            }
            eprintln!("error: could not check: {e}");
            return 2;
        }
    };
    match super::emit(json, &value, &text) {
        Ok(()) => code,
        Err(err) => {
            eprintln!("error: {err:#}");
            2
        }
    }
}
