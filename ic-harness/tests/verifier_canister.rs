//! The verifier canister's real Wasm, run in the harness: registration and access control, proofs
//! made by `verinfer prove`, rejections, the seed-ticket flow, upgrades, oversized arguments and the
//! instruction budget.
mod common;

use candid::{decode_one, encode_args, encode_one, CandidType, Principal};
use common::*;
use serde::de::DeserializeOwned;
use serde_bytes::ByteBuf;
use verinfer_ic_harness::{Canister, Outcome, CYCLES_PER_INSTRUCTION, CYCLES_PER_UPDATE};
use verinfer_verifier_canister::types::*;

fn install() -> Canister {
    Canister::install(canister_wasm(), &[controller()], encode_one(None::<InitArgs>).unwrap()).unwrap()
}

fn update<R: CandidType + DeserializeOwned>(c: &mut Canister, who: Principal, method: &str, arg: Vec<u8>) -> (R, u64) {
    let r = c.update(who, method, arg).unwrap();
    let bytes = r.reply().unwrap_or_else(|e| panic!("{method}: {e}"));
    (decode_one(bytes).unwrap(), r.instructions[0])
}

fn query<R: CandidType + DeserializeOwned>(c: &mut Canister, who: Principal, method: &str, arg: Vec<u8>) -> R {
    let r = c.query(who, method, arg).unwrap();
    decode_one(r.reply().unwrap_or_else(|e| panic!("{method}: {e}"))).unwrap()
}

fn register(c: &mut Canister, who: Principal, m: &Model) -> Result<ModelInfo, Error> {
    let args = RegisterArgs {
        verifying_key: ByteBuf::from(m.key.clone()),
        name: m.name.into(),
        version: "1".into(),
        metadata: vec![("source".into(), "fixtures".into())],
    };
    update::<Result<ModelInfo, Error>>(c, who, "register_model", encode_one(args).unwrap()).0
}

fn verify(c: &mut Canister, args: &VerifyArgs) -> (Result<Verified, Error>, u64) {
    update(c, stranger(), "verify", encode_one(args).unwrap())
}

#[test]
fn registration_is_for_controllers_and_registrars() {
    let mut c = install();
    let m = digits();
    assert_eq!(register(&mut c, stranger(), m), Err(Error::NotAuthorized { caller: stranger() }));
    assert_eq!(register(&mut c, registrar(), m), Err(Error::NotAuthorized { caller: registrar() }));
    // only controllers manage registrars
    let (r, _) = update::<Result<(), Error>>(&mut c, stranger(), "add_registrar", encode_one(registrar()).unwrap());
    assert_eq!(r, Err(Error::NotAuthorized { caller: stranger() }));
    let (r, _) = update::<Result<(), Error>>(&mut c, controller(), "add_registrar", encode_one(registrar()).unwrap());
    assert_eq!(r, Ok(()));
    assert_eq!(
        query::<Vec<Principal>>(&mut c, stranger(), "list_registrars", encode_args(()).unwrap()),
        vec![registrar()]
    );
    let info = register(&mut c, registrar(), m).unwrap();
    assert_eq!(info.model_hash, m.hash());
    assert_eq!(info.output_len, 10);
    assert_eq!(info.registered_by, registrar());
    eprintln!("registration: {} instructions", info.registration_instructions);
    assert!(info.registration_instructions > 0);
    assert!(matches!(register(&mut c, controller(), m), Err(Error::AlreadyRegistered { .. })));
    // a removed registrar is refused again
    let (r, _) =
        update::<Result<(), Error>>(&mut c, controller(), "remove_registrar", encode_one(registrar()).unwrap());
    assert_eq!(r, Ok(()));
    assert_eq!(register(&mut c, registrar(), iris()), Err(Error::NotAuthorized { caller: registrar() }));
    assert!(register(&mut c, controller(), iris()).is_ok());
    let models: Vec<ModelInfo> = query(&mut c, stranger(), "list_models", encode_args(()).unwrap());
    assert_eq!(models.len(), 2);
    let got: Option<ModelInfo> = query(&mut c, stranger(), "get_model", encode_one(m.hash()).unwrap());
    assert_eq!(got.unwrap().name, "digits_mlp");
    // malformed and oversized keys
    let mut bad = m.key.clone();
    bad.truncate(100);
    let args =
        RegisterArgs { verifying_key: ByteBuf::from(bad), name: "x".into(), version: "1".into(), metadata: vec![] };
    let (r, _) = update::<Result<ModelInfo, Error>>(&mut c, controller(), "register_model", encode_one(args).unwrap());
    assert!(matches!(r, Err(Error::MalformedKey { .. })), "{r:?}");
    let args = RegisterArgs {
        verifying_key: ByteBuf::from(vec![0u8; 300 * 1024]),
        name: "x".into(),
        version: "1".into(),
        metadata: vec![],
    };
    let (r, _) = update::<Result<ModelInfo, Error>>(&mut c, controller(), "register_model", encode_one(args).unwrap());
    assert!(matches!(r, Err(Error::ArgumentTooLarge { ref what, .. }) if what == "verifying_key"), "{r:?}");
    let args = RegisterArgs {
        verifying_key: ByteBuf::from(iris().key.clone()),
        name: "n".repeat(5000),
        version: "1".into(),
        metadata: vec![],
    };
    let (r, _) = update::<Result<ModelInfo, Error>>(&mut c, controller(), "register_model", encode_one(args).unwrap());
    assert!(matches!(r, Err(Error::ArgumentTooLarge { ref what, .. }) if what == "name"), "{r:?}");
}

