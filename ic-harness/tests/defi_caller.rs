//! The example DeFi contract (`examples/defi-caller`) against the verifier canister's real Wasm, both
//! run in the harness: the seed protocol's attacks (abandon and reopen, a fresh salt, third-party
//! consumption, settlement after the deadline, a cycle drain by junk proofs), each refused or
//! penalised, the honest flow, an upgrade, and the contract's own refusals. The contract acts only
//! on ceremony keys, so the model's keys come from a real phase 2 ceremony run once per test binary
//! ([`digits_sampled_ceremony`]) and are registered with its provenance; only the test of that
//! rule uses a single-party key. The contract's types are mirrored from its `defi_caller.did`, as a
//! client would have them.
mod common;

use candid::{decode_one, encode_args, encode_one, CandidType, Principal};
use common::defi::*;
use common::*;
use serde::de::DeserializeOwned;
use serde_bytes::ByteBuf;
use std::sync::OnceLock;
use verinfer_ic_harness::{Canister, Outcome};
use verinfer_verifier_canister::types::{
    CallerStats, Error, InitArgs as VerifierInit, ModelInfo, RegisterArgs, RotateArgs, SetupProvenance, Stats, Ticket,
    TicketStatus, Verified, VerifyArgs,
};

const SECOND: u64 = 1_000_000_000;
/// The verifier's default settlement window.
const TTL: u64 = 600 * SECOND;
/// The class abandoned requests settle to in these tests (the digits model has classes 0-9; a
/// real contract picks the one no better for the operator than any draw).
const DEFAULT_CLASS: u32 = 0;

// ---- principals ----

fn operator() -> Principal {
    Principal::from_slice(&[4; 29])
}
fn user() -> Principal {
    Principal::from_slice(&[5; 29])
}
fn colluder() -> Principal {
    Principal::from_slice(&[6; 29])
}
fn defi_id() -> Principal {
    Principal::from_slice(&[0, 0, 0, 0, 0, 0x10, 0, 2, 1, 1])
}

// ---- set-up ----

fn defi_wasm() -> &'static [u8] {
    static WASM: OnceLock<Vec<u8>> = OnceLock::new();
    WASM.get_or_init(|| verinfer_ic_harness::workspace_canister_wasm("defi-caller", "defi_caller").unwrap())
}

fn reply<R: CandidType + DeserializeOwned>(r: verinfer_ic_harness::CallResult, method: &str) -> R {
    decode_one(r.reply().unwrap_or_else(|e| panic!("{method}: {e}"))).unwrap()
}

fn query<R: CandidType + DeserializeOwned>(c: &mut Canister, method: &str, arg: Vec<u8>) -> R {
    reply(c.query(stranger(), method, arg).unwrap(), method)
}

fn init_for(verifier: Principal, m: &Model) -> DefiInit {
    DefiInit {
        verifier,
        model_hash: m.hash(),
        operators: vec![operator()],
        default_class: DEFAULT_CLASS,
        max_open_requests: None,
        max_open_per_opener: None,
        max_stored_requests: None,
        request_seed_cycles: None,
        verify_cycles: None,
        max_settle_attempts: None,
    }
}

/// The verifier with the sampled digits model registered by its controller (its ceremony key, with
/// the ceremony's provenance), and the contract installed (10 T cycles) with one operator.
struct World {
    verifier: Canister,
    defi: Canister,
    model: &'static Model,
}

impl World {
    fn new() -> World {
        World::with(|_| {})
    }

    fn with(edit: impl FnOnce(&mut DefiInit)) -> World {
        let model = digits_sampled_ceremony();
        World::registering(&model.key, Some(model.setup.clone()), edit)
    }

    /// The world with `key` (of the same model) registered, declaring `setup`.
    fn registering(key: &[u8], setup: Option<SetupProvenance>, edit: impl FnOnce(&mut DefiInit)) -> World {
        let model = digits_sampled_ceremony();
        let mut verifier =
            Canister::install(canister_wasm(), &[controller()], encode_one(None::<VerifierInit>).unwrap()).unwrap();
        let args = RegisterArgs {
            verifying_key: ByteBuf::from(key.to_vec()),
            name: model.name.into(),
            version: "1".into(),
            metadata: vec![],
            setup,
        };
        let r: Result<ModelInfo, Error> =
            reply(verifier.update(controller(), "register_model", encode_one(args).unwrap()).unwrap(), "register");
        r.unwrap();
        let mut init = init_for(verifier.id, model);
        edit(&mut init);
        let defi = Canister::install_with_id(defi_wasm(), defi_id(), &[controller()], encode_one(init).unwrap())
            .expect("installing the contract");
        World { verifier, defi, model }
    }

