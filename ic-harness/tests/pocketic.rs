//! The verifier canister's flows on a real replica (PocketIC). They run when `POCKET_IC_BIN` names a
//! PocketIC server binary at build time; otherwise each test is reported as ignored with the reason
//! (no replica can be downloaded where verinfer is developed; `verifier_canister.rs` runs the same
//! flows in the wasmtime harness).
mod common;

use candid::{decode_one, encode_args, encode_one, CandidType, Principal};
use common::*;
use pocket_ic::PocketIc;
use serde::de::DeserializeOwned;
use serde_bytes::ByteBuf;
use std::time::Duration;
use verinfer_verifier_canister::types::*;

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

    fn update<R: CandidType + DeserializeOwned>(&self, who: Principal, method: &str, arg: Vec<u8>) -> R {
        let bytes = self.pic.update_call(self.id, who, method, arg).unwrap_or_else(|e| panic!("{method}: {e:?}"));
        decode_one(&bytes).unwrap()
    }

    fn query<R: CandidType + DeserializeOwned>(&self, who: Principal, method: &str, arg: Vec<u8>) -> R {
        let bytes = self.pic.query_call(self.id, who, method, arg).unwrap_or_else(|e| panic!("{method}: {e:?}"));
        decode_one(&bytes).unwrap()
    }

    fn register(&self, who: Principal, m: &Model) -> Result<ModelInfo, Error> {
        let args = RegisterArgs {
            verifying_key: ByteBuf::from(m.key.clone()),
            name: m.name.into(),
            version: "1".into(),
            metadata: vec![],
        };
        self.update(who, "register_model", encode_one(args).unwrap())
    }

    fn verify(&self, args: &VerifyArgs) -> Result<Verified, Error> {
        self.update(stranger(), "verify", encode_one(args).unwrap())
    }

    fn request_seed(&self, model: ByteBuf, commitment: ByteBuf) -> Result<Ticket, Error> {
        self.update(stranger(), "request_seed", encode_args((model, commitment)).unwrap())
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
    assert_eq!(ic.register(stranger(), d), Err(Error::NotAuthorized { caller: stranger() }));
    let info = ic.register(ic.controller, d).unwrap();
    assert_eq!(info.output_len, 10);
    let proof = d.prove([5; 32], 1);
    let args = args_of(&proof, None);
    let v = ic.verify(&args).unwrap();
    assert_eq!(v.output_index, proof.statement.output_index);
    assert!(v.instructions < 120_000_000, "verify: {} instructions", v.instructions);
    let q: Result<Verified, Error> = ic.query(stranger(), "verify_query", encode_one(&args).unwrap());
    assert!(q.is_ok());
    let mut bad = args.clone();
    bad.statement.output_index = (bad.statement.output_index + 1) % 10;
    assert_eq!(ic.verify(&bad), Err(Error::ProofRejected));
    let mut bad = args.clone();
    bad.proof = ByteBuf::from(vec![0; 200]);
    assert!(matches!(ic.verify(&bad), Err(Error::ArgumentTooLarge { .. })));
    let r: Result<ModelInfo, Error> = ic.update(ic.controller, "retire_model", encode_one(d.hash()).unwrap());
    assert!(r.unwrap().retired);
    assert!(matches!(ic.verify(&args), Err(Error::ModelRetired { .. })));
}

#[test]
#[cfg_attr(
    not(pocket_ic_server),
    ignore = "POCKET_IC_BIN is not set: PocketIC tests skipped (the harness tests run the same flows)"
)]
fn seed_tickets_and_upgrade_on_pocketic() {
    let ic = Ic::new();
    let d = digits();
    ic.register(ic.controller, d).unwrap();
    let t = ic.request_seed(d.hash(), d.commitment(3)).unwrap();
    let proof = d.prove(t.seed.as_slice().try_into().unwrap(), 3);
    let other = d.prove([8; 32], 3);
    assert!(matches!(ic.verify(&args_of(&other, Some(t.id))), Err(Error::TicketMismatch { .. })));
    // upgrade in the middle: the ticket and the registry survive
    ic.pic
        .upgrade_canister(ic.id, canister_wasm().to_vec(), encode_one(None::<InitArgs>).unwrap(), Some(ic.controller))
        .unwrap();
    assert_eq!(ic.query::<Vec<ModelInfo>>(stranger(), "list_models", encode_args(()).unwrap()).len(), 1);
    assert_eq!(ic.verify(&args_of(&proof, Some(t.id))).unwrap().ticket, Some(t.id));
    assert_eq!(ic.verify(&args_of(&proof, Some(t.id))), Err(Error::TicketAlreadyUsed { id: t.id }));
    let t2 = ic.request_seed(d.hash(), d.commitment(3)).unwrap();
    let p2 = d.prove(t2.seed.as_slice().try_into().unwrap(), 3);
    ic.pic.advance_time(Duration::from_secs(601));
    ic.pic.tick();
    assert!(matches!(ic.verify(&args_of(&p2, Some(t2.id))), Err(Error::TicketExpired { .. })));
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
    let proof = m.prove(t.seed.as_slice().try_into().unwrap(), 4);
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
