//! An example DeFi canister that acts on a model's output only through the verinfer seed protocol
//! (docs/seed-protocol.md): the output is drawn with a seed the verifier canister drew after the
//! input was committed, proven by a named operator, and settled once, before a deadline, or else
//! to a default outcome fixed in advance.
//!
//! # Only keys from a ceremony
//! Groth16 needs a setup per circuit, and whoever knows its randomness can forge proofs. A key from
//! `verinfer setup` was made by one party, who could therefore choose this contract's outcomes; a
//! key from a multi-party ceremony (snarkjs phase 2 on a Powers of Tau file, optionally a random
//! beacon) is sound if any one contributor destroyed its share. The verifier records how each key
//! was made, as its registrar declared it (`ModelInfo.setup`; it refuses a ceremony claim its key
//! contradicts), and anyone re-checks a declared ceremony offline with `verinfer ceremony verify
//! FINAL.zkey --ptau FILE.ptau BUILD`, whose transcript hash must equal `setup.transcript_hash`.
//!
//! So the contract acts only on the model while the verifier's `get_model` reports its current key
//! as `ceremony`: `open` asks before requesting a seed, and `settle` before calling `verify`; a
//! single-party key is refused with `DefiError::SetupNotCeremony` (no ticket, no fee; an open
//! request stays pending and settles to its default class at the deadline if the key stays
//! single-party). `settle` then requires the verification to name the key it checked
//! (`Verified.key_hash`): if a controller rotated the key in between, the result is
//! `DefiError::KeyChanged` and the next `settle` checks the new key. There is no setting that lifts
//! the rule: to try the contract locally, run a ceremony (`verinfer ceremony`, or `verinfer demo`'s
//! two contributions and a beacon on the bundled test ptau) and register its key with
//! `verinfer canister register-args`, which declares the provenance from `setup.json`.
//!
//! # The protocol
//! 1. **Open.** A user (never an operator) calls `open { event, input_commitment, operator }` for a
//!    business event (e.g. a loan application id). The contract checks with the verifier's
//!    `get_model` that the model's key is from a ceremony, then calls the verifier's
//!    `request_seed` with `event` and the commitment, attaching `request_seed_cycles`: the contract
//!    is the ticket's caller and names no other consumer, so only the contract can consume the
//!    ticket. The request records the ticket, its seed, the operator, the opener, the deadline (the
//!    ticket's `expires_at`) and the **default class**, fixed now. The event and the commitment are
//!    then taken for good (stable memory): a second `open` for either is refused, whoever asks.
//! 2. **Settle.** The request's operator proves with the ticket's seed and calls
//!    `settle(request, args)` before the deadline. The contract accepts only this request's ticket,
//!    model and commitment, checks again that the model's key is from a ceremony, calls the
//!    verifier's `verify` with `verify_cycles` attached (the unused part is refunded), checks the
//!    reply against the request and that key, and settles on the verified class.
//!    A refusal carries the verifier's own `Error` (`DefiError::VerifierRefused`) and leaves the
//!    request pending: its seed is fixed, so retrying cannot change the draw. Each `verify` call the
//!    verifier refuses is counted on the request (`refused_attempts`); the one that reaches
//!    `max_settle_attempts` (default 3) abandons the request to its default class, counted against
//!    the operator, and the decision is `Abandoned` with that refusal in `exhausted` (its error and
//!    reason). The contract's own refusals before it calls the verifier (not the operator, wrong
//!    ticket, statement mismatch) cost no fee and are not counted; neither is the verifier's
//!    `TicketExpired`, which abandons the request at once.
//! 3. **Expire.** After the deadline anyone may call `expire(request)`: an unsettled request settles
//!    to its default class and the abandonment is counted against the operator
//!    (`operator_stats`). A `settle` after the deadline does the same instead of verifying.
//!
//! # What it prevents
//! - **Abandon and reopen**: the operator (and the opener) see the draw as soon as the seed exists;
//!   not settling a bad draw does not buy a new one, because the event can never be opened again and
//!   the abandoned request settles to the default class anyway.
//! - **Reopen with a fresh salt**: a new commitment to the same input (another salt) is a new
//!   commitment, but the event is taken; and the same commitment cannot be reused for another event.
//! - **Operator-chosen seeds**: the operator never opens requests, and `settle` accepts only the
//!   ticket this contract obtained; proofs with tickets the operator requested itself are refused.
//! - **Third-party consumption**: the ticket is bound to this contract (no consumer named), so the
//!   verifier refuses anyone else's `verify` with it (`TicketNotYours`); it stays open for the
//!   operator's settlement.
//! - **Settlement after the deadline**: refused by the contract (and by the verifier, which keeps
//!   the same deadline); the request settles to the default class, counted.
//! - **Replays**: a request settles once; the verifier consumes the ticket.
//! - **Cycle drain by junk proofs**: `settle` is ingress from the operator (free for it) and every
//!   `verify` the contract sends pays the verifier's metered fee, refused or not (about 220 M
//!   cycles for a rejected digits proof, out of the 1 B attached). The verifier refusing
//!   `max_settle_attempts` `verify` calls of one request abandons it (above), so a hostile operator
//!   can make the contract pay **at most `max_settle_attempts` verify fees per request** (each at
//!   most `verify_cycles`), and each request it burns this way is an abandonment on its record.
//!   Operators should preview a proof with the verifier's free `verify_query`, called as a query
//!   from their own agent (the statement, proof and ticket checks of `verify`, no fee, nothing
//!   recorded; the verifier refuses it from canisters), and settle only a proof it accepts: an
//!   honest operator then never sees a refusal that counts. (An upgrade that lowers
//!   `max_settle_attempts` below a request's count allows that request one more call: the limit is
//!   checked at each refusal.)
//! - **Spam**: anonymous callers are refused, open requests are capped in total and per opener, and
//!   the stored requests are bounded (see below). Each open costs the contract `request_seed_cycles`;
//!   each request costs it at most `max_settle_attempts` refused `verify` fees besides the accepted
//!   one.
//!
//! `open` is free for the opener here, so the caps bound the cost rather than remove it: at most
//! `max_open_requests` seed fees per settlement window (100 x 40 M per 600 s by default, about
//! 0.6 T cycles a day), paid by the contract. A production contract opens the request from its own
//! business method (a loan application with its deposit or fee), not from a public `open`. The
//! operator's settlements add at most `max_settle_attempts` x `verify_cycles` per request (3 x 1 B
//! by default, about 0.66 B at the metered cost of a rejected proof), on every request it holds at
//! once: with 100 open requests, at most 300 refused `verify` fees per settlement window, and every
//! one of those requests abandoned and counted against it. A production contract would also take a
//! bond from operators that these fees are charged to.
//!
//! # What it does not prevent
//! - **A new business event.** A colluding user can open a different event for the same purpose (a
//!   second loan application); the contract cannot know two events are "the same". The business
//!   logic must make events costly or unique (one application per account and period, deposits).
//! - **The operator learning the draw first.** The seed is public from the moment it exists, so the
//!   operator knows the outcome before deciding whether to settle. Only the default outcome makes
//!   abandoning pointless: it must be no better for the operator than any class the model can
//!   draw (e.g. "decline" for a loan). The abandonment count is the evidence against an operator
//!   who abandons draws it dislikes; a bond it forfeits would be the stronger version.
//! - **Opener and operator colluding** across principals: the contract refuses operators as openers,
//!   but an operator can use another principal; uniqueness of events is what still holds.
//!
//! # Bounds
//! The uniqueness index (two 32-byte hashes per request ever opened) is never pruned. Requests are:
//! when `max_stored_requests` are stored, `open` removes the oldest closed requests (by closing
//! time, at most 64 per call) and refuses with `StorageFull` only if nothing is closed. Open
//! requests are never removed (`max_open_requests <= max_stored_requests` is checked at install).
//! `list_requests` returns at most [`MAX_PAGE`] requests.
//!
//! The verifier's types are mirrored in [`verifier`], as a client generated from `verifier.did`.
#![deny(missing_docs)]

