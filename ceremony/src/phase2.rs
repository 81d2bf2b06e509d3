//! Groth16 phase 2, as snarkjs 0.7.6 does it: the initial parameters of a circuit from a prepared
//! `.ptau` ([`new_zkey`], `snarkjs groth16 setup`), contributions ([`contribute`], `snarkjs zkey
//! contribute`), the random beacon ([`beacon`], `snarkjs zkey beacon`), the check of a whole chain
//! against the circuit and the `.ptau` ([`verify`], `snarkjs zkey verify`), and the arkworks keys of
//! the final parameters ([`to_arkworks`]).
//!
//! Every contribution multiplies delta by a secret `x` and divides the L and H queries by it; its
//! public key (`g1_s`, `g1_s^x`, `g2_sp^x` with `g2_sp` hashed from the transcript) proves knowledge
//! of `x` and ties it to the chain. Soundness holds if one contributor of phase 1 and one of
//! phase 2 destroyed their secret.
use crate::point::{g1_uncompressed, g2_uncompressed};
use crate::ptau::Ptau;
use crate::r1cs::R1cs;
use crate::rng::{beacon_rng, fr_from_rng, g1_from_rng, hash_to_g2, ChaCha};
use crate::zkey::{Coef, Contribution, ContributionKind, Zkey};
use crate::FormatError;
use ark_bn254::{Bn254, Fr, G1Affine, G1Projective, G2Affine};
use ark_ec::pairing::Pairing;
use ark_ec::{AffineRepr, CurveGroup, PrimeGroup, VariableBaseMSM};
use ark_ff::{BigInteger, Field, PrimeField, UniformRand, Zero};
use blake2::{Blake2b512, Digest};
use rayon::prelude::*;
use thiserror::Error;

/// Why a ceremony step or check failed.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum CeremonyError {
    /// A file is malformed, of another curve, or too small.
    #[error(transparent)]
    Format(#[from] FormatError),
    /// The circuit's domain does not fit the `.ptau` file (the source names the file to download).
    #[error("the circuit has {constraints} constraints and {public} public inputs: {source}")]
    CircuitTooLarge {
        /// Constraints of the circuit.
        constraints: usize,
        /// Public inputs of the circuit.
        public: u32,
        /// [`FormatError::TooFewPowers`].
        source: FormatError,
    },
    /// The zkey is not for this circuit (or not built from this `.ptau`).
    #[error("the zkey is not for this circuit and powers of tau: {0}")]
    WrongCircuit(String),
    /// A contribution's proof of knowledge or its link to the previous delta is wrong.
    #[error("contribution #{index} ({name}) is invalid: {reason}")]
    InvalidContribution {
        /// 1-based, as snarkjs numbers contributions.
        index: usize,
        /// Its name, or `unnamed`.
        name: String,
        /// What is wrong.
        reason: String,
    },
    /// The final parameters do not follow from the contributions.
    #[error("the zkey's parameters do not follow from its contributions: {0}")]
    InvalidParameters(String),
    /// Bad beacon parameters.
    #[error("invalid beacon: {0}")]
    InvalidBeacon(String),
}

/// `2^k`, the smallest power of two above constraints + public inputs (snarkjs's `cirPower`, and
/// arkworks' domain for the same circuit).
pub fn domain_size(r1cs: &R1cs) -> usize {
    (r1cs.constraints.len() + r1cs.n_public() as usize + 1).next_power_of_two()
}

