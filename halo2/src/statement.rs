//! The statement in the Pasta field: the halo2 backend's encoding of the protocol's statement.
//!
//! Same slots, same order and same commitment layout as Groth16's (`verinfer_protocol`), with
//! [`crate::poseidon`] for the hash: `commit(tag, salt, q, b) = Poseidon([tag, salt, n, b, P_0,
//! P_1, ...])` with `P_k` packing `floor(253 / b)` offset values `q_i + 2^(b-1)` little-endian.
//! Public inputs: the model hash and seed as 128-bit halves, the input commitment as an element,
//! the index, then the output values (negative as `p - |v|`) or their commitment.
use crate::field::{fp, from_bytes, from_tag, pow2, to_bytes, Fp};
use crate::poseidon::hash;
use ff::{Field, PrimeField};
use verinfer_protocol::tags::{CommitmentHeader, COMMITMENT_HEADER};
use verinfer_protocol::{OutputClaim, Slot, Statement};

pub use verinfer_protocol::tags::per_element;

/// The elements a commitment hashes: the protocol's header, then the packed values.
pub fn elements(tag: &[u8], salt: Fp, values: &[i64], b: u8) -> Vec<Fp> {
    let mut e: Vec<Fp> = COMMITMENT_HEADER
        .map(|h| match h {
            CommitmentHeader::Tag => from_tag(tag),
            CommitmentHeader::Salt => salt,
            CommitmentHeader::Count => Fp::from(values.len() as u64),
            CommitmentHeader::Width => Fp::from(b as u64),
        })
        .to_vec();
    let shift = pow2(b as u32);
    e.extend(
        values
            .chunks(per_element(b))
            .map(|chunk| chunk.iter().rev().fold(Fp::ZERO, |acc, &v| acc * shift + fp(v as i128 + (1i128 << (b - 1))))),
    );
    e
}

/// The commitment, as 32 big-endian bytes.
pub fn commit(tag: &[u8], salt: Fp, values: &[i64], b: u8) -> [u8; 32] {
    to_bytes(&hash(&elements(tag, salt, values, b)))
}

/// The Poseidon inputs of draw `step` (the protocol's randomness inputs, in the Pasta field).
pub fn randomness_inputs(seed: &[u8; 32], input_commitment: Fp, model_hash: &[u8; 32], step: u64) -> Vec<Fp> {
    use verinfer_protocol::tags::{RandomnessInput, RANDOMNESS_INPUTS, SAMPLE_DOMAIN};
    RANDOMNESS_INPUTS
        .iter()
        .map(|input| match *input {
            RandomnessInput::Tag => from_tag(SAMPLE_DOMAIN),
            RandomnessInput::Seed(h) => Fp::from_u128(h.of(seed)),
            RandomnessInput::InputCommitment => input_commitment,
            RandomnessInput::ModelHash(h) => Fp::from_u128(h.of(model_hash)),
            RandomnessInput::Step => Fp::from(step),
        })
        .collect()
}

/// `u mod 2^64` of the canonical integer of `u`.
pub fn low_u64(u: Fp) -> u64 {
    let r = u.to_repr();
    u64::from_le_bytes([r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7]])
}

/// A statement's value in `slot`.
pub fn public_input(s: &Statement, slot: Slot) -> Result<Fp, String> {
    let element =
        |b: &[u8; 32], what: &str| from_bytes(b).ok_or_else(|| format!("{what} is not a Pasta field element"));
    Ok(match slot {
        Slot::ModelHash(h) => Fp::from_u128(h.of(&s.model_hash)),
        Slot::Seed(h) => Fp::from_u128(h.of(&s.seed)),
        Slot::InputCommitment => element(&s.input_commitment, "the input commitment")?,
        Slot::OutputIndex => Fp::from(s.output_index as u64),
        Slot::OutputValue(i) => match &s.output {
            OutputClaim::Tensor(v) => {
                fp(*v.get(i as usize).ok_or("the output tensor is shorter than its layout")? as i128)
            }
            OutputClaim::Commitment(_) => return Err("a commitment statement has no output values".into()),
        },
        Slot::OutputCommitment => match &s.output {
            OutputClaim::Commitment(c) => element(c, "the output commitment")?,
            OutputClaim::Tensor(_) => return Err("a tensor statement has no output commitment".into()),
        },
    })
}

/// Every public input of `s`, in the protocol's order.
pub fn public_inputs(s: &Statement) -> Result<Vec<Fp>, String> {
    s.layout().slots().map(|slot| public_input(s, slot)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn packing_is_offset_little_endian_after_the_header() {
        let e = elements(b"t", Fp::from(9), &[-128, 127, 0], 8);
        assert_eq!(e.len(), 5);
        assert_eq!(e[..4], [Fp::from(b't' as u64), Fp::from(9), Fp::from(3), Fp::from(8)]);
        assert_eq!(e[4], Fp::from(255 * 256 + 128 * 65536));
        assert_eq!(elements(b"t", Fp::ZERO, &[0; 32], 8).len(), 4 + 2);
    }

    #[test]
    fn halves_and_negative_outputs_are_encoded_as_documented() {
        let mut hash = [0u8; 32];
        hash[0] = 0x80;
        hash[15] = 1;
        hash[31] = 2;
        let s = Statement {
            model_hash: hash,
            input_commitment: to_bytes(&Fp::from(5)),
            seed: [0; 32],
            output_index: 1,
            output: OutputClaim::Tensor(vec![-3, 4]),
        };
        let p = public_inputs(&s).unwrap();
        assert_eq!(
            p,
            vec![
                Fp::from_u128((1 << 127) | 1),
                Fp::from(2),
                Fp::from(5),
                Fp::ZERO,
                Fp::ZERO,
                Fp::ONE,
                -Fp::from(3),
                Fp::from(4)
            ]
        );
        let bad = Statement { input_commitment: [0xff; 32], ..s };
        assert!(public_inputs(&bad).unwrap_err().contains("input commitment"));
        assert_eq!(Fp::NUM_BITS, 255);
    }
}
