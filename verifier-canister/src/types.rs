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
    /// halo2 over the Pasta curves (IPA; no trusted setup).
    #[serde(rename = "halo2")]
    Halo2,
}

/// The candid face of the protocol's [`verinfer_verifier::BackendId`] (candid names a type by its
/// Rust name, so the interface keeps its own; the conversion is exhaustive).
impl From<verinfer_verifier::BackendId> for Backend {
    fn from(b: verinfer_verifier::BackendId) -> Self {
        match b {
            verinfer_verifier::BackendId::Groth16 => Backend::Groth16,
            verinfer_verifier::BackendId::Halo2 => Backend::Halo2,
        }
    }
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

/// The candid face of the protocol's [`verinfer_verifier::OutputMode`].
impl From<verinfer_verifier::OutputMode> for OutputMode {
    fn from(m: verinfer_verifier::OutputMode) -> Self {
        match m {
            verinfer_verifier::OutputMode::Tensor => OutputMode::Tensor,
            verinfer_verifier::OutputMode::Commitment => OutputMode::Commitment,
        }
    }
}

/// How the Groth16 parameters of a verifying key were made.
#[derive(CandidType, Deserialize, Clone, Copy, Debug, PartialEq, Eq)]
pub enum SetupKind {
    /// `verinfer setup`: one party drew the randomness; whoever ran it could forge proofs.
    #[serde(rename = "single_party")]
    SingleParty,
    /// A ceremony: phase 1 from a Powers of Tau file, a multi-party phase 2 in snarkjs's `.zkey`
    /// format, optionally a random beacon. Sound if one contributor destroyed its randomness.
    #[serde(rename = "ceremony")]
    Ceremony,
    /// No setup secret at all (halo2: parameters derived from the circuit size).
    #[serde(rename = "transparent")]
    Transparent,
}

/// The random beacon applied last in a ceremony (snarkjs `zkey beacon`).
#[derive(CandidType, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct Beacon {
    /// The beacon value (1 to 255 bytes).
    pub hash: ByteBuf,
    /// SHA-256 was iterated `2^iterations_exp` times over it (10 to 63).
    pub iterations_exp: u8,
}

/// How a verifying key's Groth16 parameters were made, as its registrar declares it. The canister
/// cannot check a ceremony (too costly); it refuses malformed declarations, and a `ceremony` claim
/// for a key whose `gamma_g2` is not the G2 generator (every snarkjs phase 2 has gamma = 1, while
/// `verinfer setup` draws gamma at random). Anyone re-checks a declared ceremony offline:
/// `verinfer ceremony verify FINAL.zkey --ptau FILE.ptau BUILD` prints the transcript hash.
#[derive(CandidType, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct SetupProvenance {
    /// Single party or ceremony.
    pub kind: SetupKind,
    /// Phase-2 contributions, the beacon excluded (0 for single-party, at least 1 for a ceremony).
    pub contributions: u32,
    /// SHA-256 of the ceremony's final `.zkey` file (the transcript: every contribution's public
    /// key and the circuit hash); empty for single-party.
    pub transcript_hash: ByteBuf,
    /// SHA-256 of the phase-1 `.ptau` file; empty for single-party.
    pub ptau_hash: ByteBuf,
    /// The random beacon applied last, if any (none for single-party).
    pub beacon: Option<Beacon>,
}

impl SetupProvenance {
    /// `verinfer setup`'s provenance: what an absent `setup` argument means, and what models
    /// registered before provenance existed read as.
    pub fn single_party() -> SetupProvenance {
        SetupProvenance {
            kind: SetupKind::SingleParty,
            contributions: 0,
            transcript_hash: ByteBuf::new(),
            ptau_hash: ByteBuf::new(),
            beacon: None,
        }
    }

    /// A halo2 key's: no setup secret.
    pub fn transparent() -> SetupProvenance {
        SetupProvenance { kind: SetupKind::Transparent, ..SetupProvenance::single_party() }
    }
}

