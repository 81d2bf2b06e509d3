//! Attacks on the seed protocol and on the verifier canister's cycles, each refused or penalised
//! (docs/seed-protocol.md). The same attacks succeeded against the canister before the protocol was
//! hardened: `old_wasm_probes.rs` runs them on that Wasm when `VERINFER_OLD_CANISTER_WASM` names it.
mod common;

use candid::{encode_one, Principal};
use common::calls::*;
use common::*;
use serde_bytes::ByteBuf;
use sha2::Digest;
use verinfer_ic_harness::{Canister, Outcome, CYCLES_PER_UPDATE};
use verinfer_verifier_canister::types::*;

const SECOND: u64 = 1_000_000_000;

fn event(name: &str) -> Option<ByteBuf> {
    Some(ByteBuf::from(name.as_bytes().to_vec()))
}

fn ready(m: &Model) -> Canister {
    let mut c = install();
    register(&mut c, controller(), m).unwrap();
    c
}

#[test]
fn abandon_and_reopen_with_the_same_commitment_or_event_is_refused() {
    let d = digits_sampled();
    let mut c = ready(d);
    let first = SeedRequest { event: event("loan-17"), ..seed_request(d.hash(), d.commitment(1)) };
    let t = request_seed_as(&mut c, contract(), &first).unwrap();
    // the same input commitment again (the draw was not liked): refused, naming the ticket
    let again = SeedRequest { event: event("loan-18"), ..first.clone() };
    assert_eq!(
        request_seed_as(&mut c, contract(), &again),
        Err(Error::DuplicateRequest { ticket: Some(t.id), reason: "input_commitment".into() })
    );
    // the same event with the input committed under a fresh salt: refused too
    let fresh_salt = SeedRequest { input_commitment: d.commitment(2), ..first.clone() };
    assert_eq!(
        request_seed_as(&mut c, contract(), &fresh_salt),
        Err(Error::DuplicateRequest { ticket: Some(t.id), reason: "event".into() })
    );
    // still refused once the ticket is abandoned: it is kept (and counted) for the retention period
    c.advance_time(601 * SECOND);
    assert_eq!(
        request_seed_as(&mut c, contract(), &fresh_salt),
        Err(Error::DuplicateRequest { ticket: Some(t.id), reason: "event".into() })
    );
    // (the ticket reads as abandoned at once; the counters move with the next call that gets as far
    // as the housekeeping)
    assert_eq!(ticket(&mut c, t.id).unwrap().status, TicketStatus::Abandoned { expired_at: t.expires_at });
    request_seed_as(&mut c, contract(), &seed_request(d.hash(), d.commitment(3))).unwrap();
    assert_eq!(caller_stats(&mut c, contract()).abandoned, 1);
    // the same event for another model: still refused (one draw per requester and event)
    let m2 = digits();
    register(&mut c, controller(), m2).unwrap();
    let other_model = SeedRequest { model_hash: m2.hash(), input_commitment: m2.commitment(9), ..first.clone() };
    assert!(matches!(request_seed_as(&mut c, contract(), &other_model), Err(Error::DuplicateRequest { .. })));
    // another requester has its own events (the canister cannot link principals; the contract's own
    // rule, one request per business event, covers that: see defi_caller.rs)
    assert!(request_seed_as(&mut c, other_contract(), &first).is_ok());
}

#[test]
fn a_third_party_cannot_consume_a_ticket() {
    let d = digits_sampled();
    let mut c = ready(d);
    let t = request_seed(&mut c, d.hash(), d.commitment(3)).unwrap();
    let args = args_of(&d.prove(seed_of(&t), 3), Some(t.id));
    // a valid proof with the contract's ticket, sent by someone else: refused, the ticket stays open
    let (r, _) = verify_as(&mut c, other_contract(), &args);
    assert_eq!(r, Err(Error::TicketNotYours { id: t.id, caller: other_contract() }));
    assert_eq!(ticket(&mut c, t.id).unwrap().status, TicketStatus::Open);
    let v = verify(&mut c, &args).0.unwrap();
    assert_eq!(v.caller, contract());
    // a consumer named at request time may consume; anyone else still may not
    let named = SeedRequest { consumer: Some(other_contract()), ..seed_request(d.hash(), d.commitment(4)) };
    let t2 = request_seed_as(&mut c, contract(), &named).unwrap();
    let args2 = args_of(&d.prove(seed_of(&t2), 4), Some(t2.id));
    assert!(matches!(verify_as(&mut c, stranger(), &args2).0, Err(Error::TicketNotYours { .. })));
    let v2 = verify_as(&mut c, other_contract(), &args2).0.unwrap();
    // the contract tells "consumed by the consumer I named" from the stored result
    match ticket(&mut c, t2.id).unwrap().status {
        TicketStatus::Consumed(r) => assert_eq!((r.caller, r.id), (other_contract(), v2.id)),
        s => panic!("{s:?}"),
    }
}

