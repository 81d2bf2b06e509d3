//! One file per subcommand.
pub mod batch;
pub mod canister;
pub mod ceremony;
pub mod commit;
pub mod compile;
pub mod demo;
pub mod export;
pub mod inspect;
pub mod prove;
pub mod setup;
pub mod verify;

use clap::{Parser, Subcommand};

/// verinfer: verifiable ML inference for the Internet Computer.
#[derive(Parser, Debug)]
#[command(name = "verinfer", version, about)]
pub struct Cli {
    /// Worker threads for proving and setup (default: every core).
    #[arg(long, global = true)]
    pub threads: Option<usize>,
    /// Print results as JSON on stdout.
    #[arg(long, global = true)]
    pub json: bool,
    /// The command.
    #[command(subcommand)]
    pub command: Command,
}

/// Subcommands.
#[derive(Subcommand, Debug)]
pub enum Command {
    /// Quantize an ONNX model into a circuit: writes model.compiled and report.json.
    Compile(compile::Args),
    /// Generate the Groth16 keys of a compiled model alone (one party: whoever runs it can forge; for
    /// development; production keys come from `ceremony`).
    Setup(setup::Args),
    /// Print the input commitment a proof of this input will carry (to request a seed first).
    Commit(commit::Args),
    /// Prove one inference.
    Prove(prove::Args),
    /// Verify a proof (exit 0: valid, 1: rejected, 2: could not check).
    Verify(verify::Args),
    /// Describe a build directory, a proof or a key.
    Inspect(inspect::Args),
    /// Compile, set up, prove and verify the bundled digits model, then verify in the canister Wasm.
    Demo(demo::Args),
    /// Helpers for the verifier canister (candid arguments for dfx).
    #[command(subcommand)]
    Canister(canister::Command),
    /// A setup nobody has to trust: phase 2 of a Groth16 ceremony on a Powers of Tau file (snarkjs .zkey).
    #[command(subcommand)]
    Ceremony(ceremony::Command),
    /// The circuit or the keys in other tools' formats (circom .r1cs, snarkjs JSON).
    #[command(subcommand)]
    Export(export::Command),
}

/// Prints `value` as JSON when `json`, else `text`.
pub fn emit(json: bool, value: &serde_json::Value, text: &str) -> anyhow::Result<()> {
    use anyhow::Context;
    if json {
        println!("{}", serde_json::to_string_pretty(value).context("encoding the result as JSON")?);
    } else {
        println!("{text}");
    }
    Ok(())
}

/// The one line printed for a failed command: the error and its causes, outermost first, joined
/// with ": ", leaving out a cause whose text the line already holds (an error that quotes its
/// source in its own message would otherwise print that sentence twice).
pub fn error_line(e: &anyhow::Error) -> String {
    let mut line = String::new();
    for cause in e.chain() {
        let text = cause.to_string();
        if text.is_empty() || line.contains(&text) {
            continue;
        }
        if !line.is_empty() {
            line.push_str(": ");
        }
        line.push_str(&text);
    }
    line
}

#[cfg(test)]
mod tests {
    use super::error_line;

    #[derive(Debug, thiserror::Error)]
    #[error("temperature 0 is not a positive finite number")]
    struct Inner;

    #[derive(Debug, thiserror::Error)]
    #[error("sampling: {0}")]
    struct Outer(#[from] Inner);

    #[test]
    fn a_cause_quoted_by_its_error_is_printed_once() {
        let e = anyhow::Error::from(Outer(Inner)).context("compiling model.onnx");
        // what `{:#}` (the old error line) printed: the sentence twice
        assert_eq!(format!("{e:#}").matches("temperature 0 is not").count(), 2);
        assert_eq!(error_line(&e), "compiling model.onnx: sampling: temperature 0 is not a positive finite number");
        let plain = anyhow::anyhow!("disk full").context("writing proof.json");
        assert_eq!(error_line(&plain), "writing proof.json: disk full");
    }
}
