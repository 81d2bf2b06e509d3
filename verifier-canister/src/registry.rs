//! The model registry: registration (controllers and registrars), key rotation (controllers),
//! retirement (controllers, or the registrar that registered the model) and the registrar list.
use crate::state::{self, ModelRecord, Prepared, PREPARED, REGISTRARS};
use crate::types::{Error, ModelInfo, RegisterArgs, RotateArgs, SetupKind, SetupProvenance};
use crate::{bytes32, sha256, too_large};
use ark_ec::AffineRepr;
use candid::Principal;
use ic_cdk::api::{is_controller, performance_counter, time};
use serde_bytes::ByteBuf;
use std::rc::Rc;
use verinfer_halo2::verifier::{KeyFile, KEY_MAGIC};
use verinfer_verifier::VerifyingKey;

/// Largest Groth16 verifying key accepted (a key grows by 32 bytes per public input).
pub const MAX_KEY_BYTES: usize = 256 * 1024;
/// Largest halo2 key file accepted (the model and the parameters, 64 bytes a row: `2^k` rows
/// take `2^(k+6)` bytes; one ingress message carries 2 MiB).
pub const MAX_HALO2_KEY_BYTES: usize = 2 * 1024 * 1024 - 64 * 1024;
/// The largest halo2 circuit (`2^k` rows) whose registration, and whose first verification after
/// an upgrade (the key regenerated, then the proof checked), fit one message's 40 B instructions.
/// Measured in the harness (ic-harness/tests/verifier_canister.rs): registration 16 B at `k = 11`
/// and 28 B at `k = 12`, about doubling with each `k`; a verification 3.6 B at `k = 12`.
pub const MAX_HALO2_K: u32 = 12;

/// Whether key bytes are a halo2 key file (else Groth16).
pub fn is_halo2(key: &[u8]) -> bool {
    key.starts_with(KEY_MAGIC)
}

/// Reads a halo2 key file and regenerates its verifying key (the expensive part of registering).
fn prepare_halo2(key: &[u8]) -> Result<verinfer_halo2::verifier::PreparedKey, Error> {
    if key.len() > MAX_HALO2_KEY_BYTES {
        return Err(too_large("verifying_key", key.len(), MAX_HALO2_KEY_BYTES));
    }
    let file = KeyFile::from_bytes(key).map_err(|e| Error::MalformedKey { reason: e.to_string() })?;
    if file.header.k > MAX_HALO2_K {
        return Err(Error::CircuitTooLarge { k: file.header.k, max_k: MAX_HALO2_K });
    }
    file.prepare().map_err(|e| Error::MalformedKey { reason: e.to_string() })
}
/// Largest name, version, reason or metadata text.
pub const MAX_TEXT: usize = 1024;
/// Most metadata entries.
pub const MAX_METADATA: usize = 32;
/// Largest beacon value of a ceremony (snarkjs accepts 1 to 255 bytes).
pub const MAX_BEACON_HASH: usize = 255;
/// Range of a beacon's `iterations_exp` (snarkjs: SHA-256 iterated 2^10 to 2^63 times).
pub const BEACON_ITERATIONS_EXP: std::ops::RangeInclusive<u8> = 10..=63;

/// Whether `caller` may register models.
pub fn authorized(caller: &Principal) -> bool {
    is_controller(caller) || REGISTRARS.with(|r| r.borrow().contains_key(caller))
}

fn controller(caller: Principal) -> Result<(), Error> {
    if is_controller(&caller) {
        Ok(())
    } else {
        Err(Error::NotAuthorized { caller })
    }
}

/// Decodes and prepares a stored key, checking it names `model_hash`.
pub fn prepare(model_hash: &[u8; 32], key: &[u8]) -> Result<Prepared, Error> {
    let other = || Error::MalformedKey { reason: "the stored key names another model".into() };
    if is_halo2(key) {
        let p = prepare_halo2(key)?;
        return if &p.model_hash == model_hash { Ok(Prepared::Halo2(Rc::new(p))) } else { Err(other()) };
    }
    let vk = decode_key(key)?;
    if &vk.model_hash != model_hash {
        return Err(other());
    }
    Ok(Prepared::Groth16(vk.prepare()))
}

