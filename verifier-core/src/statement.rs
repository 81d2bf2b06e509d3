//! The BN254 encoding of a statement: each public input ([`Slot`], in the protocol's order) as a
//! scalar of BN254's scalar field. The statement itself and the order are `verinfer_protocol`'s.
use crate::{error::VerifyError, Fr};
use alloc::{format, vec::Vec};
use ark_ff::{BigInteger, PrimeField};
pub use verinfer_protocol::{Half, OutputClaim, OutputMode, Slot, Statement, StatementLayout};

/// Two 128-bit limbs of 32 bytes, high half first.
pub fn limbs(bytes: &[u8; 32]) -> [Fr; 2] {
    [Half::High, Half::Low].map(|h| Fr::from(h.of(bytes)))
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

/// Public input `slot` of `statement`; an error if the statement has no such input or a 32-byte
/// value is not a canonical scalar.
pub fn public_input(statement: &Statement, slot: Slot) -> Result<Fr, VerifyError> {
    let missing = || VerifyError::MalformedStatement(format!("the statement has no public input {slot:?}"));
    Ok(match slot {
        Slot::ModelHash(half) => Fr::from(half.of(&statement.model_hash)),
        Slot::InputCommitment => fr_from_bytes(&statement.input_commitment, "input_commitment")?,
        Slot::Seed(half) => Fr::from(half.of(&statement.seed)),
        Slot::OutputIndex => Fr::from(statement.output_index as u64),
        Slot::OutputValue(i) => match &statement.output {
            OutputClaim::Tensor(values) => fr_from_i64(*values.get(i as usize).ok_or_else(missing)?),
            OutputClaim::Commitment(_) => return Err(missing()),
        },
        Slot::OutputCommitment => match &statement.output {
            OutputClaim::Commitment(c) => fr_from_bytes(c, "output commitment")?,
            OutputClaim::Tensor(_) => return Err(missing()),
        },
    })
}

/// A statement's public inputs as BN254 scalars.
pub trait PublicInputs {
    /// Every public input, in the order of the statement's layout ([`StatementLayout::slots`]).
    fn public_inputs(&self) -> Result<Vec<Fr>, VerifyError>;
}

impl PublicInputs for Statement {
    fn public_inputs(&self) -> Result<Vec<Fr>, VerifyError> {
        let layout = self.layout();
        if let OutputClaim::Tensor(values) = &self.output {
            if values.len() != layout.output_len as usize {
                return Err(VerifyError::MalformedStatement(format!("{} output values", values.len())));
            }
        }
        layout.slots().map(|slot| public_input(self, slot)).collect()
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