    fn open_as(&mut self, who: Principal, event: &str, commitment: ByteBuf) -> Result<Request, DefiError> {
        let args = OpenArgs { event: event.into(), input_commitment: commitment, operator: operator() };
        let r = self.defi.update_via(who, "open", encode_one(args).unwrap(), &mut [&mut self.verifier]).unwrap();
        reply(r, "open")
    }

    /// `open` by [`user()`] of `event` with the fixture input committed under `salt`.
    fn open(&mut self, event: &str, salt: u64) -> Result<Request, DefiError> {
        let c = self.model.commitment(salt);
        self.open_as(user(), event, c)
    }

    fn settle_as(&mut self, who: Principal, request: u64, args: &VerifyArgs) -> Decision {
        let arg = encode_args((request, args)).unwrap();
        reply(self.defi.update_via(who, "settle", arg, &mut [&mut self.verifier]).unwrap(), "settle")
    }

    fn settle(&mut self, request: u64, args: &VerifyArgs) -> Decision {
        self.settle_as(operator(), request, args)
    }

    fn expire(&mut self, who: Principal, request: u64) -> Result<Request, DefiError> {
        reply(
            self.defi.update_via(who, "expire", encode_one(request).unwrap(), &mut [&mut self.verifier]).unwrap(),
            "expire",
        )
    }

    fn request(&mut self, id: u64) -> Option<Request> {
        query(&mut self.defi, "get_request", encode_one(id).unwrap())
    }

    fn stats(&mut self) -> OperatorStats {
        query(&mut self.defi, "operator_stats", encode_one(operator()).unwrap())
    }

    fn settings(&mut self) -> Settings {
        query(&mut self.defi, "settings", encode_args(()).unwrap())
    }

    fn ticket(&mut self, id: u64) -> Ticket {
        let t: Option<Ticket> = query(&mut self.verifier, "get_ticket", encode_one(id).unwrap());
        t.expect("the verifier keeps the ticket")
    }

    /// The proof of the request's draw (what the operator computes as soon as it sees the seed).
    fn prove(&self, req: &Request, salt: u64) -> VerifyArgs {
        let seed: [u8; 32] = req.seed.as_slice().try_into().unwrap();
        args_of(&self.model.prove(seed, salt), Some(req.ticket))
    }

    /// Both canisters' clocks move (they are on one subnet).
    fn advance(&mut self, ns: u64) {
        self.verifier.advance_time(ns);
        self.defi.advance_time(ns);
    }
}

fn refusal(d: &Decision) -> &DefiError {
    match d {
        Decision::Refused { error, .. } => error,
        d => panic!("expected a refusal, got {d:?}"),
    }
}

// ---- the attacks ----

/// The opener and the operator see the draw as soon as the seed exists. Abandoning it buys no new
/// draw: the event can never be opened again, by anyone, and the request settles to the default
/// class, counted against the operator.
#[test]
fn abandon_and_reopen_is_refused_and_the_abandoned_request_settles_to_the_default() {
    let mut w = World::new();
    let req = w.open("loan-17", 1).unwrap();
    assert_eq!((req.opener, req.operator, req.default_class), (user(), operator(), DEFAULT_CLASS));
    assert_eq!(req.outcome, RequestOutcome::Pending);
    let ticket = w.ticket(req.ticket);
    assert_eq!((ticket.caller, ticket.consumer, ticket.seed.clone()), (defi_id(), None, req.seed.clone()));
    assert_eq!(ticket.event, Some(ByteBuf::from(b"loan-17".to_vec())));
    assert_eq!(req.deadline, ticket.expires_at);
    // the operator learns the draw from the public seed and decides not to settle
    let draw = w.prove(&req, 1);
    eprintln!("the draw the operator abandons: class {}", draw.statement.output_index);

    // reopening the event: by the user, with the same or a fresh commitment; by a colluding user;
    // by the operator itself
    let dup = Err(DefiError::DuplicateEvent { request: req.id });
    assert_eq!(w.open("loan-17", 1), dup);
    assert_eq!(w.open("loan-17", 2), dup);
    assert_eq!(w.open_as(colluder(), "loan-17", w.model.commitment(3)), dup);
    assert_eq!(
        w.open_as(operator(), "loan-17", w.model.commitment(4)),
        Err(DefiError::OperatorMayNotOpen { caller: operator() })
    );

    // before the deadline the request cannot be expired
    assert_eq!(
        w.expire(stranger(), req.id),
        Err(DefiError::DeadlineNotPassed { request: req.id, deadline: req.deadline })
    );
    w.advance(TTL + SECOND);
    // anyone may expire it: the default class, counted against the operator
    let closed = w.expire(stranger(), req.id).unwrap();
    assert_eq!(
        closed.outcome,
        RequestOutcome::Abandoned(Abandonment { default_class: DEFAULT_CLASS, exhausted: None })
    );
    assert!(closed.closed_at.is_some());
    assert_eq!(w.request(req.id), Some(closed.clone()));
    assert_eq!(w.stats(), OperatorStats { opened: 1, settled: 0, abandoned: 1 });
    assert_eq!(
        w.expire(stranger(), req.id),
        Err(DefiError::AlreadyClosed { request: req.id, outcome: closed.outcome })
    );
    // the verifier's side: the contract's ticket abandoned, counted against the contract
    assert_eq!(w.ticket(req.ticket).status, TicketStatus::Abandoned { expired_at: req.deadline });
    // and the event stays taken after the abandonment
    assert_eq!(w.open("loan-17", 5), dup);
    assert_eq!(w.settings().open_requests, 0);
}