/// Arguments of `register_model`.
#[derive(CandidType, Deserialize, Clone, Debug, PartialEq)]
pub struct RegisterArgs {
    /// The `verifying.key` file written by `verinfer setup` or by a ceremony (it names its model hash).
    pub verifying_key: ByteBuf,
    /// Human-readable name.
    pub name: String,
    /// Release version.
    pub version: String,
    /// Free-form metadata (source, licence, accuracy...).
    pub metadata: Vec<(String, String)>,
    /// How the key was made; absent means single-party (`verinfer setup`). Refused with
    /// `InvalidProvenance` if malformed, `ProvenanceMismatch` if the key contradicts a ceremony
    /// claim, `CeremonyRequired` for a single-party key while `require_ceremony` is set.
    pub setup: Option<SetupProvenance>,
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
    /// Retired models verify nothing (until a controller rotates the key).
    pub retired: bool,
    /// SHA-256 of the current verifying key.
    pub key_hash: ByteBuf,
    /// How many times the key was replaced with `rotate_key`.
    pub key_rotations: u32,
    /// How the current key was made, as its registrar (or the controller that rotated it)
    /// declared it (models registered before this field existed: single-party).
    pub setup: SetupProvenance,
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
    /// A seed ticket from `request_seed`: the statement must use its seed and input commitment, only
    /// its requester (or the consumer it named) may use it, and `verify` consumes it.
    pub ticket: Option<u64>,
}

/// A verified inference, as `verify` returns it and stores it (certified: see `get_verification`).
#[derive(CandidType, Deserialize, Clone, Debug, PartialEq)]
pub struct Verified {
    /// Record id (`get_verification`); 0 for `verify_query`, which records nothing.
    pub id: u64,
    /// Model.
    pub model_hash: ByteBuf,
    /// SHA-256 of the verifying key that accepted the proof (it changes when a key is rotated).
    pub key_hash: ByteBuf,
    /// Input commitment.
    pub input_commitment: ByteBuf,
    /// Seed.
    pub seed: ByteBuf,
    /// The sampled class.
    pub output_index: u32,
    /// The output tensor or its commitment.
    pub output: Output,
    /// SHA-256 of the 128 proof bytes.
    pub proof_hash: ByteBuf,
    /// The ticket consumed, if any (then the seed was drawn by this canister).
    pub ticket: Option<u64>,
    /// Who called `verify`.
    pub caller: Principal,
    /// Time of verification (ns since the epoch).
    pub verified_at: u64,
    /// Instructions this call had used when the proof was accepted.
    pub instructions: u64,
}

/// Arguments of `request_seed`.
#[derive(CandidType, Deserialize, Clone, Debug, PartialEq)]
pub struct SeedRequest {
    /// The registered model that will be proven.
    pub model_hash: ByteBuf,
    /// The input commitment (32 bytes, big-endian BN254 scalar), fixed before the seed exists.
    pub input_commitment: ByteBuf,
    /// The caller's business event this draw is for (at most 64 bytes). While the ticket is kept, a
    /// second request from the same caller for the same event, or the same input commitment, is
    /// refused whatever the model (`DuplicateRequest`).
    pub event: Option<ByteBuf>,
    /// Besides the caller, the one principal that may consume the ticket with `verify`.
    pub consumer: Option<Principal>,
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
    /// Who requested it: it may consume the ticket.
    pub caller: Principal,
    /// The other principal the requester allowed to consume it.
    pub consumer: Option<Principal>,
    /// The requester's event, if it named one.
    pub event: Option<ByteBuf>,
    /// When it was issued (ns).
    pub issued_at: u64,
    /// The settlement deadline (ns): after it the ticket is abandoned and `verify` refuses it.
    pub expires_at: u64,
    /// Open, consumed (with the verification) or abandoned.
    pub status: TicketStatus,
}

/// Where a ticket stands. A contract tells "settled by me", "consumed by the consumer I named" and
/// "abandoned" apart from this and `Verified::caller`.
#[derive(CandidType, Deserialize, Clone, Debug, PartialEq)]
#[allow(clippy::large_enum_variant)] // a wire type, built once per call
pub enum TicketStatus {
    /// Not consumed, deadline not passed.
    #[serde(rename = "open")]
    Open,
    /// A `verify` accepted a proof with this ticket: the stored result.
    #[serde(rename = "consumed")]
    Consumed(Verified),
    /// The deadline passed without a verified proof (recorded against the requester).
    #[serde(rename = "abandoned")]
    Abandoned {
        /// The deadline that passed (ns).
        expired_at: u64,
    },
}

