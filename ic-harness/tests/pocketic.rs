//! The verifier canister's flows on a real replica (PocketIC), including the example DeFi contract,
//! and the check that the harness's figures match the replica's. They run when `POCKET_IC_BIN` names a
//! PocketIC server binary at build time; otherwise each test is reported as ignored with the reason
//! (no replica can be downloaded where verinfer is developed; the harness tests run the same flows).
//!
//! Tolerances against the harness, stated once: instructions of the same `verify` within
//! [`INSTRUCTION_TOLERANCE`] (the harness counts with the replica's weights and system-call table, but
//! the Wasm instrumentation differs in detail), cycles charged for the same message within
//! [`CYCLE_TOLERANCE`] (the replica also charges storage by the second and may round fees).
mod common;

use candid::{decode_one, encode_args, encode_one, CandidType, Principal};
use common::calls::{self, seed_of};
use common::defi::*;
use common::*;
use pocket_ic::PocketIc;
use serde::de::DeserializeOwned;
use serde_bytes::ByteBuf;
use std::time::Duration;
use verinfer_verifier_canister::types::*;

/// Relative difference allowed between PocketIC's and the harness's instruction counts.
const INSTRUCTION_TOLERANCE: f64 = 0.05;
/// Relative difference allowed between PocketIC's and the harness's cycle charges.
const CYCLE_TOLERANCE: f64 = 0.10;

fn close(what: &str, replica: f64, harness: f64, tolerance: f64) {
    let rel = (replica - harness).abs() / harness.max(1.0);
    eprintln!("{what}: PocketIC {replica:.0}, harness {harness:.0} ({:.2}% apart)", rel * 100.0);
    assert!(
        rel <= tolerance,
        "{what}: PocketIC {replica} vs harness {harness}: {:.2}% > {:.0}%",
        rel * 100.0,
        tolerance * 100.0
    );
}

struct Ic {
    pic: PocketIc,
    id: Principal,
    controller: Principal,
}

impl Ic {
    fn new() -> Ic {
        let pic = PocketIc::new();
        let controller = controller();
        let id = pic.create_canister_with_settings(Some(controller), None);
        pic.add_cycles(id, 10_000_000_000_000);
        pic.install_canister(id, canister_wasm().to_vec(), encode_one(None::<InitArgs>).unwrap(), Some(controller));
        Ic { pic, id, controller }
    }

    fn try_update<R: CandidType + DeserializeOwned>(
        &self,
        who: Principal,
        method: &str,
        arg: Vec<u8>,
    ) -> Result<R, String> {
        let bytes = self.pic.update_call(self.id, who, method, arg).map_err(|e| format!("{e:?}"))?;
        Ok(decode_one(&bytes).unwrap())
    }

    fn update<R: CandidType + DeserializeOwned>(&self, who: Principal, method: &str, arg: Vec<u8>) -> R {
        self.try_update(who, method, arg).unwrap_or_else(|e| panic!("{method}: {e}"))
    }

    fn query<R: CandidType + DeserializeOwned>(&self, who: Principal, method: &str, arg: Vec<u8>) -> R {
        let bytes = self.pic.query_call(self.id, who, method, arg).unwrap_or_else(|e| panic!("{method}: {e:?}"));
        decode_one(&bytes).unwrap()
    }

    /// `register_model` of `m`'s key, declaring its provenance if it is from a ceremony.
    fn register(&self, who: Principal, m: &Model) -> Result<ModelInfo, String> {
        let args = RegisterArgs {
            verifying_key: ByteBuf::from(m.key.clone()),
            name: m.name.into(),
            version: "1".into(),
            metadata: vec![("source".into(), "fixtures".into())],
            setup: (m.setup.kind == SetupKind::Ceremony).then(|| m.setup.clone()),
        };
        self.try_update::<Result<ModelInfo, Error>>(who, "register_model", encode_one(args).unwrap())
            .map(|r| r.map_err(|e| format!("{e:?}")))
            .and_then(|r| r)
    }

    /// `verify` as the controller (ingress; controllers pay no fee).
    fn verify(&self, args: &VerifyArgs) -> Result<Verified, Error> {
        self.update(self.controller, "verify", encode_one(args).unwrap())
    }

    fn request_seed(&self, model: ByteBuf, commitment: ByteBuf) -> Result<Ticket, Error> {
        self.update(self.controller, "request_seed", encode_one(seed_request(model, commitment)).unwrap())
    }
}

