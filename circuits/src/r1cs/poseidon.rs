//! Poseidon in R1CS: the same permutation as `crate::poseidon` (circomlib parameters). Round constants
//! and the MDS matrix are linear, so each S-box `x^5` costs 3 constraints: a call with `n` inputs costs
//! `3 * (8 * (n + 1) + R_P)`.
//!
//! The partial rounds are where synthesis time goes: their state's linear combinations grow by one
//! term a round (up to `n + 1 + R_P` terms), and mixing them by the `(n + 1)^2` MDS matrix every
//! round costs `(n + 1)^2 (n + 1 + R_P)` products a round, 1.7M a call at 16 inputs. Two ways
//! around it, both writing the same constraints:
//! - when synthesis only evaluates or counts ([`super::evaluates_only`]: proving, constraint
//!   counts), each state element is carried as its value;
//! - otherwise (setup, `export r1cs`), the partial rounds are an affine map of the state they start
//!   from and their S-box outputs, the same for every call of one arity: [`PartialRounds`]
//!   computes its coefficients once per arity, by a recurrence that never multiplies the whole
//!   state by the matrix (about 1/8 of the products), and each call only expands them.
use super::{constant, enforce, evaluates_only, witness, Cs, Lc, Result};
use crate::poseidon::{grain::FULL_ROUNDS, params, Params, MAX_ARITY};
use ark_bn254::Fr;
use ark_ff::{AdditiveGroup, Field, One, Zero};
use ark_relations::gr1cs::{LinearCombination, Variable};
use std::sync::OnceLock;

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
    let mut r = 0;
    while r < FULL_ROUNDS + p.partial_rounds {
        if r == half && !by_value {
            state = PartialRounds::of(inputs.len()).apply(cs, &state)?;
            r += p.partial_rounds;
            continue;
        }
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
        r += 1;
    }
    Ok(state.swap_remove(0))
}

/// The partial rounds of one arity as affine functions of the state `s` they start from (after
/// the last first-half MDS) and of their S-box outputs `b_j`, coefficients over the basis
/// `[s_0 .. s_(t-1), b_0 .. b_(R-1), 1]`.
///
/// Round `r` adds the constants `c_r`, replaces `x_r[0]` by `b_r = x_r[0]^5` and mixes by `M`:
/// with `d_r = b_r - x_r[0]`, `s_(r+1) = M (s_r + c_r) + d_r M e_0`, so
/// `s_r = M^r s + K_r + sum_(j<r) d_j M^(r-j) e_0` with `K_(r+1) = M (K_r + c_r)`, and the S-box
/// input `x_r[0] = (e_0^T M^r) s + K_r[0] + c_r[0] + sum_(j<r) (M^(r-j))_00 d_j`: one row vector
/// and one column vector a round, never the whole state.
struct PartialRounds {
    /// The S-box input of each round (coefficients over the basis, only the first `t + r` and
    /// the last are non-zero).
    inputs: Vec<Vec<Fr>>,
    /// The state after the last partial round.
    outputs: Vec<Vec<Fr>>,
}

