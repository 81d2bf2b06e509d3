//! The statement a proof makes, and the order of its public inputs.
//!
//! Public inputs, in order ([`StatementLayout::slots`]):
//! 1. `model_hash` as two 128-bit halves, high half first (bytes 0..16 and 16..32, big-endian);
//! 2. `input_commitment` (a field element, 32 bytes big-endian);
//! 3. `seed` as two 128-bit halves, high half first;
//! 4. `output_index`;
//! 5. the output tensor's quantized values (negative values as `p - |v|`), or one commitment to them.
use alloc::vec::Vec;
use serde::{Deserialize, Serialize};

/// What the statement reveals of the output tensor besides the chosen index. Part of the model
/// hash (the compiled model records it) and of the verifying key.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OutputMode {
    /// Every quantized output value is a public input.
    Tensor,
    /// Only a Poseidon commitment to the quantized output values is public.
    Commitment,
}

/// The shape of the statements a circuit proves; stored with its verifying key.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatementLayout {
    /// Output mode.
    pub output_mode: OutputMode,
    /// Number of output values.
    pub output_len: u32,
}

/// Which half of 32 bytes: each is a 128-bit big-endian integer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Half {
    /// Bytes 0..16.
    High,
    /// Bytes 16..32.
    Low,
}

impl Half {
    /// This half of `bytes` as an integer.
    pub fn of(self, bytes: &[u8; 32]) -> u128 {
        let mut half = [0u8; 16];
        half.copy_from_slice(match self {
            Half::High => &bytes[..16],
            Half::Low => &bytes[16..],
        });
        u128::from_be_bytes(half)
    }
}

/// One public input of a statement.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Slot {
    /// Half of the model hash.
    ModelHash(Half),
    /// The input commitment.
    InputCommitment,
    /// Half of the seed.
    Seed(Half),
    /// The sampled class.
    OutputIndex,
    /// Output value `i` (layout [`OutputMode::Tensor`]).
    OutputValue(u32),
    /// The commitment to the output values (layout [`OutputMode::Commitment`]).
    OutputCommitment,
}

/// The public inputs every statement starts with.
const HEAD: [Slot; 6] = [
    Slot::ModelHash(Half::High),
    Slot::ModelHash(Half::Low),
    Slot::InputCommitment,
    Slot::Seed(Half::High),
    Slot::Seed(Half::Low),
    Slot::OutputIndex,
];

impl StatementLayout {
    /// The public inputs of this layout, in order: the one definition every backend's circuit,
    /// the verifier and the exports follow.
    pub fn slots(&self) -> impl Iterator<Item = Slot> {
        let (values, commitment) = match self.output_mode {
            OutputMode::Tensor => (0..self.output_len, None),
            OutputMode::Commitment => (0..0, Some(Slot::OutputCommitment)),
        };
        HEAD.into_iter().chain(values.map(Slot::OutputValue)).chain(commitment)
    }

    /// Number of public inputs.
    pub fn num_public_inputs(&self) -> usize {
        HEAD.len()
            + match self.output_mode {
                OutputMode::Tensor => self.output_len as usize,
                OutputMode::Commitment => 1,
            }
    }
}

/// The revealed output.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OutputClaim {
    /// The quantized output values.
    Tensor(Vec<i64>),
    /// Poseidon commitment to the output values, 32 bytes big-endian.
    Commitment([u8; 32]),
}

/// "There is an input committed to by `input_commitment` such that model `model_hash`, evaluated with
/// verinfer's integer semantics and sampled with `seed`, gives `output_index` (and `output`)."
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Statement {
    /// SHA-256 of the compiled model.
    pub model_hash: [u8; 32],
    /// Poseidon commitment to (domain, salt, quantized input), big-endian field element.
    pub input_commitment: [u8; 32],
    /// 32 bytes the prover did not choose.
    pub seed: [u8; 32],
    /// The sampled class.
    pub output_index: u32,
    /// The output tensor or its commitment.
    pub output: OutputClaim,
}

impl Statement {
    /// The layout this statement has.
    pub fn layout(&self) -> StatementLayout {
        match &self.output {
            OutputClaim::Tensor(v) => StatementLayout { output_mode: OutputMode::Tensor, output_len: v.len() as u32 },
            OutputClaim::Commitment(_) => StatementLayout { output_mode: OutputMode::Commitment, output_len: 0 },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec;

    #[test]
    fn slots_follow_the_documented_order_and_count() {
        let tensor = StatementLayout { output_mode: OutputMode::Tensor, output_len: 3 };
        let slots: Vec<Slot> = tensor.slots().collect();
        assert_eq!(slots.len(), tensor.num_public_inputs());
        assert_eq!(slots[..6], HEAD);
        assert_eq!(slots[6..], [Slot::OutputValue(0), Slot::OutputValue(1), Slot::OutputValue(2)]);
        let commitment = StatementLayout { output_mode: OutputMode::Commitment, output_len: 10 };
        let slots: Vec<Slot> = commitment.slots().collect();
        assert_eq!(slots.len(), commitment.num_public_inputs());
        assert_eq!(slots[6..], [Slot::OutputCommitment]);
    }

    #[test]
    fn halves_are_big_endian_high_first() {
        let mut b = [0u8; 32];
        b[0] = 0x80;
        b[15] = 1;
        b[31] = 2;
        assert_eq!(Half::High.of(&b), (1 << 127) | 1);
        assert_eq!(Half::Low.of(&b), 2);
        let s = Statement {
            model_hash: b,
            input_commitment: [0; 32],
            seed: [0; 32],
            output_index: 0,
            output: OutputClaim::Tensor(vec![1, 2]),
        };
        assert_eq!(s.layout(), StatementLayout { output_mode: OutputMode::Tensor, output_len: 2 });
    }
}