/// A verification record with what a client needs to check it against the subnet's signature.
#[derive(CandidType, Deserialize, Clone, Debug, PartialEq)]
pub struct CertifiedVerification {
    /// The record.
    pub verification: Verified,
    /// The subnet's certificate of this canister's certified data (`ic0.data_certificate`).
    pub certificate: ByteBuf,
    /// CBOR hash tree: `verifications / <id as 8 bytes big-endian>` -> SHA-256 of `candid`; its
    /// root hash is the certified data.
    pub witness: ByteBuf,
    /// The record's candid encoding as stored and certified (hash these bytes, then decode them:
    /// candid encodings are not canonical, so a client's own encoding may differ).
    pub candid: ByteBuf,
}

/// Arguments of `rotate_key`.
#[derive(CandidType, Deserialize, Clone, Debug, PartialEq)]
pub struct RotateArgs {
    /// The new `verifying.key` (it must name the same model hash).
    pub verifying_key: ByteBuf,
    /// Why (kept in the model's metadata as `rotated: <reason>`).
    pub reason: String,
    /// How the new key was made; absent means single-party. Checked as in `register_model`.
    pub setup: Option<SetupProvenance>,
}

/// Per-principal counters of the seed protocol.
#[derive(CandidType, Deserialize, Clone, Debug, PartialEq, Default)]
pub struct CallerStats {
    /// Tickets issued to this principal.
    pub issued: u64,
    /// Tickets open now (counted against its quota).
    pub open: u64,
    /// Tickets consumed by a verified proof.
    pub consumed: u64,
    /// Tickets whose deadline passed unconsumed.
    pub abandoned: u64,
    /// Cycles it paid.
    pub cycles_paid: u128,
}

/// Settings given at install or upgrade (each omitted one keeps its value; the numbers must be > 0).
#[derive(CandidType, Deserialize, Clone, Debug, PartialEq, Default)]
pub struct InitArgs {
    /// Settlement window of a ticket in seconds (default 600).
    pub ticket_ttl_seconds: Option<u64>,
    /// Most open tickets at once, all callers (default 10,000).
    pub max_tickets: Option<u64>,
    /// Most open tickets per caller (default 100).
    pub max_tickets_per_caller: Option<u64>,
    /// How long consumed or abandoned tickets and verification records are kept (s, default 86,400).
    pub retention_seconds: Option<u64>,
    /// Cycles a `request_seed` caller attaches and pays (default 40 M; controllers pay nothing).
    pub request_seed_fee: Option<u64>,
    /// Cycles a `verify` caller must attach (default 1 B); it pays the metered cost and gets the rest back.
    pub verify_fee: Option<u64>,
    /// Cost multiplier of the subnet in percent of a 13-node subnet (default 260: a 34-node subnet).
    pub subnet_cost_percent: Option<u64>,
    /// Refuse single-party keys in `register_model` and `rotate_key` (default false): only keys
    /// declared as coming from a ceremony are accepted. Models registered before it was set keep
    /// their keys and verify as before (their `setup` says `single_party`: retire them if needed).
    pub require_ceremony: Option<bool>,
}

