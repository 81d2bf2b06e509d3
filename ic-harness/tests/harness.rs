//! The harness's replica emulation, tested with tiny canisters written in WAT: cycles (accept, refund,
//! balance, cycles on inter-canister calls), ingress with `canister_inspect_message`, interleaved calls,
//! system-call charges, certified data, and what a trap rolls back.
use candid::Principal;
use verinfer_ic_harness::{
    costs, CallResult, Canister, Outcome, CYCLES_PER_INSTRUCTION, CYCLES_PER_UPDATE, HARNESS_CERTIFICATE_PREFIX,
    INITIAL_BALANCE,
};

const USER: &[u8] = &[7, 7, 7];
const CONTROLLER: &[u8] = &[9, 9, 9];
const A_ID: &[u8] = &[0, 0, 0, 0, 0, 0x10, 0, 1, 1, 1];
const B_ID: &[u8] = &[0, 0, 0, 0, 0, 0x10, 0, 2, 1, 1];

fn p(b: &[u8]) -> Principal {
    Principal::from_slice(b)
}

fn install(wat: &str, id: &[u8]) -> Canister {
    let wasm = wat::parse_str(wat).expect("valid WAT");
    Canister::install_with_id(&wasm, p(id), &[p(CONTROLLER)], Vec::new()).expect("install")
}

/// The execution charge of every message of `r`.
fn execution(r: &CallResult) -> u128 {
    r.instructions.iter().map(|&n| (CYCLES_PER_UPDATE + n * CYCLES_PER_INSTRUCTION) as u128).sum()
}

fn u128_at(b: &[u8], i: usize) -> u128 {
    u128::from_le_bytes(b[i..i + 16].try_into().unwrap())
}

fn reply(r: &CallResult) -> &[u8] {
    r.reply().unwrap_or_else(|e| panic!("{e}"))
}

/// Accepts cycles: the argument is the u64 amount to accept; the reply is the cycles available before,
/// the cycles accepted and the cycles available after (16 bytes each). `accept_then_trap` also sets
/// certified data, then traps.
const CYCLES: &str = r#"(module
  (import "ic0" "msg_arg_data_copy" (func $arg_copy (param i32 i32 i32)))
  (import "ic0" "msg_reply_data_append" (func $append (param i32 i32)))
  (import "ic0" "msg_reply" (func $reply))
  (import "ic0" "msg_cycles_available128" (func $available (param i32)))
  (import "ic0" "msg_cycles_accept128" (func $accept (param i64 i64 i32)))
  (import "ic0" "certified_data_set" (func $certify (param i32 i32)))
  (import "ic0" "trap" (func $trap (param i32 i32)))
  (memory (export "memory") 1)
  (func $accept_arg
    (call $arg_copy (i32.const 0) (i32.const 0) (i32.const 8))
    (call $available (i32.const 32))
    (call $accept (i64.const 0) (i64.load (i32.const 0)) (i32.const 48))
    (call $available (i32.const 64)))
  (func (export "canister_update accept")
    (call $accept_arg)
    (call $append (i32.const 32) (i32.const 48))
    (call $reply))
  (func (export "canister_update accept_then_trap")
    (call $accept_arg)
    (call $certify (i32.const 0) (i32.const 8))
    (call $trap (i32.const 0) (i32.const 0))))"#;

#[test]
fn update_with_cycles_accepts_part_and_refunds_the_rest() {
    let mut c = install(CYCLES, B_ID);
    assert_eq!(c.balance(), INITIAL_BALANCE);
    let r = c.update_with_cycles(p(USER), "accept", 300u64.to_le_bytes().to_vec(), 1_000).unwrap();
    let b = reply(&r);
    assert_eq!((u128_at(b, 0), u128_at(b, 16), u128_at(b, 32)), (1_000, 300, 700));
    assert_eq!((r.cycles_accepted, r.cycles_refunded), (300, 700));
    assert_eq!(c.balance(), INITIAL_BALANCE + 300 - execution(&r));
    // Accepting more than is available takes what is there.
    let r = c.update_with_cycles(p(USER), "accept", 5_000u64.to_le_bytes().to_vec(), 1_000).unwrap();
    assert_eq!((r.cycles_accepted, r.cycles_refunded), (1_000, 0));
    // A plain update carries none.
    let before = c.balance();
    let r = c.update(p(USER), "accept", 5_000u64.to_le_bytes().to_vec()).unwrap();
    assert_eq!((u128_at(reply(&r), 0), r.cycles_accepted), (0, 0));
    assert_eq!(c.balance(), before - execution(&r));
}