fn decode_key(key: &[u8]) -> Result<VerifyingKey, Error> {
    if key.len() > MAX_KEY_BYTES {
        return Err(too_large("verifying_key", key.len(), MAX_KEY_BYTES));
    }
    VerifyingKey::from_bytes(key).map_err(|e| Error::MalformedKey { reason: e.to_string() })
}

fn check_texts(args: &RegisterArgs) -> Result<(), Error> {
    for (what, text) in [("name", &args.name), ("version", &args.version)] {
        if text.len() > MAX_TEXT {
            return Err(too_large(what, text.len(), MAX_TEXT));
        }
    }
    if args.metadata.len() > MAX_METADATA {
        return Err(too_large("metadata entries", args.metadata.len(), MAX_METADATA));
    }
    if let Some((k, v)) = args.metadata.iter().find(|(k, v)| k.len() + v.len() > MAX_TEXT) {
        let key: String = k.chars().take(32).collect();
        return Err(too_large(&format!("metadata '{key}'"), k.len() + v.len(), MAX_TEXT));
    }
    Ok(())
}

/// The declared provenance of `vk` (absent: single-party), checked: its shape, the canister's
/// `require_ceremony`, and a ceremony claim against the key (gamma_g2 must be the G2 generator).
pub fn check_setup(setup: Option<SetupProvenance>, vk: &VerifyingKey) -> Result<SetupProvenance, Error> {
    let setup = setup.unwrap_or_else(SetupProvenance::single_party);
    let invalid = |reason: String| Err(Error::InvalidProvenance { reason });
    match setup.kind {
        SetupKind::SingleParty => {
            if setup.contributions != 0 {
                return invalid(format!("single_party with {} contributions (must be 0)", setup.contributions));
            }
            for (what, h) in [("transcript_hash", &setup.transcript_hash), ("ptau_hash", &setup.ptau_hash)] {
                if !h.is_empty() {
                    return invalid(format!("single_party with a {what} (must be empty)"));
                }
            }
            if setup.beacon.is_some() {
                return invalid("single_party with a beacon".into());
            }
        }
        SetupKind::Transparent => {
            return invalid("transparent is for halo2 keys: a Groth16 key has a setup secret".into());
        }
        SetupKind::Ceremony => {
            if setup.contributions == 0 {
                return invalid("a ceremony with 0 contributions (the beacon does not count)".into());
            }
            for (what, h) in [("transcript_hash", &setup.transcript_hash), ("ptau_hash", &setup.ptau_hash)] {
                if h.len() != 32 {
                    return invalid(format!("{what} must be a SHA-256 (32 bytes), got {} bytes", h.len()));
                }
            }
            if let Some(b) = &setup.beacon {
                if b.hash.is_empty() || b.hash.len() > MAX_BEACON_HASH {
                    return invalid(format!("beacon hash of {} bytes (1 to {MAX_BEACON_HASH})", b.hash.len()));
                }
                if !BEACON_ITERATIONS_EXP.contains(&b.iterations_exp) {
                    return invalid(format!(
                        "beacon iterations_exp {} (must be {} to {})",
                        b.iterations_exp,
                        BEACON_ITERATIONS_EXP.start(),
                        BEACON_ITERATIONS_EXP.end()
                    ));
                }
            }
        }
    }
    if setup.kind != SetupKind::Ceremony && state::config()?.require_ceremony {
        return Err(Error::CeremonyRequired { model_hash: ByteBuf::from(vk.model_hash.to_vec()) });
    }
    if setup.kind == SetupKind::Ceremony && vk.vk.gamma_g2 != ark_bn254::G2Affine::generator() {
        return Err(Error::ProvenanceMismatch {
            reason: "declared a ceremony, but the key's gamma_g2 is not the G2 generator: a snarkjs phase 2 \
                     always has gamma = 1 (keys from `verinfer setup` draw gamma at random)"
                .into(),
        });
    }
    Ok(setup)
}

/// A live (registered, not retired) model.
pub fn live_model(hash: &[u8; 32]) -> Result<ModelRecord, Error> {
    let record = state::model(hash)?.ok_or_else(|| Error::UnknownModel { model_hash: ByteBuf::from(hash.to_vec()) })?;
    if record.info.retired {
        return Err(Error::ModelRetired { model_hash: ByteBuf::from(hash.to_vec()) });
    }
    Ok(record)
}

