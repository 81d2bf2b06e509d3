//! A G1 multi-scalar multiplication for full-size scalars, with its buckets in affine coordinates
//! and their additions batched (Montgomery's inversion trick).
//!
//! The H query's scalars (the coefficients of `h`) are uniformly spread over the field, so the
//! small-scalar shortcuts of arkworks' MSM do not apply and its MSM is pure Pippenger with XYZZ
//! buckets: each point added to a bucket costs a mixed addition (8 multiplications and 2 squarings).
//! An affine addition costs a multiplication, a squaring and another multiplication, plus one
//! inversion, which batching `B` independent additions turns into 3 multiplications each and one
//! inversion per batch (gnark-crypto and halo2curves do the same). Same result, exactly: this is
//! a different schedule of the same group additions, checked against arkworks by the tests.
//!
//! Schedule: signed digits of `c` bits (so `2^(c-1)` buckets a window); windows run in parallel,
//! each accumulating its points into its buckets a batch at a time. A point whose bucket already
//! waits in the current batch is added to that bucket's projective part instead (a mixed addition,
//! as arkworks would). The rare additions the affine formula cannot do (a bucket meeting its own
//! point or its negation) are done in projective coordinates on the spot. Buckets are then summed
//! by the usual running sum.
use ark_bn254::{Fr, G1Affine, G1Projective};
use ark_ec::{AffineRepr, CurveGroup};
use ark_ff::{AdditiveGroup, PrimeField, Zero};
use rayon::prelude::*;

/// Additions gathered before their denominators are inverted together.
const BATCH: usize = 2048;

/// `sum_i scalars[i] * bases[i]` over the shorter of the two slices.
///
/// The batched additions run eight at a time with AVX-512 IFMA where the CPU has it
/// ([`verinfer_simd::available`]); the result is the same either way.
pub fn msm(bases: &[G1Affine], scalars: &[Fr]) -> G1Projective {
    msm_with(bases, scalars, verinfer_simd::available())
}

/// [`msm`] with the field arithmetic one element at a time, whatever the CPU (for benchmarks and
/// tests that compare the two).
pub fn msm_scalar_arithmetic(bases: &[G1Affine], scalars: &[Fr]) -> G1Projective {
    msm_with(bases, scalars, false)
}

fn msm_with(bases: &[G1Affine], scalars: &[Fr], simd: bool) -> G1Projective {
    let n = bases.len().min(scalars.len());
    if n == 0 {
        return G1Projective::zero();
    }
    let c = window_bits(n);
    let windows = 256usize.div_ceil(c);
    let digits: Vec<i32> =
        scalars[..n].par_iter().flat_map_iter(|s| signed_digits(s.into_bigint(), c, windows)).collect();
    let sums: Vec<G1Projective> =
        (0..windows).into_par_iter().map(|w| window_sum(&bases[..n], |i| digits[i * windows + w], c, simd)).collect();
    sums.iter().rev().fold(G1Projective::zero(), |mut acc, s| {
        for _ in 0..c {
            acc.double_in_place();
        }
        acc + s
    })
}

/// The window width for `n` points: about `log2(n) - 3`, at least 4, at most 16.
fn window_bits(n: usize) -> usize {
    let log = usize::BITS as usize - n.leading_zeros() as usize;
    log.saturating_sub(3).clamp(4, 16)
}

/// `windows` signed digits `d_w` in `[-2^(c-1), 2^(c-1))` with `s = sum_w d_w 2^(c w)`. Needs
/// `c * windows >= 256` (then the last window never carries, for scalars below 2^254).
fn signed_digits(s: <Fr as PrimeField>::BigInt, c: usize, windows: usize) -> impl Iterator<Item = i32> {
    let limbs = s.0;
    let mask = (1u64 << c) - 1;
    let mut carry = 0u64;
    (0..windows).map(move |w| {
        let (bit, limb) = ((w * c) % 64, (w * c) / 64);
        let low = limbs.get(limb).map_or(0, |l| l >> bit);
        let high = if bit + c > 64 && bit > 0 { limbs.get(limb + 1).map_or(0, |l| l << (64 - bit)) } else { 0 };
        let coef = ((low | high) & mask) + carry;
        carry = (coef + (1 << (c - 1))) >> c;
        coef as i32 - (carry << c) as i32
    })
}