pub mod state;
pub mod types;
pub mod verifier;

use candid::Principal;
use ic_cdk::api::{canister_self, msg_caller, time};
use ic_cdk::call::Call;
use serde_bytes::ByteBuf;
use state::{config, Config, IN_FLIGHT, RESERVED};
use types::*;
use verifier::{Error, ModelInfo, SeedRequest, SetupKind, Ticket, TicketStatus, Verified, VerifyArgs};

/// Most requests `list_requests` returns.
pub const MAX_PAGE: u64 = 100;
/// Largest `settle` argument accepted as ingress (the verifier's `verify` limit).
pub const MAX_SETTLE_ARG: usize = 80 * 1024;
/// Largest argument of the other methods accepted as ingress.
pub const MAX_SMALL_ARG: usize = 1024;

fn trap_on<T>(r: Result<T, DefiError>) -> T {
    r.unwrap_or_else(|e| ic_cdk::trap(format!("{e:?}")))
}

/// Installs the contract (traps with the reason if `args` are invalid, which undoes the install).
#[ic_cdk::init]
fn init(args: InitArgs) {
    let cfg = Config::from_args(&args).unwrap_or_else(|e| ic_cdk::trap(format!("invalid InitArgs: {e}")));
    trap_on(state::put_config(&cfg));
}

