//! Poseidon over BN254, compatible with circomlib's `Poseidon(n)` (x^5, 8 full rounds, circomlib's
//! partial-round table, state `[0, inputs...]`, output `state[0]`), so other clients can compute
//! verinfer's commitments with circomlibjs. Native here; the R1CS gadget is `crate::r1cs::poseidon`.
//! Both pass circomlibjs's test vectors (`fixtures/poseidon/vectors.json`).
pub mod grain;

use ark_bn254::Fr;
use ark_ff::{AdditiveGroup, Field};
use std::sync::OnceLock;

pub use grain::Params;

/// Largest number of inputs of one Poseidon call (width 17).
pub const MAX_ARITY: usize = 16;

/// Parameters for `n` inputs (width n + 1), generated once per width and cached.
pub fn params(n_inputs: usize) -> &'static Params {
    static CACHE: [OnceLock<Params>; MAX_ARITY] = [const { OnceLock::new() }; MAX_ARITY];
    assert!((1..=MAX_ARITY).contains(&n_inputs), "Poseidon takes 1..=16 inputs, got {n_inputs}");
    CACHE[n_inputs - 1].get_or_init(|| grain::generate(n_inputs + 1))
}

fn sbox(x: Fr) -> Fr {
    let x2 = x.square();
    x2.square() * x
}

/// circomlib's `Poseidon(n)` of 1..=16 field elements.
pub fn hash(inputs: &[Fr]) -> Fr {
    let p = params(inputs.len());
    let t = p.t;
    let mut state: Vec<Fr> = std::iter::once(Fr::ZERO).chain(inputs.iter().copied()).collect();
    let rounds = grain::FULL_ROUNDS + p.partial_rounds;
    let half = grain::FULL_ROUNDS / 2;
    for r in 0..rounds {
        for (s, c) in state.iter_mut().zip(&p.round_constants[r * t..(r + 1) * t]) {
            *s += c;
        }
        if r < half || r >= half + p.partial_rounds {
            state.iter_mut().for_each(|s| *s = sbox(*s));
        } else {
            state[0] = sbox(state[0]);
        }
        state = p.mds.iter().map(|row| row.iter().zip(&state).map(|(m, s)| *m * s).sum()).collect();
    }
    state[0]
}

/// Hash of a sequence of any positive length, built from circomlib calls so that circomlibjs users
/// can recompute it: `Poseidon(e[0..16])` if it fits, else `h = Poseidon(e[0..16])` then
/// `h = Poseidon([h] ++ next up-to-15 elements)` until all are absorbed.
pub fn hash_chain(elements: &[Fr]) -> Fr {
    let first = elements.len().min(MAX_ARITY);
    let mut h = hash(&elements[..first]);
    for chunk in elements[first..].chunks(MAX_ARITY - 1) {
        let mut buf = Vec::with_capacity(chunk.len() + 1);
        buf.push(h);
        buf.extend_from_slice(chunk);
        h = hash(&buf);
    }
    h
}

/// circomlibjs's test vectors (`fixtures/poseidon/vectors.json`): inputs and expected hash.
#[cfg(test)]
pub(crate) fn test_vectors() -> Vec<(Vec<Fr>, Fr)> {
    use std::str::FromStr;
    let text =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../fixtures/poseidon/vectors.json")).unwrap();
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    v["vectors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            let inputs =
                t["inputs"].as_array().unwrap().iter().map(|s| Fr::from_str(s.as_str().unwrap()).unwrap()).collect();
            (inputs, Fr::from_str(t["output"].as_str().unwrap()).unwrap())
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_circomlibjs_for_every_arity() {
        let vs = test_vectors();
        assert_eq!(vs.len(), 32);
        for (inputs, want) in vs {
            assert_eq!(hash(&inputs), want, "arity {}", inputs.len());
        }
    }

    #[test]
    fn chain_equals_plain_hash_when_it_fits_and_differs_by_length() {
        let e: Vec<Fr> = (1..=40u64).map(Fr::from).collect();
        assert_eq!(hash_chain(&e[..16]), hash(&e[..16]));
        let manual = hash(
            &[hash(&[hash(&e[..16])].iter().chain(&e[16..31]).copied().collect::<Vec<_>>())]
                .iter()
                .chain(&e[31..])
                .copied()
                .collect::<Vec<_>>(),
        );
        assert_eq!(hash_chain(&e), manual);
        assert_ne!(hash_chain(&e[..39]), hash_chain(&e));
    }
}