#[test]
fn settlement_after_the_deadline_is_refused_and_counted() {
    let d = digits_sampled();
    let mut c = ready(d);
    let t = request_seed(&mut c, d.hash(), d.commitment(5)).unwrap();
    let args = args_of(&d.prove(seed_of(&t), 5), Some(t.id));
    c.advance_time(601 * SECOND);
    assert_eq!(verify(&mut c, &args).0, Err(Error::TicketExpired { id: t.id, expired_at: t.expires_at }));
    assert_eq!(ticket(&mut c, t.id).unwrap().status, TicketStatus::Abandoned { expired_at: t.expires_at });
    let mine = caller_stats(&mut c, contract());
    assert_eq!((mine.issued, mine.open, mine.consumed, mine.abandoned), (1, 0, 0, 1));
    assert_eq!(stats(&mut c).tickets_abandoned, 1);
}

#[test]
fn anonymous_and_unpaid_calls_are_refused_before_any_work() {
    let d = digits();
    let mut c = ready(d);
    let args = args_of(&d.prove([1; 32], 1), None);
    let (r, res) =
        call::<Result<Verified, Error>>(&mut c, Principal::anonymous(), "verify", encode_one(&args).unwrap(), 0);
    assert_eq!(r, Err(Error::AnonymousCaller));
    assert!(res.instructions[0] < 2_000_000, "refused before the pairing: {}", res.instructions[0]);
    let (r, _) = call::<Result<Ticket, Error>>(
        &mut c,
        Principal::anonymous(),
        "request_seed",
        encode_one(seed_request(d.hash(), d.commitment(1))).unwrap(),
        SEED_CYCLES,
    );
    assert_eq!(r, Err(Error::AnonymousCaller));
    // a canister that attaches too little
    let (r, res) =
        call::<Result<Verified, Error>>(&mut c, other_contract(), "verify", encode_one(&args).unwrap(), 1_000);
    assert_eq!(r, Err(Error::InsufficientCycles { required: 1_000_000_000, attached: 1_000 }));
    assert_eq!((res.cycles_accepted, res.cycles_refunded), (0, 1_000));
    assert!(res.instructions[0] < 2_000_000, "{}", res.instructions[0]);
    let req = seed_request(d.hash(), d.commitment(1));
    let (r, _) = call::<Result<Ticket, Error>>(&mut c, other_contract(), "request_seed", encode_one(req).unwrap(), 0);
    assert_eq!(r, Err(Error::InsufficientCycles { required: 40_000_000, attached: 0 }));
    assert_eq!(stats(&mut c).tickets_issued, 0);
}