/// After an upgrade: `Some(args)` replaces the settings (checked as at install; the verifier and the
/// model cannot change while requests are open), `None` keeps them. Requests, the uniqueness index
/// and the counters are in stable memory and carry over.
#[ic_cdk::post_upgrade]
fn post_upgrade(args: Option<InitArgs>) {
    let Some(args) = args else { return };
    let cfg = trap_on(config());
    let next = cfg.upgraded(&args).unwrap_or_else(|e| ic_cdk::trap(format!("invalid upgrade InitArgs: {e}")));
    trap_on(state::put_config(&next));
}

/// Ingress filter: refuses what the methods would refuse anyway before the contract pays for it
/// (anonymous `open`/`settle`, `open` by an operator, `settle` by a non-operator, large arguments,
/// queries called as updates). Inter-canister calls skip this; the methods check again.
#[ic_cdk::inspect_message]
fn inspect_message() {
    let caller = msg_caller();
    let size = ic_cdk::api::msg_arg_data().len();
    let Ok(cfg) = config() else { return };
    let ok = match ic_cdk::api::msg_method_name().as_str() {
        "open" => caller != Principal::anonymous() && !cfg.is_operator(&caller) && size <= MAX_SMALL_ARG,
        "settle" => cfg.is_operator(&caller) && size <= MAX_SETTLE_ARG,
        "expire" => size <= MAX_SMALL_ARG,
        _ => false,
    };
    if ok {
        ic_cdk::api::accept_message();
    }
}

/// A request reserved across the `request_seed` await: counted against the caps until dropped
/// (also when the callback traps: ic-cdk drops the future in its cleanup).
struct Reservation {
    opener: Principal,
}

impl Reservation {
    fn new(opener: Principal) -> Reservation {
        RESERVED.with(|r| {
            let mut r = r.borrow_mut();
            r.total += 1;
            *r.per_opener.entry(opener).or_default() += 1;
        });
        Reservation { opener }
    }
}

impl Drop for Reservation {
    fn drop(&mut self) {
        RESERVED.with(|r| {
            let mut r = r.borrow_mut();
            r.total = r.total.saturating_sub(1);
            if let Some(n) = r.per_opener.get_mut(&self.opener) {
                *n = n.saturating_sub(1);
                if *n == 0 {
                    r.per_opener.remove(&self.opener);
                }
            }
        });
    }
}