/// `sum_i digit(i) * bases[i]` for one window's digits.
fn window_sum(bases: &[G1Affine], digit: impl Fn(usize) -> i32, c: usize, simd: bool) -> G1Projective {
    let mut buckets = Buckets::new(1 << (c - 1), simd);
    for (i, base) in bases.iter().enumerate() {
        let d = digit(i);
        if d == 0 || base.is_zero() {
            continue;
        }
        let p = if d > 0 { *base } else { -*base };
        buckets.add(d.unsigned_abs() as usize - 1, p);
    }
    buckets.flush();
    // sum_k (k + 1) bucket_k, by running sums from the top.
    let (mut running, mut total) = (G1Projective::zero(), G1Projective::zero());
    for (b, o) in buckets.points.iter().zip(&buckets.overflow).rev() {
        running += b;
        running += o;
        total += running;
    }
    total
}

/// One window's buckets (the identity where empty), each with a projective part for the points
/// that arrive while the bucket waits in the batch, and the additions waiting for their inversion.
struct Buckets {
    points: Vec<G1Affine>,
    overflow: Vec<G1Projective>,
    waiting: Vec<bool>,
    batch: Vec<(usize, G1Affine)>,
    batch_len: usize,
    /// Whether the batch is added with the vector arithmetic.
    simd: bool,
}

impl Buckets {
    fn new(n: usize, simd: bool) -> Self {
        // A batch of an eighth of the buckets keeps collisions (mixed additions) to a few percent.
        let batch_len = (n / 8).clamp(1, BATCH);
        Buckets {
            points: vec![G1Affine::zero(); n],
            overflow: vec![G1Projective::zero(); n],
            waiting: vec![false; n],
            batch: Vec::with_capacity(batch_len),
            batch_len,
            simd,
        }
    }

    /// Adds `p` to bucket `k`: at once if the bucket is empty or the affine formula does not apply,
    /// to the batch otherwise, or by a mixed addition to the bucket's projective part if the bucket
    /// already waits in the batch (so a window whose digits crowd a few buckets costs what
    /// arkworks' does, never more).
    fn add(&mut self, k: usize, p: G1Affine) {
        if self.waiting[k] {
            self.overflow[k] += p;
            return;
        }
        let q = self.points[k];
        if q.is_zero() {
            self.points[k] = p;
        } else if q.x == p.x {
            // p = q (a doubling) or p = -q (the identity): not the chord formula.
            self.points[k] = (q + p).into_affine();
        } else {
            self.waiting[k] = true;
            self.batch.push((k, p));
            if self.batch.len() == self.batch_len {
                self.flush();
            }
        }
    }

