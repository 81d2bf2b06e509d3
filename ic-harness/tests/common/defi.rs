//! The example DeFi contract's interface (`examples/defi-caller/defi_caller.did`), mirrored as a
//! client would have it: its crate cannot be linked beside the verifier's (both export candid's
//! `get_candid_pointer`). Used by `defi_caller.rs` and `pocketic.rs`.
use super::*;
use candid::CandidType;
use serde::Deserialize;
use verinfer_verifier_canister::types::{Error, SetupProvenance};

#[derive(CandidType, Deserialize, Clone, Debug, PartialEq)]
pub struct DefiInit {
    pub verifier: Principal,
    pub model_hash: ByteBuf,
    pub operators: Vec<Principal>,
    pub default_class: u32,
    pub max_open_requests: Option<u64>,
    pub max_open_per_opener: Option<u64>,
    pub max_stored_requests: Option<u64>,
    pub request_seed_cycles: Option<u64>,
    pub verify_cycles: Option<u64>,
    pub max_settle_attempts: Option<u32>,
}

#[derive(CandidType, Deserialize, Clone, Debug, PartialEq)]
pub struct OpenArgs {
    pub event: String,
    pub input_commitment: ByteBuf,
    pub operator: Principal,
}

#[derive(CandidType, Deserialize, Clone, Debug, PartialEq)]
pub struct Settlement {
    pub class: u32,
    pub verification: u64,
    pub proof_hash: ByteBuf,
}

#[derive(CandidType, Deserialize, Clone, Debug, PartialEq)]
pub struct Abandonment {
    pub default_class: u32,
    pub exhausted: Option<AttemptsExhausted>,
}

#[derive(CandidType, Deserialize, Clone, Debug, PartialEq)]
pub struct AttemptsExhausted {
    pub attempts: u32,
    pub error: Option<Error>,
    pub reason: String,
}

#[derive(CandidType, Deserialize, Clone, Debug, PartialEq)]
pub enum RequestOutcome {
    #[serde(rename = "pending")]
    Pending,
    #[serde(rename = "settled")]
    Settled(Settlement),
    #[serde(rename = "abandoned")]
    Abandoned(Abandonment),
}

#[derive(CandidType, Deserialize, Clone, Debug, PartialEq)]
pub struct Request {
    pub id: u64,
    pub event: String,
    pub input_commitment: ByteBuf,
    pub ticket: u64,
    pub seed: ByteBuf,
    pub operator: Principal,
    pub opener: Principal,
    pub opened_at: u64,
    pub deadline: u64,
    pub default_class: u32,
    pub outcome: RequestOutcome,
    pub closed_at: Option<u64>,
    pub refused_attempts: u32,
}

#[derive(CandidType, Deserialize, Clone, Debug, PartialEq, Default)]
pub struct OperatorStats {
    pub opened: u64,
    pub settled: u64,
    pub abandoned: u64,
}

#[derive(CandidType, Deserialize, Clone, Debug, PartialEq)]
pub struct Settings {
    pub verifier: Principal,
    pub model_hash: ByteBuf,
    pub operators: Vec<Principal>,
    pub default_class: u32,
    pub max_open_requests: u64,
    pub max_open_per_opener: u64,
    pub max_stored_requests: u64,
    pub request_seed_cycles: u64,
    pub verify_cycles: u64,
    pub max_settle_attempts: u32,
    pub open_requests: u64,
    pub stored_requests: u64,
    pub next_request_id: u64,
}

#[derive(CandidType, Deserialize, Clone, Debug, PartialEq)]
pub enum DefiError {
    AnonymousCaller,
    OperatorMayNotOpen { caller: Principal },
    UnknownOperator { operator: Principal },
    InvalidArgument { reason: String },
    DuplicateEvent { request: u64 },
    DuplicateCommitment { request: u64 },
    TooManyOpenRequests { limit: u64 },
    OpenerQuotaExceeded { opener: Principal, limit: u64 },
    StorageFull { limit: u64 },
    UnknownRequest { id: u64 },
    NotTheOperator { request: u64, caller: Principal },
    AlreadyClosed { request: u64, outcome: RequestOutcome },
    WrongTicket { request: u64, expected: u64, got: Option<u64> },
    StatementMismatch { request: u64, reason: String },
    SettlementInFlight { request: u64 },
    DeadlineNotPassed { request: u64, deadline: u64 },
    VerifierRefused { error: Error },
    VerifierUnreachable { method: String, reason: String },
    UndecodableReply { method: String, reason: String },
    ReplyMismatch { reason: String },
    SetupNotCeremony { model_hash: ByteBuf, key_hash: ByteBuf, setup: SetupProvenance },
    KeyChanged { request: u64, checked: ByteBuf, verified: ByteBuf },
    StateCorrupt { reason: String },
}

#[derive(CandidType, Deserialize, Clone, Debug, PartialEq)]
pub enum Decision {
    Settled(Settlement),
    Abandoned(Abandonment),
    Refused { error: DefiError, reason: String },
}
