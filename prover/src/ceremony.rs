//! The ceremony behind `verinfer export r1cs` and `verinfer ceremony ...`: the circuit of a build
//! directory in circom's `.r1cs`, phase 2 in snarkjs's `.zkey` files, and the keys of its result.
use crate::fsutil::{read, write_atomic};
use crate::pipeline::{
    load_model, sha256_hex, write_keys, BeaconRecord, CeremonyRecord, ContributionRecord, Provenance, SetupOutput,
};
use anyhow::{Context, Result};
use std::path::Path;
use verinfer_ceremony::phase2::{self, Verified};
use verinfer_ceremony::ptau::Ptau;
use verinfer_ceremony::r1cs::R1cs;
use verinfer_ceremony::rng::{contribution_rng, ChaCha};
use verinfer_ceremony::zkey::Zkey;
use verinfer_circuits::groth16::matrices;
use verinfer_circuits::qap::Qap;
use verinfer_circuits::ProvingKey;
use verinfer_verifier::VerifyingKey;

/// The circuit of a build directory as circom's `.r1cs` (wire 0 the constant one, then the public
/// inputs in statement order, then the witnesses).
pub fn circuit(dir: &Path) -> Result<R1cs> {
    let model = load_model(dir)?;
    let m = matrices(&model)?;
    Ok(R1cs::from_matrices(m.num_instance, m.num_witness, &m.a, &m.b, &m.c))
}

/// Reads a `.zkey` file.
pub fn read_zkey(path: &Path) -> Result<Zkey> {
    Zkey::from_bytes(&read(path)?).with_context(|| format!("reading {}", path.display()))
}

/// Writes a `.zkey` file; returns its bytes.
pub fn write_zkey(path: &Path, zkey: &Zkey) -> Result<Vec<u8>> {
    let bytes = zkey.to_bytes();
    write_atomic(path, &bytes)?;
    Ok(bytes)
}

/// What `ceremony init` made.
pub struct InitOutput {
    /// The circuit's domain (a power of two).
    pub domain_size: u32,
    /// The `.ptau` file's power.
    pub ptau_power: u32,
    /// snarkjs's circuit hash.
    pub cs_hash: [u8; 64],
}

/// The `.ptau` a ceremony started from, as recorded.
#[derive(Clone, Debug)]
pub struct PtauInfo {
    /// Its power.
    pub power: u32,
    /// SHA-256 of the file, hex.
    pub sha256: String,
}

/// The initial parameters of a build directory's circuit from a `.ptau` file.
pub fn initial_zkey(dir: &Path, ptau_path: &Path) -> Result<(Zkey, PtauInfo)> {
    let r1cs = circuit(dir)?;
    let bytes = read(ptau_path)?;
    let ptau = Ptau::parse(&bytes).with_context(|| format!("reading {}", ptau_path.display()))?;
    let zkey = phase2::new_zkey(&r1cs, &ptau).with_context(|| format!("phase 2 from {}", ptau_path.display()))?;
    Ok((zkey, PtauInfo { power: ptau.power, sha256: sha256_hex(&bytes) }))
}

/// `ceremony init`.
pub fn init(dir: &Path, ptau_path: &Path, out: &Path) -> Result<InitOutput> {
    let (zkey, ptau) = initial_zkey(dir, ptau_path)?;
    write_zkey(out, &zkey)?;
    Ok(InitOutput { domain_size: zkey.domain_size, ptau_power: ptau.power, cs_hash: zkey.cs_hash })
}

/// A contribution's randomness: 64 bytes from the OS mixed with `entropy`, as snarkjs does.
pub fn os_contribution_rng(entropy: &str) -> ChaCha {
    use rand::RngCore;
    let mut os = [0u8; 64];
    rand::rngs::OsRng.fill_bytes(&mut os);
    contribution_rng(&os, entropy)
}

/// `ceremony contribute`.
pub fn contribute(input: &Path, out: &Path, name: Option<String>, entropy: &str) -> Result<[u8; 64]> {
    let zkey = read_zkey(input)?;
    let (next, hash) = phase2::contribute(&zkey, &mut os_contribution_rng(entropy), name);
    write_zkey(out, &next)?;
    Ok(hash)
}

/// `ceremony beacon`.
pub fn beacon(
    input: &Path,
    out: &Path,
    beacon_hex: &str,
    iterations_exp: u8,
    name: Option<String>,
) -> Result<[u8; 64]> {
    let hash = parse_beacon(beacon_hex)?;
    phase2::check_beacon(&hash, iterations_exp)?;
    let zkey = read_zkey(input)?;
    let (next, contribution) = phase2::beacon(&zkey, &hash, iterations_exp, name)?;
    write_zkey(out, &next)?;
    Ok(contribution)
}

/// Parses a beacon given in hex (an optional `0x`, an even number of digits).
pub fn parse_beacon(s: &str) -> Result<Vec<u8>> {
    let digits = s.strip_prefix("0x").unwrap_or(s);
    hex::decode(digits).with_context(|| format!("the beacon '{s}' is not an even number of hex digits"))
}