/// The settlement lock of a request, released when dropped.
struct Settling(u64);

impl Settling {
    fn take(id: u64) -> Result<Settling, DefiError> {
        if IN_FLIGHT.with(|f| f.borrow_mut().insert(id)) {
            Ok(Settling(id))
        } else {
            Err(DefiError::SettlementInFlight { request: id })
        }
    }
}

impl Drop for Settling {
    fn drop(&mut self) {
        IN_FLIGHT.with(|f| f.borrow_mut().remove(&self.0));
    }
}

fn in_flight(id: u64) -> bool {
    IN_FLIGHT.with(|f| f.borrow().contains(&id))
}

/// Checks an `open` and returns the uniqueness keys it will take.
fn check_open(cfg: &Config, caller: &Principal, args: &OpenArgs) -> Result<[[u8; 32]; 2], DefiError> {
    if *caller == Principal::anonymous() {
        return Err(DefiError::AnonymousCaller);
    }
    if cfg.is_operator(caller) {
        return Err(DefiError::OperatorMayNotOpen { caller: *caller });
    }
    if !cfg.is_operator(&args.operator) {
        return Err(DefiError::UnknownOperator { operator: args.operator });
    }
    if args.event.is_empty() || args.event.len() > state::MAX_EVENT_BYTES {
        return Err(DefiError::InvalidArgument {
            reason: format!("event must be 1 to {} bytes, got {}", state::MAX_EVENT_BYTES, args.event.len()),
        });
    }
    if args.input_commitment.len() != 32 {
        return Err(DefiError::InvalidArgument {
            reason: format!("input_commitment must be 32 bytes, got {}", args.input_commitment.len()),
        });
    }
    let event_key = state::unique_key(b"event", args.event.as_bytes());
    let commitment_key = state::unique_key(b"commitment", &args.input_commitment);
    if let Some(request) = state::KEYS.with(|k| k.borrow().get(&event_key)) {
        return Err(DefiError::DuplicateEvent { request });
    }
    if let Some(request) = state::KEYS.with(|k| k.borrow().get(&commitment_key)) {
        return Err(DefiError::DuplicateCommitment { request });
    }
    let (total, mine) = RESERVED.with(|r| {
        let r = r.borrow();
        (r.total, r.per_opener.get(caller).copied().unwrap_or(0))
    });
    if cfg.open_requests + total >= cfg.max_open_requests {
        return Err(DefiError::TooManyOpenRequests { limit: cfg.max_open_requests });
    }
    if state::open_by(caller) + mine >= cfg.max_open_per_opener {
        return Err(DefiError::OpenerQuotaExceeded { opener: *caller, limit: cfg.max_open_per_opener });
    }
    Ok([event_key, commitment_key])
}

fn release_keys(keys: &[[u8; 32]]) {
    state::KEYS.with(|k| {
        let mut k = k.borrow_mut();
        for key in keys {
            k.remove(key);
        }
    });
}