/// The initial parameters (`0000.zkey`) of a circuit: `snarkjs groth16 setup r1cs ptau`.
/// Delta is the generator; nobody has contributed yet.
pub fn new_zkey(r1cs: &R1cs, ptau: &Ptau) -> Result<Zkey, CeremonyError> {
    let d = domain_size(r1cs);
    check_fits(r1cs, ptau, d)?;
    let bases = Bases {
        tau_g1: ptau.lagrange_tau_g1(d)?,
        tau_g2: ptau.lagrange_tau_g2(d)?,
        alpha_tau_g1: ptau.lagrange_alpha_tau_g1(d)?,
        beta_tau_g1: ptau.lagrange_beta_tau_g1(d)?,
    };
    let n_public = r1cs.n_public();
    let terms = Terms::of(r1cs);
    let a = batch_g1(&terms.a, &bases.tau_g1);
    let b1 = batch_g1(&terms.b, &bases.tau_g1);
    let b2 = batch_g2(&terms.b, &bases.tau_g2);
    let abc = combined(&terms, &bases);
    let (ic, c) = {
        let mut ic = abc;
        let c = ic.split_off(n_public as usize + 1);
        (ic, c)
    };
    let (alpha1, beta1, beta2) = (ptau.alpha_g1()?, ptau.beta_g1()?, ptau.beta_g2()?);
    let mut zkey = Zkey {
        n_vars: r1cs.n_wires,
        n_public,
        domain_size: d as u32,
        alpha1,
        beta1,
        beta2,
        gamma2: G2Affine::generator(),
        delta1: G1Affine::generator(),
        delta2: G2Affine::generator(),
        ic,
        coefs: coefficients(r1cs),
        a,
        b1,
        b2,
        c,
        h: ptau.h_bases(d)?,
        cs_hash: [0; 64],
        contributions: Vec::new(),
    };
    zkey.cs_hash = circuit_hash(&zkey, ptau)?;
    Ok(zkey)
}

fn check_fits(r1cs: &R1cs, ptau: &Ptau, d: usize) -> Result<(), CeremonyError> {
    let power = d.trailing_zeros();
    // snarkjs hashes whole chunks of 2^14 points of tau^i Z(tau): for the largest domain of a file
    // its last chunk reads one point past the powers of tau, so its circuit hash cannot be matched.
    let needed = if d - 1 > HASH_CHUNK && power == ptau.power { power + 1 } else { power };
    let too_large = |source| CeremonyError::CircuitTooLarge {
        constraints: r1cs.constraints.len(),
        public: r1cs.n_public(),
        source,
    };
    if needed > ptau.power {
        return Err(too_large(FormatError::TooFewPowers {
            needed_power: needed,
            have_power: ptau.power,
            download: crate::format_error::hermez_ptau_file_name(needed),
        }));
    }
    ptau.check_phase2(d).map_err(|e| match e {
        e @ FormatError::TooFewPowers { .. } => too_large(e),
        e => CeremonyError::Format(e),
    })
}

struct Bases {
    tau_g1: Vec<G1Affine>,
    tau_g2: Vec<G2Affine>,
    alpha_tau_g1: Vec<G1Affine>,
    beta_tau_g1: Vec<G1Affine>,
}

/// The QAP per variable: `(constraint, coefficient)` pairs of A, B and C, including the
/// input-consistency constraints (`A = x_s` at constraint `m + s`) that snarkjs and arkworks add.
struct Terms {
    a: Vec<Vec<(usize, Fr)>>,
    b: Vec<Vec<(usize, Fr)>>,
    c: Vec<Vec<(usize, Fr)>>,
}

impl Terms {
    fn of(r1cs: &R1cs) -> Terms {
        let n = r1cs.n_wires as usize;
        let mut t = Terms { a: vec![Vec::new(); n], b: vec![Vec::new(); n], c: vec![Vec::new(); n] };
        for (i, k) in r1cs.constraints.iter().enumerate() {
            for &(s, v) in &k.a {
                t.a[s as usize].push((i, v));
            }
            for &(s, v) in &k.b {
                t.b[s as usize].push((i, v));
            }
            for &(s, v) in &k.c {
                t.c[s as usize].push((i, v));
            }
        }
        let m = r1cs.constraints.len();
        for s in 0..=r1cs.n_public() as usize {
            t.a[s].push((m + s, Fr::from(1u64)));
        }
        t
    }
}

/// A group whose points are multiplied by full-size scalars with the GLV endomorphism (arkworks
/// does so for BN254's G1 but not G2; every point here is in the prime-order subgroup, where GLV
/// is valid: the `.ptau` reader checks it).
trait Base: AffineRepr<ScalarField = Fr> {
    fn full_mul(&self, v: Fr) -> Self::Group;
}