/// A new commitment to the same input (another salt) is a new commitment, but the event is taken;
/// the same commitment cannot serve another event either.
#[test]
fn reopening_with_a_fresh_salt_or_reusing_a_commitment_is_refused() {
    let mut w = World::new();
    let req = w.open("loan-21", 1).unwrap();
    assert_ne!(w.model.commitment(1), w.model.commitment(2), "the salt changes the commitment");
    assert_eq!(w.open("loan-21", 2), Err(DefiError::DuplicateEvent { request: req.id }));
    assert_eq!(w.open("loan-22", 1), Err(DefiError::DuplicateCommitment { request: req.id }));
    // a different event with a fresh commitment is a different request
    let other = w.open("loan-22", 2).unwrap();
    assert_ne!(other.ticket, req.ticket);
    assert_eq!(w.stats().opened, 2);
}

/// The ticket belongs to the contract: a valid proof with it, sent to the verifier by anyone else,
/// is refused (`TicketNotYours`) and the ticket stays open for the operator's settlement.
#[test]
fn a_third_party_cannot_consume_the_contracts_ticket() {
    let mut w = World::new();
    let req = w.open("loan-31", 7).unwrap();
    let args = w.prove(&req, 7);
    for who in [stranger(), operator(), controller()] {
        // with the fee attached (the controller pays nothing; it is refused all the same)
        let r = w.verifier.update_with_cycles(who, "verify", encode_one(&args).unwrap(), 1_000_000_000).unwrap();
        let r: Result<Verified, Error> = reply(r, "verify");
        assert_eq!(r, Err(Error::TicketNotYours { id: req.ticket, caller: who }));
    }
    assert_eq!(w.ticket(req.ticket).status, TicketStatus::Open);
    // the operator settles through the contract as usual
    let d = w.settle(req.id, &args);
    assert!(matches!(&d, Decision::Settled(s) if s.class == args.statement.output_index), "{d:?}");
    match w.ticket(req.ticket).status {
        TicketStatus::Consumed(v) => assert_eq!(v.caller, defi_id()),
        s => panic!("{s:?}"),
    }
}

/// After the deadline a settlement is refused: the request settles to its default class and the
/// abandonment is counted. That holds on the contract's clock and, when the clocks differ, on the
/// verifier's (its `TicketExpired` settles the request the same way).
#[test]
fn settlement_after_the_deadline_settles_to_the_default_and_is_counted() {
    let mut w = World::new();
    let req = w.open("loan-41", 11).unwrap();
    let args = w.prove(&req, 11);
    w.advance(TTL + SECOND);
    assert_eq!(
        w.settle(req.id, &args),
        Decision::Abandoned(Abandonment { default_class: DEFAULT_CLASS, exhausted: None })
    );
    let closed = w.request(req.id).unwrap();
    assert_eq!(
        closed.outcome,
        RequestOutcome::Abandoned(Abandonment { default_class: DEFAULT_CLASS, exhausted: None })
    );
    assert_eq!(w.stats(), OperatorStats { opened: 1, settled: 0, abandoned: 1 });
    // the verifier was not asked: its ticket was never consumed
    assert_eq!(w.ticket(req.ticket).status, TicketStatus::Abandoned { expired_at: req.deadline });
    // a second attempt is refused as closed
    assert_eq!(
        refusal(&w.settle(req.id, &args)),
        &DefiError::AlreadyClosed { request: req.id, outcome: closed.outcome.clone() }
    );

    // the verifier's clock past the deadline, the contract's not yet: the verifier's word counts
    let req2 = w.open("loan-42", 12).unwrap();
    let args2 = w.prove(&req2, 12);
    w.verifier.advance_time(TTL + SECOND);
    assert_eq!(
        w.settle(req2.id, &args2),
        Decision::Abandoned(Abandonment { default_class: DEFAULT_CLASS, exhausted: None })
    );
    assert_eq!(w.stats(), OperatorStats { opened: 2, settled: 0, abandoned: 2 });
}

