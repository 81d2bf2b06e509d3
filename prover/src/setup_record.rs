//! `setup.json`: what setup wrote (the backend, who could forge, the ceremony, the key files'
//! SHA-256 and the lowering version), and reading it back.
use crate::pipeline::KeyError;
use anyhow::{anyhow, Result};
use std::path::Path;
use verinfer_verifier::BackendId;

/// `format` of the setup record.
pub const SETUP_FORMAT: &str = "verinfer-setup";
/// Setup record version: 2 adds `kind` and `ceremony` (version 1 records read as single-party), 3
/// adds `lowering` (older records: lowering 1).
pub const SETUP_VERSION: u32 = 3;

/// Where the setup's randomness came from, as recorded in `setup.json`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Provenance {
    /// `verinfer setup`: one party, randomness from the operating system, then forgotten.
    OsRandomness,
    /// `verinfer setup --insecure-deterministic-seed N`: anyone who knows `N` can forge proofs.
    InsecureDeterministicSeed,
    /// A program called [`setup_dir`] with its own random number generator.
    CallerRng,
    /// `verinfer ceremony finalize`: a Powers of Tau file and a multi-party phase 2.
    Ceremony,
    /// `verinfer setup --backend halo2`: no secret at all (IPA parameters derived from `k`).
    Transparent,
}

impl Provenance {
    /// The sentence recorded in `setup.json`.
    pub fn describe(self) -> &'static str {
        match self {
            Provenance::OsRandomness => "single-party setup, OS randomness",
            Provenance::InsecureDeterministicSeed => "INSECURE deterministic seed",
            Provenance::CallerRng => "single-party setup, randomness supplied by the calling program",
            Provenance::Ceremony => "ceremony: powers of tau, then a multi-party phase 2 (snarkjs .zkey)",
            Provenance::Transparent => "none: halo2 IPA parameters derived deterministically from the circuit size",
        }
    }

    /// `kind` in `setup.json`.
    pub fn kind(self) -> SetupKind {
        match self {
            Provenance::Ceremony => SetupKind::Ceremony,
            Provenance::Transparent => SetupKind::Transparent,
            _ => SetupKind::SingleParty,
        }
    }

    /// Who could forge proofs with keys of this setup: the one line `setup` prints.
    pub fn who_can_forge(self) -> &'static str {
        match self {
            Provenance::OsRandomness | Provenance::CallerRng => {
                "whoever ran this setup could forge proofs for this model; for keys nobody has to trust, run a ceremony (README, \"Running a ceremony\")"
            }
            Provenance::InsecureDeterministicSeed => "anyone who knows the seed can forge proofs for this model",
            Provenance::Ceremony => {
                "nobody can forge proofs unless every phase-1 contributor or every phase-2 contributor kept their secret"
            }
            Provenance::Transparent => "nobody: there is no setup secret (anyone can regenerate and compare the parameters)",
        }
    }
}

/// `kind` in `setup.json`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SetupKind {
    /// One party ran the setup and could forge proofs.
    #[default]
    SingleParty,
    /// Powers of tau and a multi-party phase 2.
    Ceremony,
    /// No secret (halo2).
    Transparent,
}

/// The ceremony behind a `ceremony` setup, as `verinfer ceremony verify` checked it.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct CeremonyRecord {
    /// SHA-256 of the `.ptau` file, hex.
    pub ptau_sha256: String,
    /// Its power (it holds 2^power points).
    pub ptau_power: u32,
    /// snarkjs's circuit hash (BLAKE2b-512), hex.
    pub circuit_hash: String,
    /// Every contribution in order, the beacon included.
    pub contributions: Vec<ContributionRecord>,
    /// The random beacon applied, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub beacon: Option<BeaconRecord>,
    /// SHA-256 of the final `.zkey` file (the transcript), hex.
    pub transcript_sha256: String,
}

/// One phase-2 contribution.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ContributionRecord {
    /// Name given by the contributor.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Its hash as snarkjs prints it (BLAKE2b-512), hex.
    pub hash: String,
    /// `true` for the beacon.
    #[serde(default)]
    pub beacon: bool,
}

/// The beacon of a ceremony.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct BeaconRecord {
    /// The public random value, hex.
    pub hash: String,
    /// SHA-256 was iterated 2^iterations_exp times on it.
    pub iterations_exp: u8,
}

/// `setup.json`: what setup wrote, with the SHA-256 of both key files, checked before proving.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct SetupRecord {
    /// Always [`SETUP_FORMAT`].
    pub format: String,
    /// [`SETUP_VERSION`].
    pub format_version: u32,
    /// SHA-256 of `model.compiled`, hex.
    pub model_hash: String,
    /// `single-party` or `ceremony` (version 1 records: single-party).
    #[serde(default)]
    pub kind: SetupKind,
    /// Where the setup's randomness came from ([`Provenance::describe`]).
    pub provenance: String,
    /// SHA-256 of `proving.key`, hex.
    pub proving_key_sha256: String,
    /// SHA-256 of `verifying.key`, hex.
    pub verifying_key_sha256: String,
    /// The ceremony, for `kind: ceremony`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ceremony: Option<CeremonyRecord>,
    /// The version of the constraints the keys were made for ([`lowering_version`]; records before
    /// version 3: 1).
    #[serde(default = "first_lowering")]
    pub lowering: u32,
    /// The proof system the keys are for (records without it: groth16). A halo2 setup writes
    /// `verifying.key` only (the model and the parameters, from which proving regenerates the
    /// keys); its `proving_key_sha256` is empty.
    #[serde(default = "groth16")]
    pub backend: BackendId,
}

fn groth16() -> BackendId {
    BackendId::Groth16
}

fn first_lowering() -> u32 {
    1
}

/// Reads `setup.json`.
pub fn read_setup_record(path: &Path) -> Result<SetupRecord> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(KeyError::MissingRecord { record: path.to_path_buf() }.into())
        }
        Err(e) => return Err(anyhow!(e).context(format!("reading {}", path.display()))),
    };
    let bad = |reason: String| KeyError::MalformedRecord { record: path.to_path_buf(), reason };
    let r: SetupRecord = serde_json::from_str(&text).map_err(|e| bad(format!("not a setup record ({e})")))?;
    if r.format != SETUP_FORMAT || !(1..=SETUP_VERSION).contains(&r.format_version) {
        return Err(bad(format!(
            "format '{}' version {}, this build reads '{SETUP_FORMAT}' versions 1 to {SETUP_VERSION}",
            r.format, r.format_version
        ))
        .into());
    }
    Ok(r)
}
