//! The Groth16 prover, streaming its key.
//!
//! Same proof as arkworks' `create_random_proof_with_reduction` (same randomizers, same MSMs), with
//! two memory differences that let a 14M-constraint circuit prove in a few GiB:
//! - the constraints are never stored: each is evaluated on the assignment as synthesis writes it
//!   ([`RowSink`]), leaving `A z`, `B z`, `C z` and the assignment (about 130 bytes a constraint);
//! - the proving key is never loaded: each query is read a chunk at a time and folded into its MSM
//!   ([`KeyReader::section`]), so the key's size (about 380 bytes a constraint) does not count.
//!
//! And two speed differences: the H query, whose scalars are full-size, goes through the batched
//! affine MSM of [`super::msm`] (about half the time of arkworks' on 2^18-2^20 points); the other
//! queries' scalars are mostly bits: [`super::witness_msm`] sums the points of the 1s by batched
//! affine additions and leaves the rest to arkworks' MSM.
use super::keyfile::KeyReader;
use super::rows::Assignment;
use super::witness_msm::ChordSum;
use super::BackendError;
use crate::qap::Qap;
use crate::r1cs::RowSink;
use crate::timings::Timings;
use ark_bn254::{g1::Config as G1Config, g2::Config as G2Config, Fr, G1Affine, G1Projective, G2Projective};
use ark_ec::short_weierstrass::{Affine, Projective};
use ark_ec::{CurveGroup, VariableBaseMSM};
use ark_ff::{FftField, Field, One, UniformRand, Zero};
use ark_poly::{EvaluationDomain, GeneralEvaluationDomain};
use rand::{CryptoRng, RngCore};
use rayon::prelude::*;
use std::io::Read;
use std::time::{Duration, Instant};

type Domain = GeneralEvaluationDomain<Fr>;

/// The coefficients the H query is multiplied by: `(A B - C) / Z` for [`Qap::Libsnark`], `A B - C`
/// on the odd points of the doubled domain for [`Qap::Circom`]. `rows` holds `A z`, `B z`, `C z`
/// per constraint; `instance` is `z`'s instance part, the constant one first.
pub fn witness_map(rows: RowSink, instance: &[Fr], qap: Qap) -> Result<Vec<Fr>, BackendError> {
    let n = rows.a.len();
    let inputs = instance.len();
    let domain = Domain::new(n + inputs).ok_or_else(|| too_large(n + inputs))?;
    let size = domain.size();
    let pad = |mut v: Vec<Fr>| {
        v.resize(size, Fr::zero());
        v
    };
    let RowSink { a, b, c } = rows;
    let mut a = pad(a);
    // The input-consistency constraints after the circuit's own: A = x_i, B = C = 0.
    a[n..n + inputs].copy_from_slice(instance);
    let (a, b, c) = (a, pad(b), pad(c));
    match qap {
        Qap::Libsnark => {
            let coset = domain.get_coset(Fr::GENERATOR).ok_or_else(|| too_large(size))?;
            let to_coset = |mut v: Vec<Fr>| {
                domain.ifft_in_place(&mut v);
                coset.fft_in_place(&mut v);
                v
            };
            let mut ab = to_coset(a);
            mul_assign(&mut ab, &to_coset(b));
            let c = to_coset(c);
            let z_inv = domain
                .evaluate_vanishing_polynomial(Fr::GENERATOR)
                .inverse()
                .ok_or_else(|| BackendError::Synthesis("the coset meets the domain".into()))?;
            ab.par_iter_mut().zip(c).for_each(|(x, c)| *x = (*x - c) * z_inv);
            coset.ifft_in_place(&mut ab);
            Ok(ab)
        }
        Qap::Circom => {
            let shift = Domain::new(2 * size).ok_or_else(|| too_large(2 * size))?.element(1);
            // Eight lanes at a time where the CPU allows (the same values: see verinfer_simd's tests).
            let vector = verinfer_simd::OddPoints::new(size, domain.group_gen(), shift);
            let odd = |mut v: Vec<Fr>| {
                if let Some(tables) = &vector {
                    tables.apply(&mut v);
                    return v;
                }
                domain.ifft_in_place(&mut v);
                Domain::distribute_powers_and_mul_by_const(&mut v, shift, Fr::one());
                domain.fft_in_place(&mut v);
                v
            };
            let mut ab = odd(a);
            mul_assign(&mut ab, &odd(b));
            let c = odd(c);
            ab.par_iter_mut().zip(c).for_each(|(x, c)| *x -= c);
            Ok(ab)
        }
    }
}

fn mul_assign(a: &mut [Fr], b: &[Fr]) {
    a.par_iter_mut().zip(b).for_each(|(x, y)| *x *= y);
}

fn too_large(n: usize) -> BackendError {
    BackendError::Synthesis(format!("{n} constraints exceed BN254's largest FFT domain (2^28)"))
}