    /// Applies the waiting additions: `lambda = (y_p - y_q) / (x_p - x_q)`, `x = lambda^2 - x_p - x_q`,
    /// `y = lambda (x_q - x) - y_q`, all denominators inverted at once.
    fn flush(&mut self) {
        if !(self.simd && verinfer_simd::chord_additions(&mut self.points, &self.batch)) {
            super::witness_msm::chord_scalar(&mut self.points, &self.batch);
        }
        for &(b, _) in &self.batch {
            self.waiting[b] = false;
        }
        self.batch.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_ec::VariableBaseMSM;
    use ark_std::UniformRand;
    use rand::{rngs::StdRng, SeedableRng};

    fn arkworks(bases: &[G1Affine], scalars: &[Fr]) -> G1Projective {
        G1Projective::msm(bases, scalars).unwrap()
    }

    fn random_points(n: usize, rng: &mut StdRng) -> Vec<G1Affine> {
        let g = G1Projective::rand(rng);
        // cheap distinct points: multiples of one random point
        let mut acc = g;
        let mut v = Vec::with_capacity(n);
        for _ in 0..n {
            v.push(acc);
            acc += g;
        }
        G1Projective::normalize_batch(&v)
    }

    #[test]
    fn equals_arkworks_on_random_scalars_at_several_sizes() {
        let mut rng = StdRng::seed_from_u64(7);
        for n in [1, 2, 3, 17, 100, 1000, 5000, 20_000] {
            let bases = random_points(n, &mut rng);
            let scalars: Vec<Fr> = (0..n).map(|_| Fr::rand(&mut rng)).collect();
            let expected = arkworks(&bases, &scalars);
            assert_eq!(msm(&bases, &scalars), expected, "n = {n}");
            assert_eq!(msm_scalar_arithmetic(&bases, &scalars), expected, "n = {n}, scalar arithmetic");
        }
    }

    #[test]
    fn equals_arkworks_on_the_special_cases_of_the_affine_formula() {
        let mut rng = StdRng::seed_from_u64(8);
        let p = random_points(3, &mut rng);
        // The same point many times (bucket doublings), a point and its negation (the identity),
        // the identity as a base, zero, one, minus one and the largest scalar.
        let mut bases = Vec::new();
        let mut scalars = Vec::new();
        for i in 0..3000 {
            let b = match i % 5 {
                0 | 1 => p[0],
                2 => -p[0],
                3 => G1Affine::zero(),
                _ => p[1 + i % 2],
            };
            bases.push(b);
            scalars.push(match i % 7 {
                0 => Fr::from(0u64),
                1 => Fr::from(1u64),
                2 => -Fr::from(1u64),
                3 => -Fr::from(2u64),
                4 => Fr::from(12345u64),
                _ => Fr::rand(&mut rng),
            });
        }
        assert_eq!(msm(&bases, &scalars), arkworks(&bases, &scalars));
        assert_eq!(msm_scalar_arithmetic(&bases, &scalars), arkworks(&bases, &scalars));
        // all scalars equal: every point lands in the same bucket of every window
        let same = vec![Fr::rand(&mut rng); 3000];
        assert_eq!(msm(&bases, &same), arkworks(&bases, &same));
    }

    #[test]
    fn digits_recompose_the_scalar_for_every_window_width() {
        let mut rng = StdRng::seed_from_u64(9);
        let mut scalars: Vec<Fr> = (0..50).map(|_| Fr::rand(&mut rng)).collect();
        scalars.extend([Fr::from(0u64), -Fr::from(1u64), Fr::from(1u64)]);
        for c in 4..=16 {
            let windows = 256usize.div_ceil(c);
            for s in &scalars {
                let digits: Vec<i32> = signed_digits(s.into_bigint(), c, windows).collect();
                assert!(digits.iter().all(|&d| (-(1 << (c - 1))..(1 << (c - 1))).contains(&d)), "c = {c}");
                let back = digits.iter().rev().fold(Fr::from(0u64), |acc, &d| {
                    acc * Fr::from(1u64 << c) + if d < 0 { -Fr::from((-d) as u64) } else { Fr::from(d as u64) }
                });
                assert_eq!(back, *s, "c = {c}");
            }
        }
    }

    #[test]
    fn lengths_are_cut_to_the_shorter_slice_and_empty_is_zero() {
        let mut rng = StdRng::seed_from_u64(10);
        let bases = random_points(10, &mut rng);
        let scalars: Vec<Fr> = (0..7).map(|_| Fr::rand(&mut rng)).collect();
        assert_eq!(msm(&bases, &scalars), arkworks(&bases[..7], &scalars));
        assert_eq!(msm(&[], &scalars), G1Projective::zero());
    }
}
