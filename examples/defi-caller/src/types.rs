//! The contract's own candid types (`defi_caller.did`).
use crate::verifier::{Error, SetupProvenance};
use candid::{CandidType, Principal};
use serde::Deserialize;
use serde_bytes::ByteBuf;

/// Settings given at install (all of them) or upgrade (`opt`: none keeps the current ones).
#[derive(CandidType, Deserialize, Clone, Debug, PartialEq)]
pub struct InitArgs {
    /// The verinfer verifier canister.
    pub verifier: Principal,
    /// The model this contract trusts (32 bytes, SHA-256 of the compiled model).
    pub model_hash: ByteBuf,
    /// The operators allowed to prove (1 to 32 principals; none of them may open requests).
    pub operators: Vec<Principal>,
    /// The class an abandoned request settles to. It must be no better for the operator than any
    /// class the model can draw (e.g. "decline"), or abandoning a bad draw pays.
    pub default_class: u32,
    /// Most requests open at once, all openers (default 100; keep it at or below the verifier's
    /// `max_tickets_per_caller`, since every ticket of this contract counts against that quota).
    pub max_open_requests: Option<u64>,
    /// Most requests open at once per opener (default 10).
    pub max_open_per_opener: Option<u64>,
    /// Most requests stored, closed ones included (default 10,000; at least `max_open_requests`).
    /// Beyond it the oldest closed requests are removed (oldest closing first).
    pub max_stored_requests: Option<u64>,
    /// Cycles attached to the verifier's `request_seed` (its `request_seed_fee`, default 40 M).
    pub request_seed_cycles: Option<u64>,
    /// Cycles attached to the verifier's `verify` (its `verify_fee`, default 1 B; the verifier
    /// takes the metered cost and the rest comes back as a refund).
    pub verify_cycles: Option<u64>,
    /// Most `verify` calls the verifier may refuse per request (default 3, at least 1). Each refused
    /// call costs the contract the verifier's metered fee; the one that reaches the limit closes the
    /// request to its default class, counted against the operator. Operators preview a proof with
    /// the verifier's free `verify_query` before settling.
    pub max_settle_attempts: Option<u32>,
}

/// The settings in force and the contract's counts.
#[derive(CandidType, Deserialize, Clone, Debug, PartialEq)]
pub struct Settings {
    /// The verifier canister.
    pub verifier: Principal,
    /// The trusted model.
    pub model_hash: ByteBuf,
    /// The operators allowed to prove.
    pub operators: Vec<Principal>,
    /// The default class of requests opened from now on.
    pub default_class: u32,
    /// Most requests open at once.
    pub max_open_requests: u64,
    /// Most requests open at once per opener.
    pub max_open_per_opener: u64,
    /// Most requests stored.
    pub max_stored_requests: u64,
    /// Cycles attached to `request_seed`.
    pub request_seed_cycles: u64,
    /// Cycles attached to `verify`.
    pub verify_cycles: u64,
    /// Most refused `verify` calls per request (the last one closes it).
    pub max_settle_attempts: u32,
    /// Requests open now.
    pub open_requests: u64,
    /// Requests stored now.
    pub stored_requests: u64,
    /// The id the next request gets.
    pub next_request_id: u64,
}

/// Arguments of `open`.
#[derive(CandidType, Deserialize, Clone, Debug, PartialEq)]
pub struct OpenArgs {
    /// The business event this draw decides (e.g. a loan application id; 1 to 64 bytes). One
    /// request per event, ever.
    pub event: String,
    /// Commitment to the model input (32 bytes, big-endian BN254 scalar), fixed before the seed
    /// exists. One request per commitment, ever.
    pub input_commitment: ByteBuf,
    /// The operator who will prove (one of the configured operators).
    pub operator: Principal,
}

/// A verified settlement.
#[derive(CandidType, Deserialize, Clone, Debug, PartialEq)]
pub struct Settlement {
    /// The class the proof drew.
    pub class: u32,
    /// The verifier's verification record (`get_verification` on the verifier, certified).
    pub verification: u64,
    /// SHA-256 of the proof.
    pub proof_hash: ByteBuf,
}

