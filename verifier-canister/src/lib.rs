//! The verinfer verifier canister: a registry of models (keyed by model hash), seed tickets drawn
//! with the management canister's `raw_rand`, and Groth16 verification through the same verifier
//! core as `verinfer verify`. Every failure is a typed `Error`; bad input never traps.
#![deny(missing_docs)]

pub mod state;
pub mod types;

use candid::Principal;
use ic_cdk::api::{is_controller, msg_caller, performance_counter, time};
use ic_cdk::call::Call;
use serde_bytes::ByteBuf;
use state::{config, set_config, ModelRecord, MODELS, PREPARED, REGISTRARS, TICKETS};

/// A query that has no error in its candid type cannot answer from corrupt state: it traps (the
/// caller gets a reject), which only a bug in this canister can cause.
fn or_trap<T>(r: Result<T, Error>) -> T {
    r.unwrap_or_else(|e| ic_cdk::trap(format!("{e:?}")))
}
use types::*;
use verinfer_verifier::{
    fr_from_bytes, OutputClaim, PreparedVerifyingKey, Proof, VerifyError, VerifyingKey, PROOF_BYTES,
};

/// Largest verifying key accepted (a key grows by 32 bytes per public input).
pub const MAX_KEY_BYTES: usize = 256 * 1024;
/// Most output values a statement may carry.
pub const MAX_OUTPUT_VALUES: usize = 8192;
/// Largest name, version or metadata text.
pub const MAX_TEXT: usize = 1024;
/// Most metadata entries.
pub const MAX_METADATA: usize = 32;
/// Largest ingress argument accepted by `inspect_message` (inter-canister calls are checked per field).
pub const MAX_INGRESS_ARG: usize = 512 * 1024;
/// Expired tickets pruned per update call (bounds the work of any one call).
pub const PRUNE_PER_CALL: usize = 64;

fn too_large(what: &str, size: usize, limit: usize) -> Error {
    Error::ArgumentTooLarge { what: what.into(), size: size as u64, limit: limit as u64 }
}

fn bytes32(b: &ByteBuf, what: &str) -> Result<[u8; 32], Error> {
    <[u8; 32]>::try_from(b.as_slice())
        .map_err(|_| Error::InvalidArgument { reason: format!("{what} must be 32 bytes, got {}", b.len()) })
}

fn authorized(caller: &Principal) -> bool {
    is_controller(caller) || REGISTRARS.with(|r| r.borrow().contains_key(caller))
}

fn prepare(model_hash: &[u8; 32], key: &[u8]) -> Result<PreparedVerifyingKey, Error> {
    let vk = VerifyingKey::from_bytes(key).map_err(|e| Error::MalformedKey { reason: e.to_string() })?;
    if &vk.model_hash != model_hash {
        return Err(Error::MalformedKey { reason: "the stored key names another model".into() });
    }
    Ok(vk.prepare())
}

#[ic_cdk::init]
fn init(args: Option<InitArgs>) {
    // A trap here rolls the installation back.
    or_trap(set_config(|c| c.apply(&args.unwrap_or_default())));
}

#[ic_cdk::post_upgrade]
fn post_upgrade(args: Option<InitArgs>) {
    // A trap here rolls the upgrade back, keeping the old code and its state.
    or_trap(set_config(|c| c.apply(&args.unwrap_or_default())));
    // Stable maps survived the upgrade; the heap cache of prepared keys did not.
    let records: Vec<([u8; 32], ModelRecord)> = or_trap(state::models());
    for (hash, record) in records {
        if !record.info.retired {
            if let Ok(pvk) = prepare(&hash, &record.key) {
                PREPARED.with(|p| p.borrow_mut().insert(hash, pvk));
            }
        }
    }
}

#[ic_cdk::inspect_message]
fn inspect_message() {
    if ic_cdk::api::msg_arg_data().len() <= MAX_INGRESS_ARG {
        ic_cdk::api::accept_message();
    }
}