#[test]
fn junk_proofs_and_seed_requests_are_paid_by_their_sender() {
    let d = digits();
    let mut c = ready(d);
    let mut junk = args_of(&d.prove([2; 32], 2), None);
    junk.statement.output_index = (junk.statement.output_index + 1) % 10;
    let before = c.balance();
    let (r, res) = verify_as(&mut c, other_contract(), &junk);
    assert_eq!(r, Err(Error::ProofRejected));
    let cost = (CYCLES_PER_UPDATE + res.instructions[0]) as u128;
    eprintln!("junk verify: {} instructions, paid {} cycles", res.instructions[0], res.cycles_accepted);
    assert!(res.cycles_accepted >= cost * 2, "the sender paid the 34-node price: {} < 2 x {cost}", res.cycles_accepted);
    assert!(c.balance() > before, "the canister is not out of pocket: {} -> {}", before, c.balance());
    // request_seed: the fee, charged once the ticket is issued
    let before = c.balance();
    let arg = encode_one(seed_request(d.hash(), d.commitment(2))).unwrap();
    let (t, res) = call::<Result<Ticket, Error>>(&mut c, contract(), "request_seed", arg, SEED_CYCLES);
    let t = t.unwrap();
    // its cost on a 13-node subnet: two messages, their instructions and the raw_rand call
    let cost = 2 * CYCLES_PER_UPDATE as u128 + res.total_instructions() as u128 + 260_000;
    eprintln!(
        "request_seed: {:?} instructions (method, callback), ~{cost} cycles on 13 nodes, {} paid",
        res.instructions, res.cycles_accepted
    );
    assert!(
        res.cycles_accepted >= cost * 26 / 10,
        "the fee covers a 34-node subnet: {} < 2.6 x {cost}",
        res.cycles_accepted
    );
    assert!(c.balance() > before, "{} -> {}", before, c.balance());
    assert_eq!(caller_stats(&mut c, contract()).cycles_paid, SEED_CYCLES);
    // a refused request (a duplicate) costs the caller the metered refusal only, and issues nothing
    let (r, res) = call::<Result<Ticket, Error>>(
        &mut c,
        contract(),
        "request_seed",
        encode_one(seed_request(d.hash(), d.commitment(2))).unwrap(),
        SEED_CYCLES,
    );
    assert_eq!(r, Err(Error::DuplicateRequest { ticket: Some(t.id), reason: "input_commitment".into() }));
    let refusal = (CYCLES_PER_UPDATE + res.instructions[0]) as u128 * 26 / 10;
    eprintln!("refused request_seed: {} instructions, paid {}", res.instructions[0], res.cycles_accepted);
    assert!(
        res.cycles_accepted >= refusal * 99 / 100 && res.cycles_accepted < SEED_CYCLES / 2,
        "{}",
        res.cycles_accepted
    );
    assert!(
        res.instructions[0] < 2_000_000,
        "a duplicate is refused before the model is read: {}",
        res.instructions[0]
    );
    let s = stats(&mut c);
    assert_eq!((s.tickets_issued, s.verifications_refused), (1, 1));
    let all_paid = caller_stats(&mut c, contract()).cycles_paid + caller_stats(&mut c, other_contract()).cycles_paid;
    assert_eq!(s.cycles_collected, all_paid);
}

#[test]
fn inspect_message_filters_ingress_per_method() {
    let d = digits();
    let mut c = ready(d);
    let _: (Result<(), Error>, u64) = update(&mut c, controller(), "add_registrar", encode_one(registrar()).unwrap());
    let verify_arg = encode_one(args_of(&d.prove([3; 32], 3), None)).unwrap();
    let register_arg = |m: &Model| {
        encode_one(RegisterArgs {
            verifying_key: ByteBuf::from(m.key.clone()),
            name: "x".into(),
            version: "1".into(),
            metadata: vec![],
            setup: None,
        })
        .unwrap()
    };
    let refused = |c: &mut Canister, who: Principal, method: &str, arg: Vec<u8>| {
        let before = c.balance();
        let r = c.ingress(who, method, arg).unwrap();
        assert_eq!(c.balance(), before, "{method} by {who}: a refused message costs nothing");
        // (the harness rejects a query method called as an update before inspect_message runs)
        matches!(r.outcome, Outcome::Reject(ref m) if m.contains("inspect_message") || method == "get_ticket" || method == "verify_query")
    };
    let anon = Principal::anonymous();
    assert!(refused(&mut c, anon, "verify", verify_arg.clone()));
    assert!(refused(&mut c, anon, "request_seed", encode_one(seed_request(d.hash(), d.commitment(1))).unwrap()));
    // strangers pay with attached cycles, which ingress cannot carry: they call from a canister
    assert!(refused(&mut c, stranger(), "verify", verify_arg.clone()));
    assert!(refused(&mut c, stranger(), "request_seed", encode_one(seed_request(d.hash(), d.commitment(1))).unwrap()));
    assert!(refused(&mut c, stranger(), "register_model", register_arg(iris())));
    assert!(refused(&mut c, stranger(), "add_registrar", encode_one(stranger()).unwrap()));
    assert!(refused(
        &mut c,
        registrar(),
        "rotate_key",
        encode_one(RotateArgs { verifying_key: ByteBuf::from(d.key.clone()), reason: "r".into(), setup: None })
            .unwrap()
    ));
    // only admin methods take large arguments, and only up to their limit
    assert!(refused(&mut c, registrar(), "retire_model", encode_one(ByteBuf::from(vec![0; 100_000])).unwrap()));
    assert!(refused(&mut c, controller(), "verify", vec![0; 200 * 1024]));
    // queries are called as queries
    assert!(refused(&mut c, controller(), "get_ticket", encode_one(1u64).unwrap()));
    assert!(refused(&mut c, controller(), "verify_query", verify_arg.clone()));
    // admitted: admins' calls, and controllers' verify (they pay nothing)
    let r = c.ingress(registrar(), "register_model", register_arg(iris())).unwrap();
    assert!(matches!(r.outcome, Outcome::Reply(_)), "{:?}", r.outcome);
    let r = c.ingress(controller(), "verify", verify_arg).unwrap();
    let v: Result<Verified, Error> = candid::decode_one(r.reply().unwrap()).unwrap();
    assert!(v.is_ok(), "{v:?}");
}