impl<P: ark_ec::scalar_mul::glv::GLVConfig<ScalarField = Fr>> Base for ark_ec::short_weierstrass::Affine<P> {
    fn full_mul(&self, v: Fr) -> Self::Group {
        P::glv_mul_projective(self.into_group(), v)
    }
}

/// `Some(|v|, negative)` when `v` or `-v` fits in 64 bits: bit decompositions, small weights.
fn small(v: Fr) -> Option<(<Fr as PrimeField>::BigInt, bool)> {
    let fits = |x: Fr| {
        let b = x.into_bigint();
        (b.num_bits() <= 64).then_some(b)
    };
    fits(v).map(|b| (b, false)).or_else(|| fits(-v).map(|b| (b, true)))
}

/// A base with at least this many full-size coefficients gets a fixed-base window table.
const TABLE_TERMS: usize = 16;

/// One point per variable: `sum_j coefficient_j * bases[constraint_j]` over the variable's terms.
///
/// Small coefficients cost their bit length in doublings, summed per variable in parallel.
/// Full-size ones (inverses of powers of two, Poseidon constants) are grouped by base: a base
/// used by many gets a window table, the others a GLV multiplication. (rayon's parallel MSM is
/// not nested inside a parallel loop: work stealing overflows worker stacks.)
fn per_variable<A: Base>(terms: &[Vec<(usize, Fr)>], bases: &[A]) -> Vec<A::Group>
where
    A::Group: ark_ec::scalar_mul::ScalarMul<MulBase = A>,
{
    let mut out: Vec<A::Group> = terms
        .par_iter()
        .map(|t| {
            t.iter()
                .filter_map(|&(c, v)| small(v).map(|(b, neg)| (c, b, neg)))
                .map(|(c, b, neg)| if neg { -bases[c].mul_bigint(b) } else { bases[c].mul_bigint(b) })
                .sum()
        })
        .collect();
    let mut by_base: Vec<Vec<(usize, Fr)>> = vec![Vec::new(); bases.len()];
    for (s, t) in terms.iter().enumerate() {
        for &(c, v) in t.iter().filter(|(_, v)| small(*v).is_none()) {
            by_base[c].push((s, v));
        }
    }
    // Coefficients that are small multiples of one full-size factor (a rescale's 2^-k and 2^(i-k))
    // share one multiplication by that factor.
    let shared: Vec<Vec<(usize, A::Group)>> = by_base
        .par_iter_mut()
        .enumerate()
        .filter(|(_, t)| t.len() > 1)
        .map(|(c, t)| {
            let (pivot, multiples) = common_factor(t);
            if multiples.len() < 2 {
                return Vec::new();
            }
            let p = bases[c].full_mul(pivot);
            t.retain(|(s, _)| !multiples.iter().any(|(m, _, _)| m == s));
            multiples.into_iter().map(|(s, b, neg)| (s, if neg { -p.mul_bigint(b) } else { p.mul_bigint(b) })).collect()
        })
        .collect();
    for (s, p) in shared.into_iter().flatten() {
        out[s] += p;
    }
    for (c, t) in by_base.iter().enumerate().filter(|(_, t)| t.len() >= TABLE_TERMS) {
        let table = ark_ec::scalar_mul::BatchMulPreprocessing::new(bases[c].into_group(), t.len());
        let scalars: Vec<Fr> = t.iter().map(|&(_, v)| v).collect();
        for (&(s, _), p) in t.iter().zip(table.batch_mul(&scalars)) {
            out[s] += p;
        }
    }
    let rest: Vec<Vec<(usize, A::Group)>> = by_base
        .par_iter()
        .enumerate()
        .filter(|(_, t)| !t.is_empty() && t.len() < TABLE_TERMS)
        .map(|(c, t)| t.iter().map(|&(s, v)| (s, bases[c].full_mul(v))).collect())
        .collect();
    for (s, p) in rest.into_iter().flatten() {
        out[s] += p;
    }
    out
}