/// Opens a request for the business event `event` on a committed input, to be proven by `operator`,
/// if the verifier reports the model's key as from a ceremony (`SetupNotCeremony` otherwise):
/// the contract obtains the verifier's seed ticket itself (attaching `request_seed_cycles`). Refused
/// for anonymous callers, operators, unknown operators, an event or commitment opened before (ever),
/// and beyond the caps. The event and commitment are taken before the call; they are given back only
/// if the verifier certainly issued no ticket (it refused, or the call failed).
#[ic_cdk::update]
async fn open(args: OpenArgs) -> Result<Request, DefiError> {
    let caller = msg_caller();
    let cfg = config()?;
    let keys = check_open(&cfg, &caller, &args)?;
    // Room in the store before anything is taken (removing the oldest closed requests if needed).
    if !state::make_room(cfg.max_stored_requests) {
        return Err(DefiError::StorageFull { limit: cfg.max_stored_requests });
    }
    // Take the id, the event and the commitment now, so that an `open` interleaved across the await
    // sees them taken.
    let id = cfg.next_request_id;
    state::update_config(|c| c.next_request_id += 1)?;
    state::KEYS.with(|k| {
        let mut k = k.borrow_mut();
        for key in &keys {
            k.insert(*key, id);
        }
    });
    let reservation = Reservation::new(caller);
    // Only a key from a ceremony (no ticket is requested otherwise: the event and commitment are
    // given back).
    if let Err(e) = trusted_model(&cfg).await {
        release_keys(&keys);
        return Err(e);
    }
    let request = SeedRequest {
        model_hash: cfg.model_hash.clone(),
        input_commitment: args.input_commitment.clone(),
        event: Some(ByteBuf::from(args.event.as_bytes().to_vec())),
        consumer: None,
    };
    let method = "request_seed";
    let response = match Call::unbounded_wait(cfg.verifier, method)
        .with_arg(&request)
        .with_cycles(cfg.request_seed_cycles as u128)
        .await
    {
        Ok(r) => r,
        Err(e) => {
            // Rejected (the verifier's message rolled back, or never ran): no ticket exists.
            release_keys(&keys);
            return Err(DefiError::VerifierUnreachable { method: method.into(), reason: e.to_string() });
        }
    };
    let ticket = match response.candid::<Result<Ticket, Error>>() {
        Ok(Ok(t)) => t,
        Ok(Err(error)) => {
            release_keys(&keys);
            return Err(DefiError::VerifierRefused { error });
        }
        Err(e) => {
            // An error this client does not know is still a refusal (no ticket); an undecodable
            // ticket may exist, so the event and commitment stay taken.
            if let Ok(Err(_)) = response.candid::<Result<candid::Reserved, candid::Reserved>>() {
                release_keys(&keys);
            }
            return Err(DefiError::UndecodableReply { method: method.into(), reason: e.to_string() });
        }
    };
    check_ticket(&cfg, &request, &ticket)?;
    let cfg = config()?;
    if !state::make_room(cfg.max_stored_requests) {
        // Interleaved opens took the room and nothing closed is left to remove (only possible after
        // an upgrade lowered max_stored_requests below the requests open). The event and the
        // commitment stay taken: the seed exists.
        return Err(DefiError::StorageFull { limit: cfg.max_stored_requests });
    }
    let req = Request {
        id,
        event: args.event,
        input_commitment: args.input_commitment,
        ticket: ticket.id,
        seed: ticket.seed,
        operator: args.operator,
        opener: caller,
        opened_at: time(),
        deadline: ticket.expires_at,
        default_class: cfg.default_class,
        outcome: RequestOutcome::Pending,
        closed_at: None,
        refused_attempts: 0,
    };
    state::put_request(&req)?;
    state::update_config(|c| c.open_requests += 1)?;
    state::add_open_by(caller, 1);
    state::update_operator(args.operator, |s| s.opened += 1)?;
    drop(reservation);
    Ok(req)
}

/// The verifier's record of the trusted model (`get_model`), if the contract may act on it: it is
/// registered and its current key is declared as from a ceremony.
async fn trusted_model(cfg: &Config) -> Result<ModelInfo, DefiError> {
    let method = "get_model";
    let response = Call::unbounded_wait(cfg.verifier, method)
        .with_arg(&cfg.model_hash)
        .await
        .map_err(|e| DefiError::VerifierUnreachable { method: method.into(), reason: e.to_string() })?;
    let info = match response.candid::<Option<ModelInfo>>() {
        Ok(Some(info)) => info,
        Ok(None) => {
            return Err(DefiError::VerifierRefused {
                error: Error::UnknownModel { model_hash: cfg.model_hash.clone() },
            })
        }
        Err(e) => return Err(DefiError::UndecodableReply { method: method.into(), reason: e.to_string() }),
    };
    if info.model_hash != cfg.model_hash {
        return Err(DefiError::ReplyMismatch { reason: "get_model answered for another model".into() });
    }
    if info.setup.kind != SetupKind::Ceremony {
        return Err(DefiError::SetupNotCeremony {
            model_hash: info.model_hash,
            key_hash: info.key_hash,
            setup: info.setup,
        });
    }
    Ok(info)
}

