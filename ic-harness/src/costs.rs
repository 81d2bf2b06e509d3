//! The replica's costs: the instructions each system call is charged ([`SYSTEM_API`]), and the cycle
//! fees of ingress messages and inter-canister calls on a 13-node subnet. The per-operator weights are
//! [`crate::counter::weight`].
//!
//! Differences from the replica, with their bounds: `debug_print` and `trap` are charged as if the canister log were empty (at
//! most 50 instructions per byte, 4,096 bytes, more than the replica, see [`logging_bytes`]); the
//! ingress fee counts method name and argument, not the signed envelope (see [`ingress_fee`]).

/// What one `ic0` call costs in instructions: `fixed + per_byte * bytes`, where `bytes` is the size
/// the replica charges for (the data copied, or the payload transmitted).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SyscallCost {
    /// Instructions per call.
    pub fixed: u64,
    /// Instructions per byte.
    pub per_byte: u64,
}

impl SyscallCost {
    /// Instructions for a call that handles `bytes` bytes.
    pub const fn of(self, bytes: u64) -> u64 {
        self.fixed.saturating_add(self.per_byte.saturating_mul(bytes))
    }
}

/// Instructions per byte for payloads leaving the Wasm sandbox (reply, reject, call data):
/// the replica's `BYTE_TRANSMISSION_COST_FACTOR`.
pub const BYTE_TRANSMISSION_COST_FACTOR: u64 = 50;
/// The canister log's capacity assumed for the logging charge of `debug_print` and `trap` (the
/// replica's default log memory, 4 KiB).
pub const LOG_CAPACITY: u64 = 4096;

const fn k(fixed: u64, per_byte: u64) -> SyscallCost {
    SyscallCost { fixed, per_byte }
}

/// The replica's charge for every `ic0` function the harness emulates, on an application subnet.
///
/// Sources (dfinity/ic): which size each call charges for, and the 50-per-byte factor, from
/// `rs/embedders/src/wasmtime_embedder/linker.rs` at commit 0048d8c4f88100022f8d9c65bafae7755f45cd6e;
/// the overheads from `rs/embedders/src/wasmtime_embedder/system_api_complexity.rs` (module
/// `overhead::new` at 023cfe84513a5b9db9a1a966336fa01cd9d06ae0, the same numbers as the later flat
/// `overhead` module that linker.rs uses, read in the humandebri/ic mirror at
/// a96918e66635bc5f73f79386ff6a8426abe9283e); one instruction per byte is
/// `get_num_instructions_from_bytes` on application subnets (`system_api.rs`). Stable memory is
/// Wasm-native there (`overhead_native`: 20 + 1 per byte to read or write, 100 to grow; no dirty-page
/// overhead on application subnets). `debug_print` and `trap` have a logging charge on top, see
/// [`logging_bytes`].
pub const SYSTEM_API: &[(&str, SyscallCost)] = &[
    ("msg_arg_data_size", k(500, 0)),
    ("msg_arg_data_copy", k(500, 1)),
    ("msg_caller_size", k(500, 0)),
    ("msg_caller_copy", k(500, 1)),
    ("msg_method_name_size", k(500, 0)),
    ("msg_method_name_copy", k(500, 1)),
    ("msg_reject_code", k(500, 0)),
    ("msg_reject_msg_size", k(500, 0)),
    ("msg_reject_msg_copy", k(500, 1)),
    ("msg_deadline", k(500, 0)),
    ("msg_reply_data_append", k(500, BYTE_TRANSMISSION_COST_FACTOR)),
    ("msg_reply", k(500, 0)),
    ("msg_reject", k(500, BYTE_TRANSMISSION_COST_FACTOR)),
    ("accept_message", k(500, 0)),
    ("msg_cycles_available128", k(500, 0)),
    ("msg_cycles_refunded128", k(500, 0)),
    ("msg_cycles_accept128", k(500, 0)),
    ("cycles_burn128", k(500, 0)),
    ("canister_cycle_balance128", k(500, 0)),
    ("canister_liquid_cycle_balance128", k(500, 0)),
    ("cost_call", k(500, 0)),
    ("canister_self_size", k(500, 0)),
    ("canister_self_copy", k(500, 1)),
    ("canister_status", k(500, 0)),
    ("canister_version", k(500, 0)),
    ("call_new", k(1_500, 1)), // bytes: callee id + method name
    ("call_on_cleanup", k(500, 0)),
    ("call_with_best_effort_response", k(500, 0)),
    ("call_cycles_add128", k(500, 0)),
    ("call_data_append", k(500, BYTE_TRANSMISSION_COST_FACTOR)),
    ("call_perform", k(5_000, 0)),
    ("stable64_size", k(20, 0)),
    ("stable64_grow", k(100, 0)),
    ("stable64_write", k(20, 1)),
    ("stable64_read", k(20, 1)),
    ("time", k(500, 0)),
    ("global_timer_set", k(500, 0)),
    ("performance_counter", k(200, 0)),
    ("is_controller", k(1_000, 1)),
    ("in_replicated_execution", k(500, 0)),
    ("debug_print", k(100, 0)), // plus logging_bytes
    ("trap", k(500, 1)),        // plus logging_bytes
    ("certified_data_set", k(500, 1)),
    ("data_certificate_present", k(500, 0)),
    ("data_certificate_size", k(500, 0)),
    ("data_certificate_copy", k(500, 1)),
];

/// The charge of the `ic0` function `name`, if the harness emulates it.
pub fn system_call(name: &str) -> Option<SyscallCost> {
    SYSTEM_API.iter().find(|(n, _)| *n == name).map(|(_, c)| *c)
}

/// Extra instructions `debug_print` and `trap` are charged for writing `len` bytes to the canister
/// log: the replica's `logging_charge_bytes`, `2 * min(len, capacity) + 50 * min(len, remaining)`.
/// The harness takes the remaining log space to be the whole capacity (an empty log), so it charges
/// at most `50 * min(len, 4096)` instructions more per call than a replica whose log is full.
pub const fn logging_bytes(len: u64) -> u64 {
    let n = if len < LOG_CAPACITY { len } else { LOG_CAPACITY };
    2 * n + BYTE_TRANSMISSION_COST_FACTOR * n
}

/// Cycles for an ingress message on a 13-node subnet: 1.2 M plus 2,000 per byte of method name and
/// argument (the replica's `ingress_induction_cost`; recent replicas count the whole signed request,
/// whose envelope of sender, nonce, expiry and signature the harness does not have: typically 100 to
/// 300 bytes, 0.2 M to 0.6 M cycles more).
pub const fn ingress_fee(method_len: u64, arg_len: u64) -> u128 {
    1_200_000 + 2_000 * (method_len as u128 + arg_len as u128)
}

/// Cycles to send an inter-canister call on a 13-node subnet: 260 K plus 1 K per byte of method name
/// and payload (what `ic0.cost_call` reports and `call_perform` charges).
pub const fn call_fee(method_len: u64, payload_len: u64) -> u128 {
    260_000 + 1_000 * (method_len as u128 + payload_len as u128)
}