/// A settlement waiting for the verifier's answer holds the request: `expire` (deadline passed on
/// the contract's clock meanwhile) and a second `settle` are refused, and the verified answer,
/// given before the verifier's deadline, settles it.
#[test]
fn a_settlement_in_flight_holds_the_request() {
    let mut w = World::new();
    let req = w.open("loan-51", 13).unwrap();
    let args = w.prove(&req, 13);
    let pending = w.defi.begin_update(operator(), "settle", encode_args((req.id, &args)).unwrap(), 0).unwrap();
    assert_eq!(pending.outgoing_calls(), 1, "settle waits for the verifier");
    assert_eq!(refusal(&w.settle(req.id, &args)), &DefiError::SettlementInFlight { request: req.id });
    w.defi.advance_time(TTL + SECOND);
    assert_eq!(w.expire(stranger(), req.id), Err(DefiError::SettlementInFlight { request: req.id }));
    let r = w.defi.finish(pending, &mut [&mut w.verifier]).unwrap();
    let d: Decision = reply(r, "settle");
    assert!(matches!(&d, Decision::Settled(s) if s.class == args.statement.output_index), "{d:?}");
    assert_eq!(w.stats(), OperatorStats { opened: 1, settled: 1, abandoned: 0 });
}

/// Two opens of one event interleaved across the `request_seed` await: the second is refused
/// while the first waits for its ticket.
#[test]
fn interleaved_opens_of_one_event_get_one_request() {
    let mut w = World::new();
    let args = OpenArgs { event: "loan-61".into(), input_commitment: w.model.commitment(1), operator: operator() };
    let first = w.defi.begin_update(user(), "open", encode_one(&args).unwrap(), 0).unwrap();
    assert_eq!(first.outgoing_calls(), 1);
    let id = w.settings().next_request_id - 1;
    assert_eq!(w.open_as(colluder(), "loan-61", w.model.commitment(2)), Err(DefiError::DuplicateEvent { request: id }));
    let r: Result<Request, DefiError> = reply(w.defi.finish(first, &mut [&mut w.verifier]).unwrap(), "open");
    assert_eq!(r.unwrap().id, id);
}

