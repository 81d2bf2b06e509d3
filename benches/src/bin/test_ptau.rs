//! INSECURE, FOR BENCHMARKS ONLY: writes a deterministic, phase-2-prepared Powers of Tau file
//! (`.ptau`, snarkjs's format) whose toxic waste (tau, alpha, beta) anyone can recompute from the
//! seed. Anyone who knows tau can forge proofs for every circuit set up from this file. Never use
//! its output for a real circuit, a demo that is meant to be trusted, or a committed fixture.
//!
//! ```text
//! cargo run --release -p verinfer-benches --bin test_ptau -- --power P [--seed N] [--unprepared] -o FILE
//! ```
//!
//! Why: `snarkjs powersoftau new` + `prepare phase2` takes minutes at power 12 and more than doubles
//! per power, which makes a power-18 benchmark file impractical. With tau known, every point is a
//! fixed-base multiple of the generator by a known scalar, so the file takes seconds.
//!
//! The file is the one snarkjs would produce (`powersoftau_new.js`, `powersoftau_utils.js`,
//! `powersoftau_preparephase2.js` of snarkjs 0.7.6) for a ceremony whose accumulated secrets are
//! tau, alpha, beta, except that section 7 records zero contributions (snarkjs `groth16 setup` and
//! `zkey verify` do not read it; `powersoftau verify` would reject the file). For power p, n = 2^p:
//!
//! | id | content |
//! |----|---------|
//! | 1  | `u32 32 \| q LE \| u32 p \| u32 p` (ceremonyPower = power) |
//! | 2  | tau^i G1, i < 2n - 1 |
//! | 3  | tau^i G2, i < n |
//! | 4  | alpha tau^i G1, i < n |
//! | 5  | beta tau^i G1, i < n |
//! | 6  | beta G2 |
//! | 7  | `u32 0` (no contributions) |
//! | 12 | for k = 0..=p+1: the Lagrange basis L_i(tau) G1 of the domain 2^k, i < 2^k |
//! | 13 | for k = 0..=p: L_i(tau) G2 |
//! | 14 | for k = 0..=p: alpha L_i(tau) G1 |
//! | 15 | for k = 0..=p: beta L_i(tau) G1 |
//!
//! snarkjs computes each basis as `lagrangeEvaluations` (an inverse FFT over the group, for
//! domains up to 2^28) of the first 2^k points of the monomial section; for the 2^(p+1) domain of
//! section 12 the section has only 2n - 1 points and snarkjs sets the missing last one to zero.
//! Here the inverse FFT runs over the scalars tau^i instead (it is linear, so the group IFFT of
//! s_i G is IFFT(s)_i G), with that same zero, and each scalar is then multiplied by the generator
//! (arkworks' windowed fixed-base `BatchMulPreprocessing`, in parallel).
//!
//! `--unprepared` writes sections 1-7 only, so that `snarkjs powersoftau prepare phase2` can be
//! run on it and its output compared byte for byte with this program's prepared file
//! (`benches/ceremony/check-test-ptau.sh` does that).
use anyhow::{bail, Context, Result};
use ark_bn254::{Fr, G1Affine, G1Projective, G2Affine, G2Projective};
use ark_ec::scalar_mul::BatchMulPreprocessing;
use ark_ec::{AffineRepr, CurveGroup, PrimeGroup};
use ark_ff::{Field, One, UniformRand, Zero};
use ark_poly::{EvaluationDomain, Radix2EvaluationDomain};
use rand::SeedableRng;
use rayon::prelude::*;
use std::path::PathBuf;
use std::time::Instant;
use verinfer_ceremony::binfile::BinWriter;
use verinfer_ceremony::point::{fq_modulus_le, write_g1_vec, write_g2_vec, G1_SIZE, G2_SIZE};
use verinfer_ceremony::ptau::Ptau;

/// The largest power accepted: section 12 holds the 2^(p+1) domain, at most 2^28 (BN254's
/// 2-adicity) for snarkjs's plain inverse FFT.
const MAX_POWER: u32 = 27;