#[test]
#[cfg_attr(
    not(pocket_ic_server),
    ignore = "POCKET_IC_BIN is not set: PocketIC tests skipped (the harness tests run the same flows)"
)]
fn registration_verification_and_rejections_on_pocketic() {
    let ic = Ic::new();
    let d = digits();
    // a stranger's ingress is refused by inspect_message before anything runs
    assert!(ic.register(stranger(), d).is_err());
    let info = ic.register(ic.controller, d).unwrap();
    assert_eq!(info.output_len, 10);
    let proof = d.prove([5; 32], 1);
    let args = args_of(&proof, None);
    let before = ic.pic.cycle_balance(ic.id);
    let v = ic.verify(&args).unwrap();
    let charged = before - ic.pic.cycle_balance(ic.id);
    assert_eq!(v.output_index, proof.statement.output_index);
    assert!(v.instructions < 120_000_000, "verify: {} instructions", v.instructions);
    // the same message in the harness: same instructions and charge within the stated tolerances
    let mut h = calls::install();
    calls::register(&mut h, controller(), d).unwrap();
    let h_before = h.balance();
    let r = h.ingress(controller(), "verify", encode_one(&args).unwrap()).unwrap();
    let hv: Result<Verified, Error> = decode_one(r.reply().unwrap()).unwrap();
    let hv = hv.unwrap();
    close("verify instructions when accepted", v.instructions as f64, hv.instructions as f64, INSTRUCTION_TOLERANCE);
    close("cycles charged for verify (ingress)", charged as f64, (h_before - h.balance()) as f64, CYCLE_TOLERANCE);
    // queries and rejections
    let q: Result<Verified, Error> = ic.query(stranger(), "verify_query", encode_one(&args).unwrap());
    assert!(q.is_ok());
    assert!(ic.try_update::<Result<Verified, Error>>(stranger(), "verify", encode_one(&args).unwrap()).is_err());
    let mut bad = args.clone();
    bad.statement.output_index = (bad.statement.output_index + 1) % 10;
    assert_eq!(ic.verify(&bad), Err(Error::ProofRejected));
    let r: Result<ModelInfo, Error> = ic.update(ic.controller, "retire_model", encode_one(d.hash()).unwrap());
    assert!(r.unwrap().retired);
    assert!(matches!(ic.verify(&args), Err(Error::ModelRetired { .. })));
}

#[test]
#[cfg_attr(
    not(pocket_ic_server),
    ignore = "POCKET_IC_BIN is not set: PocketIC tests skipped (the harness tests run the same flows)"
)]
fn seed_tickets_upgrade_and_certified_records_on_pocketic() {
    let ic = Ic::new();
    let d = digits();
    ic.register(ic.controller, d).unwrap();
    let t = ic.request_seed(d.hash(), d.commitment(3)).unwrap();
    assert_eq!(
        ic.request_seed(d.hash(), d.commitment(3)),
        Err(Error::DuplicateRequest { ticket: Some(t.id), reason: "input_commitment".into() })
    );
    let proof = d.prove(seed_of(&t), 3);
    let other = d.prove([8; 32], 3);
    assert!(matches!(ic.verify(&args_of(&other, Some(t.id))), Err(Error::TicketMismatch { .. })));
    // upgrade in the middle: the ticket and the registry survive
    ic.pic
        .upgrade_canister(ic.id, canister_wasm().to_vec(), encode_one(None::<InitArgs>).unwrap(), Some(ic.controller))
        .unwrap();
    assert_eq!(ic.query::<Vec<ModelInfo>>(stranger(), "list_models", encode_args(()).unwrap()).len(), 1);
    let v = ic.verify(&args_of(&proof, Some(t.id))).unwrap();
    assert_eq!(v.ticket, Some(t.id));
    assert_eq!(ic.verify(&args_of(&proof, Some(t.id))), Err(Error::TicketAlreadyUsed { id: t.id }));
    // the record comes back with a real certificate
    let rec: Option<CertifiedVerification> = ic.query(stranger(), "get_verification", encode_one(v.id).unwrap());
    let rec = rec.unwrap();
    assert_eq!(rec.verification, v);
    assert!(rec.certificate.len() > 100, "a subnet certificate");
    // the deadline
    let t2 = ic.request_seed(d.hash(), d.commitment(4)).unwrap();
    let p2 = d.prove(seed_of(&t2), 4);
    ic.pic.advance_time(Duration::from_secs(601));
    ic.pic.tick();
    assert!(matches!(ic.verify(&args_of(&p2, Some(t2.id))), Err(Error::TicketExpired { .. })));
    let t2 = ic.query::<Option<Ticket>>(stranger(), "get_ticket", encode_one(t2.id).unwrap()).unwrap();
    assert!(matches!(t2.status, TicketStatus::Abandoned { .. }));
}

#[test]
#[cfg_attr(
    not(pocket_ic_server),
    ignore = "POCKET_IC_BIN is not set: PocketIC tests skipped (the harness tests run the same flows)"
)]
fn a_seeded_draw_with_its_ticket_on_pocketic() {
    let ic = Ic::new();
    let m = digits_sampled();
    ic.register(ic.controller, m).unwrap();
    let t = ic.request_seed(m.hash(), m.commitment(4)).unwrap();
    let proof = m.prove(seed_of(&t), 4);
    let other =
        (0..40u8).map(|i| m.prove([i; 32], 4)).find(|p| p.output.index != proof.output.index).expect("another class");
    assert!(matches!(ic.verify(&args_of(&other, Some(t.id))), Err(Error::TicketMismatch { .. })));
    let mut forged = args_of(&other, Some(t.id));
    forged.statement.seed = t.seed.clone();
    assert_eq!(ic.verify(&forged), Err(Error::ProofRejected));
    let v = ic.verify(&args_of(&proof, Some(t.id))).unwrap();
    assert_eq!((v.output_index, v.ticket), (proof.output.index, Some(t.id)));
    assert_eq!(ic.verify(&args_of(&proof, Some(t.id))), Err(Error::TicketAlreadyUsed { id: t.id }));
}