#[test]
fn a_proof_from_verinfer_prove_verifies_under_budget() {
    let mut c = install();
    let m = digits();
    register(&mut c, controller(), m).unwrap();
    let proof = m.prove([5; 32], 1);
    let args = args_of(&proof, None);
    let (r, instructions) = verify(&mut c, &args);
    let v = r.unwrap();
    assert_eq!(v.output_index, proof.statement.output_index);
    assert_eq!(v.ticket, None);
    let cycles = CYCLES_PER_UPDATE + instructions * CYCLES_PER_INSTRUCTION;
    eprintln!("verify (16 public inputs): {instructions} instructions in the call, {} when accepted; ~{cycles} cycles on a 13-node subnet", v.instructions);
    assert!(instructions < 120_000_000, "verify took {instructions} instructions (budget 120 M)");
    // the query gives the same answer for free
    let q: Result<Verified, Error> = query(&mut c, stranger(), "verify_query", encode_one(&args).unwrap());
    assert_eq!(q.unwrap().output_index, v.output_index);
}

#[test]
fn tampered_proofs_wrong_statements_unknown_and_retired_models_are_rejected() {
    let mut c = install();
    let m = digits();
    register(&mut c, controller(), m).unwrap();
    let args = args_of(&m.prove([6; 32], 2), None);
    // flipped proof bytes: rejected or malformed, never accepted
    for at in [0usize, 40, 70, 127] {
        let mut a = args.clone();
        a.proof[at] ^= 0x01;
        let (r, _) = verify(&mut c, &a);
        assert!(matches!(r, Err(Error::ProofRejected) | Err(Error::MalformedProof { .. })), "byte {at}: {r:?}");
    }
    let mut a = args.clone();
    a.statement.output_index = (a.statement.output_index + 1) % 10;
    assert_eq!(verify(&mut c, &a).0, Err(Error::ProofRejected));
    let mut a = args.clone();
    a.statement.seed[0] ^= 1;
    assert_eq!(verify(&mut c, &a).0, Err(Error::ProofRejected));
    let mut a = args.clone();
    if let Output::Tensor(v) = &mut a.statement.output {
        v.pop();
    }
    assert!(matches!(verify(&mut c, &a).0, Err(Error::StatementMismatch { .. })));
    let mut a = args.clone();
    a.statement.input_commitment = ByteBuf::from(vec![0xff; 32]);
    assert!(matches!(verify(&mut c, &a).0, Err(Error::MalformedStatement { .. })));
    let mut a = args.clone();
    a.statement.model_hash = iris().hash();
    assert!(matches!(verify(&mut c, &a).0, Err(Error::UnknownModel { .. })));
    let mut a = args.clone();
    a.statement.seed = ByteBuf::from(vec![1; 31]);
    assert!(matches!(verify(&mut c, &a).0, Err(Error::InvalidArgument { .. })));
    let mut a = args.clone();
    a.proof = ByteBuf::from(vec![0; 200]);
    assert!(matches!(verify(&mut c, &a).0, Err(Error::ArgumentTooLarge { .. })));
    let mut a = args.clone();
    a.statement.output = Output::Tensor(vec![0; 100_000]);
    assert!(matches!(verify(&mut c, &a).0, Err(Error::ArgumentTooLarge { .. })));
    // retire: proofs are refused, the model stays listed
    let (r, _) = update::<Result<ModelInfo, Error>>(&mut c, stranger(), "retire_model", encode_one(m.hash()).unwrap());
    assert!(matches!(r, Err(Error::NotAuthorized { .. })));
    let (r, _) =
        update::<Result<ModelInfo, Error>>(&mut c, controller(), "retire_model", encode_one(m.hash()).unwrap());
    assert!(r.unwrap().retired);
    assert!(matches!(verify(&mut c, &args).0, Err(Error::ModelRetired { .. })));
    let q: Result<Verified, Error> = query(&mut c, stranger(), "verify_query", encode_one(&args).unwrap());
    assert!(matches!(q, Err(Error::ModelRetired { .. })));
}

