//! Commitments to quantized tensors (native), as the statement defines them.
//!
//! `commit(domain, salt, q, b) = hash_chain([domain, salt, n, b, P_0, P_1, ...])` where `hash_chain`
//! is `crate::poseidon::hash_chain` (circomlib Poseidon calls), `domain` is the big-endian integer of
//! the ASCII tag, `n` the number of values, `b` their signed width, and `P_k` packs
//! `floor(253 / b)` offset values `u_i = q_i + 2^(b-1)` (each in `[0, 2^b)`) little-endian:
//! `P_k = sum_j u_{k*per + j} * 2^(b*j)`. The salt makes the commitment hiding; 0 is allowed when the
//! input is public anyway.
use crate::poseidon::hash_chain;
use ark_bn254::Fr;
use ark_ff::PrimeField;

use verinfer_protocol::tags::{CommitmentHeader, COMMITMENT_HEADER};
pub use verinfer_protocol::tags::{INPUT_DOMAIN, OUTPUT_DOMAIN};

/// A domain tag as a field element.
pub fn domain(tag: &[u8]) -> Fr {
    Fr::from_be_bytes_mod_order(tag)
}

pub use verinfer_protocol::tags::per_element;

/// Packs `values` (each in `[-2^(b-1), 2^(b-1))`) into field elements.
pub fn pack(values: &[i64], b: u8) -> Vec<Fr> {
    let shift = crate::r1cs::pow2(b as u32);
    values
        .chunks(per_element(b))
        .map(|chunk| {
            let mut acc = Fr::from(0u64);
            for &v in chunk.iter().rev() {
                acc = acc * shift + Fr::from((v as i128 + (1i128 << (b - 1))) as u128);
            }
            acc
        })
        .collect()
}

/// The field elements a commitment hashes: the protocol's header, then the packed values.
pub fn elements(tag: &[u8], salt: Fr, values: &[i64], b: u8) -> Vec<Fr> {
    let mut e: Vec<Fr> = COMMITMENT_HEADER
        .map(|h| match h {
            CommitmentHeader::Tag => domain(tag),
            CommitmentHeader::Salt => salt,
            CommitmentHeader::Count => Fr::from(values.len() as u64),
            CommitmentHeader::Width => Fr::from(b as u64),
        })
        .to_vec();
    e.extend(pack(values, b));
    e
}

/// The commitment.
pub fn commit(tag: &[u8], salt: Fr, values: &[i64], b: u8) -> Fr {
    hash_chain(&elements(tag, salt, values, b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn packing_is_offset_little_endian() {
        let p = pack(&[-128, 127, 0], 8);
        assert_eq!(p, vec![Fr::from((255 * 256) + 128 * 65536)]);
        assert_eq!(pack(&vec![0; 32], 8).len(), 2);
    }

    #[test]
    fn salt_and_values_change_the_commitment() {
        let a = commit(INPUT_DOMAIN, Fr::from(1u64), &[1, 2, 3], 16);
        assert_ne!(a, commit(INPUT_DOMAIN, Fr::from(2u64), &[1, 2, 3], 16));
        assert_ne!(a, commit(INPUT_DOMAIN, Fr::from(1u64), &[1, 2, 4], 16));
        assert_ne!(a, commit(OUTPUT_DOMAIN, Fr::from(1u64), &[1, 2, 3], 16));
        assert_ne!(a, commit(INPUT_DOMAIN, Fr::from(1u64), &[1, 2, 3, 0], 16));
    }
}
