//! The verinfer verifier canister: a registry of models (keyed by model hash), seed tickets drawn
//! with the management canister's `raw_rand`, and Groth16 verification through the same verifier
//! core as `verinfer verify`. Every failure is a typed `Error`; bad input never traps.
//!
//! Hostile callers are the default (docs/seed-protocol.md): callers pay for `request_seed` and
//! `verify` with attached cycles ([`fees`]), tickets are bound to their requester and counted per
//! caller ([`tickets`]), ingress is filtered per method ([`inspect`]), and verification records are
//! certified ([`state::certify`]).
#![deny(missing_docs)]

pub mod fees;
pub mod inspect;
pub mod metrics;
pub mod registry;
pub mod state;
pub mod tickets;
pub mod types;

use candid::Principal;
use ic_cdk::api::{msg_caller, performance_counter, time};
use ic_cdk::call::Call;
use serde_bytes::ByteBuf;
use sha2::{Digest, Sha256};
use state::{config, set_config, ModelRecord, Prepared, PREPARED};
use types::*;
use verinfer_halo2::Halo2;
use verinfer_verifier::{fr_from_bytes, Groth16, OutputClaim, Verifier, VerifyError, PROOF_BYTES};

/// Most output values a statement may carry.
pub const MAX_OUTPUT_VALUES: usize = 8192;
/// Live models whose keys are prepared again in `post_upgrade` (the newest first); the others are
/// prepared by their first `verify` (about 80 M instructions once).
pub const PREPARE_AT_UPGRADE: usize = 8;

/// A query that has no error in its candid type cannot answer from corrupt state: it traps (the
/// caller gets a reject), which only a bug in this canister can cause.
fn or_trap<T>(r: Result<T, Error>) -> T {
    r.unwrap_or_else(|e| ic_cdk::trap(format!("{e:?}")))
}

fn too_large(what: &str, size: usize, limit: usize) -> Error {
    Error::ArgumentTooLarge { what: what.into(), size: size as u64, limit: limit as u64 }
}

fn bytes32(b: &ByteBuf, what: &str) -> Result<[u8; 32], Error> {
    <[u8; 32]>::try_from(b.as_slice())
        .map_err(|_| Error::InvalidArgument { reason: format!("{what} must be 32 bytes, got {}", b.len()) })
}

fn sha256(bytes: &[u8]) -> ByteBuf {
    ByteBuf::from(Sha256::digest(bytes).to_vec())
}

/// An update's result, with corrupt state turned into a trap: the replica then rolls the message's
/// changes back, where returning `Err` would keep what was written before the failure.
fn or_rollback<T>(r: Result<T, Error>) -> Result<T, Error> {
    if let Err(Error::StateCorrupt { reason }) = &r {
        ic_cdk::trap(format!("state corrupt, message rolled back: {reason}"));
    }
    r
}

fn not_anonymous(caller: &Principal) -> Result<(), Error> {
    if *caller == Principal::anonymous() {
        return Err(Error::AnonymousCaller);
    }
    Ok(())
}

#[ic_cdk::init]
fn init(args: Option<InitArgs>) {
    // A trap here rolls the installation back.
    or_trap(set_config(|c| c.apply(&args.unwrap_or_default())));
    state::certify();
}

#[ic_cdk::post_upgrade]
fn post_upgrade(args: Option<InitArgs>) {
    // A trap here rolls the upgrade back, keeping the old code and its state.
    or_trap(set_config(|c| c.apply(&args.unwrap_or_default())));
    state::rebuild_certified_tree();
    // The heap cache of prepared keys did not survive: rebuild it for the newest few live models.
    let mut live: Vec<([u8; 32], ModelRecord)> =
        or_trap(state::models()).into_iter().filter(|(_, r)| !r.info.retired).collect();
    live.sort_by_key(|(_, r)| std::cmp::Reverse(r.info.registered_at));
    // (halo2 keys regenerate their key, billions of instructions: on their first verify instead)
    let groth16 = live.into_iter().filter(|(_, r)| r.info.backend == Backend::Groth16);
    for (hash, record) in groth16.take(PREPARE_AT_UPGRADE) {
        if let Ok(pvk) = registry::prepare(&hash, &record.key) {
            PREPARED.with(|p| p.borrow_mut().insert(hash, pvk));
        }
    }
}