fn request_seed(c: &mut Canister, model: ByteBuf, commitment: ByteBuf) -> Result<Ticket, Error> {
    update::<Result<Ticket, Error>>(c, stranger(), "request_seed", encode_args((model, commitment)).unwrap()).0
}

#[test]
fn seed_tickets_are_drawn_used_once_and_expire() {
    let mut c = install();
    let (d, i) = (digits(), iris());
    register(&mut c, controller(), d).unwrap();
    register(&mut c, controller(), i).unwrap();
    let salt = 77;
    let t = request_seed(&mut c, d.hash(), d.commitment(salt)).unwrap();
    assert_eq!(t.seed.len(), 32);
    assert_eq!(t.caller, stranger());
    let seed: [u8; 32] = t.seed.as_slice().try_into().unwrap();
    let proof = d.prove(seed, salt);
    assert_eq!(hex::decode(&proof.statement.input_commitment).unwrap(), t.input_commitment.to_vec());

    // another seed for the same input: not the ticket's
    let other = d.prove([9; 32], salt);
    assert!(matches!(verify(&mut c, &args_of(&other, Some(t.id))).0, Err(Error::TicketMismatch { .. })));
    // the query checks the ticket without consuming it
    let q: Result<Verified, Error> =
        query(&mut c, stranger(), "verify_query", encode_one(args_of(&proof, Some(t.id))).unwrap());
    assert!(q.is_ok());
    // use it
    let v = verify(&mut c, &args_of(&proof, Some(t.id))).0.unwrap();
    assert_eq!(v.ticket, Some(t.id));
    assert_eq!(v.seed, t.seed);
    // replay
    assert_eq!(verify(&mut c, &args_of(&proof, Some(t.id))).0, Err(Error::TicketAlreadyUsed { id: t.id }));
    assert_eq!(verify(&mut c, &args_of(&proof, Some(999))).0, Err(Error::UnknownTicket { id: 999 }));

    // a ticket for another model
    let ti = request_seed(&mut c, i.hash(), i.commitment(salt)).unwrap();
    assert_ne!(ti.seed, t.seed, "each ticket draws fresh randomness");
    let p2 = d.prove(ti.seed.as_slice().try_into().unwrap(), salt);
    assert!(matches!(verify(&mut c, &args_of(&p2, Some(ti.id))).0, Err(Error::TicketMismatch { .. })));

    // expiry (default 600 s)
    let t3 = request_seed(&mut c, d.hash(), d.commitment(salt)).unwrap();
    let p3 = d.prove(t3.seed.as_slice().try_into().unwrap(), salt);
    c.advance_time(601 * 1_000_000_000);
    assert!(matches!(verify(&mut c, &args_of(&p3, Some(t3.id))).0, Err(Error::TicketExpired { .. })));
    // expired tickets are pruned by later updates, so state stays bounded
    let before: Stats = query(&mut c, stranger(), "stats", encode_args(()).unwrap());
    request_seed(&mut c, d.hash(), d.commitment(salt)).unwrap();
    let after: Stats = query(&mut c, stranger(), "stats", encode_args(()).unwrap());
    assert!(after.tickets < before.tickets + 1, "expired tickets were pruned: {} -> {}", before.tickets, after.tickets);

    // bad requests
    assert!(matches!(
        request_seed(&mut c, ByteBuf::from(vec![0; 32]), d.commitment(salt)),
        Err(Error::UnknownModel { .. })
    ));
    assert!(matches!(
        request_seed(&mut c, d.hash(), ByteBuf::from(vec![0xff; 32])),
        Err(Error::InvalidArgument { .. })
    ));
    assert!(matches!(request_seed(&mut c, d.hash(), ByteBuf::from(vec![1; 3])), Err(Error::InvalidArgument { .. })));
}

