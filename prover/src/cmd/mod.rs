//! One file per subcommand.
pub mod canister;
pub mod commit;
pub mod compile;
pub mod demo;
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
    /// Generate the Groth16 keys of a compiled model (circuit-specific trusted setup).
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
}

/// Prints `value` as JSON when `json`, else `text`.
pub fn emit(json: bool, value: &serde_json::Value, text: &str) {
    if json {
        println!("{}", serde_json::to_string_pretty(value).unwrap_or_default());
    } else {
        println!("{text}");
    }
}