#[ic_cdk::inspect_message]
fn inspect_message() {
    if inspect::admits(&msg_caller(), &ic_cdk::api::msg_method_name(), ic_cdk::api::msg_arg_data().len()) {
        ic_cdk::api::accept_message();
    }
}

/// Registers a model from its `verifying.key` (controllers and registrars only).
#[ic_cdk::update]
fn register_model(args: RegisterArgs) -> Result<ModelInfo, Error> {
    or_rollback(registry::register(msg_caller(), args))
}

/// Replaces the verifying key of a model and reinstates it if retired (controllers only): proofs
/// made with the old key fail from now on; results name the key by its hash.
#[ic_cdk::update]
fn rotate_key(args: RotateArgs) -> Result<ModelInfo, Error> {
    or_rollback(registry::rotate(msg_caller(), args))
}

/// Retires a model: its proofs are refused from now on (controllers, or the registrar that
/// registered it).
#[ic_cdk::update]
fn retire_model(model_hash: ByteBuf) -> Result<ModelInfo, Error> {
    or_rollback(registry::retire(msg_caller(), &model_hash))
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

/// Allows `registrar` to register models and retire its own (controllers only).
#[ic_cdk::update]
fn add_registrar(registrar: Principal) -> Result<(), Error> {
    registry::add_registrar(msg_caller(), registrar)
}

/// Revokes a registrar (controllers only).
#[ic_cdk::update]
fn remove_registrar(registrar: Principal) -> Result<(), Error> {
    registry::remove_registrar(msg_caller(), registrar)
}

/// The registrars.
#[ic_cdk::query]
fn list_registrars() -> Vec<Principal> {
    state::REGISTRARS.with(|r| r.borrow().iter().map(|e| *e.key()).collect())
}

/// The argument's shape (no state read: these checks cost next to nothing).
fn check_seed_request(args: &SeedRequest) -> Result<tickets::Request, Error> {
    let model = bytes32(&args.model_hash, "model_hash")?;
    let commitment = bytes32(&args.input_commitment, "input_commitment")?;
    // a field element of the model's backend (BN254's scalar field, or Pasta's for halo2)
    match registry::live_model(&model).map(|r| r.info.backend) {
        Ok(Backend::Halo2) => {
            if verinfer_halo2::field::from_bytes(&commitment).is_none() {
                return Err(Error::InvalidArgument { reason: "input_commitment is not a Pasta field element".into() });
            }
        }
        _ => {
            fr_from_bytes(&commitment, "input_commitment")
                .map_err(|e| Error::InvalidArgument { reason: e.to_string() })?;
        }
    }
    if let Some(e) = &args.event {
        if e.len() > tickets::MAX_EVENT {
            return Err(too_large("event", e.len(), tickets::MAX_EVENT));
        }
    }
    Ok(tickets::Request { model, commitment, event: args.event.clone(), consumer: args.consumer })
}

/// `request_seed` after the caller checks: the cheap refusals (duplicates, quotas) first, then the
/// model, the housekeeping, and the draw.
async fn draw_ticket(caller: Principal, args: &SeedRequest) -> Result<Ticket, Error> {
    let request = check_seed_request(args)?;
    let model = request.model;
    // Counted against the caps from here on, so that concurrent requests cannot overshoot them.
    let reservation = tickets::reserve(caller, request, time())?;
    registry::live_model(&model)?;
    tickets::housekeeping(time(), tickets::HOUSEKEEPING_PER_CALL)?;
    // The input is committed before the randomness exists: the caller cannot choose the seed.
    let response = Call::unbounded_wait(Principal::management_canister(), "raw_rand")
        .with_args(&())
        .await
        .map_err(|e| Error::RandomnessUnavailable { reason: e.to_string() })?;
    let seed: ByteBuf = response.candid().map_err(|e| Error::RandomnessUnavailable { reason: e.to_string() })?;
    if seed.len() != 32 {
        return Err(Error::RandomnessUnavailable { reason: format!("raw_rand returned {} bytes", seed.len()) });
    }
    tickets::issue(reservation, seed, time())
}

/// Draws a seed for (model, input commitment) with `raw_rand` and stores a ticket that only the
/// caller (or the consumer it names) can consume with `verify`, before the settlement deadline.
/// Callers attach `request_seed_fee` cycles (see `stats`): an issued ticket costs the fee, a refused
/// request the metered cost of the refusal. One ticket per caller and event, and per caller and
/// input commitment, while the ticket is kept (whatever the model); at most
/// `max_tickets_per_caller` open per caller. Anonymous callers are refused.
#[ic_cdk::update]
async fn request_seed(args: SeedRequest) -> Result<Ticket, Error> {
    let caller = msg_caller();
    not_anonymous(&caller)?;
    let cfg = config()?;
    fees::require(&caller, cfg.request_seed_fee)?;
    let result = draw_ticket(caller, &args).await;
    let charge = match &result {
        Ok(_) => cfg.request_seed_fee as u128,
        Err(_) => fees::metered(&cfg, 0).min(cfg.request_seed_fee as u128),
    };
    or_rollback(fees::collect(&caller, charge))?;
    or_rollback(result)
}

/// A ticket and where it stands (open, consumed with its verification, or abandoned).
#[ic_cdk::query]
fn get_ticket(id: u64) -> Option<Ticket> {
    or_trap(state::ticket(id)).map(|t| tickets::view(t, time()))
}

/// A principal's ticket counters (issued, open, consumed, abandoned) and the cycles it paid.
#[ic_cdk::query]
fn caller_stats(caller: Principal) -> CallerStats {
    or_trap(state::caller_stats(&caller))
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

fn check_ticket(t: &Ticket, s: &verinfer_verifier::Statement) -> Result<(), Error> {
    let mismatch = |reason: &str| Err(Error::TicketMismatch { id: t.id, reason: reason.into() });
    if t.model_hash.as_slice() != s.model_hash {
        return mismatch("the ticket was issued for another model");
    }
    if t.input_commitment.as_slice() != s.input_commitment {
        return mismatch("the statement's input commitment is not the ticket's");
    }
    if t.seed.as_slice() != s.seed {
        return mismatch("the statement's seed is not the ticket's");
    }
    Ok(())
}

fn prepared(hash: &[u8; 32], record: &ModelRecord) -> Result<Prepared, Error> {
    if let Some(p) = PREPARED.with(|p| p.borrow().get(hash).cloned()) {
        return Ok(p);
    }
    let p = registry::prepare(hash, &record.key)?;
    PREPARED.with(|c| c.borrow_mut().insert(*hash, p.clone()));
    Ok(p)
}

/// The checks shared by `verify` and `verify_query`: the verified result (id 0, not stored) and the
/// ticket it may consume. `owner` is checked against the ticket's requester and consumer.
fn check(args: &VerifyArgs, owner: Option<&Principal>, caller: Principal) -> Result<(Verified, Option<Ticket>), Error> {
    if args.proof.len() > inspect::MAX_PROOF_ARG {
        return Err(too_large("proof", args.proof.len(), inspect::MAX_PROOF_ARG));
    }
    let statement = to_core(&args.statement)?;
    let hash = statement.model_hash;
    let record = registry::live_model(&hash)?;
    let now = time();
    let ticket = args.ticket.map(|id| tickets::usable(id, owner, now)).transpose()?;
    if let Some(t) = &ticket {
        check_ticket(t, &statement)?;
    }
    // The registered key's backend picks the verifier (static dispatch: one arm a backend).
    match (record.info.backend, prepared(&hash, &record)?) {
        (Backend::Groth16, Prepared::Groth16(key)) => {
            if args.proof.len() > PROOF_BYTES {
                return Err(too_large("proof", args.proof.len(), PROOF_BYTES));
            }
            if args.proof.len() != PROOF_BYTES {
                let reason = format!("{} bytes, a Groth16 proof has {PROOF_BYTES}", args.proof.len());
                return Err(Error::MalformedProof { reason });
            }
            let proof = Groth16::decode_proof(&args.proof).map_err(from_core)?;
            Groth16::verify(&key, &statement, &proof).map_err(from_core)?;
        }
        (Backend::Halo2, Prepared::Halo2(key)) => {
            let proof = Halo2::decode_proof(&args.proof).map_err(from_core)?;
            Halo2::verify(&key, &statement, &proof).map_err(from_core)?;
        }
        _ => return Err(Error::MalformedKey { reason: "the stored key is not of the model's backend".into() }),
    }
    let s = &args.statement;
    let verified = Verified {
        id: 0,
        model_hash: s.model_hash.clone(),
        key_hash: record.info.key_hash.clone(),
        input_commitment: s.input_commitment.clone(),
        seed: s.seed.clone(),
        output_index: s.output_index,
        output: s.output.clone(),
        proof_hash: sha256(&args.proof),
        ticket: args.ticket,
        caller,
        verified_at: now,
        instructions: performance_counter(0),
    };
    Ok((verified, ticket))
}

/// Records an accepted verification (certified) and consumes its ticket.
fn record(mut v: Verified, ticket: Option<Ticket>) -> Result<Verified, Error> {
    let cfg = config()?;
    v.id = cfg.next_verification_id;
    set_config(|c| {
        c.next_verification_id += 1;
        c.counters.verifications_accepted += 1;
        Ok(())
    })?;
    state::put_verification(&v)?;
    if let Some(t) = ticket {
        tickets::consume(t, &v, v.verified_at)?;
    }
    Ok(v)
}

/// Verifies a proof (replicated), consumes the ticket if one is named (only its requester or named
/// consumer may), stores the result on the ticket and in a certified record (`get_verification`).
/// Callers attach `verify_fee` cycles and pay the metered cost (`stats`); anonymous callers are refused.
#[ic_cdk::update]
fn verify(args: VerifyArgs) -> Result<Verified, Error> {
    let caller = msg_caller();
    not_anonymous(&caller)?;
    let cfg = config()?;
    fees::require(&caller, cfg.verify_fee)?;
    or_rollback(tickets::housekeeping(time(), tickets::HOUSEKEEPING_PER_CALL))?;
    let result = check(&args, Some(&caller), caller).and_then(|(v, t)| record(v, t));
    if result.is_err() {
        or_rollback(set_config(|c| {
            c.counters.verifications_refused += 1;
            Ok(())
        }))?;
    }
    let extra = if result.is_ok() { fees::RECORD_CHARGE } else { 0 };
    or_rollback(fees::collect(&caller, fees::metered(&cfg, extra).min(cfg.verify_fee as u128)))?;
    or_rollback(result)
}

/// The same check as a free query, for previews only: answered by one replica, not certified, so
/// no one may act on its answer. It checks a ticket's seed, input and deadline (not who may consume
/// it), consumes nothing and records nothing. Act on `verify`'s reply or on `get_verification`.
/// Called from another canister (replicated, at this canister's expense) it refuses (`QueryOnly`).
#[ic_cdk::query]
fn verify_query(args: VerifyArgs) -> Result<Verified, Error> {
    if ic_cdk::api::in_replicated_execution() {
        return Err(Error::QueryOnly { method: "verify_query".into() });
    }
    check(&args, None, msg_caller()).map(|(v, _)| v)
}

/// A verification record with the subnet's certificate and a witness (query; the certificate makes
/// it trustworthy without replication). None when unknown or removed after the retention period.
#[ic_cdk::query]
fn get_verification(id: u64) -> Option<CertifiedVerification> {
    let (verification, candid) = or_trap(state::certified_verification(id))?;
    Some(CertifiedVerification {
        verification,
        certificate: ByteBuf::from(ic_cdk::api::data_certificate().unwrap_or_default()),
        witness: ByteBuf::from(or_trap(state::witness(id))),
        candid: ByteBuf::from(candid),
    })
}

/// Counts, settings, counters and the cycle balance.
#[ic_cdk::query]
fn stats() -> Stats {
    or_trap(metrics::stats())
}

/// `GET /metrics`: the counters of `stats` in Prometheus' text format.
#[ic_cdk::query]
fn http_request(request: HttpRequest) -> HttpResponse {
    metrics::http(&request)
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