/// Among the first few coefficients of a base's terms, the one that the most others are small
/// multiples of, with those terms as `(variable, |multiple|, negative)` (each variable appears
/// once per base: rows are merged).
#[allow(clippy::type_complexity)]
fn common_factor(t: &[(usize, Fr)]) -> (Fr, Vec<(usize, <Fr as PrimeField>::BigInt, bool)>) {
    let mut best = (t[0].1, Vec::new());
    for &(_, pivot) in t.iter().take(4) {
        let inv = pivot.inverse().expect("coefficients are non-zero");
        let multiples: Vec<_> = t.iter().filter_map(|&(s, v)| small(v * inv).map(|(b, neg)| (s, b, neg))).collect();
        if multiples.len() > best.1.len() {
            best = (pivot, multiples);
        }
    }
    best
}

fn batch_g1(terms: &[Vec<(usize, Fr)>], bases: &[G1Affine]) -> Vec<G1Affine> {
    G1Projective::normalize_batch(&per_variable(terms, bases))
}

fn batch_g2(terms: &[Vec<(usize, Fr)>], bases: &[G2Affine]) -> Vec<G2Affine> {
    ark_bn254::G2Projective::normalize_batch(&per_variable(terms, bases))
}

/// `beta A_s + alpha B_s + C_s` at tau, for every variable (IC for the public ones, L for the rest).
fn combined(t: &Terms, bases: &Bases) -> Vec<G1Affine> {
    let mut sum = per_variable(&t.a, &bases.beta_tau_g1);
    for (s, p) in per_variable(&t.b, &bases.alpha_tau_g1).into_iter().enumerate() {
        sum[s] += p;
    }
    for (s, p) in per_variable(&t.c, &bases.tau_g1).into_iter().enumerate() {
        sum[s] += p;
    }
    G1Projective::normalize_batch(&sum)
}

/// Section 4: A and B coefficients in constraint order, then the input constraints.
fn coefficients(r1cs: &R1cs) -> Vec<Coef> {
    let mut out = Vec::new();
    for (i, k) in r1cs.constraints.iter().enumerate() {
        let i = i as u32;
        out.extend(k.a.iter().map(|&(s, value)| Coef { matrix: 0, constraint: i, signal: s, value }));
        out.extend(k.b.iter().map(|&(s, value)| Coef { matrix: 1, constraint: i, signal: s, value }));
    }
    let m = r1cs.constraints.len() as u32;
    for s in 0..=r1cs.n_public() {
        out.push(Coef { matrix: 0, constraint: m + s, signal: s, value: Fr::from(1u64) });
    }
    out
}

/// Points of `tau^i Z(tau)` hashed per chunk by snarkjs.
const HASH_CHUNK: usize = 1 << 14;

/// snarkjs's circuit hash: BLAKE2b-512 over the initial parameters (uncompressed, big-endian), with
/// H hashed in the monomial form `tau^i Z(tau) = tau^(i+d) - tau^i` read from the `.ptau`.
pub fn circuit_hash(init: &Zkey, ptau: &Ptau) -> Result<[u8; 64], CeremonyError> {
    let d = init.domain_size as usize;
    let mut h = Blake2b512::new();
    h.update(g1_uncompressed(&init.alpha1));
    h.update(g1_uncompressed(&init.beta1));
    h.update(g2_uncompressed(&init.beta2));
    h.update(g2_uncompressed(&G2Affine::generator()));
    h.update(g1_uncompressed(&G1Affine::generator()));
    h.update(g2_uncompressed(&G2Affine::generator()));
    hash_g1_section(&mut h, &init.ic);
    // snarkjs's loop hashes whole chunks: d - 1 points, rounded up to chunks when above one chunk.
    let count = if d - 1 <= HASH_CHUNK { d - 1 } else { (d - 1).div_ceil(HASH_CHUNK) * HASH_CHUNK };
    h.update(((d - 1) as u32).to_be_bytes());
    let low = ptau.tau_g1(0, count)?;
    let high = ptau.tau_g1(d, count)?;
    let diff: Vec<G1Projective> = high.par_iter().zip(&low).map(|(a, b)| a.into_group() - b).collect();
    for p in G1Projective::normalize_batch(&diff) {
        h.update(g1_uncompressed(&p));
    }
    hash_g1_section(&mut h, &init.c);
    hash_g1_section(&mut h, &init.a);
    hash_g1_section(&mut h, &init.b1);
    h.update((init.b2.len() as u32).to_be_bytes());
    for p in &init.b2 {
        h.update(g2_uncompressed(p));
    }
    Ok(h.finalize().into())
}

