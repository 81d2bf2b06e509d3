//! The statement a proof makes and its encoding as public inputs.
//!
//! Public inputs, in order (BN254 scalars):
//! 1. `model_hash` as two 128-bit limbs, high half first (bytes 0..16 and 16..32, big-endian);
//! 2. `input_commitment` (a field element, 32 bytes big-endian);
//! 3. `seed` as two 128-bit limbs, high half first;
//! 4. `output_index`;
//! 5. the output tensor's quantized values (negative values as p - |v|), or one commitment to them.
use crate::{error::VerifyError, Fr};
use alloc::{format, vec::Vec};
use ark_ff::{BigInteger, PrimeField};
use serde::{Deserialize, Serialize};

/// What the statement reveals of the output tensor.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OutputMode {
    /// Every quantized output value is public.
    Tensor,
    /// A Poseidon commitment to the output values is public.
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

impl StatementLayout {
    /// Number of public inputs.
    pub fn num_public_inputs(&self) -> usize {
        6 + match self.output_mode {
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

/// Two 128-bit limbs of 32 bytes, high half first.
pub fn limbs(bytes: &[u8; 32]) -> [Fr; 2] {
    let hi = u128::from_be_bytes(bytes[..16].try_into().unwrap_or([0; 16]));
    let lo = u128::from_be_bytes(bytes[16..].try_into().unwrap_or([0; 16]));
    [Fr::from(hi), Fr::from(lo)]
}

/// A signed integer as a field element.
pub fn fr_from_i64(v: i64) -> Fr {
    let a = Fr::from(v.unsigned_abs());
    if v < 0 {
        -a
    } else {
        a
    }
}

/// A field element as 32 bytes big-endian.
pub fn fr_to_bytes(f: &Fr) -> [u8; 32] {
    let mut out = [0u8; 32];
    out.copy_from_slice(&f.into_bigint().to_bytes_be());
    out
}

/// A canonical field element from 32 bytes big-endian.
pub fn fr_from_bytes_checked(b: &[u8; 32]) -> Result<Fr, VerifyError> {
    fr_from_bytes(b, "value")
}

/// A canonical field element from 32 bytes big-endian; `what` names it in the error.
pub fn fr_from_bytes(b: &[u8; 32], what: &str) -> Result<Fr, VerifyError> {
    let f = Fr::from_be_bytes_mod_order(b);
    if fr_to_bytes(&f) != *b {
        return Err(VerifyError::MalformedStatement(format!(
            "{what} is not a canonical BN254 scalar (it is not below the field modulus)"
        )));
    }
    Ok(f)
}

impl Statement {
    /// The layout this statement has.
    pub fn layout(&self) -> StatementLayout {
        match &self.output {
            OutputClaim::Tensor(v) => StatementLayout { output_mode: OutputMode::Tensor, output_len: v.len() as u32 },
            OutputClaim::Commitment(_) => StatementLayout { output_mode: OutputMode::Commitment, output_len: 0 },
        }
    }

    /// The public inputs, in the documented order.
    pub fn public_inputs(&self) -> Result<Vec<Fr>, VerifyError> {
        let mut v = Vec::with_capacity(8);
        v.extend(limbs(&self.model_hash));
        v.push(fr_from_bytes(&self.input_commitment, "input_commitment")?);
        v.extend(limbs(&self.seed));
        v.push(Fr::from(self.output_index as u64));
        match &self.output {
            OutputClaim::Tensor(values) => v.extend(values.iter().map(|&x| fr_from_i64(x))),
            OutputClaim::Commitment(c) => v.push(fr_from_bytes(c, "output commitment")?),
        }
        Ok(v)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limbs_split_high_first() {
        let mut b = [0u8; 32];
        b[15] = 1;
        b[31] = 2;
        assert_eq!(limbs(&b), [Fr::from(1u64), Fr::from(2u64)]);
    }

    #[test]
    fn non_canonical_commitment_is_malformed() {
        let s = Statement {
            model_hash: [0; 32],
            input_commitment: [0xff; 32],
            seed: [0; 32],
            output_index: 0,
            output: OutputClaim::Tensor(alloc::vec![1, -1]),
        };
        assert!(matches!(s.public_inputs(), Err(VerifyError::MalformedStatement(_))));
        let ok = Statement { input_commitment: [0; 32], ..s };
        let pi = ok.public_inputs().unwrap();
        assert_eq!(pi.len(), ok.layout().num_public_inputs());
        assert_eq!(pi[7], -Fr::from(1u64));
    }
}