#[test]
fn a_trap_rolls_back_accepted_cycles_and_certified_data_but_not_the_execution_charge() {
    let mut c = install(CYCLES, B_ID);
    let r = c.update_with_cycles(p(USER), "accept_then_trap", 300u64.to_le_bytes().to_vec(), 1_000).unwrap();
    assert!(matches!(r.outcome, Outcome::Trap(_)), "{:?}", r.outcome);
    assert_eq!((r.cycles_accepted, r.cycles_refunded), (0, 1_000));
    assert!(c.certified_data().is_empty());
    assert!(execution(&r) > CYCLES_PER_UPDATE as u128);
    assert_eq!(c.balance(), INITIAL_BALANCE - execution(&r));
}

/// Calls B's `accept` with cycles. Argument: u64 cycles to attach, u64 cycles B should accept. The
/// reply callback replies with the refund (16 bytes) and B's reply (48 bytes); the reject callback
/// with the refund. `send_then_trap` traps after `call_perform`.
const SENDER: &str = r#"(module
  (import "ic0" "msg_arg_data_copy" (func $arg_copy (param i32 i32 i32)))
  (import "ic0" "msg_arg_data_size" (func $arg_size (result i32)))
  (import "ic0" "msg_reply_data_append" (func $append (param i32 i32)))
  (import "ic0" "msg_reply" (func $reply))
  (import "ic0" "msg_cycles_refunded128" (func $refunded (param i32)))
  (import "ic0" "call_new" (func $call_new (param i32 i32 i32 i32 i32 i32 i32 i32)))
  (import "ic0" "call_data_append" (func $call_append (param i32 i32)))
  (import "ic0" "call_cycles_add128" (func $cycles_add (param i64 i64)))
  (import "ic0" "call_perform" (func $perform (result i32)))
  (import "ic0" "trap" (func $trap (param i32 i32)))
  (memory (export "memory") 1)
  (table 2 funcref)
  (elem (i32.const 0) $on_reply $on_reject)
  (data (i32.const 1000) "\00\00\00\00\00\10\00\02\01\01")
  (data (i32.const 1100) "accept")
  (func $send
    (call $arg_copy (i32.const 0) (i32.const 0) (i32.const 16))
    (call $call_new (i32.const 1000) (i32.const 10) (i32.const 1100) (i32.const 6)
                    (i32.const 0) (i32.const 0) (i32.const 1) (i32.const 0))
    (call $call_append (i32.const 8) (i32.const 8))
    (call $cycles_add (i64.const 0) (i64.load (i32.const 0)))
    (if (call $perform) (then unreachable)))
  (func (export "canister_update send") (call $send))
  (func (export "canister_update send_then_trap") (call $send) (call $trap (i32.const 0) (i32.const 0)))
  (func $on_reply (param i32)
    (call $refunded (i32.const 200))
    (call $arg_copy (i32.const 216) (i32.const 0) (call $arg_size))
    (call $append (i32.const 200) (i32.add (i32.const 16) (call $arg_size)))
    (call $reply))
  (func $on_reject (param i32)
    (call $refunded (i32.const 200))
    (call $append (i32.const 200) (i32.const 16))
    (call $reply)))"#;

fn send_arg(attach: u64, accept: u64) -> Vec<u8> {
    [attach.to_le_bytes(), accept.to_le_bytes()].concat()
}

#[test]
fn cycles_on_an_inter_canister_call_are_accepted_and_the_rest_refunded_to_the_callback() {
    let (mut a, mut b) = (install(SENDER, A_ID), install(CYCLES, B_ID));
    let r = a.update_via(p(USER), "send", send_arg(1_000_000, 250_000), &mut [&mut b]).unwrap();
    let out = reply(&r);
    assert_eq!(u128_at(out, 0), 750_000, "the callback sees the refund");
    assert_eq!((u128_at(out, 16), u128_at(out, 32), u128_at(out, 48)), (1_000_000, 250_000, 750_000));
    assert_eq!(r.instructions.len(), 2);
    // A paid the cycles B kept, the transmission fee and two messages.
    let fee = costs::call_fee("accept".len() as u64, 8);
    assert_eq!(a.balance(), INITIAL_BALANCE - 250_000 - fee - execution(&r));
    // B got them, minus its own message (measured on a twin in the same state).
    let mut twin = install(CYCLES, B_ID);
    let t = twin.update_with_cycles(p(A_ID), "accept", 250_000u64.to_le_bytes().to_vec(), 1_000_000).unwrap();
    assert_eq!(b.balance(), INITIAL_BALANCE + 250_000 - execution(&t));
}