fn check_ticket(cfg: &Config, asked: &SeedRequest, t: &Ticket) -> Result<(), DefiError> {
    let mismatch =
        |what: &str| Err(DefiError::ReplyMismatch { reason: format!("the ticket's {what} is not the one asked for") });
    if t.caller != canister_self() || t.consumer.is_some() {
        return mismatch("requester or consumer");
    }
    if t.model_hash != cfg.model_hash {
        return mismatch("model");
    }
    if t.input_commitment != asked.input_commitment {
        return mismatch("input commitment");
    }
    if t.event != asked.event {
        return mismatch("event");
    }
    if t.seed.len() != 32 {
        return mismatch("seed length");
    }
    Ok(())
}

fn pending(id: u64) -> Result<Request, DefiError> {
    let req = state::request(id)?.ok_or(DefiError::UnknownRequest { id })?;
    match req.outcome {
        RequestOutcome::Pending => Ok(req),
        outcome => Err(DefiError::AlreadyClosed { request: id, outcome }),
    }
}

/// Closes a pending request with `outcome` and counts it for its operator.
fn close(mut req: Request, outcome: RequestOutcome) -> Result<Request, DefiError> {
    let now = time();
    let settled = matches!(outcome, RequestOutcome::Settled(_));
    req.outcome = outcome;
    req.closed_at = Some(now);
    state::put_request(&req)?;
    state::CLOSED.with(|c| c.borrow_mut().insert((now, req.id), ()));
    state::update_config(|c| c.open_requests = c.open_requests.saturating_sub(1))?;
    state::add_open_by(req.opener, -1);
    state::update_operator(req.operator, |s| if settled { s.settled += 1 } else { s.abandoned += 1 })?;
    Ok(req)
}

fn abandon(req: Request, exhausted: Option<AttemptsExhausted>) -> Result<Abandonment, DefiError> {
    let a = Abandonment { default_class: req.default_class, exhausted };
    close(req, RequestOutcome::Abandoned(a.clone()))?;
    Ok(a)
}

/// Counts a `verify` call of request `id` the verifier refused (`error`; `known` is the verifier's
/// error if this contract's copy of its `Error` names it). Below `max_settle_attempts` the request
/// stays pending and the refusal is the decision; the refusal that reaches the limit abandons the
/// request to its default class, counted against the operator, with the refusal in `exhausted`.
fn refused_by_verifier(cfg: &Config, id: u64, error: DefiError, known: Option<Error>) -> Result<Decision, DefiError> {
    let mut req = pending(id)?;
    req.refused_attempts = req.refused_attempts.saturating_add(1);
    let (n, max) = (req.refused_attempts, cfg.max_settle_attempts);
    let reason = reason_of(&error);
    if n < max {
        state::put_request(&req)?;
        let reason =
            format!("{reason} (refused attempt {n} of {max}: at {max} the request is abandoned to its default class)");
        return Ok(Decision::Refused { error, reason });
    }
    let reason = format!("{reason} (refused attempt {n} of {max}: the request is abandoned to its default class)");
    Ok(Decision::Abandoned(abandon(req, Some(AttemptsExhausted { attempts: n, error: known, reason }))?))
}

/// Checks `settle`'s arguments against the request.
fn check_settle(cfg: &Config, req: &Request, args: &VerifyArgs) -> Result<(), DefiError> {
    if args.ticket != Some(req.ticket) {
        return Err(DefiError::WrongTicket { request: req.id, expected: req.ticket, got: args.ticket });
    }
    let s = &args.statement;
    let mismatch = |reason: &str| Err(DefiError::StatementMismatch { request: req.id, reason: reason.into() });
    if s.model_hash != cfg.model_hash {
        return mismatch("the proof is for another model");
    }
    if s.input_commitment != req.input_commitment {
        return mismatch("the statement's input commitment is not the request's");
    }
    if s.seed != req.seed {
        return mismatch("the statement's seed is not the request's ticket's");
    }
    Ok(())
}

