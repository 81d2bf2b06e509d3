//! Circuit-specific Groth16 setup, writing its key as a stream.
//!
//! The key is arkworks' (`generate_random_parameters_with_reduction`) with snarkjs's reduction,
//! [`Qap::Circom`] (its H query on the odd points of the domain twice the QAP's, so that proving
//! takes 6 FFTs instead of libsnark's 7): same QAP, same queries, same encoding, so arkworks' own
//! prover with [`crate::qap::CircomReduction`] accepts it (tested). What differs is
//! memory: the QAP is evaluated at `tau` from the constraint system's rows without a matrix copy,
//! the constraint system is dropped before any point is computed, the Lagrange coefficients are computed a chunk at a time,
//! and each query is computed and written a chunk at a time ([`KeyWriter::section`]). Peak memory
//! is the constraint system plus three field vectors the size of the witness. The points are
//! computed by [`FixedBase`] (batched affine additions), the same points as arkworks' batch
//! multiplication.
use super::fixed_base::FixedBase;
use super::keyfile::{KeyWriter, CHUNK};
use super::rows::{Matrix, Rows};
use super::BackendError;
use crate::qap::Qap;
use ark_bn254::{Bn254, Fr, G1Projective, G2Projective};
use ark_ec::CurveGroup;
use ark_ff::{Field, One, UniformRand, Zero};
use ark_poly::{EvaluationDomain, GeneralEvaluationDomain};
use ark_relations::gr1cs::ConstraintSystemRef;
use rand::{CryptoRng, RngCore};
use rayon::prelude::*;
use std::io::{Seek, Write};

/// The QAP's evaluation domain.
pub type Domain = GeneralEvaluationDomain<Fr>;

/// The QAP's polynomials at `t`, one entry per variable (the constant one first), and what the H
/// query needs.
struct QapAtTau {
    a: Vec<Fr>,
    b: Vec<Fr>,
    c: Vec<Fr>,
    num_instance: usize,
    domain_size: usize,
    t: Fr,
}

/// Evaluates every variable's QAP polynomials at a random point outside the domain, as arkworks'
/// `LibsnarkReduction::instance_map_with_evaluation` does.
fn qap_at_random_point<R: RngCore>(cs: &ConstraintSystemRef<Fr>, rng: &mut R) -> Result<QapAtTau, BackendError> {
    let inner = cs.borrow().ok_or_else(|| BackendError::Synthesis("no constraint system".into()))?;
    let rows = Rows::new(&inner)?;
    let n = rows.len();
    let num_instance = inner.num_instance_variables();
    let num_vars = num_instance + inner.num_witness_variables();
    let domain = Domain::new(n + num_instance)
        .ok_or_else(|| BackendError::Synthesis(format!("{n} constraints exceed BN254's largest FFT domain")))?;
    let t = domain.sample_element_outside_domain(rng);
    let mut a = vec![Fr::zero(); num_vars];
    let mut b = vec![Fr::zero(); num_vars];
    let mut c = vec![Fr::zero(); num_vars];
    let minus_one = -Fr::one();
    let mut start = 0;
    while start < n + num_instance {
        let lagrange = lagrange_at(&domain, t, start, CHUNK.min(n + num_instance - start))?;
        for (k, u) in lagrange.iter().enumerate() {
            let i = start + k;
            if i >= n {
                // The input-consistency constraints after the circuit's own: A = x_i.
                a[i - n] += *u;
                continue;
            }
            for (m, out) in [(Matrix::A, &mut a), (Matrix::B, &mut b), (Matrix::C, &mut c)] {
                // Most coefficients are 1 (bits, outputs) or -1: no product for those.
                rows.for_each_term(m, i, |index, coeff| {
                    if coeff.is_one() {
                        out[index] += u;
                    } else if *coeff == minus_one {
                        out[index] -= u;
                    } else {
                        out[index] += *u * coeff;
                    }
                });
            }
        }
        start += lagrange.len();
    }
    Ok(QapAtTau { a, b, c, num_instance, domain_size: domain.size(), t })
}

/// `L_i(t)` for `i` in `start..start + len`, the Lagrange basis of `domain` (a subgroup: offset 1):
/// `L_i(t) = Z(t) w^i / (n (t - w^i))`. A chunk at a time, so that setup never holds the domain's
/// whole basis (512 MiB at 2^24).
pub fn lagrange_at(domain: &Domain, t: Fr, start: usize, len: usize) -> Result<Vec<Fr>, BackendError> {
    lagrange_every(domain, t, (start, 1), len)
}

/// `L_i(t)` for `i = first, first + step, ...` (`len` of them), as [`lagrange_at`].
fn lagrange_every(domain: &Domain, t: Fr, (first, step): (usize, usize), len: usize) -> Result<Vec<Fr>, BackendError> {
    if domain.coset_offset() != Fr::one() {
        return Err(BackendError::Synthesis("the QAP domain must be a subgroup".into()));
    }
    let zero_t = || BackendError::Synthesis("the evaluation point is in the domain".into());
    let z_over_n =
        domain.evaluate_vanishing_polynomial(t) * domain.size_as_field_element().inverse().ok_or_else(zero_t)?;
    let mut w = domain.element(first);
    let g = domain.group_gen().pow([step as u64]);
    let mut out = Vec::with_capacity(len);
    for _ in 0..len {
        out.push((w, t - w));
        w *= g;
    }
    let mut dens: Vec<Fr> = out.iter().map(|(_, d)| *d).collect();
    ark_ff::batch_inversion(&mut dens);
    if dens.iter().any(|d| d.is_zero()) {
        return Err(zero_t());
    }
    Ok(out.iter().zip(dens).map(|((w, _), inv)| z_over_n * w * inv).collect())
}