fn hash_g1_section(h: &mut Blake2b512, points: &[G1Affine]) {
    h.update((points.len() as u32).to_be_bytes());
    for p in points {
        h.update(g1_uncompressed(p));
    }
}

/// The hash snarkjs prints for a contribution: BLAKE2b-512 of its public key and transcript.
pub fn contribution_hash(c: &Contribution) -> [u8; 64] {
    Blake2b512::digest(Zkey::hash_pub_key(c)).into()
}

/// The transcript hasher before contribution `i`: the circuit hash, then every earlier public key.
fn transcript_before(zkey: &Zkey, i: usize) -> Blake2b512 {
    let mut h = Blake2b512::new();
    h.update(zkey.cs_hash);
    for c in &zkey.contributions[..i] {
        h.update(Zkey::hash_pub_key(c));
    }
    h
}

/// A contribution's secret and the public key that proves knowledge of it.
struct Key {
    secret: Fr,
    g1_s: G1Affine,
    g1_sx: G1Affine,
    transcript: [u8; 64],
    g2_spx: G2Affine,
}

/// Draws `x` and `g1_s` from `rng` in snarkjs's order and derives the public key.
fn draw_key(zkey: &Zkey, rng: &mut ChaCha) -> Key {
    let secret = fr_from_rng(rng);
    let g1_s = g1_from_rng(rng);
    let g1_sx = (g1_s * secret).into_affine();
    let mut h = transcript_before(zkey, zkey.contributions.len());
    h.update(g1_uncompressed(&g1_s));
    h.update(g1_uncompressed(&g1_sx));
    let transcript: [u8; 64] = h.finalize().into();
    let g2_spx = (hash_to_g2(&transcript) * secret).into_affine();
    Key { secret, g1_s, g1_sx, transcript, g2_spx }
}

fn apply(zkey: &Zkey, key: Key, name: Option<String>, kind: ContributionKind) -> (Zkey, [u8; 64]) {
    let inverse = key.secret.inverse().expect("a secret drawn below r is zero with probability 2^-254");
    let scale = |ps: &[G1Affine]| {
        let p: Vec<G1Projective> = ps.par_iter().map(|p| p.full_mul(inverse)).collect();
        G1Projective::normalize_batch(&p)
    };
    let mut next = Zkey {
        delta1: (zkey.delta1 * key.secret).into_affine(),
        delta2: (zkey.delta2 * key.secret).into_affine(),
        c: scale(&zkey.c),
        h: scale(&zkey.h),
        ..zkey.clone()
    };
    let c = Contribution {
        delta_after: next.delta1,
        g1_s: key.g1_s,
        g1_sx: key.g1_sx,
        g2_spx: key.g2_spx,
        transcript: key.transcript,
        name,
        kind,
    };
    let hash = contribution_hash(&c);
    next.contributions.push(c);
    (next, hash)
}

/// `snarkjs zkey contribute`: one contribution with randomness from `rng` (see
/// [`crate::rng::contribution_rng`]). Returns the new parameters and the contribution's hash.
pub fn contribute(zkey: &Zkey, rng: &mut ChaCha, name: Option<String>) -> (Zkey, [u8; 64]) {
    let key = draw_key(zkey, rng);
    apply(zkey, key, name, ContributionKind::Contribution)
}

/// Checks snarkjs's beacon parameters: 1 to 255 bytes, 10 to 63 iterations exponent.
pub fn check_beacon(hash: &[u8], iterations_exp: u8) -> Result<(), CeremonyError> {
    if hash.is_empty() || hash.len() > 255 {
        return Err(CeremonyError::InvalidBeacon(format!("the beacon has {} bytes; give 1 to 255", hash.len())));
    }
    if !(10..=63).contains(&iterations_exp) {
        return Err(CeremonyError::InvalidBeacon(format!(
            "iterations exponent {iterations_exp}: snarkjs accepts 10 to 63 (2^10 to 2^63 SHA-256 iterations)"
        )));
    }
    Ok(())
}