/// Checks the verifier's reply against the request.
fn check_verified(cfg: &Config, req: &Request, v: &Verified) -> Result<(), DefiError> {
    let ok = v.ticket == Some(req.ticket)
        && v.model_hash == cfg.model_hash
        && v.input_commitment == req.input_commitment
        && v.seed == req.seed
        && v.caller == canister_self();
    if ok {
        Ok(())
    } else {
        Err(DefiError::ReplyMismatch { reason: "the verified statement is not the request's".into() })
    }
}

fn reason_of(error: &DefiError) -> String {
    match error {
        DefiError::VerifierRefused { error } => format!("the verifier refused: {error:?}"),
        e => format!("{e:?}"),
    }
}

fn refused(error: DefiError) -> Decision {
    Decision::Refused { reason: reason_of(&error), error }
}

/// Settles request `request` on the class its operator proves (only the request's operator, only
/// with the request's ticket, input and seed, before the deadline). The contract calls the
/// verifier's `verify` (attaching `verify_cycles`; the rest is refunded) and checks its reply. A
/// refusal leaves the request pending and carries the verifier's own error when it refused; the
/// verifier's refusal that reaches `max_settle_attempts` for the request abandons it instead
/// (`Abandoned`, with the refusal in `exhausted`). After the deadline the request settles to its
/// default class instead and the abandonment is counted. Preview with the verifier's free
/// `verify_query` first: each refused `verify` costs the contract the verifier's fee. While the
/// verifier reports the model's key as single-party the settlement is refused (`SetupNotCeremony`,
/// not counted, no fee), as is a verification under a key rotated in meanwhile (`KeyChanged`).
#[ic_cdk::update]
async fn settle(request: u64, args: VerifyArgs) -> Decision {
    match settle_checked(request, args).await {
        Ok(d) => d,
        Err(e) => refused(e),
    }
}

async fn settle_checked(id: u64, args: VerifyArgs) -> Result<Decision, DefiError> {
    let caller = msg_caller();
    if caller == Principal::anonymous() {
        return Err(DefiError::AnonymousCaller);
    }
    let cfg = config()?;
    let req = state::request(id)?.ok_or(DefiError::UnknownRequest { id })?;
    if caller != req.operator {
        return Err(DefiError::NotTheOperator { request: id, caller });
    }
    let req = pending(id)?;
    let lock = Settling::take(id)?;
    if time() > req.deadline {
        return Ok(Decision::Abandoned(abandon(req, None)?));
    }
    check_settle(&cfg, &req, &args)?;
    // The key that will verify must be from a ceremony: asked before `verify` (no fee otherwise),
    // and the verification must name the key asked about.
    let model = trusted_model(&cfg).await?;
    let method = "verify";
    let response = Call::unbounded_wait(cfg.verifier, method)
        .with_arg(&args)
        .with_cycles(cfg.verify_cycles as u128)
        .await
        .map_err(|e| DefiError::VerifierUnreachable { method: method.into(), reason: e.to_string() })?;
    let verified = match response.candid::<Result<Verified, Error>>() {
        Ok(Ok(v)) => v,
        // The verifier keeps the same deadline: its word that it passed settles to the default.
        Ok(Err(Error::TicketExpired { id: t, .. })) if t == req.ticket => {
            return Ok(Decision::Abandoned(abandon(pending(id)?, None)?));
        }
        // Consumed already: by this contract (nobody else may), in a settlement whose reply was
        // lost. The ticket holds the verification.
        Ok(Err(Error::TicketAlreadyUsed { id: t })) if t == req.ticket => recover(&cfg, &req).await?,
        // Any other refusal cost the contract the verifier's fee: counted against the request.
        Ok(Err(error)) => {
            return refused_by_verifier(&cfg, id, DefiError::VerifierRefused { error: error.clone() }, Some(error));
        }
        Err(e) => {
            let error = DefiError::UndecodableReply { method: method.into(), reason: e.to_string() };
            // A refusal this copy of the verifier's `Error` does not name is counted the same way;
            // an undecodable success (the ticket may be consumed) is not.
            if let Ok(Err(_)) = response.candid::<Result<candid::Reserved, candid::Reserved>>() {
                return refused_by_verifier(&cfg, id, error, None);
            }
            return Err(error);
        }
    };
    check_verified(&cfg, &req, &verified)?;
    if verified.key_hash != model.key_hash {
        return Err(DefiError::KeyChanged { request: id, checked: model.key_hash, verified: verified.key_hash });
    }
    let settlement =
        Settlement { class: verified.output_index, verification: verified.id, proof_hash: verified.proof_hash };
    close(pending(id)?, RequestOutcome::Settled(settlement.clone()))?;
    drop(lock);
    Ok(Decision::Settled(settlement))
}

