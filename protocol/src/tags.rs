//! Domain tags, the elements of a tensor commitment and the inputs of the sampling randomness: what
//! the native code, every circuit and outside clients (circomlibjs) hash. A tag enters a hash as the
//! big-endian integer of its ASCII.
use crate::statement::Half;

/// Domain tag of input commitments.
pub const INPUT_DOMAIN: &[u8] = b"verinfer/input/v1";
/// Domain tag of output commitments.
pub const OUTPUT_DOMAIN: &[u8] = b"verinfer/output/v1";
/// Domain tag of the sampling randomness.
pub const SAMPLE_DOMAIN: &[u8] = b"verinfer/sample/v1";

/// One of the elements a tensor commitment starts with; the packed values follow them
/// (docs/statement.md: `floor(253 / b)` offset values a field element, little-endian).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CommitmentHeader {
    /// [`INPUT_DOMAIN`] or [`OUTPUT_DOMAIN`].
    Tag,
    /// The prover's salt (what makes the commitment hiding).
    Salt,
    /// The number of values.
    Count,
    /// Their signed width `b`.
    Width,
}

/// Values packed per field element at width `b` in a commitment: `floor(253 / b)` offset values
/// `q + 2^(b-1)` little-endian (at least one), so a packed element stays below both backends'
/// moduli (BN254's scalar field and Pasta's, both above `2^253`).
pub fn per_element(b: u8) -> usize {
    (253 / b.max(1) as usize).max(1)
}

/// The elements before the packed values, in order: `hash_chain([tag, salt, n, b, P_0, P_1, ...])`.
pub const COMMITMENT_HEADER: [CommitmentHeader; 4] =
    [CommitmentHeader::Tag, CommitmentHeader::Salt, CommitmentHeader::Count, CommitmentHeader::Width];

/// One input of the randomness hash `u = Poseidon(...)` of a draw.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RandomnessInput {
    /// [`SAMPLE_DOMAIN`].
    Tag,
    /// Half of the seed.
    Seed(Half),
    /// The input commitment.
    InputCommitment,
    /// Half of the model hash.
    ModelHash(Half),
    /// The draw's number (0 for the single draw a statement proves).
    Step,
}

/// The randomness hash's inputs, in order: `Poseidon(tag, seed_hi, seed_lo, input_commitment,
/// hash_hi, hash_lo, step)`.
pub const RANDOMNESS_INPUTS: [RandomnessInput; 7] = [
    RandomnessInput::Tag,
    RandomnessInput::Seed(Half::High),
    RandomnessInput::Seed(Half::Low),
    RandomnessInput::InputCommitment,
    RandomnessInput::ModelHash(Half::High),
    RandomnessInput::ModelHash(Half::Low),
    RandomnessInput::Step,
];