struct Args {
    power: u32,
    seed: u64,
    unprepared: bool,
    out: PathBuf,
}

fn usage() -> &'static str {
    "usage: test_ptau --power P [--seed N] [--unprepared] -o FILE\n\
     INSECURE (tau, alpha, beta follow from the seed): for benchmarks and tests only"
}

fn parse_args() -> Result<Args> {
    let mut power = None;
    let mut seed = 0u64;
    let mut unprepared = false;
    let mut out = None;
    let mut it = std::env::args().skip(1);
    while let Some(a) = it.next() {
        match a.as_str() {
            "--power" | "-p" => power = Some(it.next().context("--power needs a value")?.parse()?),
            "--seed" => seed = it.next().context("--seed needs a value")?.parse()?,
            "--unprepared" => unprepared = true,
            "-o" | "--out" => out = Some(PathBuf::from(it.next().context("-o needs a value")?)),
            "-h" | "--help" => {
                println!("{}", usage());
                std::process::exit(0);
            }
            other => bail!("unknown argument '{other}'\n{}", usage()),
        }
    }
    let power: u32 = power.with_context(|| format!("--power is required\n{}", usage()))?;
    if !(1..=MAX_POWER).contains(&power) {
        bail!("--power must be in 1..={MAX_POWER}, got {power}");
    }
    Ok(Args { power, seed, unprepared, out: out.with_context(|| format!("-o is required\n{}", usage()))? })
}

/// The toxic waste, derived from the seed with ChaCha20: deliberately public.
struct Secrets {
    tau: Fr,
    alpha: Fr,
    beta: Fr,
}

fn secrets(seed: u64) -> Secrets {
    let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(seed ^ 0x7465_7374_5f70_7461); // "test_pta"
    Secrets { tau: Fr::rand(&mut rng), alpha: Fr::rand(&mut rng), beta: Fr::rand(&mut rng) }
}

/// tau^0 .. tau^(count - 1), in parallel chunks.
fn powers(tau: Fr, count: usize) -> Vec<Fr> {
    const CHUNK: usize = 1 << 12;
    let mut v = vec![Fr::zero(); count];
    v.par_chunks_mut(CHUNK).enumerate().for_each(|(c, chunk)| {
        let mut x = tau.pow([(c * CHUNK) as u64]);
        for e in chunk {
            *e = x;
            x *= tau;
        }
    });
    v
}

/// The inverse FFT of `values` over the domain of their (power-of-two) length, in natural order:
/// for the powers tau^j, entry i is L_i(tau) = (1/m) sum_j omega^(-ij) tau^j.
fn ifft(values: &[Fr]) -> Vec<Fr> {
    let domain = Radix2EvaluationDomain::<Fr>::new(values.len()).expect("power-of-two domain within the 2-adicity");
    assert_eq!(domain.size(), values.len());
    domain.ifft(values)
}

/// The Lagrange bases of the domains 2^0 .. 2^p concatenated (2n - 1 scalars), and the basis of
/// the 2^(p+1) domain with the last power of tau replaced by zero (2n scalars).
fn lagrange_scalars(pw: &[Fr], power: u32) -> (Vec<Fr>, Vec<Fr>) {
    let n = 1usize << power;
    let mut lag = Vec::with_capacity(2 * n - 1);
    for k in 0..=power {
        lag.extend(ifft(&pw[..1 << k]));
    }
    let mut ext = pw[..2 * n - 1].to_vec();
    ext.push(Fr::zero());
    (lag, ifft(&ext))
}

fn scaled(s: &[Fr], by: Fr) -> Vec<Fr> {
    s.par_iter().map(|x| *x * by).collect()
}

struct Tables {
    g1: BatchMulPreprocessing<G1Projective>,
    g2: BatchMulPreprocessing<G2Projective>,
}

impl Tables {
    fn g1(&self, s: &[Fr]) -> Vec<G1Affine> {
        self.g1.batch_mul(s)
    }
    fn g2(&self, s: &[Fr]) -> Vec<G2Affine> {
        self.g2.batch_mul(s)
    }
}