/// A hostile operator sends `settle` (ingress: free for it) with the request's ticket, seed and
/// commitment but a junk proof: each such `verify` costs the contract the verifier's metered fee.
/// The verifier's refusals are counted on the request; the `max_settle_attempts`-th abandons it to
/// the default class, counted against the operator, so each request costs at most that many fees.
/// The contract's own refusals (before it calls the verifier) cost nothing and are not counted.
#[test]
fn junk_proofs_cost_at_most_max_settle_attempts_verify_fees_per_request() {
    const MAX: u32 = 3;
    const VERIFY_CYCLES: u128 = 1_000_000_000;
    let mut w = World::with(|i| i.max_settle_attempts = Some(MAX));
    assert_eq!(w.settings().max_settle_attempts, MAX);
    let req = w.open("loan-91", 31).unwrap();
    let other = w.open("loan-92", 32).unwrap();
    assert_eq!((req.refused_attempts, other.refused_attempts), (0, 0));
    let args = w.prove(&req, 31);
    // the junk: the right ticket, seed and commitment, another class claimed
    let mut junk = args.clone();
    junk.statement.output_index = (junk.statement.output_index + 1) % 10;
    let rejected = DefiError::VerifierRefused { error: Error::ProofRejected };

    // ingress: a stranger's settle is refused by inspect_message, before the contract pays anything
    let balance = w.defi.balance();
    let r = w.defi.ingress(stranger(), "settle", encode_args((req.id, &junk)).unwrap()).unwrap();
    assert!(matches!(r.outcome, Outcome::Reject(_)), "{:?}", r.outcome);
    assert_eq!(w.defi.balance(), balance);
    // the contract's own refusals: not counted (no verify fee)
    let mut no_ticket = junk.clone();
    no_ticket.ticket = None;
    assert!(matches!(refusal(&w.settle(req.id, &no_ticket)), DefiError::WrongTicket { .. }));
    let mut other_seed = junk.clone();
    other_seed.statement.seed = other.seed.clone();
    assert!(matches!(refusal(&w.settle(req.id, &other_seed)), DefiError::StatementMismatch { .. }));
    assert!(matches!(refusal(&w.settle_as(user(), req.id, &junk)), DefiError::NotTheOperator { .. }));
    assert_eq!(w.request(req.id).unwrap().refused_attempts, 0);
    // the other request the operator holds has its own count
    let other_args = w.prove(&other, 32);
    let mut other_junk = other_args.clone();
    other_junk.statement.output_index = (other_junk.statement.output_index + 1) % 10;
    assert_eq!(refusal(&w.settle(other.id, &other_junk)), &rejected);
    assert_eq!(w.request(other.id).unwrap().refused_attempts, 1);

    let balance = w.defi.balance();
    let paid_before: CallerStats = query(&mut w.verifier, "caller_stats", encode_one(defi_id()).unwrap());
    // the first MAX - 1 junk proofs: refused with the verifier's error, the request still pending
    for n in 1..MAX {
        match w.settle(req.id, &junk) {
            Decision::Refused { error, reason } => {
                assert_eq!(error, rejected);
                assert!(reason.contains("ProofRejected") && reason.contains(&format!("{n} of {MAX}")), "{reason}");
            }
            d => panic!("attempt {n}: {d:?}"),
        }
        let r = w.request(req.id).unwrap();
        assert_eq!((r.outcome, r.refused_attempts), (RequestOutcome::Pending, n));
        assert_eq!(w.stats().abandoned, 0);
    }
    // the last one closes the request to the default class, with the refusal's error
    let exhausted = match w.settle(req.id, &junk) {
        Decision::Abandoned(Abandonment { default_class, exhausted: Some(e) }) => {
            assert_eq!(default_class, DEFAULT_CLASS);
            e
        }
        d => panic!("attempt {MAX}: {d:?}"),
    };
    assert_eq!((exhausted.attempts, exhausted.error.clone()), (MAX, Some(Error::ProofRejected)));
    assert!(exhausted.reason.contains("ProofRejected"), "{}", exhausted.reason);
    let closed = w.request(req.id).unwrap();
    assert_eq!(
        closed.outcome,
        RequestOutcome::Abandoned(Abandonment { default_class: DEFAULT_CLASS, exhausted: Some(exhausted) })
    );
    assert_eq!(closed.refused_attempts, MAX);
    assert!(closed.closed_at.is_some());
    assert_eq!(w.stats(), OperatorStats { opened: 2, settled: 0, abandoned: 1 });
    assert_eq!(w.settings().open_requests, 1);

    // a further settle, even with the right proof and by ingress (inspect_message admits the
    // operator), is refused as closed without asking the verifier
    let r = w.defi.ingress(operator(), "settle", encode_args((req.id, &args)).unwrap()).unwrap();
    assert_eq!(r.instructions.len(), 1, "one message: the verifier was not called");
    let d: Decision = reply(r, "settle");
    assert_eq!(refusal(&d), &DefiError::AlreadyClosed { request: req.id, outcome: closed.outcome.clone() });
    assert_eq!(w.ticket(req.ticket).status, TicketStatus::Open, "the verifier never accepted a proof");

    // the cost: at most MAX x the attached verify_cycles; the refunds bring it far lower
    let spent = balance - w.defi.balance();
    let paid: CallerStats = query(&mut w.verifier, "caller_stats", encode_one(defi_id()).unwrap());
    let paid = paid.cycles_paid - paid_before.cycles_paid;
    eprintln!(
        "{MAX} junk proofs cost the contract {spent} cycles ({paid} metered verify fees, {} each; bound {})",
        paid / MAX as u128,
        MAX as u128 * VERIFY_CYCLES
    );
    assert!(paid > 0 && spent >= paid, "spent {spent}, paid {paid}");
    assert!(spent <= MAX as u128 * VERIFY_CYCLES, "spent {spent}");

    // the other request still settles with the right proof after its one refusal
    let d = w.settle(other.id, &other_args);
    assert!(matches!(d, Decision::Settled(_)), "{d:?}");
    assert_eq!(w.request(other.id).unwrap().refused_attempts, 1);
}

// ---- the honest flow ----

