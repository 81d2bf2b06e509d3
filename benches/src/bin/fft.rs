//! The FFT floor of a proof: arkworks' radix-2 transforms on a domain of the circuit's size (the
//! prover runs 3 inverse FFTs and 3 FFTs onto a coset for setup's keys, snarkjs's form, plus an
//! inverse coset FFT for keys in libsnark's form), and the cost of one field multiplication and
//! addition, which bound them on this machine; then the same moves with verinfer-simd's vector
//! transforms (AVX-512 IFMA) where the CPU has them.
//!
//!   cargo run --release -p verinfer-benches --bin fft -- [LOG2_SIZE ...] [--repeat N]
//!
//! Prints the median wall seconds of each transform. Not part of the test command.
use ark_bn254::Fr;
use ark_ff::{FftField, UniformRand};
use ark_poly::{EvaluationDomain, Radix2EvaluationDomain};
use rand::{rngs::StdRng, SeedableRng};
use std::time::Instant;

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// Nanoseconds per multiplication (four independent chains) and per addition.
fn field_speed() -> (f64, f64) {
    let mut rng = StdRng::seed_from_u64(2);
    let v: Vec<Fr> = (0..1 << 20).map(|_| Fr::rand(&mut rng)).collect();
    let t = Instant::now();
    let mut acc = [Fr::from(1u64); 4];
    for _ in 0..10 {
        for x in v.chunks(4) {
            for (a, x) in acc.iter_mut().zip(x) {
                *a *= x;
            }
        }
    }
    let mul = t.elapsed().as_secs_f64() * 1e9 / (10 << 20) as f64;
    let t = Instant::now();
    let mut sum = Fr::from(0u64);
    for _ in 0..10 {
        for x in &v {
            sum += x;
        }
    }
    let add = t.elapsed().as_secs_f64() * 1e9 / (10 << 20) as f64;
    std::hint::black_box((acc, sum));
    (mul, add)
}

fn main() {
    let (logs, repeat) = verinfer_benches::sizes_and_repeat(&[20]);
    let (mul, add) = field_speed();
    println!("Fr: {mul:.1} ns a multiplication, {add:.1} ns an addition; {} threads", rayon::current_num_threads());
    let mut rng = StdRng::seed_from_u64(1);
    for log in logs.into_iter().filter(|&l| (4..=24).contains(&l)) {
        let n = 1usize << log;
        let domain = Radix2EvaluationDomain::<Fr>::new(n).expect("a domain");
        let coset = domain.get_coset(Fr::GENERATOR).expect("a coset");
        let v: Vec<Fr> = (0..n).map(|_| Fr::rand(&mut rng)).collect();
        let mut times = [(); 3].map(|_| Vec::new());
        for _ in 0..repeat {
            let mut w = v.clone();
            let t = Instant::now();
            domain.ifft_in_place(&mut w);
            times[0].push(t.elapsed().as_secs_f64());
            let t = Instant::now();
            coset.fft_in_place(&mut w);
            times[1].push(t.elapsed().as_secs_f64());
            let t = Instant::now();
            coset.ifft_in_place(&mut w);
            times[2].push(t.elapsed().as_secs_f64());
            domain.fft_in_place(&mut w);
            assert_eq!(w, v, "the transforms invert each other");
        }
        let [ifft, coset_fft, coset_ifft] = times.map(median);
        println!(
            "2^{log}: ifft {ifft:.3} s, coset fft {coset_fft:.3} s, coset ifft {coset_ifft:.3} s; a proof's 6 \
             (3 inverse, 3 onto the odd points; setup's keys): {:.2} s; 7 with libsnark-form keys: {:.2} s",
            3.0 * ifft + 3.0 * coset_fft,
            3.0 * ifft + 3.0 * coset_fft + coset_ifft
        );
        vector_moves(log, &v, repeat);
    }
}

/// The same 3 moves onto the odd points with verinfer-simd's vector transforms (checked equal to
/// arkworks' on the first run), where the CPU has AVX-512 IFMA.
fn vector_moves(log: u32, v: &[Fr], repeat: usize) {
    let n = v.len();
    let shift = Radix2EvaluationDomain::<Fr>::new(2 * n).expect("a domain").element(1);
    let domain = Radix2EvaluationDomain::<Fr>::new(n).expect("a domain");
    let Some(tables) = verinfer_simd::OddPoints::new(n, domain.group_gen(), shift) else {
        println!("2^{log}: no vector transforms here (no AVX-512 IFMA, VERINFER_NO_SIMD, or outside 2^4..2^22)");
        return;
    };
    let mut expected = v.to_vec();
    domain.ifft_in_place(&mut expected);
    Radix2EvaluationDomain::<Fr>::distribute_powers_and_mul_by_const(&mut expected, shift, Fr::from(1u64));
    domain.fft_in_place(&mut expected);
    let mut times = Vec::new();
    for _ in 0..repeat {
        let mut w = v.to_vec();
        let t = Instant::now();
        tables.apply(&mut w);
        times.push(t.elapsed().as_secs_f64());
        assert_eq!(w, expected, "the vector transforms disagree with arkworks'");
    }
    println!(
        "2^{log}: a move onto the odd points with AVX-512 IFMA {:.3} s; a proof's 3: {:.2} s",
        median(times.clone()),
        3.0 * median(times)
    );
}