/// Canister statistics.
#[derive(CandidType, Deserialize, Clone, Debug, PartialEq)]
pub struct Stats {
    /// Registered models (retired included).
    pub models: u64,
    /// Tickets stored (open, and closed ones kept for the retention period).
    pub tickets: u64,
    /// Open tickets (counted against the cap).
    pub open_tickets: u64,
    /// Next ticket id.
    pub next_ticket_id: u64,
    /// Ticket settlement window (s).
    pub ticket_ttl_seconds: u64,
    /// Most open tickets at once.
    pub max_tickets: u64,
    /// Most open tickets per caller.
    pub max_tickets_per_caller: u64,
    /// Retention of closed tickets and records (s).
    pub retention_seconds: u64,
    /// Fee of `request_seed` (cycles).
    pub request_seed_fee: u64,
    /// Cycles `verify` requires attached.
    pub verify_fee: u64,
    /// Subnet cost multiplier (percent of a 13-node subnet).
    pub subnet_cost_percent: u64,
    /// Whether `register_model` and `rotate_key` refuse single-party keys.
    pub require_ceremony: bool,
    /// Registered models (retired included) whose current key is declared as from a ceremony; the
    /// others are single-party.
    pub ceremony_models: u64,
    /// Tickets issued, consumed and abandoned since install.
    pub tickets_issued: u64,
    /// Tickets consumed.
    pub tickets_consumed: u64,
    /// Tickets abandoned.
    pub tickets_abandoned: u64,
    /// `verify` calls that accepted a proof.
    pub verifications_accepted: u64,
    /// `verify` calls that returned an error.
    pub verifications_refused: u64,
    /// Verification records kept.
    pub verification_records: u64,
    /// Cycles callers paid.
    pub cycles_collected: u128,
    /// The canister's cycle balance.
    pub cycle_balance: u128,
}

/// An HTTP request to the canister (the gateway's `http_request` interface).
#[derive(CandidType, Deserialize, Clone, Debug, PartialEq)]
pub struct HttpRequest {
    /// Method.
    pub method: String,
    /// Path and query.
    pub url: String,
    /// Headers.
    pub headers: Vec<(String, String)>,
    /// Body.
    pub body: ByteBuf,
}

/// The answer to an `HttpRequest`.
#[derive(CandidType, Deserialize, Clone, Debug, PartialEq)]
pub struct HttpResponse {
    /// Status code.
    pub status_code: u16,
    /// Headers.
    pub headers: Vec<(String, String)>,
    /// Body.
    pub body: ByteBuf,
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
    /// The ticket belongs to another requester (only its caller or named consumer may use it).
    TicketNotYours {
        /// The ticket id.
        id: u64,
        /// Who tried.
        caller: Principal,
    },
    /// The anonymous principal may not call this method.
    AnonymousCaller,
    /// Too few cycles attached to the call.
    InsufficientCycles {
        /// Cycles the call needs attached.
        required: u64,
        /// Cycles attached.
        attached: u64,
    },
    /// The caller holds its quota of open tickets; retry after some are consumed or expire.
    QuotaExceeded {
        /// The caller.
        caller: Principal,
        /// Open tickets allowed per caller.
        limit: u64,
    },
    /// The caller already holds a ticket for this event or input commitment.
    DuplicateRequest {
        /// The existing ticket (none while its seed is still being drawn).
        ticket: Option<u64>,
        /// What repeated: "event" or "input_commitment".
        reason: String,
    },
    /// The method answers non-replicated queries only (called from a canister it would run
    /// replicated, at this canister's expense): call `verify`, which the caller pays for.
    QueryOnly {
        /// The method.
        method: String,
    },
    /// The declared setup provenance is malformed (the reason says which field).
    InvalidProvenance {
        /// What is wrong.
        reason: String,
    },
    /// The key contradicts its declared provenance: a `ceremony` claim for a key whose `gamma_g2`
    /// is not the G2 generator (a snarkjs phase 2 always has gamma = 1; `verinfer setup` draws it).
    ProvenanceMismatch {
        /// What is wrong.
        reason: String,
    },
    /// The canister accepts only keys from a ceremony (`InitArgs.require_ceremony`) and this one is
    /// declared single-party (or declares nothing).
    CeremonyRequired {
        /// The model hash the key names.
        model_hash: ByteBuf,
    },
    /// A halo2 circuit too large to verify within one message's instruction limit (40 B): the key
    /// has `2^k` rows, this canister verifies up to `2^max_k`.
    CircuitTooLarge {
        /// The key's `k`.
        k: u32,
        /// The largest `k` accepted.
        max_k: u32,
    },
    /// An error this interface version does not name yet (clients should treat it as a refusal).
    Other {
        /// Machine-readable code.
        code: u32,
        /// Description.
        message: String,
    },
}