#[test]
fn concurrent_requests_cannot_overshoot_the_caps() {
    let d = digits();
    let init = InitArgs { max_tickets: Some(2), ..InitArgs::default() };
    let mut c = install_with(Some(init));
    register(&mut c, controller(), d).unwrap();
    // three requests from three callers, all waiting for raw_rand at once
    let callers = [contract(), other_contract(), registrar()];
    let pending: Vec<_> = callers
        .iter()
        .zip(1u64..)
        .map(|(who, salt)| {
            let arg = encode_one(seed_request(d.hash(), d.commitment(salt))).unwrap();
            c.begin_update(*who, "request_seed", arg, SEED_CYCLES).unwrap()
        })
        .collect();
    let results: Vec<Result<Ticket, Error>> = pending
        .into_iter()
        .map(|p| candid::decode_one(c.finish(p, &mut []).unwrap().reply().unwrap()).unwrap())
        .collect();
    assert_eq!(results.iter().filter(|r| r.is_ok()).count(), 2, "{results:?}");
    assert!(results.contains(&Err(Error::TooManyTickets { limit: 2 })), "{results:?}");
    assert_eq!(stats(&mut c).open_tickets, 2);
    // the same commitment twice at once: the second is refused while the first is still drawing
    let mut c = ready(d);
    let arg = encode_one(seed_request(d.hash(), d.commitment(9))).unwrap();
    let a = c.begin_update(contract(), "request_seed", arg.clone(), SEED_CYCLES).unwrap();
    let b = c.begin_update(contract(), "request_seed", arg, SEED_CYCLES).unwrap();
    let rb: Result<Ticket, Error> = candid::decode_one(c.finish(b, &mut []).unwrap().reply().unwrap()).unwrap();
    assert_eq!(rb, Err(Error::DuplicateRequest { ticket: None, reason: "input_commitment".into() }));
    let ra: Result<Ticket, Error> = candid::decode_one(c.finish(a, &mut []).unwrap().reply().unwrap()).unwrap();
    assert!(ra.is_ok(), "{ra:?}");
}

#[test]
fn one_caller_cannot_take_the_tickets_of_others() {
    let d = digits();
    let init = InitArgs { max_tickets_per_caller: Some(2), ..InitArgs::default() };
    let mut c = install_with(Some(init));
    register(&mut c, controller(), d).unwrap();
    for salt in 1..=2 {
        request_seed_as(&mut c, other_contract(), &seed_request(d.hash(), d.commitment(salt))).unwrap();
    }
    assert_eq!(
        request_seed_as(&mut c, other_contract(), &seed_request(d.hash(), d.commitment(3))),
        Err(Error::QuotaExceeded { caller: other_contract(), limit: 2 })
    );
    assert!(request_seed(&mut c, d.hash(), d.commitment(3)).is_ok(), "others still get tickets");
    // the quota counts open tickets: consumed or abandoned ones free it
    c.advance_time(601 * SECOND);
    assert!(request_seed_as(&mut c, other_contract(), &seed_request(d.hash(), d.commitment(4))).is_ok());
}

#[test]
fn tickets_close_by_deadline_not_by_id() {
    let d = digits_sampled();
    let mut c = ready(d);
    let long = request_seed(&mut c, d.hash(), d.commitment(1)).unwrap();
    // the settlement window shortened by an upgrade: a later ticket expires first
    let init = InitArgs { ticket_ttl_seconds: Some(60), ..InitArgs::default() };
    c.upgrade(canister_wasm(), controller(), encode_one(Some(init)).unwrap()).unwrap();
    let short = request_seed(&mut c, d.hash(), d.commitment(2)).unwrap();
    assert!(short.id > long.id && short.expires_at < long.expires_at);
    c.advance_time(61 * SECOND);
    request_seed(&mut c, d.hash(), d.commitment(3)).unwrap(); // any update does the housekeeping
    assert_eq!(caller_stats(&mut c, contract()).abandoned, 1);
    assert!(matches!(ticket(&mut c, short.id).unwrap().status, TicketStatus::Abandoned { .. }));
    assert_eq!(ticket(&mut c, long.id).unwrap().status, TicketStatus::Open);
    let v = verify(&mut c, &args_of(&d.prove(seed_of(&long), 1), Some(long.id))).0;
    assert!(v.is_ok(), "{v:?}");
}