/// An abandoned request's outcome.
#[derive(CandidType, Deserialize, Clone, Debug, PartialEq)]
pub struct Abandonment {
    /// The default class fixed when the request was opened.
    pub default_class: u32,
    /// Set when the request was closed before its deadline because the verifier refused
    /// `max_settle_attempts` of its settlements: why. None: the deadline passed.
    pub exhausted: Option<AttemptsExhausted>,
}

/// Why a request was abandoned before its deadline: the verifier refused its settlements
/// `max_settle_attempts` times (each refusal cost the contract the verifier's metered fee).
#[derive(CandidType, Deserialize, Clone, Debug, PartialEq)]
pub struct AttemptsExhausted {
    /// Refused `verify` calls of the request (the limit in force at the last one).
    pub attempts: u32,
    /// The verifier's error of the last refused call (none if this contract's copy of the
    /// verifier's `Error` does not name it: `reason` has the decoding error).
    pub error: Option<Error>,
    /// Why, readable.
    pub reason: String,
}

/// Where a request stands.
#[derive(CandidType, Deserialize, Clone, Debug, PartialEq)]
pub enum RequestOutcome {
    /// Waiting for the operator's proof (until the deadline).
    #[serde(rename = "pending")]
    Pending,
    /// Settled on a verified class.
    #[serde(rename = "settled")]
    Settled(Settlement),
    /// The deadline passed without a verified proof, or the verifier refused `max_settle_attempts`
    /// of its settlements: settled to the default class, counted against the operator.
    #[serde(rename = "abandoned")]
    Abandoned(Abandonment),
}

/// One inference request.
#[derive(CandidType, Deserialize, Clone, Debug, PartialEq)]
pub struct Request {
    /// Request id.
    pub id: u64,
    /// The business event.
    pub event: String,
    /// The committed input.
    pub input_commitment: ByteBuf,
    /// The verifier's ticket this contract obtained: the only one `settle` accepts.
    pub ticket: u64,
    /// The ticket's seed (what the operator proves with; public from the moment it exists).
    pub seed: ByteBuf,
    /// The operator who must settle it.
    pub operator: Principal,
    /// Who opened it.
    pub opener: Principal,
    /// When it was opened (ns since the epoch).
    pub opened_at: u64,
    /// The settlement deadline (ns): the ticket's `expires_at`.
    pub deadline: u64,
    /// The class it settles to if abandoned, fixed at open.
    pub default_class: u32,
    /// Where it stands.
    pub outcome: RequestOutcome,
    /// When it was settled or abandoned (ns).
    pub closed_at: Option<u64>,
    /// `verify` calls of its settlements the verifier refused (each cost the contract the metered
    /// fee); at `max_settle_attempts` the request is abandoned.
    pub refused_attempts: u32,
}

/// Per-operator counters.
#[derive(CandidType, Deserialize, Clone, Debug, PartialEq, Default)]
pub struct OperatorStats {
    /// Requests opened naming this operator.
    pub opened: u64,
    /// Requests it settled with a verified proof.
    pub settled: u64,
    /// Requests whose deadline passed without its proof, or whose settlements the verifier refused
    /// `max_settle_attempts` times (settled to the default class).
    pub abandoned: u64,
}