/// The H query of [`Qap::Circom`], a chunk: `L_(2j+1)(t) / delta` for `j` in `start..start + len`,
/// the odd points of the domain twice the QAP's. Since `A B - C` (degree at most `2n - 2`) vanishes
/// on the QAP's domain (the even points), `sum_j (A B - C)(w_(2j+1)) L_(2j+1)(t) = (A B - C)(t) =
/// H(t) Z(t)`: the prover's sum over this query is the Libsnark form's.
fn circom_h_scalars(double: &Domain, t: Fr, delta_inv: Fr, start: usize, len: usize) -> Result<Vec<Fr>, BackendError> {
    let mut l = lagrange_every(double, t, (2 * start + 1, 2), len)?;
    l.par_iter_mut().for_each(|x| *x *= delta_inv);
    Ok(l)
}

/// Runs the setup for the synthesized (setup-mode, finalized) `cs` and writes the proving key to
/// `out`; returns the Groth16 verifying key.
pub fn setup_streaming<W: Write + Seek, R: RngCore + CryptoRng>(
    cs: ConstraintSystemRef<Fr>,
    model_hash: &[u8; 32],
    out: W,
    rng: &mut R,
) -> Result<(ark_groth16::VerifyingKey<Bn254>, W), BackendError> {
    let [alpha, beta, gamma, delta] = [(); 4].map(|_| Fr::rand(rng));
    let g1 = G1Projective::rand(rng);
    let g2 = G2Projective::rand(rng);
    let qap = qap_at_random_point(&cs, rng)?;
    drop(cs);
    let QapAtTau { a, b, mut c, num_instance, domain_size, t } = qap;
    let inverse = |x: Fr| x.inverse().ok_or_else(|| BackendError::Synthesis("a zero toxic value".into()));
    let (gamma_inv, delta_inv) = (inverse(gamma)?, inverse(delta)?);
    // c becomes gamma_abc's scalars (instance) followed by l's (witness).
    c.par_iter_mut().enumerate().for_each(|(j, c)| {
        let k = if j < num_instance { gamma_inv } else { delta_inv };
        *c = (beta * a[j] + alpha * b[j] + *c) * k;
    });
    let num_vars = a.len();
    let g1_table = FixedBase::new(g1, 3 * num_vars + domain_size);
    let g2_table = FixedBase::new(g2, num_vars);
    let vk = ark_groth16::VerifyingKey::<Bn254> {
        alpha_g1: (g1 * alpha).into_affine(),
        beta_g2: (g2 * beta).into_affine(),
        gamma_g2: (g2 * gamma).into_affine(),
        delta_g2: (g2 * delta).into_affine(),
        gamma_abc_g1: g1_table.batch_mul(&c[..num_instance]),
    };
    let mut w = KeyWriter::new(out, model_hash, Qap::Circom)?;
    w.item(&vk)?;
    w.item(&(g1 * beta).into_affine())?;
    w.item(&(g1 * delta).into_affine())?;
    w.section(num_vars, |s, n| Ok(g1_table.batch_mul(&a[s..s + n])))?;
    drop(a);
    w.section(num_vars, |s, n| Ok(g1_table.batch_mul(&b[s..s + n])))?;
    w.section(num_vars, |s, n| Ok(g2_table.batch_mul(&b[s..s + n])))?;
    drop(b);
    drop(g2_table);
    let double =
        Domain::new(2 * domain_size).ok_or_else(|| BackendError::Synthesis("the QAP domain is too large".into()))?;
    w.section(domain_size, |s, n| Ok(g1_table.batch_mul(&circom_h_scalars(&double, t, delta_inv, s, n)?)))?;
    w.section(num_vars - num_instance, |s, n| Ok(g1_table.batch_mul(&c[num_instance + s..num_instance + s + n])))?;
    Ok((vk, w.finish()?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunked_lagrange_coefficients_are_arkworks_own() {
        let domain = Domain::new(1000).unwrap();
        let t = Fr::from(123_456_789u64);
        let all = domain.evaluate_all_lagrange_coefficients(t);
        let mut chunked = Vec::new();
        for start in (0..domain.size()).step_by(300) {
            chunked.extend(lagrange_at(&domain, t, start, 300.min(domain.size() - start)).unwrap());
        }
        assert_eq!(chunked, all);
        // A point of the domain has no Lagrange form here: refused, not divided by zero.
        assert!(lagrange_at(&domain, domain.element(5), 0, 10).is_err());
        // Every other one, from an odd index: the Circom H query's points.
        let odd: Vec<Fr> = (0..domain.size() / 2)
            .step_by(100)
            .flat_map(|j| lagrange_every(&domain, t, (2 * j + 1, 2), 100.min(domain.size() / 2 - j)).unwrap())
            .collect();
        assert_eq!(odd, all.iter().skip(1).step_by(2).copied().collect::<Vec<_>>());
    }
}
