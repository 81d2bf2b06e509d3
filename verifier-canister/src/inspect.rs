//! Ingress filtering (`canister_inspect_message`): which ingress messages the canister agrees to pay
//! for. Inter-canister calls do not pass here; the methods check their callers and arguments again.
//!
//! - The anonymous principal: nothing.
//! - `register_model` and `rotate_key` (keys up to 256 KiB, with texts and the setup provenance):
//!   `register_model` from controllers and registrars, `rotate_key` from controllers.
//! - Other admin methods: their callers only, with small arguments.
//! - `request_seed` and `verify`: controllers only. Everyone else pays with attached cycles, which
//!   ingress messages cannot carry, so they call from a canister (their contract or a cycles wallet).
//! - Query methods called as updates: refused (call them as queries; `get_verification` is certified).
use crate::registry::{authorized, MAX_BEACON_HASH, MAX_HALO2_KEY_BYTES, MAX_KEY_BYTES, MAX_METADATA, MAX_TEXT};
use candid::Principal;
use ic_cdk::api::is_controller;

/// Largest encoding of a well-formed `setup` argument: two 32-byte hashes, a 255-byte beacon, the
/// counts, and their length prefixes and option tags (well under this).
pub const MAX_SETUP_ARG: usize = 2 * 33 + (MAX_BEACON_HASH + 2) + 4 + 8;
/// Room around a key: the candid header and type table, the name and version (1 KiB each), 32
/// metadata entries of at most 1 KiB, and the setup provenance.
const KEY_ARG_SLACK: usize = 64 * 1024;
const _: () = assert!(4096 + 2 * MAX_TEXT + MAX_METADATA * (MAX_TEXT + 8) + MAX_SETUP_ARG <= KEY_ARG_SLACK);
/// Largest argument of a small admin call.
pub const MAX_SMALL_ARG: usize = 1024;
/// Largest proof in a `verify` argument (a halo2 proof is about 3.5 KB; Groth16's 256 bytes).
pub const MAX_PROOF_ARG: usize = 16 * 1024;
/// Largest `verify` argument: 8,192 output values of 8 bytes each, the proof and the framing.
pub const MAX_VERIFY_ARG: usize = 80 * 1024 + MAX_PROOF_ARG;

/// Whether an ingress message from `caller` to `method` with a `size`-byte argument is accepted.
pub fn admits(caller: &Principal, method: &str, size: usize) -> bool {
    if *caller == Principal::anonymous() {
        return false;
    }
    match method {
        "register_model" => authorized(caller) && size <= MAX_KEY_BYTES.max(MAX_HALO2_KEY_BYTES) + KEY_ARG_SLACK,
        "rotate_key" => is_controller(caller) && size <= MAX_KEY_BYTES + KEY_ARG_SLACK,
        "retire_model" => authorized(caller) && size <= MAX_SMALL_ARG,
        "add_registrar" | "remove_registrar" => is_controller(caller) && size <= MAX_SMALL_ARG,
        "request_seed" => is_controller(caller) && size <= MAX_SMALL_ARG,
        "verify" => is_controller(caller) && size <= MAX_VERIFY_ARG,
        _ => false,
    }
}