#[test]
fn ticket_cap_bounds_state() {
    let init = InitArgs { ticket_ttl_seconds: Some(60), max_tickets: Some(3) };
    let mut c = Canister::install(canister_wasm(), &[controller()], encode_one(Some(init)).unwrap()).unwrap();
    let d = digits();
    register(&mut c, controller(), d).unwrap();
    for _ in 0..3 {
        request_seed(&mut c, d.hash(), d.commitment(1)).unwrap();
    }
    assert_eq!(request_seed(&mut c, d.hash(), d.commitment(1)), Err(Error::TooManyTickets { limit: 3 }));
    c.advance_time(61 * 1_000_000_000);
    assert!(request_seed(&mut c, d.hash(), d.commitment(1)).is_ok(), "expired tickets make room");
}

#[test]
fn an_upgrade_keeps_registry_registrars_and_tickets() {
    let mut c = install();
    let d = digits();
    register(&mut c, controller(), d).unwrap();
    let _: (Result<(), Error>, u64) = update(&mut c, controller(), "add_registrar", encode_one(registrar()).unwrap());
    let t = request_seed(&mut c, d.hash(), d.commitment(5)).unwrap();
    let proof = d.prove(t.seed.as_slice().try_into().unwrap(), 5);
    c.upgrade(canister_wasm(), controller(), encode_one(None::<InitArgs>).unwrap()).unwrap();
    let models: Vec<ModelInfo> = query(&mut c, stranger(), "list_models", encode_args(()).unwrap());
    assert_eq!(models.len(), 1);
    assert_eq!(
        query::<Vec<Principal>>(&mut c, stranger(), "list_registrars", encode_args(()).unwrap()),
        vec![registrar()]
    );
    let got: Option<Ticket> = query(&mut c, stranger(), "get_ticket", encode_one(t.id).unwrap());
    assert_eq!(got, Some(t.clone()));
    let (r, instructions) = verify(&mut c, &args_of(&proof, Some(t.id)));
    assert!(r.is_ok(), "{r:?}");
    assert!(instructions < 120_000_000, "the prepared key was rebuilt at upgrade: {instructions}");
    // and the next ticket id continues
    let t2 = request_seed(&mut c, d.hash(), d.commitment(5)).unwrap();
    assert_eq!(t2.id, t.id + 1);
}

#[test]
fn unknown_methods_and_queries_do_not_change_state() {
    let mut c = install();
    let r = c.update(stranger(), "no_such_method", encode_args(()).unwrap()).unwrap();
    assert!(matches!(r.outcome, Outcome::Reject(_)));
    // Bytes that are not candid of the method's type are refused by ic-cdk's decoder (the message
    // traps and is rolled back, the caller gets a reject); the canister keeps working.
    let r = c.update(controller(), "register_model", b"DIDL garbage".to_vec()).unwrap();
    assert!(matches!(r.outcome, Outcome::Trap(_)), "{:?}", r.outcome);
    let s: Stats = query(&mut c, stranger(), "stats", encode_args(()).unwrap());
    assert_eq!(s.models, 0);
    register(&mut c, controller(), digits()).unwrap();
    let s: Stats = query(&mut c, stranger(), "stats", encode_args(()).unwrap());
    assert_eq!(s.models, 1);
}