/// Registers a model from its `verifying.key` (controllers and registrars only).
#[ic_cdk::update]
fn register_model(args: RegisterArgs) -> Result<ModelInfo, Error> {
    let caller = msg_caller();
    if !authorized(&caller) {
        return Err(Error::NotAuthorized { caller });
    }
    if args.verifying_key.len() > MAX_KEY_BYTES {
        return Err(too_large("verifying_key", args.verifying_key.len(), MAX_KEY_BYTES));
    }
    for (what, text) in [("name", &args.name), ("version", &args.version)] {
        if text.len() > MAX_TEXT {
            return Err(too_large(what, text.len(), MAX_TEXT));
        }
    }
    if args.metadata.len() > MAX_METADATA {
        return Err(too_large("metadata entries", args.metadata.len(), MAX_METADATA));
    }
    if let Some((k, v)) = args.metadata.iter().find(|(k, v)| k.len() + v.len() > MAX_TEXT) {
        return Err(too_large(
            &format!("metadata '{}'", k.chars().take(32).collect::<String>()),
            k.len() + v.len(),
            MAX_TEXT,
        ));
    }
    let vk =
        VerifyingKey::from_bytes(&args.verifying_key).map_err(|e| Error::MalformedKey { reason: e.to_string() })?;
    let hash = vk.model_hash;
    if MODELS.with(|m| m.borrow().contains_key(&hash)) {
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
    };
    state::put_model(hash, &ModelRecord { info: info.clone(), key: args.verifying_key.into_vec() })?;
    PREPARED.with(|p| p.borrow_mut().insert(hash, pvk));
    Ok(info)
}

/// Retires a model: its proofs are refused from now on (controllers and registrars only).
#[ic_cdk::update]
fn retire_model(model_hash: ByteBuf) -> Result<ModelInfo, Error> {
    let caller = msg_caller();
    if !authorized(&caller) {
        return Err(Error::NotAuthorized { caller });
    }
    let hash = bytes32(&model_hash, "model_hash")?;
    let mut record = state::model(&hash)?.ok_or(Error::UnknownModel { model_hash: model_hash.clone() })?;
    record.info.retired = true;
    let info = record.info.clone();
    state::put_model(hash, &record)?;
    PREPARED.with(|p| p.borrow_mut().remove(&hash));
    Ok(info)
}

/// A registered model.
#[ic_cdk::query]
fn get_model(model_hash: ByteBuf) -> Option<ModelInfo> {
    let hash = bytes32(&model_hash, "model_hash").ok()?;
    or_trap(state::model(&hash)).map(|r| r.info)
}

/// Every registered model, retired ones included.
#[ic_cdk::query]
fn list_models() -> Vec<ModelInfo> {
    or_trap(state::models()).into_iter().map(|(_, r)| r.info).collect()
}

/// Allows `registrar` to register and retire models (controllers only).
#[ic_cdk::update]
fn add_registrar(registrar: Principal) -> Result<(), Error> {
    let caller = msg_caller();
    if !is_controller(&caller) {
        return Err(Error::NotAuthorized { caller });
    }
    REGISTRARS.with(|r| r.borrow_mut().insert(registrar, 1));
    Ok(())
}

/// Revokes a registrar (controllers only).
#[ic_cdk::update]
fn remove_registrar(registrar: Principal) -> Result<(), Error> {
    let caller = msg_caller();
    if !is_controller(&caller) {
        return Err(Error::NotAuthorized { caller });
    }
    REGISTRARS.with(|r| r.borrow_mut().remove(&registrar));
    Ok(())
}

/// The registrars.
#[ic_cdk::query]
fn list_registrars() -> Vec<Principal> {
    REGISTRARS.with(|r| r.borrow().iter().map(|e| *e.key()).collect())
}

fn live_model(hash: &[u8; 32]) -> Result<ModelRecord, Error> {
    let record = state::model(hash)?.ok_or_else(|| Error::UnknownModel { model_hash: ByteBuf::from(hash.to_vec()) })?;
    if record.info.retired {
        return Err(Error::ModelRetired { model_hash: ByteBuf::from(hash.to_vec()) });
    }
    Ok(record)
}