#[test]
fn honest_flow_settles_on_the_drawn_class_once() {
    let mut w = World::new();
    let balance = w.defi.balance();
    let req = w.open("loan-71", 9).unwrap();
    // the contract paid the verifier's request_seed fee with attached cycles
    let paid: CallerStats = query(&mut w.verifier, "caller_stats", encode_one(defi_id()).unwrap());
    assert_eq!((paid.issued, paid.open, paid.cycles_paid), (1, 1, 40_000_000));
    let args = w.prove(&req, 9);

    // refusals before the verifier is asked: not the operator, another ticket, another input
    assert_eq!(
        refusal(&w.settle_as(user(), req.id, &args)),
        &DefiError::NotTheOperator { request: req.id, caller: user() }
    );
    let mut a = args.clone();
    a.ticket = None;
    assert_eq!(
        refusal(&w.settle(req.id, &a)),
        &DefiError::WrongTicket { request: req.id, expected: req.ticket, got: None }
    );
    let mut a = args.clone();
    a.statement.input_commitment = w.model.commitment(10);
    assert!(matches!(refusal(&w.settle(req.id, &a)), DefiError::StatementMismatch { .. }));
    assert_eq!(refusal(&w.settle(999, &args)), &DefiError::UnknownRequest { id: 999 });

    // a tampered proof (another class claimed): the verifier's own error, the request still pending
    let mut bad = args.clone();
    bad.statement.output_index = (bad.statement.output_index + 1) % 10;
    match w.settle(req.id, &bad) {
        Decision::Refused { error, reason } => {
            assert_eq!(error, DefiError::VerifierRefused { error: Error::ProofRejected });
            assert!(reason.contains("ProofRejected"), "{reason}");
        }
        d => panic!("{d:?}"),
    }
    assert_eq!(w.request(req.id).unwrap().outcome, RequestOutcome::Pending);

    // the right proof: settled on the class the proof drew
    let settlement = match w.settle(req.id, &args) {
        Decision::Settled(s) => s,
        d => panic!("{d:?}"),
    };
    assert_eq!(settlement.class, args.statement.output_index);
    let stored = w.request(req.id).unwrap();
    assert_eq!(stored.outcome, RequestOutcome::Settled(settlement.clone()));
    assert_eq!(w.stats(), OperatorStats { opened: 1, settled: 1, abandoned: 0 });
    // the verifier's ticket: consumed by the contract with this verification
    match w.ticket(req.ticket).status {
        TicketStatus::Consumed(v) => {
            assert_eq!((v.id, v.caller, v.output_index), (settlement.verification, defi_id(), settlement.class));
            assert_eq!(v.proof_hash, settlement.proof_hash);
        }
        s => panic!("{s:?}"),
    }
    // a replay is refused (settled once; the verifier would refuse the used ticket as well)
    assert_eq!(
        refusal(&w.settle(req.id, &args)),
        &DefiError::AlreadyClosed { request: req.id, outcome: stored.outcome.clone() }
    );
    // verify paid its metered cost out of the attached 1 B; the rest came back
    let paid: CallerStats = query(&mut w.verifier, "caller_stats", encode_one(defi_id()).unwrap());
    let verify_paid = paid.cycles_paid - 40_000_000;
    assert!(verify_paid > 0 && verify_paid < 1_000_000_000, "verify cost {verify_paid}");
    let spent = balance - w.defi.balance();
    eprintln!("the contract spent {spent} cycles: {} to the verifier, the rest on its own messages", paid.cycles_paid);
    assert!(spent >= paid.cycles_paid && spent < paid.cycles_paid + 200_000_000, "spent {spent}");
}

// ---- keys from a ceremony only ----

