//! `verinfer setup build/`
use crate::pipeline::{setup_dir_insecure, setup_dir_os, Provenance};
use crate::progress::Step;
use anyhow::Result;
use std::path::PathBuf;

/// Arguments of `setup`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// Build directory with model.compiled.
    #[arg(default_value = "build")]
    pub dir: PathBuf,
    /// INSECURE, for tests only: derive the setup randomness from this number, so that anyone who
    /// knows it can forge proofs.
    #[arg(long, value_name = "N")]
    pub insecure_deterministic_seed: Option<u64>,
}

/// Runs `setup`.
pub fn run(args: &Args, json: bool) -> Result<()> {
    let step = Step::start("setup");
    let (out, provenance) = match args.insecure_deterministic_seed {
        Some(n) => {
            eprintln!("warning: --insecure-deterministic-seed: these keys let anyone who knows {n} forge proofs");
            (setup_dir_insecure(&args.dir, n)?, Provenance::InsecureDeterministicSeed)
        }
        None => (setup_dir_os(&args.dir)?, Provenance::OsRandomness),
    };
    let secs = step.finish().as_secs_f64();
    let value = serde_json::json!({
        "proving_key": args.dir.join(crate::artifacts::PROVING_KEY),
        "verifying_key": args.dir.join(crate::artifacts::VERIFYING_KEY),
        "setup_record": args.dir.join(crate::artifacts::SETUP),
        "provenance": provenance.describe(),
        "kind": provenance.kind(),
        "who_can_forge": provenance.who_can_forge(),
        "proving_key_bytes": out.proving_key_bytes,
        "verifying_key_bytes": out.verifying_key_bytes,
        "seconds": secs,
        "insecure": args.insecure_deterministic_seed.is_some(),
    });
    let text = format!(
        "keys written to {} (proving key {} bytes, verifying key {} bytes, digests in {}) in {secs:.2} s; {}\nkind: single-party: {}",
        args.dir.display(),
        out.proving_key_bytes,
        out.verifying_key_bytes,
        crate::artifacts::SETUP,
        provenance.describe(),
        provenance.who_can_forge()
    );
    super::emit(json, &value, &text)
}
