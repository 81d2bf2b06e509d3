//! The verifier canister's types this contract uses, mirrored from `verifier-canister/verifier.did`
//! as a client generated from that file would have them (the example does not depend on the
//! verifier's crate: a real integrator has only the `.did`). `Error` is mirrored in full so that a
//! refusal can carry the verifier's own error; `Ticket` and `Verified` carry every field. A test
//! checks each mirror against `verifier-canister/verifier.did` (candid type equality), so a change
//! of the verifier's interface shows up in `cargo test -p defi-caller`.
//!
//! If the verifier adds an `Error` variant this copy does not know, its reply no longer decodes
//! into [`Error`]; the contract then reports `DefiError::UndecodableReply` and treats the call as
//! refused (see `lib.rs`).
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
    /// No setup secret at all (halo2 keys).
    #[serde(rename = "transparent")]
    Transparent,
}

/// The random beacon applied last in a ceremony.
#[derive(CandidType, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct Beacon {
    /// The beacon value (1 to 255 bytes).
    pub hash: ByteBuf,
    /// SHA-256 was iterated `2^iterations_exp` times over it (10 to 63).
    pub iterations_exp: u8,
}

/// How a verifying key's Groth16 parameters were made, as its registrar declared it to the
/// verifier (which refuses malformed declarations and a ceremony claim its key contradicts). Anyone
/// re-checks a declared ceremony offline with `verinfer ceremony verify FINAL.zkey --ptau FILE.ptau
/// BUILD`, which prints the transcript hash to compare with `transcript_hash`.
#[derive(CandidType, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct SetupProvenance {
    /// Single party or ceremony.
    pub kind: SetupKind,
    /// Phase-2 contributions, the beacon excluded (0 for single-party).
    pub contributions: u32,
    /// SHA-256 of the ceremony's final `.zkey` file; empty for single-party.
    pub transcript_hash: ByteBuf,
    /// SHA-256 of the phase-1 `.ptau` file; empty for single-party.
    pub ptau_hash: ByteBuf,
    /// The random beacon applied last, if any.
    pub beacon: Option<Beacon>,
}

/// A registered model, as the verifier's `get_model` returns it.
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
    /// Instructions the registration took.
    pub registration_instructions: u64,
    /// Retired models verify nothing.
    pub retired: bool,
    /// SHA-256 of the current verifying key (`Verified.key_hash` names the key that accepted a proof).
    pub key_hash: ByteBuf,
    /// How many times the key was replaced.
    pub key_rotations: u32,
    /// How the current key was made.
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

/// Arguments of the verifier's `verify` (and of this contract's `settle`).
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

/// Arguments of the verifier's `request_seed`.
#[derive(CandidType, Deserialize, Clone, Debug, PartialEq)]
pub struct SeedRequest {
    /// The registered model that will be proven.
    pub model_hash: ByteBuf,
    /// The input commitment (32 bytes, big-endian BN254 scalar), fixed before the seed exists.
    pub input_commitment: ByteBuf,
    /// The caller's business event this draw is for (at most 64 bytes).
    pub event: Option<ByteBuf>,
    /// Besides the caller, the one principal that may consume the ticket with `verify`.
    pub consumer: Option<Principal>,
}

/// A verified inference, as the verifier's `verify` returns it.
#[derive(CandidType, Deserialize, Clone, Debug, PartialEq)]
pub struct Verified {
    /// Record id (`get_verification`).
    pub id: u64,
    /// Model.
    pub model_hash: ByteBuf,
    /// SHA-256 of the verifying key that accepted the proof.
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
    /// The ticket consumed, if any.
    pub ticket: Option<u64>,
    /// Who called `verify`.
    pub caller: Principal,
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

/// Where a ticket stands.
#[derive(CandidType, Deserialize, Clone, Debug, PartialEq)]
#[allow(clippy::large_enum_variant)] // as a generated client has it; read once per recovery
pub enum TicketStatus {
    /// Not consumed, deadline not passed.
    #[serde(rename = "open")]
    Open,
    /// A `verify` accepted a proof with this ticket: the stored result.
    #[serde(rename = "consumed")]
    Consumed(Verified),
    /// The deadline passed without a verified proof.
    #[serde(rename = "abandoned")]
    Abandoned {
        /// The deadline that passed (ns).
        expired_at: u64,
    },
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
    /// replicated, at the verifier's expense): call `verify`, which the caller pays for.
    QueryOnly {
        /// The method.
        method: String,
    },
    /// The declared setup provenance is malformed (the reason says which field).
    InvalidProvenance {
        /// What is wrong.
        reason: String,
    },
    /// The key contradicts its declared provenance (a ceremony claim for a key whose `gamma_g2` is
    /// not the G2 generator).
    ProvenanceMismatch {
        /// What is wrong.
        reason: String,
    },
    /// The verifier accepts only keys from a ceremony and this one is declared single-party.
    CeremonyRequired {
        /// The model hash the key names.
        model_hash: ByteBuf,
    },
    /// A halo2 circuit too large to verify within one message (`2^k` rows, at most `2^max_k`).
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

#[cfg(test)]
mod tests {
    use super::*;
    use candid::types::internal::TypeContainer;
    use candid::types::{Type, TypeInner};
    use candid_parser::utils::CandidSource;

    /// `T` is the type `name` of the verifier's committed interface (so a changed `verifier.did`
    /// fails here, not in a settlement).
    fn mirrors<T: CandidType>(name: &str) {
        let did = include_str!("../../../verifier-canister/verifier.did");
        let (mut env, _) = CandidSource::Text(did).load().expect("verifier.did parses");
        let theirs: Type = TypeInner::Var(name.into()).into();
        env.find_type(name).unwrap_or_else(|e| panic!("verifier.did: {e}"));
        let mut ours = TypeContainer::new();
        let t = ours.add::<T>();
        let t = env.merge_type(ours.env, t);
        candid::types::subtype::equal(&mut Default::default(), &env, &theirs, &t)
            .unwrap_or_else(|e| panic!("the mirror of {name} differs from verifier.did: {e}"));
    }

    #[test]
    fn the_mirrored_types_are_the_verifiers() {
        mirrors::<Error>("Error");
        mirrors::<Output>("Output");
        mirrors::<Statement>("Statement");
        mirrors::<VerifyArgs>("VerifyArgs");
        mirrors::<SeedRequest>("SeedRequest");
        mirrors::<Verified>("Verified");
        mirrors::<Ticket>("Ticket");
        mirrors::<TicketStatus>("TicketStatus");
        mirrors::<ModelInfo>("ModelInfo");
        mirrors::<SetupProvenance>("SetupProvenance");
        mirrors::<SetupKind>("SetupKind");
        mirrors::<Beacon>("Beacon");
    }
}