/// The contract acts only on a model whose key the verifier reports as from a ceremony: with a
/// single-party key (`verinfer setup`, whose runner could forge proofs) `open` requests no seed and
/// `settle` does not call `verify`, even for a proof that verifies under that key; neither is
/// counted or paid. With the ceremony's key, registered with its provenance, the same event opens,
/// a proof made with the single-party proving key is rejected, and the operator's proof settles.
#[test]
fn the_contract_acts_only_on_ceremony_keys() {
    let m = digits_sampled_ceremony();
    // the same compiled model (same hash) with keys from `verinfer setup`
    let single = m.rekeyed(11);
    assert_eq!(single.hash(), m.hash());
    assert_eq!(single.setup, SetupProvenance::single_party());
    let mut w = World::registering(&single.key, None, |_| {});
    let sha = |b: &[u8]| {
        use sha2::Digest;
        ByteBuf::from(sha2::Sha256::digest(b).to_vec())
    };
    let not_ceremony = DefiError::SetupNotCeremony {
        model_hash: m.hash(),
        key_hash: sha(&single.key),
        setup: SetupProvenance::single_party(),
    };
    let rotate = |w: &mut World, key: &[u8], setup: Option<SetupProvenance>| {
        let args = RotateArgs { verifying_key: ByteBuf::from(key.to_vec()), reason: "setup".into(), setup };
        let r: Result<ModelInfo, Error> =
            reply(w.verifier.update(controller(), "rotate_key", encode_one(args).unwrap()).unwrap(), "rotate_key");
        r
    };
    let verifier_stats = |w: &mut World| -> Stats { query(&mut w.verifier, "stats", encode_args(()).unwrap()) };

    // the registered key is single-party: no ticket requested, nothing paid, the event given back
    assert_eq!(w.open("loan-101", 41), Err(not_ceremony.clone()));
    let paid: CallerStats = query(&mut w.verifier, "caller_stats", encode_one(defi_id()).unwrap());
    assert_eq!((paid.issued, paid.cycles_paid), (0, 0));
    assert_eq!(verifier_stats(&mut w).tickets_issued, 0);
    // its holder cannot pass it off as the ceremony's: the verifier refuses the claim
    let claimed = rotate(&mut w, &single.key, Some(m.setup.clone()));
    assert!(matches!(claimed, Err(Error::ProvenanceMismatch { .. })), "{claimed:?}");

    // the ceremony's key with its provenance: the same event opens
    let info = rotate(&mut w, &m.key, Some(m.setup.clone())).unwrap();
    assert_eq!((info.setup.clone(), info.key_hash), (m.setup.clone(), sha(&m.key)));
    let req = w.open("loan-101", 41).unwrap();
    let args = w.prove(&req, 41);
    // the draw proven with the single-party proving key (what its holder could make for any class):
    // settle passes the contract's check and asks the verifier, which rejects it under the ceremony key
    let seed: [u8; 32] = req.seed.as_slice().try_into().unwrap();
    let forged = args_of(&single.prove(seed, 41), Some(req.ticket));
    assert_eq!(refusal(&w.settle(req.id, &forged)), &DefiError::VerifierRefused { error: Error::ProofRejected });
    assert_eq!(w.request(req.id).unwrap().refused_attempts, 1);

    // back to the single-party key, under which that proof verifies: the contract refuses, before
    // calling verify (not counted, no fee, the ticket stays open)
    let info = rotate(&mut w, &single.key, None).unwrap();
    assert_eq!(info.setup, SetupProvenance::single_party());
    let q: Result<Verified, Error> = query(&mut w.verifier, "verify_query", encode_one(&forged).unwrap());
    assert!(q.is_ok(), "the proof is valid under the current key: {q:?}");
    let refused_before = verifier_stats(&mut w).verifications_refused;
    assert_eq!(refusal(&w.settle(req.id, &forged)), &not_ceremony);
    assert_eq!(refusal(&w.settle(req.id, &args)), &not_ceremony);
    let r = w.request(req.id).unwrap();
    assert_eq!((r.outcome, r.refused_attempts), (RequestOutcome::Pending, 1));
    let s = verifier_stats(&mut w);
    assert_eq!((s.verifications_accepted, s.verifications_refused), (0, refused_before));
    assert_eq!(w.ticket(req.ticket).status, TicketStatus::Open);
    assert_eq!(w.stats(), OperatorStats { opened: 1, settled: 0, abandoned: 0 });

    // the ceremony's key again: the operator's proof settles on the drawn class
    rotate(&mut w, &m.key, Some(m.setup.clone())).unwrap();
    let d = w.settle(req.id, &args);
    assert!(matches!(&d, Decision::Settled(s) if s.class == args.statement.output_index), "{d:?}");
    assert_eq!(w.stats(), OperatorStats { opened: 1, settled: 1, abandoned: 0 });
}

// ---- upgrade ----

#[test]
fn an_upgrade_keeps_open_requests_and_uniqueness() {
    let mut w = World::new();
    let closed = w.open("loan-82", 22).unwrap();
    w.advance(TTL + SECOND);
    let closed = w.expire(stranger(), closed.id).unwrap();
    let open = w.open("loan-83", 23).unwrap();
    let before = (w.settings(), w.stats());

    w.defi.upgrade(defi_wasm(), controller(), encode_one(None::<DefiInit>).unwrap()).unwrap();
    assert_eq!((w.settings(), w.stats()), before);
    assert_eq!(w.request(open.id), Some(open.clone()));
    assert_eq!(w.request(closed.id), Some(closed.clone()));
    // events and commitments stay taken, open or closed
    assert_eq!(w.open("loan-83", 99), Err(DefiError::DuplicateEvent { request: open.id }));
    assert_eq!(w.open("loan-82", 98), Err(DefiError::DuplicateEvent { request: closed.id }));
    assert_eq!(w.open("loan-84", 23), Err(DefiError::DuplicateCommitment { request: open.id }));
    // and the open request settles after the upgrade
    let args = w.prove(&open, 23);
    assert!(matches!(w.settle(open.id, &args), Decision::Settled(_)));

    // another verifier while a request is open: the upgrade is refused and nothing changes
    let pending = w.open("loan-85", 24).unwrap();
    let mut moved = init_for(Principal::from_slice(&[0, 0, 0, 0, 0, 0x10, 0, 3, 1, 1]), w.model);
    let e = w.defi.upgrade(defi_wasm(), controller(), encode_one(Some(moved.clone())).unwrap()).unwrap_err();
    assert!(format!("{e:#}").contains("cannot change while"), "{e:#}");
    assert_eq!(w.request(pending.id), Some(pending.clone()));
    // new settings with the same verifier apply to new requests only
    moved.verifier = w.verifier.id;
    moved.default_class = 3;
    w.defi.upgrade(defi_wasm(), controller(), encode_one(Some(moved)).unwrap()).unwrap();
    assert_eq!(w.settings().default_class, 3);
    assert_eq!(w.open("loan-86", 25).unwrap().default_class, 3);
    assert_eq!(w.request(pending.id).map(|r| r.default_class), Some(DEFAULT_CLASS), "fixed at open");
}