/// Removes up to [`PRUNE_PER_CALL`] expired tickets, oldest first.
fn prune_tickets(now: u64) -> Result<(), Error> {
    let expired = state::expired_tickets(now, PRUNE_PER_CALL)?;
    TICKETS.with(|t| {
        let mut t = t.borrow_mut();
        for id in expired {
            t.remove(&id);
        }
    });
    Ok(())
}

/// Draws a seed for (model, input commitment) with `raw_rand` and stores a ticket for `verify`.
#[ic_cdk::update]
async fn request_seed(model_hash: ByteBuf, input_commitment: ByteBuf) -> Result<Ticket, Error> {
    let hash = bytes32(&model_hash, "model_hash")?;
    let commitment = bytes32(&input_commitment, "input_commitment")?;
    fr_from_bytes(&commitment, "input_commitment").map_err(|e| Error::InvalidArgument { reason: e.to_string() })?;
    live_model(&hash)?;
    prune_tickets(time())?;
    let cfg = config()?;
    if TICKETS.with(|t| t.borrow().len()) >= cfg.max_tickets {
        return Err(Error::TooManyTickets { limit: cfg.max_tickets });
    }
    // The input is committed before the randomness exists: the caller cannot choose the seed.
    let response = Call::unbounded_wait(Principal::management_canister(), "raw_rand")
        .with_args(&())
        .await
        .map_err(|e| Error::RandomnessUnavailable { reason: e.to_string() })?;
    let seed: ByteBuf = response.candid().map_err(|e| Error::RandomnessUnavailable { reason: e.to_string() })?;
    if seed.len() != 32 {
        return Err(Error::RandomnessUnavailable { reason: format!("raw_rand returned {} bytes", seed.len()) });
    }
    let now = time();
    let cfg = config()?;
    let ticket = Ticket {
        id: cfg.next_ticket_id,
        model_hash,
        input_commitment,
        seed,
        caller: msg_caller(),
        issued_at: now,
        expires_at: now.saturating_add(cfg.ticket_ttl_ns),
        used: false,
    };
    set_config(|c| c.next_ticket_id += 1)?;
    state::put_ticket(&ticket)?;
    Ok(ticket)
}

/// A ticket.
#[ic_cdk::query]
fn get_ticket(id: u64) -> Option<Ticket> {
    or_trap(state::ticket(id))
}

fn to_core(s: &Statement) -> Result<verinfer_verifier::Statement, Error> {
    let output = match &s.output {
        Output::Tensor(v) if v.len() > MAX_OUTPUT_VALUES => {
            return Err(too_large("output values", v.len(), MAX_OUTPUT_VALUES))
        }
        Output::Tensor(v) => OutputClaim::Tensor(v.clone()),
        Output::Commitment(c) => OutputClaim::Commitment(bytes32(c, "output commitment")?),
    };
    Ok(verinfer_verifier::Statement {
        model_hash: bytes32(&s.model_hash, "model_hash")?,
        input_commitment: bytes32(&s.input_commitment, "input_commitment")?,
        seed: bytes32(&s.seed, "seed")?,
        output_index: s.output_index,
        output,
    })
}

fn from_core(e: VerifyError) -> Error {
    match e {
        VerifyError::MalformedKey(reason) => Error::MalformedKey { reason },
        VerifyError::MalformedProof(reason) => Error::MalformedProof { reason },
        VerifyError::MalformedStatement(reason) => Error::MalformedStatement { reason },
        VerifyError::Rejected => Error::ProofRejected,
        other => Error::StatementMismatch { reason: other.to_string() },
    }
}

