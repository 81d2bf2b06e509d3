//! `verinfer ceremony init|contribute|beacon|verify|finalize`: a multi-party Groth16 phase 2 in
//! snarkjs's `.zkey` files, on top of a Powers of Tau file.
use crate::ceremony as c;
use crate::progress::Step;
use anyhow::Result;
use std::path::PathBuf;
use verinfer_ceremony::rng::format_hash_with_title as format_hash;

/// Ceremony steps.
#[derive(clap::Subcommand, Debug)]
pub enum Command {
    /// Initial parameters (0000.zkey) of a build directory's circuit from a prepared .ptau file.
    Init(InitArgs),
    /// Add a contribution (OS randomness mixed with --entropy); prints its hash.
    Contribute(ContributeArgs),
    /// Add the final random beacon (snarkjs's rule: SHA-256 iterated 2^N times).
    Beacon(BeaconArgs),
    /// Check a ceremony against the circuit and the .ptau; prints every contribution's hash as snarkjs does.
    Verify(VerifyArgs),
    /// Verify, then write proving.key, verifying.key and setup.json (kind: ceremony) into the build directory.
    Finalize(FinalizeArgs),
}

/// Arguments of `ceremony init`.
#[derive(clap::Args, Debug)]
pub struct InitArgs {
    /// Build directory with model.compiled.
    pub dir: PathBuf,
    /// A snarkjs powers-of-tau file prepared for phase 2 (e.g. powersOfTau28_hez_final_NN.ptau).
    #[arg(long)]
    pub ptau: PathBuf,
    /// Output .zkey.
    #[arg(short, long, default_value = "0000.zkey")]
    pub out: PathBuf,
}

/// Arguments of `ceremony contribute`.
#[derive(clap::Args, Debug)]
pub struct ContributeArgs {
    /// The previous .zkey.
    pub input: PathBuf,
    /// The new .zkey.
    pub output: PathBuf,
    /// Contributor's name, recorded in the file.
    #[arg(long)]
    pub name: Option<String>,
    /// Extra entropy mixed with 64 bytes of OS randomness.
    #[arg(long, default_value = "")]
    pub entropy: String,
}

/// Arguments of `ceremony beacon`.
#[derive(clap::Args, Debug)]
pub struct BeaconArgs {
    /// The previous .zkey.
    pub input: PathBuf,
    /// The new .zkey.
    pub output: PathBuf,
    /// The public random value in hex (1 to 255 bytes), e.g. a future block hash announced in advance.
    #[arg(long)]
    pub beacon: String,
    /// SHA-256 is iterated 2^N times on it (10 to 63).
    #[arg(long, default_value_t = 10)]
    pub iterations: u8,
    /// Name recorded in the file.
    #[arg(long)]
    pub name: Option<String>,
}

/// Arguments of `ceremony verify`.
#[derive(clap::Args, Debug)]
pub struct VerifyArgs {
    /// The final .zkey.
    pub zkey: PathBuf,
    /// The .ptau file the ceremony started from.
    #[arg(long)]
    pub ptau: PathBuf,
    /// Build directory with model.compiled (the circuit is recomputed from it).
    pub dir: PathBuf,
}

/// Arguments of `ceremony finalize`.
#[derive(clap::Args, Debug)]
pub struct FinalizeArgs {
    /// The final .zkey.
    pub zkey: PathBuf,
    /// Build directory with model.compiled; the keys are written there.
    pub dir: PathBuf,
    /// The .ptau file the ceremony started from (finalize verifies the whole ceremony first).
    #[arg(long)]
    pub ptau: PathBuf,
}