#[test]
fn the_example_defi_caller_settles_only_with_the_ticket_it_obtained() {
    let caller_wasm = verinfer_ic_harness::workspace_canister_wasm("defi-caller", "defi_caller").unwrap();
    let mut verifier = install();
    let d = digits_sampled();
    register(&mut verifier, controller(), d).unwrap();
    let defi_id = Principal::from_slice(&[0, 0, 0, 0, 0, 0x10, 0, 2, 1, 1]);
    let mut defi = Canister::install_with_id(
        &caller_wasm,
        defi_id,
        &[controller()],
        encode_args((verifier.id, d.hash())).unwrap(),
    )
    .unwrap();

    #[derive(CandidType, serde::Deserialize, Debug, PartialEq)]
    enum Decision {
        Settled { class: u32 },
        Refused { reason: String },
    }
    #[derive(CandidType, serde::Deserialize, Debug, Clone, PartialEq)]
    struct Request {
        id: u64,
        input_commitment: ByteBuf,
        ticket: u64,
        seed: ByteBuf,
        opened_by: Principal,
        settled: Option<u32>,
    }
    let salt = 9;
    // A user opens a request for the committed input: the contract obtains the ticket itself.
    let r = defi.update_via(stranger(), "open", encode_one(d.commitment(salt)).unwrap(), &mut [&mut verifier]).unwrap();
    let req: Result<Request, String> = decode_one(r.reply().unwrap()).unwrap();
    let req = req.unwrap();
    let ticket: Option<Ticket> = query(&mut verifier, stranger(), "get_ticket", encode_one(req.ticket).unwrap());
    let ticket = ticket.unwrap();
    assert_eq!(
        (ticket.caller, ticket.seed.clone()),
        (defi_id, req.seed.clone()),
        "the contract is the ticket's caller"
    );

    let mut settle = |id: u64, args: &VerifyArgs, verifier: &mut Canister| -> Decision {
        let r = defi.update_via(stranger(), "settle", encode_args((id, args)).unwrap(), &mut [verifier]).unwrap();
        decode_one(r.reply().unwrap()).unwrap()
    };
    let proof = d.prove(req.seed.as_slice().try_into().unwrap(), salt);
    // The operator's own ticket for the same input (a re-roll attempt): a valid proof, never accepted.
    let own = request_seed(&mut verifier, d.hash(), d.commitment(salt)).unwrap();
    let own_proof = d.prove(own.seed.as_slice().try_into().unwrap(), salt);
    assert!(verify_query_ok(&mut verifier, &args_of(&own_proof, Some(own.id))), "the re-rolled proof is itself valid");
    assert!(matches!(settle(req.id, &args_of(&own_proof, Some(own.id)), &mut verifier), Decision::Refused { .. }));
    // without a ticket, refused before calling the verifier
    assert!(matches!(settle(req.id, &args_of(&proof, None), &mut verifier), Decision::Refused { .. }));
    // a tampered proof is refused and leaves the request open
    let mut bad = args_of(&proof, Some(req.ticket));
    bad.statement.output_index = (bad.statement.output_index + 1) % 10;
    assert!(matches!(settle(req.id, &bad, &mut verifier), Decision::Refused { .. }));
    // the request's ticket: one inter-canister call, settled on the drawn class
    assert_eq!(
        settle(req.id, &args_of(&proof, Some(req.ticket)), &mut verifier),
        Decision::Settled { class: proof.statement.output_index }
    );
    // settled once: a replay is refused
    assert!(matches!(settle(req.id, &args_of(&proof, Some(req.ticket)), &mut verifier), Decision::Refused { .. }));
    let got: Option<Request> = query(&mut defi, stranger(), "get_request", encode_one(req.id).unwrap());
    assert_eq!(got.unwrap().settled, Some(proof.statement.output_index));
}

fn verify_query_ok(c: &mut Canister, args: &VerifyArgs) -> bool {
    let r: Result<Verified, Error> = query(c, stranger(), "verify_query", encode_one(args).unwrap());
    r.is_ok()
}

#[test]
fn a_seeded_draw_is_verified_with_its_ticket_and_no_other_seed_or_class_passes() {
    let mut c = install();
    let m = digits_sampled();
    register(&mut c, controller(), m).unwrap();
    let salt = 31;
    // The operator commits to the input, then the canister draws the seed.
    let t = request_seed(&mut c, m.hash(), m.commitment(salt)).unwrap();
    let seed: [u8; 32] = t.seed.as_slice().try_into().unwrap();
    let proof = m.prove(seed, salt);
    // Proofs for the same input with other seeds, until one draws another class (about 1 seed in 5
    // at temperature 4 on this input).
    let other = (0..40u8)
        .map(|i| m.prove([i; 32], salt))
        .find(|p| p.output.index != proof.output.index)
        .expect("a seed that draws another class");

    // another seed: not the ticket's, refused; relabelled with the ticket's seed, the proof fails
    assert!(matches!(verify(&mut c, &args_of(&other, Some(t.id))).0, Err(Error::TicketMismatch { .. })));
    let mut forged = args_of(&other, Some(t.id));
    forged.statement.seed = t.seed.clone();
    assert_eq!(verify(&mut c, &forged).0, Err(Error::ProofRejected));
    // the ticket's proof claiming the other class fails too
    let mut forged = args_of(&proof, Some(t.id));
    forged.statement.output_index = other.output.index;
    assert_eq!(verify(&mut c, &forged).0, Err(Error::ProofRejected));

    // the honest proof verifies and consumes the ticket; the reply carries the drawn class and seed
    let (v, instructions) = verify(&mut c, &args_of(&proof, Some(t.id)));
    let v = v.unwrap();
    assert_eq!((v.output_index, v.ticket, v.seed.clone()), (proof.output.index, Some(t.id), t.seed.clone()));
    assert!(instructions < 120_000_000, "{instructions}");
    // replay
    assert_eq!(verify(&mut c, &args_of(&proof, Some(t.id))).0, Err(Error::TicketAlreadyUsed { id: t.id }));
}
