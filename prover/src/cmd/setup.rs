//! `verinfer setup build/`
use crate::pipeline::{setup_dir_halo2, setup_dir_insecure, setup_dir_os, Provenance};
use crate::progress::Step;
use anyhow::{bail, Result};
use std::path::PathBuf;
use verinfer_verifier::BackendId;

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
    /// Proof system: groth16 (small proofs, cheap verification, snarkjs/EVM compatible; whoever
    /// runs setup could forge unless a ceremony is run) or halo2 (no trusted setup at all; larger
    /// proofs, costlier verification). prove and verify follow the build directory's choice.
    #[arg(long, default_value = "groth16")]
    pub backend: BackendId,
}

/// Runs `setup`.
pub fn run(args: &Args, json: bool) -> Result<()> {
    let step = Step::start("setup");
    let (out, provenance) = match (args.backend, args.insecure_deterministic_seed) {
        (BackendId::Halo2, Some(_)) => bail!("--insecure-deterministic-seed is for groth16: halo2 has no setup secret"),
        (BackendId::Halo2, None) => (setup_dir_halo2(&args.dir)?, Provenance::Transparent),
        (BackendId::Groth16, Some(n)) => {
            eprintln!("warning: --insecure-deterministic-seed: these keys let anyone who knows {n} forge proofs");
            (setup_dir_insecure(&args.dir, n)?, Provenance::InsecureDeterministicSeed)
        }
        (BackendId::Groth16, None) => (setup_dir_os(&args.dir)?, Provenance::OsRandomness),
    };
    let secs = step.finish().as_secs_f64();
    let proving_key = match args.backend {
        BackendId::Groth16 => Some(args.dir.join(crate::artifacts::PROVING_KEY)),
        BackendId::Halo2 => None,
    };
    let value = serde_json::json!({
        "backend": args.backend,
        "proving_key": proving_key,
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
    let text = match args.backend {
        BackendId::Groth16 => format!(
            "keys written to {} (proving key {} bytes, verifying key {} bytes, digests in {}) in {secs:.2} s; {}\nkind: single-party: {}",
            args.dir.display(),
            out.proving_key_bytes,
            out.verifying_key_bytes,
            crate::artifacts::SETUP,
            provenance.describe(),
            provenance.who_can_forge()
        ),
        BackendId::Halo2 => format!(
            "halo2 key written to {} ({} bytes: the model and the parameters; digest in {}) in {secs:.2} s\nkind: transparent: {}",
            args.dir.join(crate::artifacts::VERIFYING_KEY).display(),
            out.verifying_key_bytes,
            crate::artifacts::SETUP,
            provenance.who_can_forge()
        ),
    };
    super::emit(json, &value, &text)
}
