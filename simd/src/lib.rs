//! BN254 base-field arithmetic eight lanes at a time, for the prover's multi-scalar multiplication.
//!
//! A proof spends about half its time adding points into MSM buckets, and each addition is a few
//! field multiplications. On x86-64 CPUs with AVX-512 IFMA (`vpmadd52luq`/`vpmadd52huq`), eight
//! Montgomery multiplications run at once on 52-bit limbs. This crate does one job with them:
//! the batched affine chord additions of the MSM's buckets ([`chord_additions`]), bit for bit the
//! result of the scalar formula (the tests compare the two).
//!
//! Elements stay in arkworks' Montgomery form (`a R`, `R = 2^256`) throughout; only the limbs are
//! regrouped (four of 64 bits into five of 52). Where IFMA is missing (another CPU, another
//! architecture, or `VERINFER_NO_SIMD` set), [`available`] is false and callers use the scalar path.
//!
//! All `unsafe` code of the workspace's provers lives here, in `ifma.rs`: the intrinsics and the
//! functions compiled for the AVX-512 target features, entered only after the runtime check.
#![deny(missing_docs)]

use ark_bn254::G1Affine;

#[cfg(target_arch = "x86_64")]
mod ifma;

/// Whether this CPU has AVX-512 F and IFMA and `VERINFER_NO_SIMD` is unset (checked once).
pub fn available() -> bool {
    static AVAILABLE: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *AVAILABLE.get_or_init(|| std::env::var_os("VERINFER_NO_SIMD").is_none() && cpu_has_ifma())
}

#[cfg(target_arch = "x86_64")]
fn cpu_has_ifma() -> bool {
    std::arch::is_x86_feature_detected!("avx512f") && std::arch::is_x86_feature_detected!("avx512ifma")
}

#[cfg(not(target_arch = "x86_64"))]
fn cpu_has_ifma() -> bool {
    false
}

/// `points[k] += p` for every `(k, p)` of `batch`, by the affine chord formula with the
/// denominators inverted together: `lambda = (y_p - y_q) / (x_p - x_q)`, `x = lambda^2 - x_p - x_q`,
/// `y = lambda (x_q - x) - y_q` with `q = points[k]`.
///
/// Every `k` must be distinct and every pair must have `x_p != x_q`, both points finite (the MSM's
/// batch guarantees all three). Returns `false`, changing nothing, when [`available`] is false.
///
/// # Panics
/// If an index is out of range of `points`.
pub fn chord_additions(points: &mut [G1Affine], batch: &[(usize, G1Affine)]) -> bool {
    #[cfg(target_arch = "x86_64")]
    if available() {
        // SAFETY: the CPU has AVX-512 F and IFMA (checked by `available`).
        unsafe { ifma::chord_additions(points, batch) };
        return true;
    }
    let _ = (points, batch);
    false
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_bn254::{Fr, G1Projective};
    use ark_ec::CurveGroup;
    use ark_ff::Field;
    use ark_std::UniformRand;
    use rand::{rngs::StdRng, SeedableRng};

    /// The scalar formula `chord_additions` replaces.
    fn scalar(points: &mut [G1Affine], batch: &[(usize, G1Affine)]) {
        for &(k, p) in batch {
            let q = points[k];
            let lambda = (p.y - q.y) * (p.x - q.x).inverse().expect("distinct x");
            let x = lambda.square() - p.x - q.x;
            let y = lambda * (q.x - x) - q.y;
            points[k] = G1Affine::new_unchecked(x, y);
        }
    }

    #[test]
    fn chord_additions_equal_the_scalar_formula_and_the_group_law() {
        if !available() {
            eprintln!("no AVX-512 IFMA here (or VERINFER_NO_SIMD set): only the fallback's `false` is checked");
            assert!(!chord_additions(&mut [], &[]));
            return;
        }
        let mut rng = StdRng::seed_from_u64(3);
        let g = G1Projective::rand(&mut rng);
        let random = |rng: &mut StdRng| (g * Fr::rand(rng)).into_affine();
        // Empty, partial, exact and several groups of eight, and a full MSM batch.
        for n in [0usize, 1, 7, 8, 9, 100, 2048] {
            let mut points: Vec<G1Affine> = (0..n + 5).map(|_| random(&mut rng)).collect();
            // Distinct bucket indices in a scattered order.
            let mut slots: Vec<usize> = (0..n + 5).collect();
            rand::seq::SliceRandom::shuffle(&mut slots[..], &mut rng);
            let batch: Vec<(usize, G1Affine)> = slots[..n].iter().map(|&k| (k, random(&mut rng))).collect();
            let mut expected = points.clone();
            scalar(&mut expected, &batch);
            let sums: Vec<G1Affine> = batch.iter().map(|&(k, p)| (points[k] + p).into_affine()).collect();
            assert!(chord_additions(&mut points, &batch));
            assert_eq!(points, expected, "n = {n}");
            for (&(k, _), s) in batch.iter().zip(&sums) {
                assert_eq!(points[k], *s);
                assert!(points[k].is_on_curve());
            }
        }
    }

    #[test]
    fn negated_and_doubled_points_add_correctly() {
        if !available() {
            return;
        }
        // p and -q (distinct x is all the formula needs), and a point added to 2q.
        let mut rng = StdRng::seed_from_u64(4);
        let q = G1Projective::rand(&mut rng).into_affine();
        let p = G1Projective::rand(&mut rng).into_affine();
        let mut points = vec![q, q, (q + q).into_affine()];
        let batch = vec![(0, -p), (1, p), (2, q)];
        let expected = [(q - p).into_affine(), (q + p).into_affine(), (q + q + q).into_affine()];
        assert!(chord_additions(&mut points, &batch));
        assert_eq!(points, expected);
    }
}