/// The verification that consumed the request's ticket, read from the verifier.
async fn recover(cfg: &Config, req: &Request) -> Result<Verified, DefiError> {
    let method = "get_ticket";
    let response = Call::unbounded_wait(cfg.verifier, method)
        .with_arg(req.ticket)
        .await
        .map_err(|e| DefiError::VerifierUnreachable { method: method.into(), reason: e.to_string() })?;
    match response.candid::<Option<Ticket>>() {
        Ok(Some(Ticket { status: TicketStatus::Consumed(v), .. })) => Ok(v),
        Ok(_) => Err(DefiError::VerifierRefused { error: Error::TicketAlreadyUsed { id: req.ticket } }),
        Err(e) => Err(DefiError::UndecodableReply { method: method.into(), reason: e.to_string() }),
    }
}

/// Settles request `request` to its default class once its deadline has passed without a verified
/// proof, and counts the abandonment against its operator. Anyone may call it.
#[ic_cdk::update]
fn expire(request: u64) -> Result<Request, DefiError> {
    let req = pending(request)?;
    if in_flight(request) {
        return Err(DefiError::SettlementInFlight { request });
    }
    if time() <= req.deadline {
        return Err(DefiError::DeadlineNotPassed { request, deadline: req.deadline });
    }
    let a = Abandonment { default_class: req.default_class, exhausted: None };
    close(req, RequestOutcome::Abandoned(a))
}

/// A request (none if never opened, or closed and removed to bound the store).
#[ic_cdk::query]
fn get_request(id: u64) -> Option<Request> {
    trap_on(state::request(id))
}

/// Up to `limit` (at most 100) stored requests with id >= `start`, by id.
#[ic_cdk::query]
fn list_requests(start: u64, limit: u64) -> Vec<Request> {
    trap_on(state::requests_from(start, limit.min(MAX_PAGE) as usize))
}

/// An operator's counters: requests opened for it, settled by it, abandoned.
#[ic_cdk::query]
fn operator_stats(operator: Principal) -> OperatorStats {
    trap_on(state::operator_stats(&operator))
}

/// The settings in force and the counts.
#[ic_cdk::query]
fn settings() -> Settings {
    trap_on(config()).settings()
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
            service_equal(CandidSource::Text(include_str!("../defi_caller.did")), CandidSource::Text(&rust))
                .unwrap_or_else(|e| panic!("defi_caller.did and the code disagree: {e}\n{rust}"));
        }

        /// Regenerates `defi_caller.did` from the code: `cargo test -p defi-caller -- --ignored write_did`.
        #[test]
        #[ignore]
        fn write_did() {
            let path = concat!(env!("CARGO_MANIFEST_DIR"), "/defi_caller.did");
            std::fs::write(path, super::__export_service()).unwrap();
        }
    }
}