#[test]
fn a_trap_after_call_perform_sends_nothing_and_returns_the_attached_cycles_and_fee() {
    let (mut a, mut b) = (install(SENDER, A_ID), install(CYCLES, B_ID));
    let r = a.update_via(p(USER), "send_then_trap", send_arg(1_000_000, 250_000), &mut [&mut b]).unwrap();
    assert!(matches!(r.outcome, Outcome::Trap(_)), "{:?}", r.outcome);
    assert_eq!(r.instructions.len(), 1, "no callback ran");
    assert_eq!(a.balance(), INITIAL_BALANCE - execution(&r));
    assert_eq!(b.balance(), INITIAL_BALANCE, "B received no call");
    // Attaching more than the balance traps, as the replica does.
    let r = a.update_via(p(USER), "send", send_arg(u64::MAX, 0), &mut [&mut b]).unwrap();
    match &r.outcome {
        Outcome::Trap(m) => assert!(m.contains("call_cycles_add128"), "{m}"),
        o => panic!("{o:?}"),
    }
}

/// `canister_inspect_message` accepts `set` with argument byte 1, and anything from a controller;
/// byte 2 accepts and then traps. It also writes to memory (discarded). `set` counts its calls and
/// replies with the cycles available; `get` returns the count.
const INSPECT: &str = r#"(module
  (import "ic0" "msg_arg_data_copy" (func $arg_copy (param i32 i32 i32)))
  (import "ic0" "msg_arg_data_size" (func $arg_size (result i32)))
  (import "ic0" "msg_method_name_size" (func $name_size (result i32)))
  (import "ic0" "msg_caller_size" (func $caller_size (result i32)))
  (import "ic0" "msg_caller_copy" (func $caller_copy (param i32 i32 i32)))
  (import "ic0" "is_controller" (func $is_controller (param i32 i32) (result i32)))
  (import "ic0" "accept_message" (func $accept_message))
  (import "ic0" "msg_cycles_available128" (func $available (param i32)))
  (import "ic0" "msg_reply_data_append" (func $append (param i32 i32)))
  (import "ic0" "msg_reply" (func $reply))
  (memory (export "memory") 1)
  (func (export "canister_inspect_message")
    (i32.store (i32.const 0) (i32.add (i32.load (i32.const 0)) (i32.const 100)))
    (call $caller_copy (i32.const 300) (i32.const 0) (call $caller_size))
    (if (call $is_controller (i32.const 300) (call $caller_size)) (then (call $accept_message) (return)))
    (if (i32.eqz (call $arg_size)) (then (return)))
    (call $arg_copy (i32.const 200) (i32.const 0) (i32.const 1))
    (if (i32.eq (i32.load8_u (i32.const 200)) (i32.const 2)) (then (call $accept_message) unreachable))
    (if (i32.and (i32.eq (i32.load8_u (i32.const 200)) (i32.const 1)) (i32.eq (call $name_size) (i32.const 3)))
      (then (call $accept_message))))
  (func (export "canister_update set")
    (i32.store (i32.const 0) (i32.add (i32.load (i32.const 0)) (i32.const 1)))
    (call $available (i32.const 16))
    (call $append (i32.const 16) (i32.const 16))
    (call $reply))
  (func (export "canister_update other") (call $reply))
  (func (export "canister_query get") (call $append (i32.const 0) (i32.const 4)) (call $reply)))"#;

fn count(c: &mut Canister) -> u32 {
    u32::from_le_bytes(reply(&c.query(p(USER), "get", vec![]).unwrap()).try_into().unwrap())
}

fn refused(r: &CallResult) -> bool {
    matches!(&r.outcome, Outcome::Reject(m) if m.contains("inspect_message")) && r.instructions.is_empty()
}

