//! The candid types of the verifier canister's interface (`verifier.did`).
use candid::{CandidType, Principal};
use serde::Deserialize;
use serde_bytes::ByteBuf;

/// Proof systems the registry knows.
#[derive(CandidType, Deserialize, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    /// Groth16 over BN254 (ark-groth16).
    #[serde(rename = "groth16")]
    Groth16,
}

/// What a statement reveals of the output tensor.
#[derive(CandidType, Deserialize, Clone, Copy, Debug, PartialEq, Eq)]
pub enum OutputMode {
    /// Every quantized output value.
    #[serde(rename = "tensor")]
    Tensor,
    /// A Poseidon commitment to them.
    #[serde(rename = "commitment")]
    Commitment,
}

/// Arguments of `register_model`.
#[derive(CandidType, Deserialize, Clone, Debug, PartialEq)]
pub struct RegisterArgs {
    /// The `verifying.key` file written by `verinfer setup` (it names its model hash).
    pub verifying_key: ByteBuf,
    /// Human-readable name.
    pub name: String,
    /// Release version.
    pub version: String,
    /// Free-form metadata (source, licence, accuracy...).
    pub metadata: Vec<(String, String)>,
}

/// A registered model.
#[derive(CandidType, Deserialize, Clone, Debug, PartialEq)]
pub struct ModelInfo {
    /// SHA-256 of the compiled model.
    pub model_hash: ByteBuf,
    /// Name.
    pub name: String,
    /// Version.
    pub version: String,
    /// Proof system.
    pub backend: Backend,
    /// Statement layout: output mode.
    pub output_mode: OutputMode,
    /// Statement layout: number of output values (classes).
    pub output_len: u32,
    /// Number of public inputs of its proofs.
    pub public_inputs: u32,
    /// Metadata.
    pub metadata: Vec<(String, String)>,
    /// Who registered it.
    pub registered_by: Principal,
    /// When (ns since the epoch).
    pub registered_at: u64,
    /// Instructions the registration took (key decoding and preparation).
    pub registration_instructions: u64,
    /// Retired models verify nothing.
    pub retired: bool,
}

/// The revealed output.
#[derive(CandidType, Deserialize, Clone, Debug, PartialEq)]
pub enum Output {
    /// Quantized output values.
    #[serde(rename = "tensor")]
    Tensor(Vec<i64>),
    /// Commitment to them (32 bytes, big-endian BN254 scalar).
    #[serde(rename = "commitment")]
    Commitment(ByteBuf),
}

/// The statement a proof makes.
#[derive(CandidType, Deserialize, Clone, Debug, PartialEq)]
pub struct Statement {
    /// 32 bytes.
    pub model_hash: ByteBuf,
    /// 32 bytes (big-endian BN254 scalar).
    pub input_commitment: ByteBuf,
    /// 32 bytes.
    pub seed: ByteBuf,
    /// The sampled class.
    pub output_index: u32,
    /// The output tensor or its commitment.
    pub output: Output,
}

/// Arguments of `verify` and `verify_query`.
#[derive(CandidType, Deserialize, Clone, Debug, PartialEq)]
pub struct VerifyArgs {
    /// The 128-byte Groth16 proof.
    pub proof: ByteBuf,
    /// The statement.
    pub statement: Statement,
    /// A seed ticket from `request_seed`: the statement must use its seed and input commitment, and
    /// `verify` consumes it.
    pub ticket: Option<u64>,
}

/// A verified inference.
#[derive(CandidType, Deserialize, Clone, Debug, PartialEq)]
pub struct Verified {
    /// Model.
    pub model_hash: ByteBuf,
    /// Input commitment.
    pub input_commitment: ByteBuf,
    /// Seed.
    pub seed: ByteBuf,
    /// The sampled class.
    pub output_index: u32,
    /// The output tensor or its commitment.
    pub output: Output,
    /// The ticket consumed, if any (then the seed was drawn by this canister).
    pub ticket: Option<u64>,
    /// Time of verification (ns since the epoch).
    pub verified_at: u64,
    /// Instructions this call had used when the proof was accepted.
    pub instructions: u64,
}

