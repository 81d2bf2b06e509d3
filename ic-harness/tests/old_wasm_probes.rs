//! The attacks of `attacks.rs` and `defi_caller.rs`, run against the verifier canister and the DeFi
//! example as they were before the seed protocol was hardened (commit f49fefb), to show that each
//! test there would have failed: here every attack succeeds. Ignored by default; run with
//!
//! ```text
//! git worktree add /tmp/old f49fefb && (cd /tmp/old && cargo build --profile canister -p verinfer-verifier-canister -p defi-caller --target wasm32-unknown-unknown)
//! VERINFER_OLD_CANISTER_WASM=/tmp/old/target/wasm32-unknown-unknown/canister/verinfer_verifier_canister.wasm \
//! VERINFER_OLD_DEFI_WASM=/tmp/old/target/wasm32-unknown-unknown/canister/defi_caller.wasm \
//!   cargo test --release -p verinfer-ic-harness --test old_wasm_probes -- --ignored
//! ```
mod common;

use candid::{decode_one, encode_args, encode_one, CandidType, Principal, Reserved};
use common::*;
use serde::Deserialize;
use serde_bytes::ByteBuf;
use verinfer_ic_harness::{Canister, Outcome};
use verinfer_verifier_canister::types::{RegisterArgs, VerifyArgs};

const SECOND: u64 = 1_000_000_000;

/// The old `Ticket` (the fields the probes read).
#[derive(CandidType, Deserialize, Debug, Clone)]
struct OldTicket {
    id: u64,
    seed: ByteBuf,
}

/// The old DeFi example's `Request` (the fields the probes read).
#[derive(CandidType, Deserialize, Debug, Clone)]
struct OldRequest {
    id: u64,
    ticket: u64,
    seed: ByteBuf,
    settled: Option<u32>,
}