#[test]
fn controllers_rotate_keys_and_results_name_the_key() {
    let d = digits();
    let mut c = ready(d);
    let old_proof = args_of(&d.prove([4; 32], 4), None);
    let k1 = verify(&mut c, &old_proof).0.unwrap().key_hash;
    let rekeyed = d.rekeyed(12);
    let rotate = |c: &mut Canister, who: Principal, key: &[u8]| {
        let arg =
            RotateArgs { verifying_key: ByteBuf::from(key.to_vec()), reason: "leaked toxic waste".into(), setup: None };
        update::<Result<ModelInfo, Error>>(c, who, "rotate_key", encode_one(arg).unwrap()).0
    };
    let _: (Result<(), Error>, u64) = update(&mut c, controller(), "add_registrar", encode_one(registrar()).unwrap());
    assert_eq!(rotate(&mut c, registrar(), &rekeyed.key), Err(Error::NotAuthorized { caller: registrar() }));
    assert!(matches!(rotate(&mut c, controller(), &iris().key), Err(Error::UnknownModel { .. })));
    // retire, then rotate: the model is live again under the new key
    let _: (Result<ModelInfo, Error>, u64) =
        update(&mut c, controller(), "retire_model", encode_one(d.hash()).unwrap());
    let info = rotate(&mut c, controller(), &rekeyed.key).unwrap();
    assert_eq!((info.key_rotations, info.retired), (1, false));
    assert_ne!(info.key_hash, k1);
    assert!(info.metadata.contains(&("rotated".into(), "leaked toxic waste".into())));
    // proofs under the old key fail; proofs under the new key verify and name it
    assert_eq!(verify(&mut c, &old_proof).0, Err(Error::ProofRejected));
    let v = verify(&mut c, &args_of(&rekeyed.prove([4; 32], 4), None)).0.unwrap();
    assert_eq!(v.key_hash, info.key_hash);
}

/// The root hash of a CBOR hash tree (the IC's certification format), and the leaf at `path`.
fn reconstruct(v: &serde_cbor::Value, path: &[&[u8]], leaf: &mut Option<Vec<u8>>) -> [u8; 32] {
    use serde_cbor::Value::{Array, Bytes, Integer, Tag};
    let h = |sep: &str, parts: &[&[u8]]| -> [u8; 32] {
        let mut s = sha2::Sha256::new();
        s.update([sep.len() as u8]);
        s.update(sep.as_bytes());
        parts.iter().for_each(|p| s.update(p));
        s.finalize().into()
    };
    let v = match v {
        Tag(_, inner) => inner.as_ref(),
        v => v,
    };
    let Array(a) = v else { panic!("not a hash tree: {v:?}") };
    match (&a[0], &a[1..]) {
        (Integer(0), []) => h("ic-hashtree-empty", &[]),
        (Integer(1), [l, r]) => h("ic-hashtree-fork", &[&reconstruct(l, path, leaf), &reconstruct(r, path, leaf)]),
        (Integer(2), [Bytes(label), t]) => {
            let rest = match path.split_first() {
                Some((p, rest)) if *p == label.as_slice() => rest,
                _ => &[b"-".as_slice()][..], // off the path: never matches a leaf
            };
            h("ic-hashtree-labeled", &[label, &reconstruct(t, rest, leaf)])
        }
        (Integer(3), [Bytes(data)]) => {
            if path.is_empty() {
                *leaf = Some(data.clone());
            }
            h("ic-hashtree-leaf", &[data])
        }
        (Integer(4), [Bytes(hash)]) => hash.as_slice().try_into().unwrap(),
        _ => panic!("not a hash tree node: {v:?}"),
    }
}

