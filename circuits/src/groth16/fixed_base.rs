//! Fixed-base batch multiplication for setup: `s_i g` for every scalar of a query, in affine form.
//!
//! arkworks' `BatchMulPreprocessing` sums each scalar's window multiples in projective coordinates
//! (a mixed addition each, 8 multiplications and 2 squarings) and normalizes at the end. Here a
//! block of scalars is summed window by window, the block's additions of one window batched under
//! one inversion in affine coordinates (about 6 multiplications each, eight lanes at a time with
//! AVX-512 IFMA, see [`super::witness_msm::ChordSum`]): no normalization, and about a third
//! of the field work. Same points exactly (the tests compare with arkworks); setup's proving key is
//! byte-identical for the same randomness.
use super::witness_msm::ChordSum;
use ark_bn254::Fr;
use ark_ec::short_weierstrass::{Affine, Projective};
use ark_ec::{AdditiveGroup, AffineRepr, CurveGroup};
use ark_ff::{BigInteger, PrimeField, Zero};
use rayon::prelude::*;

/// Scalars summed together (one batch of additions per window).
const BLOCK: usize = 2048;

/// The multiples `d 2^(w k) g` of one base, `d < 2^w`, for each window `k` of a scalar.
pub struct FixedBase<P: ChordSum> {
    window: usize,
    table: Vec<Vec<Affine<P>>>,
}

impl<P: ChordSum<ScalarField = Fr>> FixedBase<P> {
    /// The table for multiplying `g` by about `num_scalars` scalars: `w` bits a window, so that
    /// the table (`ceil(254 / w) 2^w` points) costs at most about half the multiplications' additions.
    pub fn new(g: Projective<P>, num_scalars: usize) -> Self {
        let log = (usize::BITS - num_scalars.max(1).leading_zeros()) as usize;
        let window = log.saturating_sub(5).clamp(2, 16);
        let windows = (Fr::MODULUS_BIT_SIZE as usize).div_ceil(window);
        let mut bases = Vec::with_capacity(windows);
        let mut gk = g;
        for _ in 0..windows {
            bases.push(gk);
            for _ in 0..window {
                gk.double_in_place();
            }
        }
        let table = bases
            .par_iter()
            .map(|gk| {
                let mut row = Vec::with_capacity(1 << window);
                let mut acc = Projective::<P>::zero();
                for _ in 0..1usize << window {
                    row.push(acc);
                    acc += gk;
                }
                Projective::<P>::normalize_batch(&row)
            })
            .collect();
        FixedBase { window, table }
    }

    /// `s g` for every `s` of `scalars`.
    pub fn batch_mul(&self, scalars: &[Fr]) -> Vec<Affine<P>> {
        scalars.par_chunks(BLOCK).flat_map_iter(|block| self.block(block)).collect()
    }

    fn block(&self, scalars: &[Fr]) -> Vec<Affine<P>> {
        let bits: Vec<_> = scalars.iter().map(|s| s.into_bigint()).collect();
        let mut acc = vec![Affine::<P>::zero(); scalars.len()];
        let mut side = Vec::new();
        let mut batch = Vec::with_capacity(scalars.len());
        for (k, row) in self.table.iter().enumerate() {
            batch.clear();
            for (j, s) in bits.iter().enumerate() {
                let d = digit(s, k * self.window, self.window);
                if d == 0 {
                    continue;
                }
                let p = row[d];
                match acc[j].xy() {
                    None => acc[j] = p,
                    // p = acc[j] or -acc[j]: not the chord formula. Cannot happen for scalars
                    // below the group order (acc is s mod 2^(w k) times g, p a larger multiple
                    // whose sum with it stays below the order); kept so that no input divides by 0.
                    Some((x, _)) if p.x == x => side.push((j, p)),
                    _ => batch.push((j, p)),
                }
            }
            P::chord_additions(&mut acc, &batch);
        }
        for (j, p) in side {
            acc[j] = (acc[j] + p).into_affine();
        }
        acc
    }
}

/// Bits `at..at + w` of `s` (past its top: zeros).
fn digit<B: BigInteger>(s: &B, at: usize, w: usize) -> usize {
    let limbs = s.as_ref();
    let (limb, bit) = (at / 64, at % 64);
    let low = limbs.get(limb).map_or(0, |l| l >> bit);
    let high = if bit + w > 64 && bit > 0 { limbs.get(limb + 1).map_or(0, |l| l << (64 - bit)) } else { 0 };
    ((low | high) & ((1u64 << w) - 1)) as usize
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_bn254::{G1Projective, G2Projective};
    use ark_ec::scalar_mul::BatchMulPreprocessing;
    use ark_std::UniformRand;
    use rand::{rngs::StdRng, SeedableRng};

    fn scalars(n: usize, rng: &mut StdRng) -> Vec<Fr> {
        let mut v: Vec<Fr> = (0..n).map(|_| Fr::rand(rng)).collect();
        v.extend([Fr::zero(), Fr::from(1u64), -Fr::from(1u64), Fr::from(1u64 << 40), Fr::from(3u64)]);
        v
    }

    #[test]
    fn equals_arkworks_batch_mul_in_g1_and_g2() {
        let mut rng = StdRng::seed_from_u64(21);
        for n in [0, 1, 7, 100, 5000] {
            let s = scalars(n, &mut rng);
            let g1 = G1Projective::rand(&mut rng);
            assert_eq!(
                FixedBase::new(g1, s.len()).batch_mul(&s),
                BatchMulPreprocessing::new(g1, s.len()).batch_mul(&s)
            );
            let g2 = G2Projective::rand(&mut rng);
            let s2 = &s[..s.len().min(600)];
            assert_eq!(
                FixedBase::new(g2, s2.len()).batch_mul(s2),
                BatchMulPreprocessing::new(g2, s2.len()).batch_mul(s2)
            );
        }
    }

    #[test]
    fn digits_cross_limb_boundaries_and_recompose_the_scalar() {
        let mut rng = StdRng::seed_from_u64(22);
        for w in 2..=16 {
            for s in scalars(20, &mut rng) {
                let b = s.into_bigint();
                let windows = 254usize.div_ceil(w);
                let back = (0..windows)
                    .rev()
                    .fold(Fr::zero(), |acc, k| acc * Fr::from(1u64 << w) + Fr::from(digit(&b, k * w, w) as u64));
                assert_eq!(back, s, "w = {w}");
            }
        }
    }
}