fn old_wasm(var: &str) -> Vec<u8> {
    let path = std::env::var(var).unwrap_or_else(|_| panic!("{var} must name the old Wasm (see the file's docs)"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn install(max_tickets: u64) -> Canister {
    // the old InitArgs: record { ticket_ttl_seconds : opt nat64; max_tickets : opt nat64 }
    #[derive(CandidType)]
    struct OldInit {
        ticket_ttl_seconds: Option<u64>,
        max_tickets: Option<u64>,
    }
    let init = OldInit { ticket_ttl_seconds: None, max_tickets: Some(max_tickets) };
    let mut c =
        Canister::install(&old_wasm("VERINFER_OLD_CANISTER_WASM"), &[controller()], encode_one(Some(init)).unwrap())
            .unwrap();
    let m = digits_sampled();
    let args = RegisterArgs {
        verifying_key: ByteBuf::from(m.key.clone()),
        name: m.name.into(),
        version: "1".into(),
        metadata: vec![],
        setup: None,
    };
    c.update(controller(), "register_model", encode_one(args).unwrap()).unwrap().reply().unwrap();
    c
}

fn old_request_seed(c: &mut Canister, who: Principal, salt: u64) -> Result<OldTicket, Reserved> {
    let m = digits_sampled();
    let r = c.update(who, "request_seed", encode_args((m.hash(), m.commitment(salt))).unwrap()).unwrap();
    decode_one(r.reply().unwrap()).unwrap()
}

fn old_verify(c: &mut Canister, who: Principal, args: &VerifyArgs) -> (bool, u64) {
    let r = c.update(who, "verify", encode_one(args).unwrap()).unwrap();
    let ok = decode_one::<Result<Reserved, Reserved>>(r.reply().unwrap()).unwrap().is_ok();
    (ok, r.instructions[0])
}

#[test]
#[ignore = "needs VERINFER_OLD_CANISTER_WASM and VERINFER_OLD_DEFI_WASM (see the file's docs)"]
fn on_the_old_verifier_every_attack_succeeded() {
    let m = digits_sampled();
    let mut c = install(3);
    // re-request: a second ticket for the same commitment, with a fresh seed
    let t1 = old_request_seed(&mut c, contract(), 1).unwrap();
    let t2 = old_request_seed(&mut c, contract(), 1).unwrap();
    assert_ne!(t1.seed, t2.seed, "old: two draws for one committed input");
    // third-party consumption: a stranger burns the contract's ticket with the valid proof
    let args = args_of(&m.prove(t1.seed.as_slice().try_into().unwrap(), 1), Some(t1.id));
    assert!(old_verify(&mut c, stranger(), &args).0, "old: a third party consumed the ticket");
    assert!(!old_verify(&mut c, contract(), &args).0, "old: the contract can no longer use its ticket");
    // one caller fills the global cap: honest callers are locked out
    old_request_seed(&mut c, other_contract(), 2).unwrap();
    assert!(old_request_seed(&mut c, registrar(), 3).is_err(), "old: TooManyTickets for everyone");
    // anonymous junk: a full pairing, paid by the canister
    let mut junk = args_of(&m.prove([1; 32], 1), None);
    junk.statement.output_index = (junk.statement.output_index + 1) % 10;
    let (ok, instructions) = old_verify(&mut c, Principal::anonymous(), &junk);
    assert!(!ok && instructions > 50_000_000, "old: anonymous junk ran the pairing ({instructions})");
    // inspect_message admitted anonymous ingress to verify
    let r = c.ingress(Principal::anonymous(), "verify", encode_one(&junk).unwrap()).unwrap();
    assert!(!matches!(r.outcome, Outcome::Reject(ref m) if m.contains("inspect_message")), "{:?}", r.outcome);
    // the cap race: three requests across the raw_rand await with room for one more
    let mut c = install(2);
    let pending: Vec<_> = [contract(), other_contract(), registrar()]
        .iter()
        .zip(1u64..)
        .map(|(who, salt)| {
            let arg = encode_args((m.hash(), m.commitment(salt))).unwrap();
            c.begin_update(*who, "request_seed", arg, 0).unwrap()
        })
        .collect();
    let issued = pending
        .into_iter()
        .map(|p| decode_one::<Result<OldTicket, Reserved>>(c.finish(p, &mut []).unwrap().reply().unwrap()).unwrap())
        .filter(Result::is_ok)
        .count();
    assert_eq!(issued, 3, "old: the cap of 2 was overshot");
}

#[test]
#[ignore = "needs VERINFER_OLD_CANISTER_WASM and VERINFER_OLD_DEFI_WASM (see the file's docs)"]
fn on_the_old_verifier_callers_paid_nothing_and_the_registry_was_one_way() {
    let m = digits_sampled();
    let mut c = install(100);
    // a paying caller's cycles are not taken: request_seed and verify cost the canister, not the caller
    let r = c
        .update_with_cycles(
            other_contract(),
            "request_seed",
            encode_args((m.hash(), m.commitment(7))).unwrap(),
            40_000_000,
        )
        .unwrap();
    assert_eq!(r.cycles_accepted, 0, "old: request_seed is free");
    // inspect_message admitted a stranger's half-megabyte register_model
    let big = RegisterArgs {
        verifying_key: ByteBuf::from(vec![0; 400 * 1024]),
        name: "x".into(),
        version: "1".into(),
        metadata: vec![],
        setup: None,
    };
    let r = c.ingress(stranger(), "register_model", encode_one(big).unwrap()).unwrap();
    assert!(!matches!(r.outcome, Outcome::Reject(ref m) if m.contains("inspect_message")), "{:?}", r.outcome);
    // the first registration of a model hash wins for ever: no rotation
    let r = c.update(controller(), "rotate_key", encode_one(ByteBuf::new()).unwrap()).unwrap();
    assert!(
        matches!(r.outcome, Outcome::Reject(ref m) if m.contains("no method")),
        "old: no rotate_key: {:?}",
        r.outcome
    );
    // a registrar retires a model a controller registered
    c.update(controller(), "add_registrar", encode_one(registrar()).unwrap()).unwrap().reply().unwrap();
    let r = c.update(registrar(), "retire_model", encode_one(m.hash()).unwrap()).unwrap();
    assert!(
        decode_one::<Result<Reserved, Reserved>>(r.reply().unwrap()).unwrap().is_ok(),
        "old: any registrar retires any model"
    );
}

#[test]
#[ignore = "needs VERINFER_OLD_CANISTER_WASM and VERINFER_OLD_DEFI_WASM (see the file's docs)"]
fn on_the_old_defi_example_the_operator_could_re_roll() {
    let m = digits_sampled();
    let mut verifier = install(100);
    let defi_id = Principal::from_slice(&[0, 0, 0, 0, 0, 0x10, 0, 2, 1, 1]);
    let wasm = old_wasm("VERINFER_OLD_DEFI_WASM");
    let mut defi =
        Canister::install_with_id(&wasm, defi_id, &[controller()], encode_args((verifier.id, m.hash())).unwrap())
            .unwrap();
    let open = |defi: &mut Canister, verifier: &mut Canister, who: Principal, salt: u64| -> OldRequest {
        let r = defi.update_via(who, "open", encode_one(m.commitment(salt)).unwrap(), &mut [verifier]).unwrap();
        decode_one::<Result<OldRequest, String>>(r.reply().unwrap()).unwrap().unwrap()
    };
    // the operator opens a request itself, sees the draw, abandons it and opens again: a new seed
    let operator = stranger();
    let first = open(&mut defi, &mut verifier, operator, 1);
    let again = open(&mut defi, &mut verifier, operator, 1);
    assert_ne!(first.seed, again.seed, "old: abandon-and-reopen re-rolled the seed");
    // with a fresh salt: yet another draw for the same input
    let fresh = open(&mut defi, &mut verifier, operator, 2);
    assert_ne!(fresh.seed, again.seed);
    // the abandoned request: after the deadline it can never settle, and nothing records it
    verifier.advance_time(601 * SECOND);
    defi.advance_time(601 * SECOND);
    let proof = m.prove(first.seed.as_slice().try_into().unwrap(), 1);
    let r = defi
        .update_via(
            operator,
            "settle",
            encode_args((first.id, args_of(&proof, Some(first.ticket)))).unwrap(),
            &mut [&mut verifier],
        )
        .unwrap();
    r.reply().unwrap();
    let got: Option<OldRequest> =
        decode_one(defi.query(stranger(), "get_request", encode_one(first.id).unwrap()).unwrap().reply().unwrap())
            .unwrap();
    assert_eq!(got.unwrap().settled, None, "old: no default outcome, no record of the abandonment");
}
