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
use super::witness_msm;
use super::BackendError;
use crate::qap::Qap;
use crate::r1cs::RowSink;
use crate::timings::Timings;
use ark_bn254::{g1::Config as G1Config, g2::Config as G2Config, Fr, G1Affine, G1Projective, G2Affine, G2Projective};
use ark_ec::short_weierstrass::{Affine, Projective, SWCurveConfig};
use ark_ec::CurveGroup;
use ark_ff::{FftField, Field, One, UniformRand, Zero};
use ark_poly::{EvaluationDomain, GeneralEvaluationDomain};
use rand::{CryptoRng, RngCore};
use rayon::prelude::*;
use std::io::Read;
use std::sync::mpsc::{sync_channel, Receiver, SyncSender};
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
    let RowSink { a, b, c, .. } = rows;
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

/// The queries of a key, in file order: the phase each one's MSM is timed as.
const QUERIES: [&str; 5] = ["msm a", "msm b1", "msm b2", "msm h", "msm l"];
/// The G2 query's index in [`QUERIES`].
const B2: usize = 2;
/// The H query's index in [`QUERIES`].
const H: usize = 3;

/// A piece of the key, from the reader thread to the MSMs.
enum Piece {
    /// Points of a G1 query, the first being its point `start`.
    G1 { query: usize, start: usize, points: Vec<G1Affine> },
    /// Points of the G2 query.
    G2 { start: usize, points: Vec<G2Affine> },
    /// A query ended, with `len` points.
    End { query: usize, len: usize },
}

/// The reader thread's end of the channel: counts the time spent waiting for the MSMs.
struct Feed {
    tx: SyncSender<Piece>,
    waiting: Duration,
}

impl Feed {
    fn send(&mut self, piece: Piece) -> Result<(), BackendError> {
        let t = Instant::now();
        // The receiver is gone only when the MSM side stopped on an error of its own (returned).
        self.tx.send(piece).map_err(|_| BackendError::Synthesis("the MSMs stopped".into()))?;
        self.waiting += t.elapsed();
        Ok(())
    }
}

/// Reads the five queries and checks the key's digest, sending each chunk of points as it is
/// decoded. Returns the time spent reading (not waiting for the MSMs).
fn read_queries<R: Read>(mut key: KeyReader<R>, tx: SyncSender<Piece>) -> Result<Duration, BackendError> {
    let start = Instant::now();
    let mut feed = Feed { tx, waiting: Duration::ZERO };
    for query in 0..QUERIES.len() {
        let len = if query == B2 {
            key.section::<G2Config>(|start, points| feed.send(Piece::G2 { start, points }))?
        } else {
            key.section::<G1Config>(|start, points| feed.send(Piece::G1 { query, start, points }))?
        };
        feed.send(Piece::End { query, len })?;
    }
    key.finish()?;
    Ok(start.elapsed().saturating_sub(feed.waiting))
}

/// The five sums, as the pieces arrive.
struct Sums {
    g1: [G1Projective; 5],
    b2: G2Projective,
    done: [bool; 5],
}

/// `sum_j points[j] * scalar(start + j)` over the points whose index is below `max`.
fn chunk_msm<P: SWCurveConfig>(
    points: &[Affine<P>],
    (start, max): (usize, usize),
    scalar: impl Fn(usize) -> Fr + Sync,
    msm: impl Fn(&[Affine<P>], &[Fr]) -> Projective<P>,
) -> Projective<P> {
    let end = (start + points.len()).min(max);
    if start >= end {
        return Projective::<P>::zero();
    }
    let scalars: Vec<Fr> = (start..end).into_par_iter().map(&scalar).collect();
    msm(&points[..end - start], &scalars)
}