fn main() -> Result<()> {
    let args = parse_args()?;
    let t0 = Instant::now();
    let p = args.power;
    let n = 1usize << p;
    eprintln!(
        "test_ptau: INSECURE benchmark-only Powers of Tau, power {p}, seed {} (tau, alpha and beta are \
         derived from the seed: anyone can forge proofs for circuits set up from this file)",
        args.seed
    );
    let s = secrets(args.seed);
    let pw = powers(s.tau, 2 * n);
    let tables = Tables {
        g1: BatchMulPreprocessing::new(G1Projective::generator(), 4 * n),
        g2: BatchMulPreprocessing::new(G2Projective::generator(), 2 * n),
    };
    let step = |what: &str| eprintln!("test_ptau: [{:6.1} s] {what}", t0.elapsed().as_secs_f64());
    step("tables ready");

    let g1_points = (2 * n - 1) + 2 * n + if args.unprepared { 0 } else { (4 * n - 1) + 2 * (2 * n - 1) };
    let g2_points = n + 1 + if args.unprepared { 0 } else { 2 * n - 1 };
    let mut w = BinWriter::with_capacity(b"ptau", 1, 1024 + g1_points * G1_SIZE + g2_points * G2_SIZE);
    w.section_with(1, |o| {
        o.extend_from_slice(&32u32.to_le_bytes());
        o.extend_from_slice(&fq_modulus_le());
        o.extend_from_slice(&p.to_le_bytes());
        o.extend_from_slice(&p.to_le_bytes());
    });
    w.section_with(2, |o| write_g1_vec(&tables.g1(&pw[..2 * n - 1]), o));
    w.section_with(3, |o| write_g2_vec(&tables.g2(&pw[..n]), o));
    w.section_with(4, |o| write_g1_vec(&tables.g1(&scaled(&pw[..n], s.alpha)), o));
    w.section_with(5, |o| write_g1_vec(&tables.g1(&scaled(&pw[..n], s.beta)), o));
    w.section_with(6, |o| write_g2_vec(&[(G2Affine::generator() * s.beta).into_affine()], o));
    w.section_with(7, |o| o.extend_from_slice(&0u32.to_le_bytes()));
    step("sections 1-7");

    if !args.unprepared {
        let (lag, ext) = lagrange_scalars(&pw, p);
        drop(pw);
        // Self-check: the Lagrange basis of the full domain sums to one.
        let full = &lag[n - 1..2 * n - 1];
        assert!(full.iter().sum::<Fr>().is_one(), "sum of L_i(tau) over the 2^{p} domain is not 1");
        w.section_with(12, |o| {
            write_g1_vec(&tables.g1(&lag), o);
            write_g1_vec(&tables.g1(&ext), o);
        });
        step("section 12");
        w.section_with(13, |o| write_g2_vec(&tables.g2(&lag), o));
        step("section 13");
        w.section_with(14, |o| write_g1_vec(&tables.g1(&scaled(&lag, s.alpha)), o));
        w.section_with(15, |o| write_g1_vec(&tables.g1(&scaled(&lag, s.beta)), o));
        step("sections 14-15");
    }
    let bytes = w.finish();
    let ptau = Ptau::parse(&bytes).context("verinfer_ceremony::ptau::Ptau::parse rejected the generated file")?;
    if ptau.power != p || ptau.n_contributions()? != 0 || ptau.is_prepared() == args.unprepared {
        bail!("the generated file does not read back as written");
    }
    if !args.unprepared {
        // The points read back: the 2^p basis in G1 sums to the generator.
        let sum: G1Projective = ptau.lagrange_tau_g1(n)?.iter().map(|a| a.into_group()).sum();
        if sum != G1Projective::generator() {
            bail!("the Lagrange basis read back does not sum to G1");
        }
    }
    std::fs::write(&args.out, &bytes).with_context(|| format!("writing {}", args.out.display()))?;
    step(&format!("{} written ({} bytes)", args.out.display(), bytes.len()));
    Ok(())
}