/// The checks shared by `verify` and `verify_query`.
fn check(args: VerifyArgs, consume: bool) -> Result<Verified, Error> {
    if args.proof.len() != PROOF_BYTES {
        return Err(if args.proof.len() > PROOF_BYTES {
            too_large("proof", args.proof.len(), PROOF_BYTES)
        } else {
            Error::MalformedProof { reason: format!("{} bytes, a Groth16 proof has {PROOF_BYTES}", args.proof.len()) }
        });
    }
    let statement = to_core(&args.statement)?;
    let hash = statement.model_hash;
    let record = live_model(&hash)?;
    let now = time();
    if let Some(id) = args.ticket {
        let t = state::ticket(id)?.ok_or(Error::UnknownTicket { id })?;
        if t.used {
            return Err(Error::TicketAlreadyUsed { id });
        }
        if now > t.expires_at {
            return Err(Error::TicketExpired { id, expired_at: t.expires_at });
        }
        if t.model_hash.as_slice() != hash {
            return Err(Error::TicketMismatch { id, reason: "the ticket was issued for another model".into() });
        }
        if t.input_commitment.as_slice() != statement.input_commitment {
            return Err(Error::TicketMismatch {
                id,
                reason: "the statement's input commitment is not the ticket's".into(),
            });
        }
        if t.seed.as_slice() != statement.seed {
            return Err(Error::TicketMismatch { id, reason: "the statement's seed is not the ticket's".into() });
        }
    }
    let proof = Proof::from_bytes(&args.proof).map_err(from_core)?;
    let cached = PREPARED.with(|p| p.borrow().get(&hash).cloned());
    let pvk = match cached {
        Some(p) => p,
        None => {
            let p = prepare(&hash, &record.key)?;
            PREPARED.with(|c| c.borrow_mut().insert(hash, p.clone()));
            p
        }
    };
    verinfer_verifier::verify(&pvk, &statement, &proof).map_err(from_core)?;
    if consume {
        if let Some(id) = args.ticket {
            if let Some(mut ticket) = state::ticket(id)? {
                ticket.used = true;
                state::put_ticket(&ticket)?;
            }
        }
        prune_tickets(now)?;
    }
    let s = args.statement;
    Ok(Verified {
        model_hash: s.model_hash,
        input_commitment: s.input_commitment,
        seed: s.seed,
        output_index: s.output_index,
        output: s.output,
        ticket: args.ticket,
        verified_at: now,
        instructions: performance_counter(0),
    })
}

/// Verifies a proof (replicated); consumes the ticket if one is named.
#[ic_cdk::update]
fn verify(args: VerifyArgs) -> Result<Verified, Error> {
    check(args, true)
}

/// The same check as a free, non-replicated query; tickets are checked but not consumed.
#[ic_cdk::query]
fn verify_query(args: VerifyArgs) -> Result<Verified, Error> {
    check(args, false)
}

/// Counts and settings.
#[ic_cdk::query]
fn stats() -> Stats {
    let cfg = or_trap(config());
    Stats {
        models: MODELS.with(|m| m.borrow().len()),
        tickets: TICKETS.with(|t| t.borrow().len()),
        next_ticket_id: cfg.next_ticket_id,
        ticket_ttl_seconds: cfg.ticket_ttl_ns / 1_000_000_000,
        max_tickets: cfg.max_tickets,
    }
}

#[allow(missing_docs)]
mod export {
    use super::*;
    ic_cdk::export_candid!();

    #[cfg(test)]
    mod tests {
        #[test]
        fn candid_interface_matches_the_committed_did() {
            use candid_parser::utils::{service_equal, CandidSource};
            let rust = super::__export_service();
            let did = include_str!("../verifier.did");
            service_equal(CandidSource::Text(did), CandidSource::Text(&rust)).unwrap_or_else(|e| {
                panic!("verifier.did and the code disagree: {e}\n--- generated from the code ---\n{rust}")
            });
        }

        /// Regenerates `verifier.did` from the code: `cargo test -p verinfer-verifier-canister -- --ignored write_did`.
        #[test]
        #[ignore]
        fn write_did() {
            let path = concat!(env!("CARGO_MANIFEST_DIR"), "/verifier.did");
            std::fs::write(path, super::__export_service()).unwrap();
        }
    }
}