/// Folds the pieces into the five MSMs: the A, B and L queries' scalars are the assignment (mostly
/// bits: [`super::witness_msm`]), the H query's are `h` (full-size: [`super::msm`]). Each query
/// must have the circuit's number of points (the H query one less than `h` in the Libsnark form,
/// whose top coefficient is zero).
fn fold_pieces(rx: Receiver<Piece>, z: &Assignment, h: &[Fr], timings: &mut Timings) -> Result<Sums, BackendError> {
    let (v, nw) = (z.len(), z.witness.len());
    let ranges = [(v, v), (v, v), (v, v), (h.len().saturating_sub(1), h.len()), (nw, nw)];
    let mut sums = Sums { g1: [G1Projective::zero(); 5], b2: G2Projective::zero(), done: [false; 5] };
    for piece in rx {
        let t = Instant::now();
        let query = match piece {
            Piece::G1 { query, start, points } => {
                let max = ranges[query].1;
                sums.g1[query] += match query {
                    H => chunk_msm(&points, (start, max), |j| h[j], super::msm::msm),
                    4 => chunk_msm(&points, (start, max), |j| z.witness[j], witness_msm::msm),
                    _ => chunk_msm(&points, (start, max), |j| z.get(j), witness_msm::msm),
                };
                query
            }
            Piece::G2 { start, points } => {
                sums.b2 += chunk_msm(&points, (start, v), |j| z.get(j), witness_msm::msm);
                B2
            }
            Piece::End { query, len } => {
                let (min, max) = ranges[query];
                if len < min || len > max {
                    return Err(BackendError::MalformedProvingKey(format!(
                        "a query has {len} points, the circuit needs {min}"
                    )));
                }
                sums.done[query] = true;
                query
            }
        };
        timings.add(QUERIES[query], t.elapsed());
    }
    Ok(sums)
}

/// Proves with the key read from `key` (positioned at the start of the file), for the assignment
/// `z` and the H coefficients `h` ([`witness_map`]). The key is read and decoded on a thread of
/// its own, a chunk ahead of the MSMs (at most one chunk waits between them), so reading overlaps
/// proving. Adds the time of each query's MSM to `timings` (`msm a`, `msm b1`, `msm b2` in G2,
/// `msm h`, `msm l`) and the reader's busy time to `key read` (which overlaps the MSMs).
pub fn prove_streaming<R: Read + Send, Rng: RngCore + CryptoRng>(
    mut key: KeyReader<R>,
    z: &Assignment,
    h: &[Fr],
    rng: &mut Rng,
    timings: &mut Timings,
) -> Result<ark_groth16::Proof<ark_bn254::Bn254>, BackendError> {
    let r = Fr::rand(rng);
    let s = Fr::rand(rng);
    let head = timings.time("key read", || key.head())?;
    if head.vk.gamma_abc_g1.len() != z.instance.len() {
        return Err(BackendError::MalformedProvingKey(format!(
            "the key has {} public inputs, the circuit {}",
            head.vk.gamma_abc_g1.len() - 1,
            z.instance.len() - 1
        )));
    }
    let (tx, rx) = sync_channel(1);
    let (read, sums) = std::thread::scope(|scope| {
        let reader = scope.spawn(move || read_queries(key, tx));
        let sums = fold_pieces(rx, z, h, timings);
        let read = reader.join().unwrap_or_else(|_| Err(BackendError::Synthesis("the key reader panicked".into())));
        (read, sums)
    });
    // An error of the MSM side is the cause (the reader then only saw the channel close).
    let sums = sums?;
    timings.add("key read", read?);
    if sums.done.contains(&false) {
        return Err(BackendError::MalformedProvingKey("the key ends before its last query".into()));
    }
    let [a_acc, b1_acc, _, h_acc, l_acc] = sums.g1;
    let b2_acc = sums.b2;

    let delta_g1: G1Projective = head.delta_g1.into();
    let g_a = a_acc + head.vk.alpha_g1 + delta_g1 * r;
    let g1_b = b1_acc + head.beta_g1 + delta_g1 * s;
    let g2_b: G2Projective = b2_acc + head.vk.beta_g2 + head.vk.delta_g2 * s;
    let g_c = g_a * s + g1_b * r - delta_g1 * (r * s) + l_acc + h_acc;
    Ok(ark_groth16::Proof { a: g_a.into_affine(), b: g2_b.into_affine(), c: g_c.into_affine() })
}
