//! The randomness of a draw (native): `u = Poseidon(tag, seed_hi, seed_lo, input_commitment, hash_hi,
//! hash_lo, step)` and `r = u mod 2^64` (of `u`'s canonical integer in `[0, p)`).
//!
//! `tag` is the big-endian integer of `"verinfer/sample/v1"`, the seed and model hash enter as two
//! 128-bit big-endian limbs each (as in the statement), and `step` is 0 for the single draw a
//! statement proves. circomlibjs users can recompute `u` with `poseidon([tag, ...])` (7 inputs).
//! The integer draw itself is `verinfer_ir::sampling`; the gadget is `crate::r1cs::sampling`.
use crate::commit::domain;
use crate::poseidon::hash;
use ark_bn254::Fr;
use ark_ff::PrimeField;
pub use verinfer_protocol::tags::SAMPLE_DOMAIN;
use verinfer_protocol::tags::{RandomnessInput, RANDOMNESS_INPUTS};

/// The Poseidon inputs of draw `step`, in the protocol's order.
pub fn randomness_inputs(seed: &[u8; 32], input_commitment: &[u8; 32], model_hash: &[u8; 32], step: u64) -> [Fr; 7] {
    RANDOMNESS_INPUTS.map(|input| match input {
        RandomnessInput::Tag => domain(SAMPLE_DOMAIN),
        RandomnessInput::Seed(h) => Fr::from(h.of(seed)),
        RandomnessInput::InputCommitment => Fr::from_be_bytes_mod_order(input_commitment),
        RandomnessInput::ModelHash(h) => Fr::from(h.of(model_hash)),
        RandomnessInput::Step => Fr::from(step),
    })
}

/// `u` for draw `step`.
pub fn randomness(seed: &[u8; 32], input_commitment: &[u8; 32], model_hash: &[u8; 32], step: u64) -> Fr {
    hash(&randomness_inputs(seed, input_commitment, model_hash, step))
}

/// `u mod 2^64` of the canonical integer of `u`.
pub fn low_u64(u: Fr) -> u64 {
    u.into_bigint().0[0]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn randomness_depends_on_every_input() {
        let (s, c, h) = ([1u8; 32], [2u8; 32], [3u8; 32]);
        let base = randomness(&s, &c, &h, 0);
        let mut seen = vec![base];
        for (i, u) in [
            randomness(&[9u8; 32], &c, &h, 0),
            randomness(&s, &[9u8; 32], &h, 0),
            randomness(&s, &c, &[9u8; 32], 0),
            randomness(&s, &c, &h, 1),
        ]
        .into_iter()
        .enumerate()
        {
            assert!(!seen.contains(&u), "input {i} did not change u");
            seen.push(u);
        }
        assert_ne!(low_u64(base), low_u64(seen[1]));
    }
}
