//! The MSMs over a witness: the A, B (G1 and G2) and L queries, whose scalars are the assignment.
//!
//! In a model's assignment most values are range-check bits: 80-90% of the variables, half of them
//! 1 (the 784-input MLP: 13k of 15k). arkworks' MSM sorts every scalar into one of eleven size
//! classes and sums the 1s with a mixed addition each (XYZZ: 8 multiplications, 2 squarings); on
//! small circuits the sorting and the eleven parallel passes cost more than the additions.
//! Here the points whose scalar is 1 or -1 are summed apart, pairwise by affine additions batched
//! under one inversion (about 6 multiplications an addition, eight lanes at a time with AVX-512
//! IFMA in G1 and G2), and only the other non-zero scalars go to arkworks' MSM. Same result, exactly (a
//! different order of the same group additions): the tests compare with arkworks.
use ark_bn254::{g1::Config as G1Config, g2::Config as G2Config, Fr, G1Affine};
use ark_ec::short_weierstrass::{Affine, Projective, SWCurveConfig};
use ark_ec::{AffineRepr, VariableBaseMSM};
use ark_ff::{Field, One, PrimeField, Zero};
use rayon::prelude::*;

/// One part of the scalars, sorted: the points of +-1 (negated for -1), and the other non-zero
/// scalars with their points.
type Part<P> = (Vec<Affine<P>>, Vec<Affine<P>>, Vec<<Fr as PrimeField>::BigInt>);

/// Points summed by one sequential pairwise tree (the parts run in parallel).
const PART: usize = 1 << 13;

/// Curves whose affine points can add many disjoint pairs at once.
pub trait ChordSum: SWCurveConfig {
    /// `points[k] += p` for every `(k, p)` of `batch`: distinct `k`, both points finite, different x.
    fn chord_additions(points: &mut [Affine<Self>], batch: &[(usize, Affine<Self>)]);
}

impl ChordSum for G1Config {
    fn chord_additions(points: &mut [G1Affine], batch: &[(usize, G1Affine)]) {
        if !verinfer_simd::chord_additions(points, batch) {
            chord_scalar(points, batch);
        }
    }
}

impl ChordSum for G2Config {
    fn chord_additions(points: &mut [Affine<Self>], batch: &[(usize, Affine<Self>)]) {
        if !verinfer_simd::chord_additions_g2(points, batch) {
            chord_scalar(points, batch);
        }
    }
}

/// The chord formula for every pair of `batch`, the denominators inverted together.
pub fn chord_scalar<P: SWCurveConfig>(points: &mut [Affine<P>], batch: &[(usize, Affine<P>)]) {
    let mut inv: Vec<P::BaseField> = batch.iter().map(|&(k, p)| p.x - points[k].x).collect();
    ark_ff::batch_inversion(&mut inv);
    for (&(k, p), d) in batch.iter().zip(&inv) {
        let q = &mut points[k];
        let lambda = (p.y - q.y) * d;
        let x = lambda.square() - p.x - q.x;
        let y = lambda * (q.x - x) - q.y;
        *q = Affine::new_unchecked(x, y);
    }
}

/// `sum_i scalars[i] * bases[i]` over the shorter of the two slices, for scalars that are mostly
/// 0 and 1.
pub fn msm<P>(bases: &[Affine<P>], scalars: &[Fr]) -> Projective<P>
where
    P: ChordSum<ScalarField = Fr>,
{
    let n = bases.len().min(scalars.len());
    let (one, minus_one) = (Fr::one(), -Fr::one());
    // Per part: the points of the scalars +-1 (negated for -1), and the other non-zero scalars.
    let parts: Vec<Part<P>> = (0..n)
        .into_par_iter()
        .step_by(PART)
        .map(|start| {
            let (mut unit, mut rest, mut big) = (Vec::new(), Vec::new(), Vec::new());
            for (b, s) in bases[start..n.min(start + PART)].iter().zip(&scalars[start..]) {
                if s.is_zero() || b.is_zero() {
                } else if *s == one {
                    unit.push(*b);
                } else if *s == minus_one {
                    unit.push(-*b);
                } else {
                    rest.push(*b);
                    big.push(s.into_bigint());
                }
            }
            (unit, rest, big)
        })
        .collect();
    let (mut units, mut rest, mut big) = (Vec::with_capacity(parts.len()), Vec::new(), Vec::new());
    for (unit, r, b) in parts {
        units.push(unit);
        rest.extend(r);
        big.extend(b);
    }
    let (units, others) = rayon::join(
        || units.into_par_iter().map(tree_sum).sum::<Projective<P>>(),
        || Projective::<P>::msm_bigint(&rest, &big),
    );
    units + others
}