/// `register_model`.
pub fn register(caller: Principal, args: RegisterArgs) -> Result<ModelInfo, Error> {
    if !authorized(&caller) {
        return Err(Error::NotAuthorized { caller });
    }
    check_texts(&args)?;
    let (hash, layout, backend, setup, prepared) = if is_halo2(&args.verifying_key) {
        let p = prepare_halo2(&args.verifying_key)?;
        let setup = check_transparent(args.setup)?;
        (p.model_hash, p.layout, verinfer_verifier::BackendId::Halo2, setup, Prepared::Halo2(Rc::new(p)))
    } else {
        let vk = decode_key(&args.verifying_key)?;
        let setup = check_setup(args.setup, &vk)?;
        (vk.model_hash, vk.layout, verinfer_verifier::BackendId::Groth16, setup, Prepared::Groth16(vk.prepare()))
    };
    if state::MODELS.with(|m| m.borrow().contains_key(&hash)) {
        return Err(Error::AlreadyRegistered { model_hash: ByteBuf::from(hash.to_vec()) });
    }
    let info = ModelInfo {
        model_hash: ByteBuf::from(hash.to_vec()),
        name: args.name,
        version: args.version,
        backend: backend.into(),
        output_mode: layout.output_mode.into(),
        output_len: layout.output_len,
        public_inputs: layout.num_public_inputs() as u32,
        metadata: args.metadata,
        registered_by: caller,
        registered_at: time(),
        registration_instructions: performance_counter(0),
        retired: false,
        key_hash: sha256(&args.verifying_key),
        key_rotations: 0,
        setup,
    };
    if info.setup.kind == SetupKind::Ceremony {
        state::set_config(|c| {
            c.ceremony_models += 1;
            Ok(())
        })?;
    }
    state::put_model(hash, &ModelRecord { info: info.clone(), key: args.verifying_key })?;
    PREPARED.with(|p| p.borrow_mut().insert(hash, prepared));
    Ok(info)
}

/// A halo2 key's declared provenance: none, or `transparent` (it has no setup secret, so the
/// canister's `require_ceremony` does not apply).
fn check_transparent(setup: Option<SetupProvenance>) -> Result<SetupProvenance, Error> {
    match setup {
        None => Ok(SetupProvenance::transparent()),
        Some(s) if s == SetupProvenance::transparent() => Ok(s),
        Some(s) => Err(Error::InvalidProvenance {
            reason: format!("a halo2 key has no setup ceremony: declare none or transparent, not {:?}", s.kind),
        }),
    }
}

/// `rotate_key`: controllers replace a model's key; the model is live again afterwards.
pub fn rotate(caller: Principal, args: RotateArgs) -> Result<ModelInfo, Error> {
    controller(caller)?;
    if args.reason.len() > MAX_TEXT {
        return Err(too_large("reason", args.reason.len(), MAX_TEXT));
    }
    if is_halo2(&args.verifying_key) {
        return Err(Error::InvalidArgument {
            reason: "a halo2 key is derived from its model (no secret to rotate): register the model's key instead"
                .into(),
        });
    }
    let vk = decode_key(&args.verifying_key)?;
    let hash = vk.model_hash;
    let mut record =
        state::model(&hash)?.ok_or_else(|| Error::UnknownModel { model_hash: ByteBuf::from(hash.to_vec()) })?;
    let setup = check_setup(args.setup, &vk)?;
    let pvk = vk.prepare();
    let (was, now) = (record.info.setup.kind == SetupKind::Ceremony, setup.kind == SetupKind::Ceremony);
    if was != now {
        state::set_config(|c| {
            c.ceremony_models = if now { c.ceremony_models + 1 } else { c.ceremony_models.saturating_sub(1) };
            Ok(())
        })?;
    }
    let info = &mut record.info;
    info.setup = setup;
    info.key_hash = sha256(&args.verifying_key);
    info.key_rotations += 1;
    info.retired = false;
    info.public_inputs = vk.layout.num_public_inputs() as u32;
    info.output_len = vk.layout.output_len;
    info.metadata.retain(|(k, _)| k != "rotated");
    info.metadata.push(("rotated".into(), args.reason));
    record.key = args.verifying_key;
    state::put_model(hash, &record)?;
    PREPARED.with(|p| p.borrow_mut().insert(hash, Prepared::Groth16(pvk)));
    Ok(record.info)
}

