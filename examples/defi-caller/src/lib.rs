//! An example DeFi canister: it acts on a model's output only after the verinfer verifier canister
//! has verified the proof, and only when the seed came from a ticket (so the operator could not
//! re-roll). The types mirror `verifier-canister/verifier.did`, as a client generates them.
#![deny(missing_docs)]

use candid::{CandidType, Principal};
use ic_cdk::call::Call;
use serde::Deserialize;
use serde_bytes::ByteBuf;
use std::cell::RefCell;

/// `Output` of the verifier's interface.
#[derive(CandidType, Deserialize, Clone, Debug)]
pub enum Output {
    /// Quantized output values.
    #[serde(rename = "tensor")]
    Tensor(Vec<i64>),
    /// Commitment to them.
    #[serde(rename = "commitment")]
    Commitment(ByteBuf),
}

/// `Statement` of the verifier's interface.
#[derive(CandidType, Deserialize, Clone, Debug)]
pub struct Statement {
    /// Model hash.
    pub model_hash: ByteBuf,
    /// Input commitment.
    pub input_commitment: ByteBuf,
    /// Seed.
    pub seed: ByteBuf,
    /// Class.
    pub output_index: u32,
    /// Output.
    pub output: Output,
}

/// `VerifyArgs` of the verifier's interface.
#[derive(CandidType, Deserialize, Clone, Debug)]
pub struct VerifyArgs {
    /// Proof.
    pub proof: ByteBuf,
    /// Statement.
    pub statement: Statement,
    /// Ticket.
    pub ticket: Option<u64>,
}

/// `Verified` of the verifier's interface (the fields this caller reads).
#[derive(CandidType, Deserialize, Clone, Debug)]
pub struct Verified {
    /// Model hash.
    pub model_hash: ByteBuf,
    /// Class.
    pub output_index: u32,
    /// Ticket consumed.
    pub ticket: Option<u64>,
}

/// What the caller decided.
#[derive(CandidType, Deserialize, Clone, Debug, PartialEq)]
pub enum Decision {
    /// The proof held: act on this class.
    Settled {
        /// The proven class.
        class: u32,
    },
    /// Not settled, and why.
    Refused {
        /// The verifier's error (candid text) or the caller's own reason.
        reason: String,
    },
}

thread_local! {
    static CONFIG: RefCell<Option<(Principal, ByteBuf)>> = const { RefCell::new(None) };
}

/// `(verifier canister, model hash this contract trusts)`.
#[ic_cdk::init]
fn init(verifier: Principal, model_hash: ByteBuf) {
    CONFIG.with(|c| *c.borrow_mut() = Some((verifier, model_hash)));
}

/// Verifies an inference through the verifier canister and settles on its class.
#[ic_cdk::update]
async fn settle(args: VerifyArgs) -> Decision {
    let Some((verifier, model)) = CONFIG.with(|c| c.borrow().clone()) else {
        return Decision::Refused { reason: "not configured".into() };
    };
    if args.statement.model_hash != model {
        return Decision::Refused { reason: "proof is for another model".into() };
    }
    if args.ticket.is_none() {
        return Decision::Refused {
            reason: "a seed ticket is required (the operator must not choose the seed)".into(),
        };
    }
    let response = match Call::unbounded_wait(verifier, "verify").with_arg(&args).await {
        Ok(r) => r,
        Err(e) => return Decision::Refused { reason: format!("verifier unreachable: {e}") },
    };
    // The verifier answers `variant { Ok : Verified; Err : Error }`; the error is kept as text here.
    match response.candid::<Result<Verified, candid::Reserved>>() {
        Ok(Ok(v)) if v.model_hash == model && v.ticket == args.ticket => Decision::Settled { class: v.output_index },
        Ok(Ok(_)) => Decision::Refused { reason: "verified statement differs from the request".into() },
        Ok(Err(_)) => Decision::Refused { reason: "the verifier rejected the proof".into() },
        Err(e) => Decision::Refused { reason: format!("undecodable verifier answer: {e}") },
    }
}

#[allow(missing_docs)]
mod export {
    use super::*;
    ic_cdk::export_candid!();

    #[cfg(test)]
    #[test]
    fn candid_interface_matches_the_committed_did() {
        use candid_parser::utils::{service_equal, CandidSource};
        let rust = __export_service();
        service_equal(CandidSource::Text(include_str!("../defi_caller.did")), CandidSource::Text(&rust))
            .unwrap_or_else(|e| panic!("defi_caller.did and the code disagree: {e}\n{rust}"));
    }
}
