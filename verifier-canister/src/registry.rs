//! The model registry: registration (controllers and registrars), key rotation (controllers),
//! retirement (controllers, or the registrar that registered the model) and the registrar list.
use crate::state::{self, ModelRecord, PREPARED, REGISTRARS};
use crate::types::{Backend, Error, ModelInfo, OutputMode, RegisterArgs, RotateArgs};
use crate::{bytes32, sha256, too_large};
use candid::Principal;
use ic_cdk::api::{is_controller, performance_counter, time};
use serde_bytes::ByteBuf;
use verinfer_verifier::{PreparedVerifyingKey, VerifyingKey};

/// Largest verifying key accepted (a key grows by 32 bytes per public input).
pub const MAX_KEY_BYTES: usize = 256 * 1024;
/// Largest name, version, reason or metadata text.
pub const MAX_TEXT: usize = 1024;
/// Most metadata entries.
pub const MAX_METADATA: usize = 32;

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
pub fn prepare(model_hash: &[u8; 32], key: &[u8]) -> Result<PreparedVerifyingKey, Error> {
    let vk = decode_key(key)?;
    if &vk.model_hash != model_hash {
        return Err(Error::MalformedKey { reason: "the stored key names another model".into() });
    }
    Ok(vk.prepare())
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
    let vk = decode_key(&args.verifying_key)?;
    let hash = vk.model_hash;
    if state::MODELS.with(|m| m.borrow().contains_key(&hash)) {
        return Err(Error::AlreadyRegistered { model_hash: ByteBuf::from(hash.to_vec()) });
    }
    let pvk = vk.prepare();
    let info = ModelInfo {
        model_hash: ByteBuf::from(hash.to_vec()),
        name: args.name,
        version: args.version,
        backend: Backend::Groth16,
        output_mode: match vk.layout.output_mode {
            verinfer_verifier::OutputMode::Tensor => OutputMode::Tensor,
            verinfer_verifier::OutputMode::Commitment => OutputMode::Commitment,
        },
        output_len: vk.layout.output_len,
        public_inputs: vk.layout.num_public_inputs() as u32,
        metadata: args.metadata,
        registered_by: caller,
        registered_at: time(),
        registration_instructions: performance_counter(0),
        retired: false,
        key_hash: sha256(&args.verifying_key),
        key_rotations: 0,
    };
    state::put_model(hash, &ModelRecord { info: info.clone(), key: args.verifying_key })?;
    PREPARED.with(|p| p.borrow_mut().insert(hash, pvk));
    Ok(info)
}

/// `rotate_key`: controllers replace a model's key; the model is live again afterwards.
pub fn rotate(caller: Principal, args: RotateArgs) -> Result<ModelInfo, Error> {
    controller(caller)?;
    if args.reason.len() > MAX_TEXT {
        return Err(too_large("reason", args.reason.len(), MAX_TEXT));
    }
    let vk = decode_key(&args.verifying_key)?;
    let hash = vk.model_hash;
    let mut record =
        state::model(&hash)?.ok_or_else(|| Error::UnknownModel { model_hash: ByteBuf::from(hash.to_vec()) })?;
    let pvk = vk.prepare();
    let info = &mut record.info;
    info.key_hash = sha256(&args.verifying_key);
    info.key_rotations += 1;
    info.retired = false;
    info.public_inputs = vk.layout.num_public_inputs() as u32;
    info.output_len = vk.layout.output_len;
    info.metadata.retain(|(k, _)| k != "rotated");
    info.metadata.push(("rotated".into(), args.reason));
    record.key = args.verifying_key;
    state::put_model(hash, &record)?;
    PREPARED.with(|p| p.borrow_mut().insert(hash, pvk));
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