#[test]
fn verification_records_are_certified() {
    let d = digits();
    let mut c = ready(d);
    let args = args_of(&d.prove([5; 32], 5), None);
    let v1 = verify(&mut c, &args).0.unwrap();
    let v2 = verify(&mut c, &args_of(&d.prove([6; 32], 5), None)).0.unwrap();
    assert_eq!((v1.id, v2.id), (1, 2));
    for v in [&v1, &v2] {
        let got: CertifiedVerification =
            query::<Option<CertifiedVerification>>(&mut c, stranger(), "get_verification", encode_one(v.id).unwrap())
                .unwrap();
        assert_eq!(&got.verification, v);
        assert!(!got.certificate.is_empty(), "queries carry the data certificate");
        let tree: serde_cbor::Value = serde_cbor::from_slice(&got.witness).unwrap();
        let mut leaf = None;
        let id = v.id.to_be_bytes();
        let root = reconstruct(&tree, &[b"verifications", &id], &mut leaf);
        assert_eq!(root.to_vec(), c.certified_data(), "the witness's root is the certified data");
        // the leaf is the hash of the certified bytes, which decode to this record
        assert_eq!(leaf, Some(sha2::Sha256::digest(&got.candid).to_vec()));
        assert_eq!(&candid::decode_one::<Verified>(&got.candid).unwrap(), v);
    }
    // verify_query records nothing; unknown ids are None
    let before = c.certified_data();
    let q: Result<Verified, Error> = query(&mut c, stranger(), "verify_query", encode_one(&args).unwrap());
    assert_eq!(q.unwrap().id, 0);
    assert_eq!((stats(&mut c).verification_records, c.certified_data()), (2, before.clone()));
    let none: Option<CertifiedVerification> = query(&mut c, stranger(), "get_verification", encode_one(9u64).unwrap());
    assert_eq!(none, None);
    // after the retention period the records go, and the certified data changes with them
    c.advance_time(86_401 * SECOND);
    let _ = verify(&mut c, &args_of(&d.prove([7; 32], 5), None)).0.unwrap();
    assert_eq!(stats(&mut c).verification_records, 1);
    assert_ne!(c.certified_data(), before);
}

#[test]
fn metrics_are_served_over_http() {
    let d = digits();
    let mut c = ready(d);
    request_seed(&mut c, d.hash(), d.commitment(1)).unwrap();
    let get = |c: &mut Canister, url: &str| -> HttpResponse {
        let req = HttpRequest { method: "GET".into(), url: url.into(), headers: vec![], body: ByteBuf::new() };
        query(c, stranger(), "http_request", encode_one(req).unwrap())
    };
    let r = get(&mut c, "/metrics");
    assert_eq!(r.status_code, 200);
    let body = String::from_utf8(r.body.to_vec()).unwrap();
    assert!(body.contains("verinfer_tickets_issued_total 1\n"), "{body}");
    assert!(body.contains("verinfer_cycles_collected_total 40000000\n"), "{body}");
    assert!(body.contains("# TYPE verinfer_cycle_balance gauge"), "{body}");
    assert_eq!(get(&mut c, "/other").status_code, 404);
    let s = stats(&mut c);
    assert!(s.cycle_balance > 0 && s.cycle_balance == c.balance(), "{} vs {}", s.cycle_balance, c.balance());
}

#[test]
fn invalid_settings_are_refused_at_install_and_upgrade() {
    let bad = InitArgs { ticket_ttl_seconds: Some(0), ..InitArgs::default() };
    let r = Canister::install(canister_wasm(), &[controller()], encode_one(Some(bad.clone())).unwrap());
    assert!(r.is_err(), "an install with a zero settlement window must fail");
    let mut c = install();
    assert!(c.upgrade(canister_wasm(), controller(), encode_one(Some(bad)).unwrap()).is_err());
    assert_eq!(stats(&mut c).ticket_ttl_seconds, 600, "the failed upgrade kept the settings");
}

#[test]
fn verify_query_called_from_a_canister_does_no_work_at_the_canisters_expense() {
    let d = digits();
    let mut c = ready(d);
    let args = args_of(&d.prove([8; 32], 8), None);
    // as a query it answers (free previews)
    let q: Result<Verified, Error> = query(&mut c, stranger(), "verify_query", encode_one(&args).unwrap());
    assert!(q.is_ok(), "{q:?}");
    // called by a canister it runs replicated and the canister would pay: refused before the pairing
    let before = c.balance();
    let (r, res) =
        call::<Result<Verified, Error>>(&mut c, other_contract(), "verify_query", encode_one(&args).unwrap(), 0);
    assert_eq!(r, Err(Error::QueryOnly { method: "verify_query".into() }));
    assert!(res.instructions[0] < 2_000_000, "{}", res.instructions[0]);
    assert!(before - c.balance() < 10_000_000, "the canister paid {} for it", before - c.balance());
}