/// `retire_model`: controllers retire any model, a registrar only the ones it registered.
pub fn retire(caller: Principal, model_hash: &ByteBuf) -> Result<ModelInfo, Error> {
    if !authorized(&caller) {
        return Err(Error::NotAuthorized { caller });
    }
    let hash = bytes32(model_hash, "model_hash")?;
    let mut record = state::model(&hash)?.ok_or(Error::UnknownModel { model_hash: model_hash.clone() })?;
    if !is_controller(&caller) && record.info.registered_by != caller {
        return Err(Error::NotAuthorized { caller });
    }
    record.info.retired = true;
    state::put_model(hash, &record)?;
    PREPARED.with(|p| p.borrow_mut().remove(&hash));
    Ok(record.info)
}

/// `add_registrar` (controllers only; not the anonymous principal).
pub fn add_registrar(caller: Principal, registrar: Principal) -> Result<(), Error> {
    controller(caller)?;
    if registrar == Principal::anonymous() {
        return Err(Error::InvalidArgument { reason: "the anonymous principal cannot be a registrar".into() });
    }
    REGISTRARS.with(|r| r.borrow_mut().insert(registrar, 1));
    Ok(())
}

/// `remove_registrar` (controllers only).
pub fn remove_registrar(caller: Principal, registrar: Principal) -> Result<(), Error> {
    controller(caller)?;
    REGISTRARS.with(|r| r.borrow_mut().remove(&registrar));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::Beacon;
    use ark_serialize::CanonicalSerialize;

    /// A key from `verinfer setup` (random gamma).
    const KEY: &[u8] = include_bytes!("../../fuzz-targets/seeds/context/verifying.key");
    /// Where `gamma_g2` sits in a key file: the 45-byte header, alpha_g1 (32), beta_g2 (64).
    const GAMMA_AT: usize = 45 + 32 + 64;
    /// The compressed BN254 G2 generator; the harness tests (ic-harness/tests/common/mod.rs) write
    /// these bytes at [`GAMMA_AT`] to make a key with gamma_g2 = generator.
    const G2_GENERATOR: &str = "edf692d95cbdde46ddda5ef7d422436779445c5e66006a42761e1f12efde0018c212f3aeb785e49712e7a9353349aaf1255dfb31b7bf60723a480d9293938e19";

    fn hex(b: &[u8]) -> String {
        b.iter().map(|b| format!("{b:02x}")).collect()
    }

    fn snarkjs_like() -> VerifyingKey {
        let mut vk = VerifyingKey::from_bytes(KEY).unwrap();
        vk.vk.gamma_g2 = ark_bn254::G2Affine::generator();
        vk
    }

    fn ceremony() -> SetupProvenance {
        SetupProvenance {
            kind: SetupKind::Ceremony,
            contributions: 3,
            transcript_hash: ByteBuf::from(vec![1; 32]),
            ptau_hash: ByteBuf::from(vec![2; 32]),
            beacon: Some(Beacon { hash: ByteBuf::from(vec![3; 32]), iterations_exp: 10 }),
        }
    }

    #[test]
    fn the_generator_bytes_the_harness_splices_are_gamma_g2() {
        let mut g = Vec::new();
        ark_bn254::G2Affine::generator().serialize_compressed(&mut g).unwrap();
        assert_eq!(hex(&g), G2_GENERATOR);
        let vk = VerifyingKey::from_bytes(KEY).unwrap();
        let mut gamma = Vec::new();
        vk.vk.gamma_g2.serialize_compressed(&mut gamma).unwrap();
        assert_eq!(&KEY[GAMMA_AT..GAMMA_AT + 64], gamma.as_slice());
        let mut spliced = KEY.to_vec();
        spliced[GAMMA_AT..GAMMA_AT + 64].copy_from_slice(&g);
        assert_eq!(VerifyingKey::from_bytes(&spliced).unwrap(), snarkjs_like());
    }

    #[test]
    fn provenance_is_checked_against_its_shape_and_the_key() {
        let random_gamma = VerifyingKey::from_bytes(KEY).unwrap();
        let gamma_one = snarkjs_like();
        // absent: single-party, whatever the key
        assert_eq!(check_setup(None, &random_gamma), Ok(SetupProvenance::single_party()));
        assert_eq!(check_setup(None, &gamma_one), Ok(SetupProvenance::single_party()));
        // a ceremony claim: only for gamma_g2 = generator
        assert_eq!(check_setup(Some(ceremony()), &gamma_one), Ok(ceremony()));
        let no_beacon = SetupProvenance { beacon: None, ..ceremony() };
        assert_eq!(check_setup(Some(no_beacon.clone()), &gamma_one), Ok(no_beacon));
        assert!(matches!(
            check_setup(Some(ceremony()), &random_gamma),
            Err(Error::ProvenanceMismatch { reason }) if reason.contains("gamma_g2")
        ));
        // malformed declarations
        type Edit = fn(&mut SetupProvenance);
        let bad: [(Edit, &str); 11] = [
            (|s| s.contributions = 0, "0 contributions"),
            (|s| s.transcript_hash = ByteBuf::new(), "transcript_hash"),
            (|s| s.ptau_hash = ByteBuf::from(vec![0; 33]), "ptau_hash"),
            (|s| s.beacon.as_mut().unwrap().hash = ByteBuf::new(), "beacon hash"),
            (|s| s.beacon.as_mut().unwrap().hash = ByteBuf::from(vec![0; 256]), "beacon hash"),
            (|s| s.beacon.as_mut().unwrap().iterations_exp = 9, "iterations_exp"),
            (|s| s.beacon.as_mut().unwrap().iterations_exp = 64, "iterations_exp"),
            (|s| *s = SetupProvenance { contributions: 1, ..SetupProvenance::single_party() }, "contributions"),
            (
                |s| *s = SetupProvenance { ptau_hash: s.ptau_hash.clone(), ..SetupProvenance::single_party() },
                "ptau_hash",
            ),
            (
                |s| {
                    *s = SetupProvenance {
                        transcript_hash: s.transcript_hash.clone(),
                        ..SetupProvenance::single_party()
                    }
                },
                "transcript_hash",
            ),
            (|s| *s = SetupProvenance { beacon: s.beacon.clone(), ..SetupProvenance::single_party() }, "beacon"),
        ];
        for (edit, word) in bad {
            let mut s = ceremony();
            edit(&mut s);
            match check_setup(Some(s.clone()), &gamma_one) {
                Err(Error::InvalidProvenance { reason }) => assert!(reason.contains(word), "{word}: {reason}"),
                r => panic!("{s:?}: expected InvalidProvenance, got {r:?}"),
            }
        }
        // the limits themselves are accepted
        for (len, exp) in [(1, 10), (255, 63)] {
            let mut s = ceremony();
            s.beacon = Some(Beacon { hash: ByteBuf::from(vec![7; len]), iterations_exp: exp });
            assert!(check_setup(Some(s), &gamma_one).is_ok());
        }
    }

    #[test]
    fn require_ceremony_refuses_single_party_keys() {
        state::set_config(|c| {
            c.require_ceremony = true;
            Ok(())
        })
        .unwrap();
        let random_gamma = VerifyingKey::from_bytes(KEY).unwrap();
        let hash = ByteBuf::from(random_gamma.model_hash.to_vec());
        let refused = Err(Error::CeremonyRequired { model_hash: hash });
        assert_eq!(check_setup(None, &random_gamma), refused);
        assert_eq!(check_setup(Some(SetupProvenance::single_party()), &random_gamma), refused);
        assert_eq!(check_setup(Some(ceremony()), &snarkjs_like()), Ok(ceremony()));
        // malformed and contradicted claims keep their own errors
        assert!(matches!(check_setup(Some(ceremony()), &random_gamma), Err(Error::ProvenanceMismatch { .. })));
        let bad = SetupProvenance { contributions: 1, ..SetupProvenance::single_party() };
        assert!(matches!(check_setup(Some(bad), &random_gamma), Err(Error::InvalidProvenance { .. })));
    }
}