#[test]
fn inspect_message_accepts_and_the_ingress_fee_is_charged() {
    let mut c = install(INSPECT, A_ID);
    let r = c.ingress(p(USER), "set", vec![1]).unwrap();
    assert_eq!(reply(&r), &[0u8; 16], "ingress carries no cycles");
    assert_eq!(count(&mut c), 1, "inspect_message's own write was discarded");
    assert_eq!(c.balance(), INITIAL_BALANCE - costs::ingress_fee(3, 1) - execution(&r));
    assert_eq!(costs::ingress_fee(3, 1), 1_200_000 + 2_000 * 4);
    // A controller passes whatever the method; an inter-canister call is not inspected.
    assert!(c.ingress(p(CONTROLLER), "other", vec![]).unwrap().reply().is_ok());
    assert!(c.update(p(USER), "set", vec![0]).unwrap().reply().is_ok());
    assert_eq!(count(&mut c), 2);
}

#[test]
fn a_refused_ingress_changes_nothing_and_charges_nothing() {
    let mut c = install(INSPECT, A_ID);
    let before = c.balance();
    for (method, arg) in [("set", vec![0]), ("set", vec![]), ("set", vec![2]), ("other", vec![1])] {
        let r = c.ingress(p(USER), method, arg.clone()).unwrap();
        assert!(refused(&r), "{method} {arg:?}: {:?}", r.outcome);
        assert_eq!(c.balance(), before, "{method} {arg:?}");
    }
    assert_eq!(count(&mut c), 0);
}

/// `go` counts its calls, appends its argument byte (a tag) as reply data without replying, and awaits
/// `raw_rand` with the tag as callback env; the callback appends the env and the count, accepts every
/// cycle still available and replies.
const INTERLEAVE: &str = r#"(module
  (import "ic0" "msg_arg_data_copy" (func $arg_copy (param i32 i32 i32)))
  (import "ic0" "msg_reply_data_append" (func $append (param i32 i32)))
  (import "ic0" "msg_reply" (func $reply))
  (import "ic0" "msg_cycles_accept128" (func $accept (param i64 i64 i32)))
  (import "ic0" "call_new" (func $call_new (param i32 i32 i32 i32 i32 i32 i32 i32)))
  (import "ic0" "call_perform" (func $perform (result i32)))
  (memory (export "memory") 1)
  (table 2 funcref)
  (elem (i32.const 0) $on_reply $on_reject)
  (global $count (mut i32) (i32.const 0))
  (data (i32.const 100) "raw_rand")
  (func (export "canister_update go")
    (global.set $count (i32.add (global.get $count) (i32.const 1)))
    (call $arg_copy (i32.const 0) (i32.const 0) (i32.const 1))
    (call $append (i32.const 0) (i32.const 1))
    (call $call_new (i32.const 0) (i32.const 0) (i32.const 100) (i32.const 8)
                    (i32.const 0) (i32.load8_u (i32.const 0)) (i32.const 1) (i32.const 0))
    (if (call $perform) (then unreachable)))
  (func $on_reply (param $env i32)
    (i32.store8 (i32.const 10) (local.get $env))
    (i32.store8 (i32.const 11) (global.get $count))
    (call $append (i32.const 10) (i32.const 2))
    (call $accept (i64.const 0) (i64.const -1) (i32.const 20))
    (call $reply))
  (func $on_reject (param i32) unreachable))"#;

#[test]
fn interleaved_calls_finished_in_the_opposite_order_get_their_own_replies() {
    let mut c = install(INTERLEAVE, A_ID);
    let first = c.begin_update(p(USER), "go", vec![1], 100).unwrap();
    let second = c.begin_update(p(USER), "go", vec![2], 200).unwrap();
    assert!(first.outcome().is_none() && second.outcome().is_none());
    assert_eq!((first.outgoing_calls(), second.outgoing_calls()), (1, 1));
    let r2 = c.finish(second, &mut []).unwrap();
    let r1 = c.finish(first, &mut []).unwrap();
    // Each reply holds its own tag (the callback env); both callbacks ran after both first messages,
    // so both see the count 2. The tag the first message appended without replying is gone, as on
    // the replica (reply data lives for one message).
    assert_eq!(reply(&r1), &[1, 2]);
    assert_eq!(reply(&r2), &[2, 2]);
    assert_eq!((r1.cycles_accepted, r2.cycles_accepted), (100, 200));
    assert_eq!((r1.instructions.len(), r2.instructions.len()), (2, 2));
    let fee = 2 * costs::call_fee(8, 0);
    assert_eq!(c.balance(), INITIAL_BALANCE + 300 - fee - execution(&r1) - execution(&r2));
    // update is begin + finish.
    assert_eq!(reply(&c.update(p(USER), "go", vec![3]).unwrap()), &[3, 3]);
}