impl PartialRounds {
    /// The coefficients for `n` inputs, computed once per arity.
    fn of(n: usize) -> &'static PartialRounds {
        static CACHE: [OnceLock<PartialRounds>; MAX_ARITY] = [const { OnceLock::new() }; MAX_ARITY];
        CACHE[n - 1].get_or_init(|| PartialRounds::new(params(n)))
    }

    fn new(p: &Params) -> PartialRounds {
        let (t, rounds) = (p.t, p.partial_rounds);
        let width = t + rounds + 1;
        let one = width - 1;
        let m = &p.mds;
        let times =
            |v: &[Fr]| -> Vec<Fr> { m.iter().map(|row| row.iter().zip(v).map(|(a, b)| *a * b).sum()).collect() };
        let constants = |r: usize| &p.round_constants[(FULL_ROUNDS / 2 + r) * t..][..t];
        // row[k] = e_0^T M^k and column[k] = M^k e_0, k = 0..=rounds.
        let mut row = vec![unit(t, 0)];
        let mut column = vec![unit(t, 0)];
        for k in 0..rounds {
            let r = &row[k];
            row.push((0..t).map(|j| (0..t).map(|i| r[i] * m[i][j]).sum()).collect());
            column.push(times(&column[k]));
        }
        // d_j over the basis: b_j minus the S-box input.
        let mut inputs: Vec<Vec<Fr>> = Vec::with_capacity(rounds);
        let mut deltas: Vec<Vec<Fr>> = Vec::with_capacity(rounds);
        let mut k_r = vec![Fr::ZERO; t];
        for r in 0..rounds {
            let mut x = vec![Fr::ZERO; width];
            x[..t].copy_from_slice(&row[r]);
            x[one] = k_r[0] + constants(r)[0];
            for (j, d) in deltas.iter().enumerate() {
                axpy(&mut x, row[r - j][0], d);
            }
            let mut d: Vec<Fr> = x.iter().map(|v| -*v).collect();
            d[t + r] += Fr::one();
            k_r = times(&k_r.iter().zip(constants(r)).map(|(a, b)| *a + b).collect::<Vec<_>>());
            inputs.push(x);
            deltas.push(d);
        }
        // s_R = M^R s + K_R + sum_j d_j M^(R-j) e_0.
        let power = matrix_power(m, rounds);
        let outputs = (0..t)
            .map(|i| {
                let mut out = vec![Fr::ZERO; width];
                out[..t].copy_from_slice(&power[i]);
                out[one] = k_r[i];
                for (j, d) in deltas.iter().enumerate() {
                    axpy(&mut out, column[rounds - j][i], d);
                }
                out
            })
            .collect();
        PartialRounds { inputs, outputs }
    }

    /// Writes the partial rounds' S-boxes for `state` (the wires after the first half's MDS) and
    /// returns the state after them.
    fn apply(&self, cs: &Cs, state: &[Wire]) -> Result<Vec<Wire>> {
        let mut basis: Vec<Wire> = state.to_vec();
        for x in &self.inputs {
            let input = Self::expand(x, &basis);
            basis.push(sbox(cs, &input)?);
        }
        Ok(self.outputs.iter().map(|o| Self::expand(o, &basis)).collect())
    }

    /// The wire `sum_k coefficients[k] basis[k]` (plus the constant, the last coefficient); its
    /// value when every basis wire has one.
    fn expand(coefficients: &[Fr], basis: &[Wire]) -> Wire {
        let constant_term = coefficients[coefficients.len() - 1];
        let mut terms = vec![(constant_term, Variable::One)];
        let mut value = Some(constant_term);
        for (c, w) in coefficients.iter().zip(basis).filter(|(c, _)| !c.is_zero()) {
            terms.extend(w.lc.0.iter().map(|(a, v)| (*a * c, *v)));
            value = value.zip(w.value).map(|(acc, v)| acc + *c * v);
        }
        let mut lc = LinearCombination(terms);
        lc.compactify();
        Wire { lc, value }
    }
}

fn unit(n: usize, i: usize) -> Vec<Fr> {
    let mut v = vec![Fr::ZERO; n];
    v[i] = Fr::one();
    v
}

/// `y += a x`.
fn axpy(y: &mut [Fr], a: Fr, x: &[Fr]) {
    if !a.is_zero() {
        y.iter_mut().zip(x).for_each(|(y, x)| *y += a * x);
    }
}

/// `m^e` by squaring.
fn matrix_power(m: &[Vec<Fr>], mut e: usize) -> Vec<Vec<Fr>> {
    let t = m.len();
    let product = |a: &[Vec<Fr>], b: &[Vec<Fr>]| -> Vec<Vec<Fr>> {
        (0..t).map(|i| (0..t).map(|j| (0..t).map(|k| a[i][k] * b[k][j]).sum()).collect()).collect()
    };
    let mut result: Vec<Vec<Fr>> = (0..t).map(|i| unit(t, i)).collect();
    let mut base = m.to_vec();
    while e > 0 {
        if e & 1 == 1 {
            result = product(&result, &base);
        }
        base = product(&base, &base);
        e >>= 1;
    }
    result
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