/// Sums `query[j] * scalar(j)` over one query of the key, a chunk at a time; the query must have
/// between `min` and `max` points (scalars past its end are not used). Adds the time spent in the
/// MSMs to `phase` in `timings` and the rest (reading and decoding the points) to `key read`.
fn msm_section<P, R>(
    key: &mut KeyReader<R>,
    scalar: impl Fn(usize) -> Fr + Sync,
    (min, max): (usize, usize),
    (phase, timings): (&'static str, &mut Timings),
) -> Result<Projective<P>, BackendError>
where
    P: ChordSum<ScalarField = Fr>,
    R: Read,
{
    // Most of `z` are bits: the 1s are summed apart, the rest goes to arkworks' MSM.
    let witness = |points: &[Affine<P>], scalars: Vec<Fr>| super::witness_msm::msm(points, &scalars);
    msm_section_with(key, scalar, (min, max), (phase, timings), witness)
}

/// [`msm_section`] with the MSM `msm(points, scalars)` of a chunk.
fn msm_section_with<G, R>(
    key: &mut KeyReader<R>,
    scalar: impl Fn(usize) -> Fr + Sync,
    (min, max): (usize, usize),
    (phase, timings): (&'static str, &mut Timings),
    msm: impl Fn(&[G], Vec<Fr>) -> G::Group,
) -> Result<G::Group, BackendError>
where
    G: ark_ec::AffineRepr<ScalarField = Fr>,
    G::Group: VariableBaseMSM<MulBase = G>,
    R: Read,
{
    let start_section = Instant::now();
    let mut in_msm = Duration::ZERO;
    let mut acc = G::Group::zero();
    let n = key.section::<G>(|start, points| {
        let end = (start + points.len()).min(max);
        if start < end {
            let t = Instant::now();
            let scalars: Vec<Fr> = (start..end).into_par_iter().map(&scalar).collect();
            acc += msm(&points[..end - start], scalars);
            in_msm += t.elapsed();
        }
    })?;
    timings.add(phase, in_msm);
    timings.add("key read", start_section.elapsed().saturating_sub(in_msm));
    if n < min || n > max {
        return Err(BackendError::MalformedProvingKey(format!("a query has {n} points, the circuit needs {min}")));
    }
    Ok(acc)
}

/// Proves with the key read from `key` (positioned at the start of the file), for the assignment
/// `z` and the H coefficients `h` ([`witness_map`]). Adds the time of each query's MSM to
/// `timings` (`msm a`, `msm b1`, `msm b2` in G2, `msm h`, `msm l`) and the time spent reading and
/// decoding the key to `key read`.
pub fn prove_streaming<R: Read, Rng: RngCore + CryptoRng>(
    mut key: KeyReader<R>,
    z: &Assignment,
    h: &[Fr],
    rng: &mut Rng,
    timings: &mut Timings,
) -> Result<ark_groth16::Proof<ark_bn254::Bn254>, BackendError> {
    let r = Fr::rand(rng);
    let s = Fr::rand(rng);
    let head = timings.time("key read", || key.head())?;
    let v = z.len();
    if head.vk.gamma_abc_g1.len() != z.instance.len() {
        return Err(BackendError::MalformedProvingKey(format!(
            "the key has {} public inputs, the circuit {}",
            head.vk.gamma_abc_g1.len() - 1,
            z.instance.len() - 1
        )));
    }
    let at = |j: usize| z.get(j);
    let a_acc = msm_section::<G1Config, _>(&mut key, at, (v, v), ("msm a", timings))?;
    let b1_acc = msm_section::<G1Config, _>(&mut key, at, (v, v), ("msm b1", timings))?;
    let b2_acc = msm_section::<G2Config, _>(&mut key, at, (v, v), ("msm b2", timings))?;
    // The Libsnark H query is one point shorter than `h` (its top coefficient is zero).
    let h_range = (h.len().saturating_sub(1), h.len());
    // h's coefficients are full-size field elements: the batched-affine MSM is about twice as fast.
    let full = |points: &[G1Affine], scalars: Vec<Fr>| super::msm::msm(points, &scalars);
    let h_acc = msm_section_with(&mut key, |j| h[j], h_range, ("msm h", timings), full)?;
    let nw = z.witness.len();
    let l_acc = msm_section::<G1Config, _>(&mut key, |j| z.witness[j], (nw, nw), ("msm l", timings))?;
    timings.time("key read", || key.finish())?;

    let delta_g1: G1Projective = head.delta_g1.into();
    let g_a = a_acc + head.vk.alpha_g1 + delta_g1 * r;
    let g1_b = b1_acc + head.beta_g1 + delta_g1 * s;
    let g2_b: G2Projective = b2_acc + head.vk.beta_g2 + head.vk.delta_g2 * s;
    let g_c = g_a * s + g1_b * r - delta_g1 * (r * s) + l_acc + h_acc;
    Ok(ark_groth16::Proof { a: g_a.into_affine(), b: g2_b.into_affine(), c: g_c.into_affine() })
}