/// `reply_n` replies with n bytes (n: the u32 argument); `reply_n_twice` appends another 0 bytes;
/// `call` builds and performs a `raw_rand` call; `print_n` prints n bytes.
const COSTS: &str = r#"(module
  (import "ic0" "msg_arg_data_copy" (func $arg_copy (param i32 i32 i32)))
  (import "ic0" "msg_reply_data_append" (func $append (param i32 i32)))
  (import "ic0" "msg_reply" (func $reply))
  (import "ic0" "call_new" (func $call_new (param i32 i32 i32 i32 i32 i32 i32 i32)))
  (import "ic0" "call_perform" (func $perform (result i32)))
  (import "ic0" "debug_print" (func $print (param i32 i32)))
  (memory (export "memory") 1)
  (table 1 funcref)
  (elem (i32.const 0) $on_reply)
  (data (i32.const 60000) "raw_rand")
  (func (export "canister_update reply_n")
    (call $arg_copy (i32.const 0) (i32.const 0) (i32.const 4))
    (call $append (i32.const 0) (i32.load (i32.const 0)))
    (call $reply))
  (func (export "canister_update reply_n_twice")
    (call $arg_copy (i32.const 0) (i32.const 0) (i32.const 4))
    (call $append (i32.const 0) (i32.load (i32.const 0)))
    (call $append (i32.const 0) (i32.const 0))
    (call $reply))
  (func (export "canister_update call")
    (call $call_new (i32.const 0) (i32.const 0) (i32.const 60000) (i32.const 8)
                    (i32.const 0) (i32.const 0) (i32.const 0) (i32.const 0))
    (drop (call $perform)))
  (func (export "canister_update print_n")
    (call $arg_copy (i32.const 0) (i32.const 0) (i32.const 4))
    (call $print (i32.const 0) (i32.load (i32.const 0)))
    (call $reply))
  (func $on_reply (param i32) (call $reply)))"#;

#[test]
fn system_calls_are_charged_the_replicas_overhead_and_per_byte_cost() {
    let mut c = install(COSTS, A_ID);
    let mut first = |method: &str, n: u32| c.update(p(USER), method, n.to_le_bytes().to_vec()).unwrap().instructions[0];
    let append = costs::system_call("msg_reply_data_append").unwrap();
    assert_eq!((append.fixed, append.per_byte), (500, 50));
    // Per byte: 50 per byte replied (BYTE_TRANSMISSION_COST_FACTOR), nothing else differs.
    assert_eq!(first("reply_n", 1_000) - first("reply_n", 0), 50 * 1_000);
    // Fixed: one more msg_reply_data_append is its overhead plus two i32.const (1 each) and a call (5).
    assert_eq!(first("reply_n_twice", 0) - first("reply_n", 0), 500 + 2 + 5);
    // The whole message: Wasm operators (3 + 5, 3 + 5, 5) plus msg_arg_data_copy (500 + 4 bytes),
    // msg_reply_data_append (500 + 50 per byte) and msg_reply (500).
    assert_eq!(first("reply_n", 10), 8 + 504 + 8 + 500 + 500 + 5 + 500);
    // call_new (1,500 + 8 bytes of method name) and call_perform (5,000); 8 i32.const, 2 calls, a drop.
    assert_eq!(first("call", 0), 8 + 5 + 1_508 + 5 + 5_000 + 1);
    // debug_print: 2 + 50 per byte logged (up to the 4 KiB log), as for an empty canister log.
    assert_eq!(first("print_n", 1_000) - first("print_n", 0), 52 * 1_000);
    assert_eq!(first("print_n", 10_000) - first("print_n", 0), 52 * 4_096);
}