/// Every way a call to this contract can fail.
#[derive(CandidType, Deserialize, Clone, Debug, PartialEq)]
pub enum DefiError {
    /// The anonymous principal may not open or settle requests.
    AnonymousCaller,
    /// Operators never open requests (an operator who opens sees the draw first and could choose
    /// which events to pursue).
    OperatorMayNotOpen {
        /// The caller.
        caller: Principal,
    },
    /// The named operator is not one of this contract's operators.
    UnknownOperator {
        /// The principal named.
        operator: Principal,
    },
    /// An argument is invalid (the reason says which).
    InvalidArgument {
        /// What is wrong.
        reason: String,
    },
    /// A request for this event exists or existed: one request per event, ever.
    DuplicateEvent {
        /// The request opened for it first (it may have been removed since).
        request: u64,
    },
    /// A request for this input commitment exists or existed: one request per commitment, ever.
    DuplicateCommitment {
        /// The request opened for it first (it may have been removed since).
        request: u64,
    },
    /// Too many requests open; retry after some are settled or expired.
    TooManyOpenRequests {
        /// The limit.
        limit: u64,
    },
    /// The opener holds its quota of open requests.
    OpenerQuotaExceeded {
        /// The opener.
        opener: Principal,
        /// The limit.
        limit: u64,
    },
    /// The request store is full of open requests (nothing closed to remove).
    StorageFull {
        /// The limit.
        limit: u64,
    },
    /// No such request (never opened, or closed and removed).
    UnknownRequest {
        /// The request id.
        id: u64,
    },
    /// Only the request's operator may settle it.
    NotTheOperator {
        /// The request.
        request: u64,
        /// The caller.
        caller: Principal,
    },
    /// The request is settled or abandoned already.
    AlreadyClosed {
        /// The request.
        request: u64,
        /// Its outcome.
        outcome: RequestOutcome,
    },
    /// The proof must use this request's ticket.
    WrongTicket {
        /// The request.
        request: u64,
        /// Its ticket.
        expected: u64,
        /// The ticket named.
        got: Option<u64>,
    },
    /// The statement does not match the request (model, input commitment or seed).
    StatementMismatch {
        /// The request.
        request: u64,
        /// What differs.
        reason: String,
    },
    /// A settlement of this request is waiting for the verifier's answer.
    SettlementInFlight {
        /// The request.
        request: u64,
    },
    /// `expire` before the deadline.
    DeadlineNotPassed {
        /// The request.
        request: u64,
        /// Its deadline (ns).
        deadline: u64,
    },
    /// The verifier refused the call: its own error.
    VerifierRefused {
        /// The verifier's error.
        error: Error,
    },
    /// The call to the verifier failed (rejected, or not made).
    VerifierUnreachable {
        /// The verifier's method.
        method: String,
        /// The call error.
        reason: String,
    },
    /// The verifier's reply does not decode as its interface says.
    UndecodableReply {
        /// The verifier's method.
        method: String,
        /// The decoding error.
        reason: String,
    },
    /// The verifier's reply does not match what was asked (a wrong verifier, or a bug).
    ReplyMismatch {
        /// What differs.
        reason: String,
    },
    /// The verifier reports the trusted model's current key as made by one party (`verinfer
    /// setup`), not by a ceremony: whoever ran that setup could forge proofs, so the contract does
    /// not act on it (`open` requests no seed, `settle` does not call `verify`; no fee is paid).
    SetupNotCeremony {
        /// The model.
        model_hash: ByteBuf,
        /// Its current key (SHA-256).
        key_hash: ByteBuf,
        /// The key's provenance as the verifier reports it.
        setup: SetupProvenance,
    },
    /// The model's key was replaced (`rotate_key`) between the contract's check of it and the
    /// verification: the verifier accepted the proof under a key the contract had not checked. The
    /// ticket is consumed and the request stays pending: `settle` again and the contract checks
    /// the key that verified it.
    KeyChanged {
        /// The request.
        request: u64,
        /// The key the contract checked (SHA-256).
        checked: ByteBuf,
        /// The key that accepted the proof.
        verified: ByteBuf,
    },
    /// The contract's stored state could not be encoded or decoded (a bug: report it).
    StateCorrupt {
        /// What failed.
        reason: String,
    },
}

/// The answer of `settle`.
#[derive(CandidType, Deserialize, Clone, Debug, PartialEq)]
pub enum Decision {
    /// The proof held: the request is settled on this class.
    Settled(Settlement),
    /// The deadline had passed, or the verifier refused this request's settlement for the
    /// `max_settle_attempts`-th time (then `exhausted` carries that refusal's error): the request is
    /// settled to its default class and the abandonment is counted against the operator.
    Abandoned(Abandonment),
    /// The request stays pending (a refused proof cannot re-roll the draw: its seed is fixed). A
    /// refusal by the verifier counts against `max_settle_attempts`; the contract's own refusals
    /// before calling the verifier (wrong ticket, statement, caller) do not.
    Refused {
        /// Why, typed. `VerifierRefused` carries the verifier's own `Error`.
        error: DefiError,
        /// Why, readable.
        reason: String,
    },
}
