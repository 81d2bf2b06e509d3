//! An example DeFi canister: it acts on a model's output only after the verinfer verifier canister
//! has verified the proof, and only with the seed ticket that this contract obtained itself for the
//! request, so the operator can neither choose the seed nor re-roll it.
//!
//! The flow: whoever wants an inference calls `open(input_commitment)`; the contract asks the verifier
//! for a seed ticket (`request_seed`, the contract is the ticket's caller) and records it in a new
//! request. The operator proves with that ticket's seed and calls `settle(request, args)`; the
//! contract accepts only that ticket, and each request settles at most once. An operator who asks the
//! verifier for other tickets gets seeds this contract never accepts. The types mirror
//! `verifier-canister/verifier.did`, as a client generates them.
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

/// `Ticket` of the verifier's interface (the fields this caller reads).
#[derive(CandidType, Deserialize, Clone, Debug)]
pub struct Ticket {
    /// Ticket id.
    pub id: u64,
    /// The seed the verifier drew.
    pub seed: ByteBuf,
}

/// One inference request.
#[derive(CandidType, Deserialize, Clone, Debug, PartialEq)]
pub struct Request {
    /// Request id.
    pub id: u64,
    /// The committed input.
    pub input_commitment: ByteBuf,
    /// The ticket this contract obtained for it: the only one `settle` accepts.
    pub ticket: u64,
    /// Its seed (what the operator must prove with).
    pub seed: ByteBuf,
    /// Who opened the request.
    pub opened_by: Principal,
    /// The settled class, once settled.
    pub settled: Option<u32>,
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
    static REQUESTS: RefCell<Vec<Request>> = const { RefCell::new(Vec::new()) };
}

/// `(verifier canister, model hash this contract trusts)`.
#[ic_cdk::init]
fn init(verifier: Principal, model_hash: ByteBuf) {
    CONFIG.with(|c| *c.borrow_mut() = Some((verifier, model_hash)));
}

/// Opens a request for an inference on a committed input: the contract obtains the seed ticket.
#[ic_cdk::update]
async fn open(input_commitment: ByteBuf) -> Result<Request, String> {
    let (verifier, model) = CONFIG.with(|c| c.borrow().clone()).ok_or("not configured")?;
    let response = Call::unbounded_wait(verifier, "request_seed")
        .with_args(&(model, input_commitment.clone()))
        .await
        .map_err(|e| format!("verifier unreachable: {e}"))?;
    let ticket = match response.candid::<Result<Ticket, candid::Reserved>>() {
        Ok(Ok(t)) => t,
        Ok(Err(_)) => return Err("the verifier refused the seed request".into()),
        Err(e) => return Err(format!("undecodable verifier answer: {e}")),
    };
    let request = REQUESTS.with(|r| {
        let mut r = r.borrow_mut();
        let request = Request {
            id: r.len() as u64,
            input_commitment,
            ticket: ticket.id,
            seed: ticket.seed,
            opened_by: ic_cdk::api::msg_caller(),
            settled: None,
        };
        r.push(request.clone());
        request
    });
    Ok(request)
}

/// A request.
#[ic_cdk::query]
fn get_request(id: u64) -> Option<Request> {
    REQUESTS.with(|r| r.borrow().get(id as usize).cloned())
}

/// Verifies the inference of request `request` through the verifier canister and settles on its
/// class. Only the request's own ticket is accepted, and a request settles once; a refused proof
/// leaves the request open (its seed is fixed, so a retry cannot re-roll it).
#[ic_cdk::update]
async fn settle(request: u64, args: VerifyArgs) -> Decision {
    let refuse = |reason: &str| Decision::Refused { reason: reason.into() };
    let Some((verifier, model)) = CONFIG.with(|c| c.borrow().clone()) else {
        return refuse("not configured");
    };
    let Some(req) = get_request(request) else {
        return refuse("no such request");
    };
    if req.settled.is_some() {
        return refuse("the request is already settled");
    }
    if args.statement.model_hash != model {
        return refuse("proof is for another model");
    }
    if args.ticket != Some(req.ticket) || args.statement.input_commitment != req.input_commitment {
        return refuse("the proof must use this request's ticket and input (the operator must not choose the seed)");
    }
    let response = match Call::unbounded_wait(verifier, "verify").with_arg(&args).await {
        Ok(r) => r,
        Err(e) => return Decision::Refused { reason: format!("verifier unreachable: {e}") },
    };
    // The verifier answers `variant { Ok : Verified; Err : Error }`; the error is kept as text here.
    match response.candid::<Result<Verified, candid::Reserved>>() {
        Ok(Ok(v)) if v.model_hash == model && v.ticket == Some(req.ticket) => {
            let settled = REQUESTS.with(|r| {
                let mut r = r.borrow_mut();
                let slot = &mut r[request as usize];
                // The verifier consumed the ticket, so no second call gets here for this request.
                slot.settled.get_or_insert(v.output_index);
                slot.settled == Some(v.output_index)
            });
            if settled {
                Decision::Settled { class: v.output_index }
            } else {
                refuse("the request is already settled")
            }
        }
        Ok(Ok(_)) => refuse("verified statement differs from the request"),
        Ok(Err(_)) => refuse("the verifier rejected the proof"),
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