/// Certifies its argument (`certify`, `certify_then_trap`), reports `data_certificate_present` in an
/// update (`present`), returns the data certificate from a query (`certificate`) and answers
/// `http_request` as a query.
const CERTIFY: &str = r#"(module
  (import "ic0" "msg_arg_data_copy" (func $arg_copy (param i32 i32 i32)))
  (import "ic0" "msg_arg_data_size" (func $arg_size (result i32)))
  (import "ic0" "msg_reply_data_append" (func $append (param i32 i32)))
  (import "ic0" "msg_reply" (func $reply))
  (import "ic0" "certified_data_set" (func $certify (param i32 i32)))
  (import "ic0" "data_certificate_present" (func $present (result i32)))
  (import "ic0" "data_certificate_size" (func $cert_size (result i32)))
  (import "ic0" "data_certificate_copy" (func $cert_copy (param i32 i32 i32)))
  (import "ic0" "trap" (func $trap (param i32 i32)))
  (memory (export "memory") 1)
  (data (i32.const 2000) "hello")
  (func $set
    (call $arg_copy (i32.const 0) (i32.const 0) (call $arg_size))
    (call $certify (i32.const 0) (call $arg_size)))
  (func (export "canister_update certify") (call $set) (call $reply))
  (func (export "canister_update certify_then_trap") (call $set) (call $trap (i32.const 0) (i32.const 0)))
  (func (export "canister_update present")
    (i32.store8 (i32.const 0) (call $present))
    (call $append (i32.const 0) (i32.const 1))
    (call $reply))
  (func (export "canister_query certificate")
    (if (call $present) (then
      (call $cert_copy (i32.const 1000) (i32.const 0) (call $cert_size))
      (call $append (i32.const 1000) (call $cert_size))))
    (call $reply))
  (func (export "canister_query http_request") (call $append (i32.const 2000) (i32.const 5)) (call $reply)))"#;

#[test]
fn certified_data_set_in_an_update_is_in_the_query_certificate() {
    let mut c = install(CERTIFY, A_ID);
    let root = [0xabu8; 32];
    reply(&c.update(p(USER), "certify", root.to_vec()).unwrap());
    assert_eq!(c.certified_data(), root);
    let cert = c.query(p(USER), "certificate", vec![]).unwrap();
    let cert = reply(&cert);
    // What a test of a certified query does: the witness's root hash against certified_data().
    assert_eq!(cert.strip_prefix(HARNESS_CERTIFICATE_PREFIX), Some(&c.certified_data()[..]));
    assert_eq!(reply(&c.update(p(USER), "present", vec![]).unwrap()), &[0], "no certificate in updates");
    // A trap keeps the old data; more than 32 bytes trap.
    let r = c.update(p(USER), "certify_then_trap", vec![1; 32]).unwrap();
    assert!(matches!(r.outcome, Outcome::Trap(_)));
    let r = c.update(p(USER), "certify", vec![2; 33]).unwrap();
    assert!(matches!(&r.outcome, Outcome::Trap(m) if m.contains("at most 32")), "{:?}", r.outcome);
    assert_eq!(c.certified_data(), root);
    assert_eq!(reply(&c.query(p(USER), "http_request", vec![]).unwrap()), b"hello");
}

/// The replica counts no instructions for entering a function, 5 per `call` and 10 per
/// `call_indirect`, 1 per plain operator, 0 for block markers (whichever engine runs).
#[test]
fn operators_and_calls_are_counted_as_the_replica_counts_them() {
    let cases = [
        ("", 0),
        ("(nop)", 1),
        ("(block)", 0),
        ("(drop (i32.load (i32.const 0)))", 3),
        ("(call $f)", 5),
        ("(call $g)", 5 + 5 + 5),
        ("(call_indirect (i32.const 0))", 1 + 10),
        ("(call $reply)", 5 + 500),
    ];
    for (body, expected) in cases {
        let wat = format!(
            r#"(module (import "ic0" "msg_reply" (func $reply)) (memory (export "memory") 1)
              (table 1 funcref) (elem (i32.const 0) $f)
              (func $f) (func $g (call $f) (call $f))
              (func (export "canister_update m") {body}))"#
        );
        let mut c = install(&wat, A_ID);
        assert_eq!(c.update(p(USER), "m", vec![]).unwrap().instructions[0], expected, "{body}");
    }
}