/// The sum of `points` by pairwise affine additions, a level of the tree at a time (each level's
/// additions share one inversion). Pairs the chord formula cannot add (equal x: a doubling or a
/// point and its negation, or the identity) are added in projective coordinates on the side.
pub fn tree_sum<P: ChordSum>(mut points: Vec<Affine<P>>) -> Projective<P> {
    let mut side = Projective::<P>::zero();
    let mut batch = Vec::with_capacity(points.len() / 2);
    while points.len() > 1 {
        let half = points.len() / 2;
        let odd = (points.len() % 2 == 1).then(|| points[2 * half]);
        let (left, right) = points.split_at_mut(half);
        batch.clear();
        for (i, (q, p)) in left.iter_mut().zip(right.iter()).enumerate() {
            match (q.xy(), p.xy()) {
                (_, None) => {}
                (None, Some(_)) => *q = *p,
                (Some((qx, _)), Some((px, _))) if qx == px => side += *p,
                _ => batch.push((i, *p)),
            }
        }
        P::chord_additions(left, &batch);
        points.truncate(half);
        points.extend(odd);
    }
    side + points.first().map_or(Projective::<P>::zero(), |p| p.into_group())
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_bn254::{G1Projective, G2Projective};
    use ark_ec::{CurveGroup, PrimeGroup};
    use ark_std::UniformRand;
    use rand::{rngs::StdRng, Rng, SeedableRng};

    /// A witness-shaped scalar: mostly bits, some small signed integers, a few full-size values.
    fn witness_scalar(rng: &mut StdRng) -> Fr {
        match rng.gen_range(0..20) {
            0..=7 => Fr::zero(),
            8..=15 => Fr::one(),
            16 => -Fr::one(),
            17 => Fr::from(rng.gen_range(-40_000i64..40_000)),
            18 => Fr::from(rng.gen_range(2u64..300)),
            _ => Fr::rand(rng),
        }
    }

    fn points<G: PrimeGroup + CurveGroup>(n: usize, rng: &mut StdRng) -> Vec<G::Affine> {
        let g = G::rand(rng);
        let (mut acc, mut v) = (g, Vec::with_capacity(n));
        for i in 0..n {
            // some identities (variables a query does not use) and repeats (equal x in a pair)
            v.push(if i % 97 == 3 { G::zero() } else { acc });
            if i % 13 != 0 {
                acc += g;
            }
        }
        G::normalize_batch(&v)
    }

    #[test]
    fn equals_arkworks_in_g1_and_g2_on_witness_shaped_scalars() {
        let mut rng = StdRng::seed_from_u64(11);
        for n in [0, 1, 2, 3, 31, 1000, 20_000] {
            let scalars: Vec<Fr> = (0..n).map(|_| witness_scalar(&mut rng)).collect();
            let g1 = points::<G1Projective>(n, &mut rng);
            assert_eq!(msm(&g1, &scalars), G1Projective::msm(&g1, &scalars).unwrap(), "G1, n = {n}");
            let g2 = points::<G2Projective>(n.min(3000), &mut rng);
            let s2 = &scalars[..n.min(3000)];
            assert_eq!(msm(&g2, s2), G2Projective::msm(&g2, s2).unwrap(), "G2, n = {n}");
        }
    }

    #[test]
    fn a_point_meeting_itself_or_its_negation_is_added_on_the_side() {
        let mut rng = StdRng::seed_from_u64(12);
        let p = G1Projective::rand(&mut rng).into_affine();
        let q = G1Projective::rand(&mut rng).into_affine();
        for pts in [vec![p, p], vec![p, -p], vec![p, p, p, p, q], vec![G1Affine::zero(), p, -p, G1Affine::zero(), q]] {
            let expected: G1Projective = pts.iter().map(|a| a.into_group()).sum();
            assert_eq!(tree_sum(pts.clone()), expected, "{pts:?}");
        }
        // the scalar formula, whatever the CPU
        let mut left = vec![p];
        chord_scalar(&mut left, &[(0, q)]);
        assert_eq!(left[0], (p + q).into_affine());
    }
}