/// `snarkjs zkey beacon`: a contribution whose randomness is SHA-256 iterated `2^iterations_exp`
/// times on a public value nobody could predict (e.g. a future block hash), so anyone can redo it.
pub fn beacon(
    zkey: &Zkey,
    hash: &[u8],
    iterations_exp: u8,
    name: Option<String>,
) -> Result<(Zkey, [u8; 64]), CeremonyError> {
    check_beacon(hash, iterations_exp)?;
    let key = draw_key(zkey, &mut beacon_rng(hash, iterations_exp));
    Ok(apply(zkey, key, name, ContributionKind::Beacon { hash: hash.to_vec(), iterations_exp }))
}

/// What [`verify`] checked, for printing.
#[derive(Clone, Debug)]
pub struct Verified {
    /// The circuit hash (snarkjs's "Circuit Hash").
    pub cs_hash: [u8; 64],
    /// Each contribution in order: its name, hash, and beacon parameters if it is one.
    pub contributions: Vec<VerifiedContribution>,
}

/// One checked contribution.
#[derive(Clone, Debug)]
pub struct VerifiedContribution {
    /// Name given by the contributor.
    pub name: Option<String>,
    /// Hash as snarkjs prints it.
    pub hash: [u8; 64],
    /// `Some((beacon hash, iterations exponent))` for a beacon.
    pub beacon: Option<(Vec<u8>, u8)>,
}

fn same_ratio(a1: G1Affine, b1: G1Affine, a2: G2Affine, b2: G2Affine) -> bool {
    // b1 / a1 == b2 / a2  <=>  e(a1, b2) == e(b1, a2)
    Bn254::multi_pairing([a1, -b1], [b2, a2]).is_zero()
}

/// `snarkjs zkey verify`: recomputes the initial parameters `init` from the circuit and `.ptau`
/// (see [`new_zkey`]) and checks that `zkey` follows from them by valid contributions.
pub fn verify(zkey: &Zkey, init: &Zkey) -> Result<Verified, CeremonyError> {
    let contributions = verify_chain(zkey)?;
    verify_against_init(zkey, init)?;
    Ok(Verified { cs_hash: zkey.cs_hash, contributions })
}

fn verify_chain(zkey: &Zkey) -> Result<Vec<VerifiedContribution>, CeremonyError> {
    let mut out = Vec::with_capacity(zkey.contributions.len());
    let mut delta = G1Affine::generator();
    for (i, c) in zkey.contributions.iter().enumerate() {
        let bad = |reason: &str| CeremonyError::InvalidContribution {
            index: i + 1,
            name: c.name.clone().unwrap_or_else(|| "unnamed".into()),
            reason: reason.into(),
        };
        if c.g1_s.is_zero() || c.g1_sx.is_zero() || c.g2_spx.is_zero() || c.delta_after.is_zero() {
            return Err(bad("its public key has a point at infinity"));
        }
        let mut h = transcript_before(zkey, i);
        h.update(g1_uncompressed(&c.g1_s));
        h.update(g1_uncompressed(&c.g1_sx));
        if h.finalize().as_slice() != c.transcript.as_slice() {
            return Err(bad("inconsistent transcript (it does not hash the circuit and the earlier contributions)"));
        }
        let g2_sp = hash_to_g2(&c.transcript);
        if !same_ratio(c.g1_s, c.g1_sx, g2_sp, c.g2_spx) {
            return Err(bad("its proof of knowledge is wrong (g1_s, g1_sx and g2_spx do not share one secret)"));
        }
        if !same_ratio(delta, c.delta_after, g2_sp, c.g2_spx) {
            return Err(bad("its delta does not follow the previous delta by its secret"));
        }
        let beacon = match &c.kind {
            ContributionKind::Beacon { hash, iterations_exp } => {
                check_beacon(hash, *iterations_exp).map_err(|e| bad(&e.to_string()))?;
                let mut rng = beacon_rng(hash, *iterations_exp);
                let secret = fr_from_rng(&mut rng);
                let g1_s = g1_from_rng(&mut rng);
                if g1_s != c.g1_s || (g1_s * secret).into_affine() != c.g1_sx {
                    return Err(bad("its key is not the one its beacon derives"));
                }
                Some((hash.clone(), *iterations_exp))
            }
            ContributionKind::Contribution => None,
        };
        out.push(VerifiedContribution { name: c.name.clone(), hash: contribution_hash(c), beacon });
        delta = c.delta_after;
    }
    Ok(out)
}

