//! The MSM floor of a proof: the H query's G1 MSM (full-size scalars) by arkworks and by
//! verinfer's batched-affine MSM (with and without the AVX-512 IFMA arithmetic), alternating, on the same random points and scalars.
//!
//!   cargo run --release -p verinfer-benches --bin msm -- [LOG2_SIZE ...] [--repeat N]
//!
//! Prints wall seconds per run and the median ratio. Not part of the test command.
use ark_bn254::{Fr, G1Affine, G1Projective};
use ark_ec::{CurveGroup, VariableBaseMSM};
use ark_ff::UniformRand;
use rand::{rngs::StdRng, SeedableRng};
use std::time::Instant;

fn main() {
    let (logs, repeat) = verinfer_benches::sizes_and_repeat(&[17, 20]);
    let mut rng = StdRng::seed_from_u64(1);
    for log in logs.into_iter().filter(|&l| (4..=24).contains(&l)) {
        let n = 1usize << log;
        let g = G1Projective::rand(&mut rng);
        let bases: Vec<G1Affine> = {
            let scalars: Vec<Fr> = (0..n).map(|_| Fr::rand(&mut rng)).collect();
            G1Projective::normalize_batch(&scalars.iter().map(|s| g * s).collect::<Vec<_>>())
        };
        let scalars: Vec<Fr> = (0..n).map(|_| Fr::rand(&mut rng)).collect();
        let (mut ark, mut ours, mut scalar) = (Vec::new(), Vec::new(), Vec::new());
        for _ in 0..repeat {
            let t = Instant::now();
            let a = G1Projective::msm(&bases, &scalars).expect("equal lengths");
            ark.push(t.elapsed().as_secs_f64());
            let t = Instant::now();
            let b = verinfer_circuits::groth16::msm::msm(&bases, &scalars);
            ours.push(t.elapsed().as_secs_f64());
            let t = Instant::now();
            let c = verinfer_circuits::groth16::msm::msm_scalar_arithmetic(&bases, &scalars);
            scalar.push(t.elapsed().as_secs_f64());
            assert_eq!(a, b, "the two MSMs disagree");
            assert_eq!(a, c, "the scalar-arithmetic MSM disagrees");
        }
        let median = |v: &mut Vec<f64>| {
            v.sort_by(f64::total_cmp);
            v[v.len() / 2]
        };
        let (a, b, c) = (median(&mut ark), median(&mut ours), median(&mut scalar));
        println!(
            "2^{log} points: arkworks {a:.3} s, batched affine {c:.3} s, with {} {b:.3} s; ratios {:.2}x and {:.2}x arkworks' (median of {repeat})",
            if verinfer_simd::available() { "AVX-512 IFMA" } else { "no vector unit (same code)" },
            a / c,
            a / b
        );
    }
}