#[test]
#[cfg_attr(
    not(pocket_ic_server),
    ignore = "POCKET_IC_BIN is not set: PocketIC tests skipped (the harness tests run the same flows)"
)]
fn the_defi_example_on_pocketic() {
    let ic = Ic::new();
    // the contract acts only on ceremony keys
    let m = digits_sampled_ceremony();
    assert_eq!(ic.register(ic.controller, m).unwrap().setup, m.setup);
    let operator = registrar();
    let defi = ic.pic.create_canister_with_settings(Some(controller()), None);
    ic.pic.add_cycles(defi, 10_000_000_000_000);
    let init = defi_init(ic.id, m, operator);
    let wasm = verinfer_ic_harness::workspace_canister_wasm("defi-caller", "defi_caller").unwrap();
    ic.pic.install_canister(defi, wasm, encode_one(init).unwrap(), Some(controller()));
    let call = |who: Principal, method: &str, arg: Vec<u8>| -> Vec<u8> {
        ic.pic.update_call(defi, who, method, arg).unwrap_or_else(|e| panic!("{method}: {e:?}"))
    };
    // a user opens an event; the contract pays the seed fee from its own balance
    let verifier_before = ic.pic.cycle_balance(ic.id);
    let open = OpenArgs { event: "loan-1".into(), input_commitment: m.commitment(6), operator };
    let req: Result<Request, DefiError> = decode_one(&call(stranger(), "open", encode_one(&open).unwrap())).unwrap();
    let req = req.unwrap();
    assert!(ic.pic.cycle_balance(ic.id) > verifier_before, "the verifier was paid for the seed");
    // reopening the event is refused
    let again: Result<Request, DefiError> = decode_one(&call(stranger(), "open", encode_one(&open).unwrap())).unwrap();
    assert!(again.is_err());
    // a third party (the verifier's own controller) cannot consume the contract's ticket
    let proof = m.prove(req.seed.as_slice().try_into().unwrap(), 6);
    let args = args_of(&proof, Some(req.ticket));
    assert_eq!(ic.verify(&args), Err(Error::TicketNotYours { id: req.ticket, caller: ic.controller }));
    // the operator settles through the contract
    let d: Decision = decode_one(&call(operator, "settle", encode_args((req.id, &args)).unwrap())).unwrap();
    match d {
        Decision::Settled(s) => assert_eq!(s.class, proof.output.index),
        d => panic!("{d:?}"),
    }
    let paid = ic.query::<CallerStats>(stranger(), "caller_stats", encode_one(defi).unwrap()).cycles_paid;
    // the same flow in the harness: the contract paid the same fees within the tolerance
    let mut hv = calls::install();
    calls::register_key(&mut hv, controller(), m, &m.key, Some(m.setup.clone())).0.unwrap();
    let h_defi = Principal::from_slice(&[0, 0, 0, 0, 0, 0x10, 0, 2, 1, 1]);
    let h_init = defi_init(hv.id, m, operator);
    let wasm = verinfer_ic_harness::workspace_canister_wasm("defi-caller", "defi_caller").unwrap();
    let mut hd =
        verinfer_ic_harness::Canister::install_with_id(&wasm, h_defi, &[controller()], encode_one(h_init).unwrap())
            .unwrap();
    let r = hd.update_via(stranger(), "open", encode_one(&open).unwrap(), &mut [&mut hv]).unwrap();
    let hreq: Result<Request, DefiError> = decode_one(r.reply().unwrap()).unwrap();
    let hreq = hreq.unwrap();
    let hargs = args_of(&m.prove(hreq.seed.as_slice().try_into().unwrap(), 6), Some(hreq.ticket));
    let r = hd.update_via(operator, "settle", encode_args((hreq.id, &hargs)).unwrap(), &mut [&mut hv]).unwrap();
    let _: Decision = decode_one(r.reply().unwrap()).unwrap();
    let h_paid = calls::caller_stats(&mut hv, h_defi).cycles_paid;
    close("cycles the contract paid the verifier (seed + verify)", paid as f64, h_paid as f64, CYCLE_TOLERANCE);
}

fn defi_init(verifier: Principal, m: &Model, operator: Principal) -> DefiInit {
    DefiInit {
        verifier,
        model_hash: m.hash(),
        operators: vec![operator],
        default_class: 0,
        max_open_requests: None,
        max_open_per_opener: None,
        max_stored_requests: None,
        request_seed_cycles: None,
        verify_cycles: None,
        max_settle_attempts: None,
    }
}