/// A seed ticket.
#[derive(CandidType, Deserialize, Clone, Debug, PartialEq)]
pub struct Ticket {
    /// Ticket id.
    pub id: u64,
    /// Model.
    pub model_hash: ByteBuf,
    /// The input commitment fixed before the seed was drawn.
    pub input_commitment: ByteBuf,
    /// 32 bytes from the management canister's `raw_rand`.
    pub seed: ByteBuf,
    /// Who requested it.
    pub caller: Principal,
    /// When it was issued (ns).
    pub issued_at: u64,
    /// After this time (ns) it is refused.
    pub expires_at: u64,
    /// Whether a `verify` consumed it.
    pub used: bool,
}

/// Settings given at install or upgrade.
#[derive(CandidType, Deserialize, Clone, Debug, PartialEq, Default)]
pub struct InitArgs {
    /// Ticket lifetime in seconds (default 600).
    pub ticket_ttl_seconds: Option<u64>,
    /// Most tickets kept at once (default 10,000).
    pub max_tickets: Option<u64>,
}

/// Canister statistics.
#[derive(CandidType, Deserialize, Clone, Debug, PartialEq)]
pub struct Stats {
    /// Registered models (retired included).
    pub models: u64,
    /// Tickets stored (used ones are kept until they expire).
    pub tickets: u64,
    /// Next ticket id.
    pub next_ticket_id: u64,
    /// Ticket lifetime (s).
    pub ticket_ttl_seconds: u64,
    /// Most tickets kept at once.
    pub max_tickets: u64,
}

/// Every way a call can fail. No bad input traps.
#[derive(CandidType, Deserialize, Clone, Debug, PartialEq)]
pub enum Error {
    /// Only controllers and registrars may do this.
    NotAuthorized {
        /// The caller.
        caller: Principal,
    },
    /// No model with this hash.
    UnknownModel {
        /// The model hash.
        model_hash: ByteBuf,
    },
    /// The model was retired.
    ModelRetired {
        /// The model hash.
        model_hash: ByteBuf,
    },
    /// A model with this hash is registered already.
    AlreadyRegistered {
        /// The model hash.
        model_hash: ByteBuf,
    },
    /// An argument is invalid (the reason says which).
    InvalidArgument {
        /// What is wrong.
        reason: String,
    },
    /// An argument exceeds its limit.
    ArgumentTooLarge {
        /// Which argument.
        what: String,
        /// Its size.
        size: u64,
        /// The limit.
        limit: u64,
    },
    /// The verifying key cannot be decoded.
    MalformedKey {
        /// What is wrong.
        reason: String,
    },
    /// The proof cannot be decoded.
    MalformedProof {
        /// What is wrong.
        reason: String,
    },
    /// The statement cannot be encoded.
    MalformedStatement {
        /// What is wrong.
        reason: String,
    },
    /// The statement does not fit the model (output length, class index).
    StatementMismatch {
        /// What is wrong.
        reason: String,
    },
    /// The proof does not prove the statement.
    ProofRejected,
    /// No such ticket (never issued, or expired and pruned).
    UnknownTicket {
        /// The ticket id.
        id: u64,
    },
    /// The ticket expired.
    TicketExpired {
        /// The ticket id.
        id: u64,
        /// When it expired (ns).
        expired_at: u64,
    },
    /// The ticket was consumed by an earlier `verify`.
    TicketAlreadyUsed {
        /// The ticket id.
        id: u64,
    },
    /// The statement does not match the ticket (model, input commitment or seed).
    TicketMismatch {
        /// The ticket id.
        id: u64,
        /// What is wrong.
        reason: String,
    },
    /// Too many outstanding tickets; retry after some expire.
    TooManyTickets {
        /// The limit.
        limit: u64,
    },
    /// The management canister's `raw_rand` failed.
    RandomnessUnavailable {
        /// What is wrong.
        reason: String,
    },
    /// The canister's own stored state could not be encoded or decoded (a bug in the canister: report it).
    StateCorrupt {
        /// What failed.
        reason: String,
    },
}