/// A checked ceremony: what `ceremony verify` prints and `finalize` records.
pub struct Checked {
    /// The final parameters.
    pub zkey: Zkey,
    /// What was checked.
    pub verified: Verified,
    /// The record `setup.json` keeps.
    pub record: CeremonyRecord,
    /// SHA-256 of the `verifying.key` these parameters give (the canister's `key_hash`).
    pub verifying_key_sha256: String,
}

/// `ceremony verify`: recomputes the initial parameters from the build directory's circuit and the
/// `.ptau`, then checks every contribution and the final parameters against them.
pub fn verify(zkey_path: &Path, ptau_path: &Path, dir: &Path) -> Result<Checked> {
    let (init, ptau) = initial_zkey(dir, ptau_path)?;
    verify_against(zkey_path, &init, &ptau)
}

/// The keys of checked final parameters for the build directory's model.
fn keys(checked: &Checked, dir: &Path) -> Result<(ProvingKey, VerifyingKey)> {
    let model = load_model(dir)?;
    let model_hash = model.model_hash()?.0;
    let pk = phase2::to_arkworks(&checked.zkey);
    let vk = VerifyingKey { model_hash, layout: model.statement_layout(), vk: pk.vk.clone() };
    Ok((ProvingKey::from_ark(model_hash, &pk, Qap::Circom)?, vk))
}

/// [`verify`], plus the SHA-256 of the `verifying.key` the ceremony gives, to compare with the
/// `key_hash` a canister reports for the model.
pub fn verify_with_key(zkey_path: &Path, ptau_path: &Path, dir: &Path) -> Result<Checked> {
    let mut checked = verify(zkey_path, ptau_path, dir)?;
    checked.verifying_key_sha256 = sha256_hex(&keys(&checked, dir)?.1.to_bytes()?);
    Ok(checked)
}

/// [`verify`] with initial parameters already computed from the same circuit and `.ptau`.
pub fn verify_against(zkey_path: &Path, init: &Zkey, ptau: &PtauInfo) -> Result<Checked> {
    let zkey_bytes = read(zkey_path)?;
    let zkey = Zkey::from_bytes(&zkey_bytes).with_context(|| format!("reading {}", zkey_path.display()))?;
    let verified = phase2::verify(&zkey, init).with_context(|| format!("checking {}", zkey_path.display()))?;
    let beacon = zkey.contributions.iter().rev().find_map(|c| match &c.kind {
        verinfer_ceremony::zkey::ContributionKind::Beacon { hash, iterations_exp } => {
            Some(BeaconRecord { hash: hex::encode(hash), iterations_exp: *iterations_exp })
        }
        _ => None,
    });
    let record = CeremonyRecord {
        ptau_sha256: ptau.sha256.clone(),
        ptau_power: ptau.power,
        circuit_hash: hex::encode(verified.cs_hash),
        contributions: verified
            .contributions
            .iter()
            .map(|c| ContributionRecord { name: c.name.clone(), hash: hex::encode(c.hash), beacon: c.beacon.is_some() })
            .collect(),
        beacon,
        transcript_sha256: sha256_hex(&zkey_bytes),
    };
    Ok(Checked { zkey, verified, record, verifying_key_sha256: String::new() })
}

/// `ceremony finalize`: verifies the ceremony, then writes `proving.key`, `verifying.key` and
/// `setup.json` (kind `ceremony`) into the build directory.
pub fn finalize(zkey_path: &Path, ptau_path: &Path, dir: &Path) -> Result<(SetupOutput, CeremonyRecord)> {
    let checked = verify(zkey_path, ptau_path, dir)?;
    write_checked(&checked, zkey_path, dir)
}

/// Writes the keys of a checked ceremony; refuses one without a secret contribution.
pub fn write_checked(checked: &Checked, zkey_path: &Path, dir: &Path) -> Result<(SetupOutput, CeremonyRecord)> {
    let secret = checked.verified.contributions.iter().filter(|c| c.beacon.is_none()).count();
    if secret == 0 {
        anyhow::bail!(
            "{} has no secret contribution (only the initial parameters or a public beacon): anyone could \
             forge proofs with its keys; add at least one `verinfer ceremony contribute` (or snarkjs zkey contribute)",
            zkey_path.display()
        );
    }
    let (pk, vk) = keys(checked, dir)?;
    let model = load_model(dir)?;
    let out = write_keys(dir, &model, (&pk, &vk), Provenance::Ceremony, Some(checked.record.clone()))?;
    Ok((out, checked.record.clone()))
}

/// Writes the circuit of a build directory as `.r1cs`.
pub fn export_r1cs(dir: &Path, out: &Path) -> Result<R1cs> {
    let r1cs = circuit(dir)?;
    write_atomic(out, &r1cs.to_bytes())?;
    Ok(r1cs)
}
