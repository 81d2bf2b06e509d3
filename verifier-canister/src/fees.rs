//! Who pays. Callers of `request_seed` and `verify` attach cycles; the canister accepts what the call
//! cost and the replica refunds the rest with the reply. Controllers pay nothing (the canister's
//! balance is theirs anyway); ingress messages cannot carry cycles, so everyone else calls from a
//! canister (a contract, or a cycles wallet).
//!
//! Prices on a 13-node subnet (multiplied by `subnet_cost_percent / 100`, default 260 for 34 nodes):
//! - `request_seed`: a fixed fee (default 40 M) when the ticket is issued; a refused request pays
//!   its metered cost (below). The cost of an issued ticket: two messages (5 M each), the `raw_rand`
//!   call, about 2.7 M instructions, and a ticket kept for the settlement window plus the retention
//!   period (measured 12.9 M on 13 nodes).
//! - `verify`: metered, `(5 M + instructions used + AFTER_METER) * percent / 100`, plus
//!   [`RECORD_CHARGE`] when a verification record is stored; at most `verify_fee` (default 1 B),
//!   which must be attached.
use crate::state::{self, Config};
use crate::types::Error;
use candid::Principal;
use ic_cdk::api::{is_controller, msg_cycles_accept, msg_cycles_available, performance_counter};

/// Cycles per update message on a 13-node subnet.
pub const CYCLES_PER_MESSAGE: u128 = 5_000_000;
/// Charge for a verification record kept for the retention period (13-node cycles; about 1 KiB for
/// a day at 127 K cycles per GiB and second is 0.01 M, so this mostly covers the certified tree).
pub const RECORD_CHARGE: u128 = 2_000_000;

/// Whether `caller` pays nothing.
pub fn exempt(caller: &Principal) -> bool {
    is_controller(caller)
}

/// Refuses the call unless `required` cycles are attached (or the caller is exempt).
pub fn require(caller: &Principal, required: u64) -> Result<(), Error> {
    let attached = msg_cycles_available();
    if exempt(caller) || attached >= required as u128 {
        return Ok(());
    }
    Err(Error::InsufficientCycles { required, attached: attached.min(u64::MAX as u128) as u64 })
}

/// Instructions a call spends after the meter is read: booking the payment (two stable records
/// decoded and encoded) and encoding the reply. Measured at about 1.0 M in the harness.
pub const AFTER_METER: u128 = 1_500_000;

/// The metered cost of this message so far plus [`AFTER_METER`] and `extra`, at the subnet's price.
pub fn metered(cfg: &Config, extra: u128) -> u128 {
    (CYCLES_PER_MESSAGE + performance_counter(0) as u128 + AFTER_METER + extra) * cfg.subnet_cost_percent as u128 / 100
}

/// Accepts up to `amount` of the attached cycles and books them; returns what was accepted.
pub fn collect(caller: &Principal, amount: u128) -> Result<u128, Error> {
    if exempt(caller) || amount == 0 {
        return Ok(0);
    }
    let got = msg_cycles_accept(amount);
    state::set_config(|c| {
        c.counters.cycles_collected += got;
        Ok(())
    })?;
    state::update_caller(*caller, |s| s.cycles_paid += got)?;
    Ok(got)
}
