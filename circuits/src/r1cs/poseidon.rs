//! Poseidon in R1CS: the same permutation as `crate::poseidon` (circomlib parameters). Round constants
//! and the MDS matrix are linear, so each S-box `x^5` costs 3 constraints: a call with `n` inputs costs
//! `3 * (8 * (n + 1) + R_P)`.
//!
//! The state's linear combinations grow by one term per partial round (up to `n + 1 + R_P` terms,
//! each mixed by the `(n + 1)^2` MDS matrix every round): when synthesis only evaluates or counts
//! ([`super::evaluates_only`]: proving, constraint counts), each state element is carried as its
//! value instead, which writes the same constraints in a fraction of the time.
use super::{constant, enforce, evaluates_only, witness, Cs, Lc, Result};
use crate::poseidon::{grain::FULL_ROUNDS, params, MAX_ARITY};
use ark_bn254::Fr;
use ark_ff::{AdditiveGroup, Field};

/// A field-valued wire.
#[derive(Clone, Debug)]
pub struct Wire {
    /// The linear combination.
    pub lc: Lc,
    /// Its value when proving.
    pub value: Option<Fr>,
}

fn sbox(cs: &Cs, x: &Wire) -> Result<Wire> {
    let x2v = x.value.map(|v| v.square());
    let x4v = x2v.map(|v| v.square());
    let x5v = x4v.zip(x.value).map(|(a, b)| a * b);
    let x2 = witness(cs, x2v)?;
    enforce(cs, x.lc.clone(), x.lc.clone(), Lc::from(x2))?;
    let x4 = witness(cs, x4v)?;
    enforce(cs, Lc::from(x2), Lc::from(x2), Lc::from(x4))?;
    let x5 = witness(cs, x5v)?;
    enforce(cs, Lc::from(x4), x.lc.clone(), Lc::from(x5))?;
    Ok(Wire { lc: Lc::from(x5), value: x5v })
}

/// circomlib's `Poseidon(n)` of 1..=16 wires.
pub fn hash(cs: &Cs, inputs: &[Wire]) -> Result<Wire> {
    let p = params(inputs.len());
    let t = p.t;
    let mut state: Vec<Wire> =
        std::iter::once(Wire { lc: Lc::new(), value: Some(Fr::ZERO) }).chain(inputs.iter().cloned()).collect();
    let half = FULL_ROUNDS / 2;
    let by_value = evaluates_only(cs);
    for r in 0..FULL_ROUNDS + p.partial_rounds {
        for (s, c) in state.iter_mut().zip(&p.round_constants[r * t..(r + 1) * t]) {
            s.lc = std::mem::take(&mut s.lc) + constant(*c);
            s.value = s.value.map(|v| v + c);
        }
        if r < half || r >= half + p.partial_rounds {
            state = state.iter().map(|s| sbox(cs, s)).collect::<Result<_>>()?;
        } else {
            state[0] = sbox(cs, &state[0])?;
        }
        state = p
            .mds
            .iter()
            .map(|row| {
                let mut lc = Lc::new();
                let mut value = Some(Fr::ZERO);
                for (m, s) in row.iter().zip(&state) {
                    lc = lc + (s.lc.clone() * *m);
                    value = value.zip(s.value).map(|(a, b)| a + *m * b);
                }
                if by_value {
                    lc = value.map(constant).unwrap_or_default();
                } else {
                    lc.compactify();
                }
                Wire { lc, value }
            })
            .collect();
    }
    Ok(state.swap_remove(0))
}

/// The chained hash of `crate::poseidon::hash_chain`.
pub fn hash_chain(cs: &Cs, elements: &[Wire]) -> Result<Wire> {
    let first = elements.len().min(MAX_ARITY);
    let mut h = hash(cs, &elements[..first])?;
    for chunk in elements[first..].chunks(MAX_ARITY - 1) {
        let buf: Vec<Wire> = std::iter::once(h).chain(chunk.iter().cloned()).collect();
        h = hash(cs, &buf)?;
    }
    Ok(h)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::r1cs::testing::*;

    fn wires(cs: &Cs, xs: &[Fr]) -> Vec<Wire> {
        xs.iter().map(|x| Wire { lc: Lc::from(witness(cs, Some(*x)).unwrap()), value: Some(*x) }).collect()
    }

    #[test]
    fn gadget_matches_circomlibjs_vectors_and_cost() {
        for (inputs, want) in crate::poseidon::test_vectors() {
            let cs = prover_cs();
            let w = wires(&cs, &inputs);
            let out = hash(&cs, &w).unwrap();
            assert_eq!(out.value, Some(want), "arity {}", inputs.len());
            let t = inputs.len() + 1;
            assert_eq!(cs.num_constraints(), 3 * (8 * t + params(inputs.len()).partial_rounds));
            // the output wire evaluates to the vector too
            let got: Fr = out.lc.0.iter().map(|(c, v)| *c * cs.assigned_value(*v).unwrap()).sum();
            assert_eq!(got, want);
            assert!(satisfied(&cs));
        }
    }

    #[test]
    fn soundness_corrupted_sbox_or_input_is_rejected() {
        let cs = prover_cs();
        let w = wires(&cs, &[Fr::from(1u64), Fr::from(2u64)]);
        hash(&cs, &w).unwrap();
        assert!(satisfied(&cs));
        // The last witness is the final S-box output.
        let n = cs.num_witness_variables();
        let last = ark_relations::gr1cs::Variable::witness(n - 1);
        corrupt(&cs, last, Fr::from(1u64));
        assert!(!satisfied(&cs));
        corrupt(&cs, last, -Fr::from(1u64));
        assert!(satisfied(&cs));
        corrupt(&cs, w[0].lc.0[0].1, Fr::from(1u64));
        assert!(!satisfied(&cs));
    }
}