// ---- the contract's own refusals ----

#[test]
fn bad_opens_caps_and_bad_settings_are_refused() {
    let mut w = World::with(|i| {
        i.max_open_requests = Some(3);
        i.max_open_per_opener = Some(2);
        i.max_stored_requests = Some(4);
    });
    let m = w.model;
    let c = |s| m.commitment(s);
    let (c1, c2, c3) = (c(1), c(2), c(3));
    assert_eq!(w.open_as(Principal::anonymous(), "e", c1.clone()), Err(DefiError::AnonymousCaller));
    let args = OpenArgs { event: "e".into(), input_commitment: c1.clone(), operator: stranger() };
    let r: Result<Request, DefiError> =
        reply(w.defi.update_via(user(), "open", encode_one(args).unwrap(), &mut [&mut w.verifier]).unwrap(), "open");
    assert_eq!(r, Err(DefiError::UnknownOperator { operator: stranger() }));
    assert!(matches!(w.open_as(user(), "", c1.clone()), Err(DefiError::InvalidArgument { .. })));
    assert!(matches!(w.open_as(user(), &"x".repeat(65), c1.clone()), Err(DefiError::InvalidArgument { .. })));
    assert!(matches!(w.open_as(user(), "e", ByteBuf::from(vec![1; 31])), Err(DefiError::InvalidArgument { .. })));
    // the verifier's own refusal (a commitment outside the field) comes back typed, and frees the event
    let r = w.open_as(user(), "e", ByteBuf::from(vec![0xff; 32]));
    assert!(matches!(r, Err(DefiError::VerifierRefused { error: Error::InvalidArgument { .. } })), "{r:?}");
    // caps: 2 per opener, 3 in all
    let a = w.open_as(user(), "e", c1).unwrap();
    w.open_as(user(), "f", c2).unwrap();
    assert_eq!(w.open_as(user(), "g", c3.clone()), Err(DefiError::OpenerQuotaExceeded { opener: user(), limit: 2 }));
    w.open_as(colluder(), "g", c3).unwrap();
    assert_eq!(w.open_as(stranger(), "h", c(4)), Err(DefiError::TooManyOpenRequests { limit: 3 }));
    // ingress: operators' opens and others' settles are refused before the contract pays for them
    let open_args = OpenArgs { event: "h".into(), input_commitment: c(4), operator: operator() };
    let r = w.defi.ingress(operator(), "open", encode_one(&open_args).unwrap()).unwrap();
    assert!(matches!(r.outcome, Outcome::Reject(_)), "{:?}", r.outcome);
    let r = w.defi.ingress(user(), "settle", encode_args((a.id, w.prove(&a, 1))).unwrap()).unwrap();
    assert!(matches!(r.outcome, Outcome::Reject(_)), "{:?}", r.outcome);
    // the store: 4 requests at most; once the open ones expire, the oldest closed one makes room
    w.advance(TTL + SECOND);
    for id in [a.id, a.id + 1, a.id + 2] {
        w.expire(stranger(), id).unwrap();
    }
    w.open_as(stranger(), "h", c(4)).unwrap();
    let n = w.open_as(stranger(), "i", c(5)).unwrap();
    assert_eq!(w.settings().stored_requests, 4);
    assert_eq!(w.request(a.id), None, "the oldest closed request was removed");
    assert_eq!(w.open_as(user(), "e", c(6)), Err(DefiError::DuplicateEvent { request: a.id }), "its event stays taken");
    let listed: Vec<Request> = query(&mut w.defi, "list_requests", encode_args((0u64, 1000u64)).unwrap());
    assert_eq!(listed.len(), 4);
    assert_eq!(listed.last().map(|r| r.id), Some(n.id));

    // invalid settings: the install traps with the reason
    let model = w.model;
    let verifier = w.verifier.id;
    type Edit = fn(&mut DefiInit);
    let cases: Vec<(Edit, &str)> = vec![
        (|i| i.operators.clear(), "operators"),
        (|i| i.operators.push(i.operators[0]), "twice"),
        (|i| i.model_hash = ByteBuf::from(vec![0; 3]), "model_hash"),
        (|i| i.max_open_requests = Some(0), "max_open_requests"),
        (|i| i.max_stored_requests = Some(1), "exceeds max_stored_requests"),
        (|i| i.max_settle_attempts = Some(0), "max_settle_attempts must be >= 1"),
    ];
    for (edit, word) in cases {
        let mut init = init_for(verifier, model);
        edit(&mut init);
        let e = Canister::install_with_id(defi_wasm(), defi_id(), &[controller()], encode_one(init).unwrap())
            .err()
            .expect("refused");
        assert!(format!("{e:#}").contains(word), "{word}: {e:#}");
    }
}