/// Runs a `ceremony` subcommand.
pub fn run(cmd: &Command, json: bool) -> Result<()> {
    match cmd {
        Command::Init(a) => {
            let step = Step::start("ceremony init");
            let out = c::init(&a.dir, &a.ptau, &a.out)?;
            let secs = step.finish().as_secs_f64();
            let value = serde_json::json!({
                "zkey": a.out, "domain_size": out.domain_size, "ptau_power": out.ptau_power,
                "circuit_hash": hex::encode(out.cs_hash), "seconds": secs,
            });
            let text = format!(
                "{} written in {secs:.2} s (domain 2^{}, ptau power {})\n{}",
                a.out.display(),
                out.domain_size.trailing_zeros(),
                out.ptau_power,
                format_hash(&out.cs_hash, "Circuit Hash: ")
            );
            super::emit(json, &value, &text)
        }
        Command::Contribute(a) => {
            let step = Step::start("ceremony contribute");
            let hash = c::contribute(&a.input, &a.output, a.name.clone(), &a.entropy)?;
            contribution_done(json, step, &a.output, &hash)
        }
        Command::Beacon(a) => {
            let step = Step::start("ceremony beacon");
            let hash = c::beacon(&a.input, &a.output, &a.beacon, a.iterations, a.name.clone())?;
            contribution_done(json, step, &a.output, &hash)
        }
        Command::Verify(a) => {
            let step = Step::start("ceremony verify");
            let checked = c::verify_with_key(&a.zkey, &a.ptau, &a.dir)?;
            step.finish();
            let value = serde_json::json!({
                "valid": true, "ceremony": checked.record, "verifying_key_sha256": checked.verifying_key_sha256,
            });
            super::emit(json, &value, &report(&checked))
        }
        Command::Finalize(a) => {
            let step = Step::start("ceremony finalize");
            let (out, record) = c::finalize(&a.zkey, &a.ptau, &a.dir)?;
            let secs = step.finish().as_secs_f64();
            let value = serde_json::json!({
                "proving_key_bytes": out.proving_key_bytes, "verifying_key_bytes": out.verifying_key_bytes,
                "ceremony": record, "seconds": secs,
            });
            let text = format!(
                "keys written to {} (proving key {} bytes, verifying key {} bytes) from a ceremony of {} contributions; transcript SHA-256 {}",
                a.dir.display(),
                out.proving_key_bytes,
                out.verifying_key_bytes,
                record.contributions.len(),
                record.transcript_sha256
            );
            super::emit(json, &value, &text)
        }
    }
}

fn contribution_done(json: bool, step: Step, out: &std::path::Path, hash: &[u8; 64]) -> Result<()> {
    let secs = step.finish().as_secs_f64();
    let value = serde_json::json!({ "zkey": out, "contribution_hash": hex::encode(hash), "seconds": secs });
    let text = format!("{} written in {secs:.2} s\n{}", out.display(), format_hash(hash, "Contribution Hash: "));
    super::emit(json, &value, &text)
}

/// The text `ceremony verify` prints: snarkjs's layout (circuit hash, then each contribution's hash,
/// newest first), then the transcript's SHA-256 that `setup.json` and the canister record.
fn report(checked: &c::Checked) -> String {
    let v = &checked.verified;
    let mut s = format_hash(&v.cs_hash, "Circuit Hash: ");
    for (i, k) in v.contributions.iter().enumerate().rev() {
        s.push_str("\n-------------------------\n");
        s.push_str(&format_hash(&k.hash, &format!("contribution #{} {}:", i + 1, k.name.as_deref().unwrap_or(""))));
        if let Some((hash, exp)) = &k.beacon {
            s.push_str(&format!("\nBeacon generator: {}\nBeacon iterations Exp: {exp}", hex::encode(hash)));
        }
    }
    s.push_str("\n-------------------------\nZKey Ok!");
    s.push_str(&format!(
        "\nptau SHA-256 {} (power {})\ntranscript SHA-256 {} (the final .zkey; the canister's transcript_hash)\nverifying.key SHA-256 {} (the canister's key_hash)",
        checked.record.ptau_sha256,
        checked.record.ptau_power,
        checked.record.transcript_sha256,
        checked.verifying_key_sha256
    ));
    s
}