fn verify_against_init(zkey: &Zkey, init: &Zkey) -> Result<(), CeremonyError> {
    let wrong = |m: &str| Err(CeremonyError::WrongCircuit(m.into()));
    if (zkey.n_vars, zkey.n_public, zkey.domain_size) != (init.n_vars, init.n_public, init.domain_size) {
        return wrong(&format!(
            "it has {} variables, {} public inputs, domain {}; the circuit has {}, {}, {}",
            zkey.n_vars, zkey.n_public, zkey.domain_size, init.n_vars, init.n_public, init.domain_size
        ));
    }
    if zkey.cs_hash != init.cs_hash {
        return wrong("its circuit hash differs");
    }
    if (zkey.alpha1, zkey.beta1, zkey.beta2, zkey.gamma2) != (init.alpha1, init.beta1, init.beta2, init.gamma2) {
        return wrong("alpha, beta or gamma differ from the powers of tau");
    }
    let sections = [
        ("IC", zkey.ic == init.ic),
        ("coefficients", zkey.coefs == init.coefs),
        ("A", zkey.a == init.a),
        ("B1", zkey.b1 == init.b1),
        ("B2", zkey.b2 == init.b2),
    ];
    if let Some((name, _)) = sections.iter().find(|(_, same)| !same) {
        return wrong(&format!("section {name} differs"));
    }
    let last = zkey.contributions.last().map_or(G1Affine::generator(), |c| c.delta_after);
    if zkey.delta1 != last {
        return Err(CeremonyError::InvalidParameters("delta (G1) is not the last contribution's".into()));
    }
    if !same_ratio(G1Affine::generator(), zkey.delta1, G2Affine::generator(), zkey.delta2) {
        return Err(CeremonyError::InvalidParameters("delta in G2 does not match delta in G1".into()));
    }
    if zkey.c.len() != init.c.len() || zkey.h.len() != init.h.len() {
        return Err(CeremonyError::InvalidParameters("the L or H section has the wrong size".into()));
    }
    // L and H are the initial ones divided by delta: one random linear combination of each.
    for (name, now, before) in [("L", &zkey.c, &init.c), ("H", &zkey.h, &init.h)] {
        let r: Vec<Fr> = (0..now.len()).map(|_| Fr::rand(&mut rand::rngs::OsRng)).collect();
        let a = G1Projective::msm_unchecked(before, &r).into_affine();
        let b = G1Projective::msm_unchecked(now, &r).into_affine();
        if !same_ratio(a, b, zkey.delta2, init.delta2) {
            return Err(CeremonyError::InvalidParameters(format!("the {name} section is not divided by delta")));
        }
    }
    Ok(())
}

/// The arkworks keys of final parameters: a proving key for snarkjs's witness map
/// (`verinfer_circuits::qap::Qap::Circom`) and its verifying key (gamma is the generator).
pub fn to_arkworks(zkey: &Zkey) -> ark_groth16::ProvingKey<Bn254> {
    let vk = ark_groth16::VerifyingKey {
        alpha_g1: zkey.alpha1,
        beta_g2: zkey.beta2,
        gamma_g2: zkey.gamma2,
        delta_g2: zkey.delta2,
        gamma_abc_g1: zkey.ic.clone(),
    };
    ark_groth16::ProvingKey {
        vk,
        beta_g1: zkey.beta1,
        delta_g1: zkey.delta1,
        a_query: zkey.a.clone(),
        b_g1_query: zkey.b1.clone(),
        b_g2_query: zkey.b2.clone(),
        h_query: zkey.h.clone(),
        l_query: zkey.c.clone(),
    }
}
