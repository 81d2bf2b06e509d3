//! Ingress filtering (`canister_inspect_message`): which ingress messages the canister agrees to pay
//! for. Inter-canister calls do not pass here; the methods check their callers and arguments again.
//!
//! - The anonymous principal: nothing.
//! - `register_model` and `rotate_key` (keys up to 256 KiB): controllers and registrars only.
//! - Other admin methods: their callers only, with small arguments.
//! - `request_seed` and `verify`: controllers only. Everyone else pays with attached cycles, which
//!   ingress messages cannot carry, so they call from a canister (their contract or a cycles wallet).
//! - Query methods called as updates: refused (call them as queries; `get_verification` is certified).
use crate::registry::{authorized, MAX_KEY_BYTES};
use candid::Principal;
use ic_cdk::api::is_controller;

/// Room for the candid framing and texts around a key.
const KEY_ARG_SLACK: usize = 64 * 1024;
/// Largest argument of a small admin call.
pub const MAX_SMALL_ARG: usize = 1024;
/// Largest `verify` argument: 8,192 output values of 8 bytes each, the proof and the framing.
pub const MAX_VERIFY_ARG: usize = 80 * 1024;

/// Whether an ingress message from `caller` to `method` with a `size`-byte argument is accepted.
pub fn admits(caller: &Principal, method: &str, size: usize) -> bool {
    if *caller == Principal::anonymous() {
        return false;
    }
    match method {
        "register_model" => authorized(caller) && size <= MAX_KEY_BYTES + KEY_ARG_SLACK,
        "rotate_key" => is_controller(caller) && size <= MAX_KEY_BYTES + KEY_ARG_SLACK,
        "retire_model" => authorized(caller) && size <= MAX_SMALL_ARG,
        "add_registrar" | "remove_registrar" => is_controller(caller) && size <= MAX_SMALL_ARG,
        "request_seed" => is_controller(caller) && size <= MAX_SMALL_ARG,
        "verify" => is_controller(caller) && size <= MAX_VERIFY_ARG,
        _ => false,
    }
}
