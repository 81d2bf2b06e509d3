//! The verifier canister's real Wasm, run in the harness: registration and access control, proofs
//! made by `verinfer prove`, rejections, the seed-ticket flow, upgrades, oversized arguments and the
//! instruction budget. The attacks on the seed protocol and on the canister's cycles are in
//! `attacks.rs`.
mod common;

use candid::{encode_args, encode_one, Principal};
use common::calls::*;
use common::*;
use serde_bytes::ByteBuf;
use verinfer_ic_harness::{Canister, Outcome, CYCLES_PER_INSTRUCTION, CYCLES_PER_UPDATE};
use verinfer_verifier_canister::types::*;

fn sha256(b: &[u8]) -> Vec<u8> {
    use sha2::Digest;
    sha2::Sha256::digest(b).to_vec()
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
    assert_eq!(info.key_hash.to_vec(), sha256(&m.key));
    assert_eq!(info.key_rotations, 0);
    eprintln!("registration: {} instructions", info.registration_instructions);
    assert!(info.registration_instructions > 0);
    assert!(matches!(register(&mut c, controller(), m), Err(Error::AlreadyRegistered { .. })));
    // a removed registrar is refused again
    let (r, _) =
        update::<Result<(), Error>>(&mut c, controller(), "remove_registrar", encode_one(registrar()).unwrap());
    assert_eq!(r, Ok(()));
    assert_eq!(register(&mut c, registrar(), iris()), Err(Error::NotAuthorized { caller: registrar() }));
    assert!(register(&mut c, controller(), iris()).is_ok());
    // the anonymous principal is never a registrar
    let (r, _) =
        update::<Result<(), Error>>(&mut c, controller(), "add_registrar", encode_one(Principal::anonymous()).unwrap());
    assert!(matches!(r, Err(Error::InvalidArgument { .. })), "{r:?}");
    let models: Vec<ModelInfo> = query(&mut c, stranger(), "list_models", encode_args(()).unwrap());
    assert_eq!(models.len(), 2);
    let got: Option<ModelInfo> = query(&mut c, stranger(), "get_model", encode_one(m.hash()).unwrap());
    assert_eq!(got.unwrap().name, "digits_mlp");
    // malformed and oversized keys
    let mut bad = m.key.clone();
    bad.truncate(100);
    let args = RegisterArgs {
        verifying_key: ByteBuf::from(bad),
        name: "x".into(),
        version: "1".into(),
        metadata: vec![],
        setup: None,
    };
    let (r, _) = update::<Result<ModelInfo, Error>>(&mut c, controller(), "register_model", encode_one(args).unwrap());
    assert!(matches!(r, Err(Error::MalformedKey { .. })), "{r:?}");
    let args = RegisterArgs {
        verifying_key: ByteBuf::from(vec![0u8; 300 * 1024]),
        name: "x".into(),
        version: "1".into(),
        metadata: vec![],
        setup: None,
    };
    let (r, _) = update::<Result<ModelInfo, Error>>(&mut c, controller(), "register_model", encode_one(args).unwrap());
    assert!(matches!(r, Err(Error::ArgumentTooLarge { ref what, .. }) if what == "verifying_key"), "{r:?}");
    let args = RegisterArgs {
        verifying_key: ByteBuf::from(iris().key.clone()),
        name: "n".repeat(5000),
        version: "1".into(),
        metadata: vec![],
        setup: None,
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
    let (r, res) = verify_as(&mut c, contract(), &args);
    let instructions = res.instructions[0];
    let v = r.unwrap();
    assert_eq!(v.output_index, proof.statement.output_index);
    assert_eq!((v.id, v.ticket, v.caller), (1, None, contract()));
    assert_eq!(v.key_hash.to_vec(), sha256(&m.key));
    assert_eq!(v.proof_hash.to_vec(), sha256(&args.proof));
    let cycles = CYCLES_PER_UPDATE + instructions * CYCLES_PER_INSTRUCTION;
    eprintln!(
        "verify (16 public inputs): {instructions} instructions in the call, {} when accepted; ~{cycles} cycles on a 13-node subnet; the caller paid {} of the {VERIFY_CYCLES} attached",
        v.instructions, res.cycles_accepted
    );
    assert!(instructions < 120_000_000, "verify took {instructions} instructions (budget 120 M)");
    // the caller paid the metered cost at the default 34-node price, and got the rest back
    let metered = (CYCLES_PER_UPDATE + instructions) as u128 * 260 / 100;
    assert!(
        res.cycles_accepted >= metered * 99 / 100 && res.cycles_accepted < VERIFY_CYCLES,
        "{}",
        res.cycles_accepted
    );
    assert_eq!(res.cycles_accepted + res.cycles_refunded, VERIFY_CYCLES);
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
    // retire: proofs are refused, the model stays listed; a registrar retires only its own models
    let (r, _) = update::<Result<ModelInfo, Error>>(&mut c, stranger(), "retire_model", encode_one(m.hash()).unwrap());
    assert!(matches!(r, Err(Error::NotAuthorized { .. })));
    let (r, _) = update::<Result<(), Error>>(&mut c, controller(), "add_registrar", encode_one(registrar()).unwrap());
    r.unwrap();
    let (r, _) = update::<Result<ModelInfo, Error>>(&mut c, registrar(), "retire_model", encode_one(m.hash()).unwrap());
    assert_eq!(r, Err(Error::NotAuthorized { caller: registrar() }), "the controller registered it");
    register(&mut c, registrar(), iris()).unwrap();
    let (r, _) =
        update::<Result<ModelInfo, Error>>(&mut c, registrar(), "retire_model", encode_one(iris().hash()).unwrap());
    assert!(r.unwrap().retired, "its own model");
    let (r, _) =
        update::<Result<ModelInfo, Error>>(&mut c, controller(), "retire_model", encode_one(m.hash()).unwrap());
    assert!(r.unwrap().retired);
    assert!(matches!(verify(&mut c, &args).0, Err(Error::ModelRetired { .. })));
    let q: Result<Verified, Error> = query(&mut c, stranger(), "verify_query", encode_one(&args).unwrap());
    assert!(matches!(q, Err(Error::ModelRetired { .. })));
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
    assert_eq!((t.caller, t.consumer, t.status.clone()), (contract(), None, TicketStatus::Open));
    let proof = d.prove(seed_of(&t), salt);
    assert_eq!(hex::decode(&proof.statement.input_commitment).unwrap(), t.input_commitment.to_vec());

    // another seed for the same input: not the ticket's
    let other = d.prove([9; 32], salt);
    assert!(matches!(verify(&mut c, &args_of(&other, Some(t.id))).0, Err(Error::TicketMismatch { .. })));
    // the query checks the ticket without consuming it
    assert!(verify_query_ok(&mut c, &args_of(&proof, Some(t.id))));
    // use it: the result is stored on the ticket
    let v = verify(&mut c, &args_of(&proof, Some(t.id))).0.unwrap();
    assert_eq!((v.ticket, v.seed.clone()), (Some(t.id), t.seed.clone()));
    assert_eq!(ticket(&mut c, t.id).unwrap().status, TicketStatus::Consumed(v.clone()));
    // replay
    assert_eq!(verify(&mut c, &args_of(&proof, Some(t.id))).0, Err(Error::TicketAlreadyUsed { id: t.id }));
    assert_eq!(verify(&mut c, &args_of(&proof, Some(999))).0, Err(Error::UnknownTicket { id: 999 }));

    // a ticket for another model
    let ti = request_seed(&mut c, i.hash(), i.commitment(salt)).unwrap();
    assert_ne!(ti.seed, t.seed, "each ticket draws fresh randomness");
    let p2 = d.prove(seed_of(&ti), salt);
    assert!(matches!(verify(&mut c, &args_of(&p2, Some(ti.id))).0, Err(Error::TicketMismatch { .. })));

    // the deadline (default 600 s): refused, and the ticket reads as abandoned
    let t3 = request_seed(&mut c, d.hash(), d.commitment(salt + 1)).unwrap();
    let p3 = d.prove(seed_of(&t3), salt + 1);
    c.advance_time(601 * 1_000_000_000);
    assert_eq!(
        verify(&mut c, &args_of(&p3, Some(t3.id))).0,
        Err(Error::TicketExpired { id: t3.id, expired_at: t3.expires_at })
    );
    assert_eq!(ticket(&mut c, t3.id).unwrap().status, TicketStatus::Abandoned { expired_at: t3.expires_at });
    // closed tickets stay readable for the retention period (default a day), then later updates remove them
    let before = stats(&mut c);
    assert_eq!((before.tickets, before.open_tickets, before.tickets_abandoned), (3, 0, 2));
    c.advance_time(86_400 * 1_000_000_000);
    request_seed(&mut c, d.hash(), d.commitment(salt + 2)).unwrap();
    let after = stats(&mut c);
    assert_eq!((after.tickets, after.open_tickets), (1, 1), "closed tickets removed after the retention period");
    assert_eq!(ticket(&mut c, t.id), None);

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
    let init = InitArgs { ticket_ttl_seconds: Some(60), max_tickets: Some(3), ..InitArgs::default() };
    let mut c = install_with(Some(init));
    let d = digits();
    register(&mut c, controller(), d).unwrap();
    for (salt, who) in [(1, contract()), (2, contract()), (3, other_contract())] {
        request_seed_as(&mut c, who, &seed_request(d.hash(), d.commitment(salt))).unwrap();
    }
    assert_eq!(request_seed(&mut c, d.hash(), d.commitment(4)), Err(Error::TooManyTickets { limit: 3 }));
    c.advance_time(61 * 1_000_000_000);
    assert!(request_seed(&mut c, d.hash(), d.commitment(4)).is_ok(), "abandoned tickets make room");
    assert_eq!(stats(&mut c).open_tickets, 1);
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
    assert_eq!(ticket(&mut c, t.id), Some(t.clone()));
    let (r, instructions) = verify(&mut c, &args_of(&proof, Some(t.id)));
    assert!(r.is_ok(), "{r:?}");
    assert!(instructions < 120_000_000, "the prepared key was rebuilt at upgrade: {instructions}");
    // the verification record and the certified data survive the next upgrade
    let certified = c.certified_data();
    c.upgrade(canister_wasm(), controller(), encode_one(None::<InitArgs>).unwrap()).unwrap();
    assert_eq!(c.certified_data(), certified, "the certified tree was rebuilt from stable memory");
    let rec: Option<CertifiedVerification> = query(&mut c, stranger(), "get_verification", encode_one(1u64).unwrap());
    assert_eq!(rec.unwrap().verification, r.unwrap());
    // and the next ticket id continues
    let t2 = request_seed(&mut c, d.hash(), d.commitment(6)).unwrap();
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

#[test]
fn halo2_keys_register_and_their_proofs_verify_within_one_message() {
    let mut c = install();
    let m = digits_halo2();
    let info = register(&mut c, controller(), m).unwrap();
    assert_eq!(info.backend, Backend::Halo2);
    assert_eq!(info.setup.kind, SetupKind::Transparent);
    let k = verinfer_halo2::verifier::KeyFile::from_bytes(&m.key).unwrap().header.k;
    eprintln!(
        "halo2 digits_mlp (k = {k}, key {} bytes): registration {} instructions",
        m.key.len(),
        info.registration_instructions
    );
    let proof = m.prove([5; 32], 1);
    let args = args_of(&proof, None);
    let (r, res) = verify_as(&mut c, contract(), &args);
    let v = r.unwrap();
    eprintln!("halo2 verify: {} instructions, proof {} bytes", res.instructions[0], args.proof.len());
    assert_eq!(v.output_index, proof.statement.output_index);
    assert!(res.instructions[0] < verinfer_ic_harness::UPDATE_LIMIT);
    // a flipped proof byte, another index
    let mut bad = args.clone();
    bad.proof[100] ^= 1;
    assert_eq!(verify_as(&mut c, contract(), &bad).0, Err(Error::ProofRejected));
    let mut bad = args.clone();
    bad.statement.output_index ^= 1;
    assert_eq!(verify_as(&mut c, contract(), &bad).0, Err(Error::ProofRejected));
    // a Groth16-sized proof for a halo2 model is simply rejected, not misread
    let mut bad = args.clone();
    bad.proof = ByteBuf::from(vec![0u8; 256]);
    assert!(verify_as(&mut c, contract(), &bad).0.is_err());
    // after an upgrade the key is regenerated by the first verify, within the same message
    c.upgrade(canister_wasm(), controller(), encode_one(None::<InitArgs>).unwrap()).unwrap();
    let (r, res) = verify_as(&mut c, contract(), &args);
    assert_eq!(r.unwrap().output_index, proof.statement.output_index);
    eprintln!("halo2 first verify after an upgrade: {} instructions", res.instructions[0]);
    // a smaller circuit costs less (the per-size numbers of README's backend table)
    let iris = Model::halo2("iris_mlp");
    let info = register(&mut c, controller(), &iris).unwrap();
    let k = verinfer_halo2::verifier::KeyFile::from_bytes(&iris.key).unwrap().header.k;
    let (r, res) = verify_as(&mut c, contract(), &args_of(&iris.prove([5; 32], 1), None));
    r.unwrap();
    eprintln!(
        "halo2 iris_mlp (k = {k}, key {} bytes): registration {} instructions, verify {}",
        iris.key.len(),
        info.registration_instructions,
        res.instructions[0]
    );
}

#[test]
fn a_halo2_circuit_beyond_the_instruction_limit_is_refused_at_registration() {
    use verinfer_halo2::verifier::KeyFile;
    let mut c = install();
    let m = digits_halo2();
    let mut file = KeyFile::from_bytes(&m.key).unwrap();
    file.header.k = verinfer_verifier_canister::registry::MAX_HALO2_K + 1;
    let r = register_key(&mut c, controller(), m, &file.to_bytes().unwrap(), None).0;
    assert_eq!(
        r,
        Err(Error::CircuitTooLarge { k: file.header.k, max_k: verinfer_verifier_canister::registry::MAX_HALO2_K })
    );
    // a halo2 key declaring a ceremony is refused
    let r = register_key(&mut c, controller(), m, &m.key, Some(ceremony_setup())).0;
    assert!(matches!(r, Err(Error::InvalidProvenance { .. })), "{r:?}");
}
