//! Seeded sampling in R1CS: proves that a public index is the class drawn from the logits with the
//! randomness of the statement, exactly as `verinfer_ir::sampling` defines it.
//!
//! Four parts (costs for `n` classes of `w`-bit logits, `Y` = width of the exponent `c (m - o)`):
//!
//! - [`random_u64`]: `r = u mod 2^64` of a Poseidon output `u`, as bits, with the decomposition
//!   `u = r + 2^64 h` forced canonical (`h <= (p-1) >> 64`, and `r <= (p-1) mod 2^64` when equal), so
//!   the prover cannot use `u + p` instead. 513 constraints.
//! - [`exp_prefix`]: the maximum `m` (every `c (m - o_j)` decomposes into `Y` bits, so `m >= o_j`, and
//!   `prod_j (m - o_j) = 0`, so `m` is one of them), then per class the bits of `y_j = c (m - o_j)`,
//!   the cut-off flag `[a_j < 32]` (an is-zero test on the high bits), `2^(31 - a_j)` as a product of
//!   five bit-selected constants, `W(t_j)` from `t_j, t_j^2, t_j^3, t_j^4`, and the running prefix sum
//!   `C(j) = C(j-1) + w_j`. `n (Y + 13)` constraints (one more per class with a top-k mask).
//! - [`top_k_mask`]: booleans `mu_j` with `sum mu_j = k` and, against a witness threshold `tau`,
//!   `key_j - tau >= 0` where `mu_j = 1` and `tau - 1 - key_j >= 0` where `mu_j = 0`, on the distinct
//!   keys `key_j = n o_j + (n - 1 - j)`. The set is then the `k` largest keys whatever `tau` is: no
//!   sorting. `n (L + 3) + 1` constraints with `L = bitlen(n 2^w - 1)`, plus the mask's factor in
//!   each weight.
//! - [`select`]: a one-hot selector of the public index picks `C(k-1)` and `C(k)`, and two range
//!   checks prove `C(k-1) 2^64 <= r C(n-1) < C(k) 2^64`. `3n + 2 (64 + 119 + bitlen(n) + 1) + 2`.
//!
//! In all, a categorical draw costs `n (Y + 16) + 2 (184 + bitlen(n)) + 515` plus the Poseidon call
//! (384), and top-k adds `n (L + 4) + 1`. For the digits MLP (`n = 10`, `Y = 32`) that is 1 755, against 202 for argmax.
use super::poseidon::Wire;
use super::range::{alloc_unsigned, alloc_unsigned_limbs};
use super::{constant, enforce, enforce_equal, pow2, witness, Cs, Lc, Result, Signal};
use ark_bn254::Fr;
use ark_ff::{Field, PrimeField};
use ark_relations::gr1cs::Variable;
use verinfer_ir::sampling::{frac_top_bits, Draw, Softmax, CUTOFF_LOG2, EXP2_POLY, POLY_T_BITS, WEIGHT_BITS};
use verinfer_ir::Sampling;

fn one() -> Fr {
    Fr::from(1u64)
}

fn cw(v: Fr) -> Wire {
    Wire { lc: constant(v), value: Some(v) }
}

fn var(cs: &Cs, value: Option<Fr>) -> Result<Wire> {
    Ok(Wire { lc: Lc::from(witness(cs, value)?), value })
}

/// `sum c_i x_i + k` as a wire.
fn lin(terms: &[(Fr, &Wire)], k: Fr) -> Wire {
    let mut lc = constant(k);
    let mut value = Some(k);
    for (c, x) in terms {
        lc = lc + (x.lc.clone() * *c);
        value = value.zip(x.value).map(|(a, b)| a + *c * b);
    }
    Wire { lc, value }
}

/// `a * b` (1 constraint).
fn mul(cs: &Cs, a: &Wire, b: &Wire) -> Result<Wire> {
    let out = var(cs, a.value.zip(b.value).map(|(x, y)| x * y))?;
    enforce(cs, a.lc.clone(), b.lc.clone(), out.lc.clone())?;
    Ok(out)
}

/// `[x == 0]` (2 constraints: `x inv = 1 - z`, `x z = 0`).
fn is_zero(cs: &Cs, x: &Wire) -> Result<Wire> {
    let z = var(cs, x.value.map(|v| if v == Fr::from(0u64) { one() } else { Fr::from(0u64) }))?;
    let inv = witness(cs, x.value.map(|v| v.inverse().unwrap_or_default()))?;
    enforce(cs, x.lc.clone(), Lc::from(inv), constant(one()) - z.lc.clone())?;
    enforce(cs, x.lc.clone(), z.lc.clone(), Lc::new())?;
    Ok(z)
}

/// Little-endian 64-bit limbs of a field element's canonical integer.
fn limbs_of(v: Fr) -> [u64; 4] {
    v.into_bigint().0
}

/// Bits `[from, to)` of `bits` as `sum 2^(i - from + shift) b_i`, with its value.
fn bit_range(bits: &[Variable], from: usize, to: usize, shift: u32, value: Option<u128>) -> Wire {
    let to = to.min(bits.len());
    let mut lc = Lc::new();
    let mut c = pow2(shift);
    for b in bits.iter().take(to).skip(from) {
        lc += (c, *b);
        c = c + c;
    }
    let value = value.map(|v| {
        let width = to.saturating_sub(from) as u32;
        let part = if from >= 128 { 0 } else { v >> from };
        let part = if width >= 128 { part } else { part & ((1u128 << width) - 1) };
        Fr::from(part) * pow2(shift)
    });
    Wire { lc, value }
}

/// `r = u mod 2^64` of the canonical integer of `u`, as a 64-bit wire (513 constraints).
pub fn random_u64(cs: &Cs, u: &Wire) -> Result<Wire> {
    let modulus = Fr::MODULUS.0;
    // p - 1 = 2^64 h_max + p_low (p is odd: no borrow)
    let p_low = modulus[0] - 1;
    let h_max = Fr::from_bigint(ark_ff::BigInt([modulus[1], modulus[2], modulus[3], 0])).unwrap_or_default();
    let uv = u.value.map(limbs_of);
    let (_, r_lc) = alloc_unsigned_limbs(cs, uv.as_ref().map(|l| &l[..1]), 64)?;
    let (_, h_lc) = alloc_unsigned_limbs(cs, uv.as_ref().map(|l| &l[1..]), 190)?;
    enforce_equal(cs, r_lc.clone() + (h_lc.clone() * pow2(64)), u.lc.clone())?;
    let h_val = uv.map(|l| Fr::from_bigint(ark_ff::BigInt([l[1], l[2], l[3], 0])).unwrap_or_default());
    // h <= h_max
    let delta = Wire { lc: constant(h_max) - h_lc, value: h_val.map(|h| h_max - h) };
    let dv = delta.value.map(limbs_of);
    let (_, d_lc) = alloc_unsigned_limbs(cs, dv.as_ref().map(|l| l.as_slice()), 190)?;
    enforce_equal(cs, d_lc, delta.lc.clone())?;
    // h = h_max => r <= p_low: eq * (p_low - r) is in [0, 2^64)
    let eq = is_zero(cs, &delta)?;
    let r_val = uv.map(|l| Fr::from(l[0]));
    let slack = Wire { lc: constant(Fr::from(p_low)) - r_lc.clone(), value: r_val.map(|r| Fr::from(p_low) - r) };
    let t_val = eq.value.zip(slack.value).map(|(e, s)| e * s);
    let tv = t_val.map(limbs_of);
    let (_, t_lc) = alloc_unsigned_limbs(cs, tv.as_ref().map(|l| l.as_slice()), 64)?;
    enforce(cs, eq.lc, slack.lc, t_lc)?;
    Ok(Wire { lc: r_lc, value: r_val })
}

/// A factor of a product: a constant or a wire.
enum Factor {
    Const(Fr),
    Wire(Wire),
}

/// `prev + prod(factors)` as a fresh variable; `k - 1` constraints for `k` wire factors (at least 1).
fn add_product(cs: &Cs, prev: &Wire, factors: Vec<Factor>) -> Result<Wire> {
    let mut k = one();
    let mut wires = Vec::new();
    for f in factors {
        match f {
            Factor::Const(c) => k *= c,
            Factor::Wire(w) => wires.push(w),
        }
    }
    let Some(last) = wires.pop() else {
        let out = var(cs, prev.value.map(|p| p + k))?;
        enforce_equal(cs, out.lc.clone(), prev.lc.clone() + constant(k))?;
        return Ok(out);
    };
    let mut acc = cw(k);
    for w in &wires {
        acc = if acc.lc.0.iter().all(|(_, v)| *v == Variable::One) {
            lin(&[(acc.value.unwrap_or_default(), w)], Fr::from(0u64))
        } else {
            mul(cs, &acc, w)?
        };
    }
    let out = var(cs, prev.value.zip(acc.value).zip(last.value).map(|((p, a), l)| p + a * l))?;
    enforce(cs, acc.lc, last.lc, out.lc.clone() - prev.lc.clone())?;
    Ok(out)
}

/// The prefix sums `C(0), ..., C(n-1)` of the weights of `outs` (`w`-bit logits) under `softmax`,
/// masked by `mask` (booleans) if given. `draw` holds the evaluator's values when proving.
pub fn exp_prefix(
    cs: &Cs,
    outs: &[Signal],
    w: u8,
    softmax: &Softmax,
    mask: Option<&[Wire]>,
    draw: Option<&Draw>,
) -> Result<Vec<Wire>> {
    let n = outs.len();
    if n == 0 {
        return Err(ark_relations::gr1cs::SynthesisError::Unsatisfiable);
    }
    let c = Fr::from(softmax.exp_coef);
    let f = softmax.exp_frac_bits as usize;
    let ybits = softmax.exponent_bits(w) as usize;
    let m = var(cs, draw.map(|d| super::fr(d.max as i128)))?;
    let d: Vec<Wire> = outs
        .iter()
        .map(|o| Wire { lc: m.lc.clone() - o.lc.clone(), value: m.value.zip(o.value).map(|(m, o)| m - super::fr(o)) })
        .collect();
    // m is one of the logits: prod (m - o_j) = 0.
    let mut acc = d[0].clone();
    for dj in &d[1..] {
        acc = mul(cs, &acc, dj)?;
    }
    enforce_equal(cs, acc.lc, Lc::new())?;

    let mut prefix = Vec::with_capacity(n);
    let mut prev = cw(Fr::from(0u64));
    for j in 0..n {
        // a draw that does not fit the logits leaves the witness unassigned (an error, not a panic)
        let y = draw.and_then(|d| d.exponents.get(j).copied());
        let (bits, y_lc) = alloc_unsigned(cs, y, ybits as u8)?;
        enforce_equal(cs, y_lc, d[j].lc.clone() * c)?;
        let mut factors = Vec::with_capacity(8);
        // [a < 32]: the bits from F + 5 up are all zero.
        let high_from = f + CUTOFF_LOG2 as usize;
        if high_from < ybits {
            let high = bit_range(&bits, high_from, ybits, 0, y);
            factors.push(Factor::Wire(is_zero(cs, &high)?));
        }
        // 2^(31 - (a mod 32)) = prod_i (bit_(F+i) ? 1 : 2^(2^i))
        for i in 0..CUTOFF_LOG2 as usize {
            let big = pow2(1 << i);
            match bits.get(f + i) {
                Some(b) => {
                    let bit = Wire { lc: Lc::from(*b), value: y.map(|y| Fr::from(((y >> (f + i)) & 1) as u64)) };
                    factors.push(Factor::Wire(lin(&[(one() - big, &bit)], big)));
                }
                None => factors.push(Factor::Const(big)),
            }
        }
        // t: the top 16 fractional bits, W(t) = sum K_i t^i 2^(16 (4 - i)).
        let t = if f >= POLY_T_BITS as usize {
            bit_range(&bits, f - POLY_T_BITS as usize, f, 0, y)
        } else {
            bit_range(&bits, 0, f, POLY_T_BITS - f as u32, y)
        };
        debug_assert!(y.is_none_or(|y| t.value == Some(Fr::from(frac_top_bits(y, f as u32)))));
        let k: Vec<Fr> = EXP2_POLY.iter().map(|&k| super::fr(k as i128)).collect();
        let scale = |i: usize| pow2(POLY_T_BITS * (4 - i as u32));
        if t.lc.0.is_empty() {
            factors.push(Factor::Const(k[0] * scale(0)));
        } else {
            let t2 = mul(cs, &t, &t)?;
            let t3 = mul(cs, &t2, &t)?;
            let t4 = mul(cs, &t2, &t2)?;
            let poly = lin(
                &[(k[1] * scale(1), &t), (k[2] * scale(2), &t2), (k[3] * scale(3), &t3), (k[4], &t4)],
                k[0] * scale(0),
            );
            factors.push(Factor::Wire(poly));
        }
        if let Some(mask) = mask {
            factors.push(Factor::Wire(mask[j].clone()));
        }
        prev = add_product(cs, &prev, factors)?;
        prefix.push(prev.clone());
    }
    Ok(prefix)
}

/// Top-k membership booleans of `outs` (`w`-bit logits): exactly the `k` largest keys.
pub fn top_k_mask(cs: &Cs, outs: &[Signal], w: u8, k: u32, draw: Option<&Draw>) -> Result<Vec<Wire>> {
    let n = outs.len();
    let width = (128 - ((n as u128) << w).saturating_sub(1).leading_zeros()) as u8;
    let tk = draw.and_then(|d| d.top_k.as_ref());
    let tau = var(cs, tk.map(|(_, t)| super::fr(*t)))?;
    let mut mus = Vec::with_capacity(n);
    let mut count = Lc::new();
    for (j, o) in outs.iter().enumerate() {
        let key = lin(
            &[(Fr::from(n as u64), &Wire { lc: o.lc.clone(), value: o.value.map(super::fr) })],
            Fr::from((n - 1 - j) as u64),
        );
        let member = tk.and_then(|(m, _)| m.get(j).copied());
        let mu = var(cs, member.map(|m| if m { one() } else { Fr::from(0u64) }))?;
        enforce(cs, mu.lc.clone(), constant(one()) - mu.lc.clone(), Lc::new())?;
        count = count + mu.lc.clone();
        let diff = lin(&[(one(), &key), (-one(), &tau)], Fr::from(0u64));
        let pi = mul(cs, &mu, &diff)?;
        // mu = 1: key - tau; mu = 0: tau - 1 - key
        let delta = lin(&[(Fr::from(2u64), &pi), (-one(), &diff), (one(), &mu)], -one());
        let dv = tk.zip(member).zip(o.value).map(|(((_, t), m), o)| {
            let key = o * n as i128 + (n - 1 - j) as i128;
            (if m { key - t } else { t - 1 - key }) as u128
        });
        let (_, d_lc) = alloc_unsigned(cs, dv, width)?;
        enforce_equal(cs, d_lc, delta.lc)?;
        mus.push(mu);
    }
    enforce_equal(cs, count, constant(Fr::from(k as u64)))?;
    Ok(mus)
}

/// Proves `C(k-1) 2^64 <= r C(n-1) < C(k) 2^64` for the public `index` = k.
pub fn select(cs: &Cs, prefix: &[Wire], r: &Wire, index: Lc, index_value: Option<usize>) -> Result<()> {
    let n = prefix.len();
    if n == 0 {
        return Err(ark_relations::gr1cs::SynthesisError::Unsatisfiable);
    }
    let sel: Vec<Wire> = (0..n)
        .map(|i| {
            let s = var(cs, index_value.map(|k| if k == i { one() } else { Fr::from(0u64) }))?;
            enforce(cs, s.lc.clone(), constant(one()) - s.lc.clone(), Lc::new())?;
            Ok(s)
        })
        .collect::<Result<_>>()?;
    let sum = lin(&sel.iter().map(|s| (one(), s)).collect::<Vec<_>>(), Fr::from(0u64));
    enforce_equal(cs, sum.lc, constant(one()))?;
    let pos = lin(&sel.iter().enumerate().map(|(i, s)| (Fr::from(i as u64), s)).collect::<Vec<_>>(), Fr::from(0u64));
    enforce_equal(cs, pos.lc, index)?;
    // lo = C(k-1), hi = C(k)
    let mut lo_terms = Vec::with_capacity(n);
    let mut hi_terms = Vec::with_capacity(n);
    for (j, s) in sel.iter().enumerate() {
        if j > 0 {
            lo_terms.push(mul(cs, s, &prefix[j - 1])?);
        }
        hi_terms.push(mul(cs, s, &prefix[j])?);
    }
    let lo = lin(&lo_terms.iter().map(|t| (one(), t)).collect::<Vec<_>>(), Fr::from(0u64));
    let hi = lin(&hi_terms.iter().map(|t| (one(), t)).collect::<Vec<_>>(), Fr::from(0u64));
    let x = mul(cs, r, &prefix[n - 1])?;
    let width = 64 + WEIGHT_BITS + (128 - (n as u128).leading_zeros());
    let two64 = pow2(64);
    for diff in [lin(&[(one(), &x), (-two64, &lo)], Fr::from(0u64)), lin(&[(two64, &hi), (-one(), &x)], -one())] {
        let v = diff.value.map(limbs_of);
        let (_, lc) = alloc_unsigned_limbs(cs, v.as_ref().map(|l| l.as_slice()), width)?;
        enforce_equal(cs, lc, diff.lc)?;
    }
    Ok(())
}

/// Enforces that `index` is the class drawn from `outs` (`w`-bit logits) under `sampling` with the
/// randomness `u` (a Poseidon output). Argmax takes no randomness: use `super::argmax`.
#[allow(clippy::too_many_arguments)]
pub fn sample(
    cs: &Cs,
    outs: &[Signal],
    w: u8,
    sampling: &Sampling,
    u: &Wire,
    index: Lc,
    index_value: Option<usize>,
    draw: Option<&Draw>,
) -> Result<()> {
    let softmax = sampling.softmax().ok_or(ark_relations::gr1cs::SynthesisError::Unsatisfiable)?;
    let r = random_u64(cs, u)?;
    let mask = match sampling.top_k() {
        Some(k) => Some(top_k_mask(cs, outs, w, k, draw)?),
        None => None,
    };
    let prefix = exp_prefix(cs, outs, w, softmax, mask.as_deref(), draw)?;
    select(cs, &prefix, &r, index, index_value)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::r1cs::testing::*;
    use crate::sampling::low_u64;
    use ark_ff::UniformRand;
    use rand::SeedableRng;
    use verinfer_ir::sampling::draw;
    use verinfer_ir::Scale;

    fn u_wire(cs: &Cs, u: Fr) -> Wire {
        var(cs, Some(u)).unwrap()
    }

    /// Synthesizes `sample` for `logits` (`w` = 12 bits at scale 2^4) with randomness `u`, claiming
    /// `claim` with the evaluator's draw; returns the constraint system and the honest index.
    fn run(sampling: &Sampling, logits: &[i64], u: Fr, claim: Option<usize>, tweak: impl Fn(&mut Draw)) -> (Cs, usize) {
        let cs = prover_cs();
        let outs: Vec<Signal> = logits.iter().map(|&v| signal(&cs, v as i128)).collect();
        let uw = u_wire(&cs, u);
        let mut d = draw(sampling, logits, low_u64(u)).unwrap();
        let honest = d.index;
        tweak(&mut d);
        let k = claim.unwrap_or(honest);
        let idx = witness(&cs, Some(Fr::from(k as u64))).unwrap();
        sample(&cs, &outs, 12, sampling, &uw, Lc::from(idx), Some(k), Some(&d)).unwrap();
        (cs, honest)
    }

    fn categorical(t: f64) -> Sampling {
        Sampling::Categorical(Softmax::new(t, Scale(4)).unwrap())
    }

    #[test]
    fn random_u64_is_the_low_bits_and_costs_513() {
        let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(1);
        for u in (0..20).map(|_| Fr::rand(&mut rng)).chain([Fr::from(0u64), -Fr::from(1u64), Fr::from(7u64)]) {
            let cs = prover_cs();
            let uw = u_wire(&cs, u);
            let before = cs.num_constraints();
            let r = random_u64(&cs, &uw).unwrap();
            assert_eq!(cs.num_constraints() - before, 513);
            assert_eq!(r.value, Some(Fr::from(low_u64(u))));
            assert!(satisfied(&cs));
        }
    }

    /// Synthesizes `random_u64` for `u`, then overwrites its bits with those of the integer `alias`
    /// (another integer congruent to `u` mod p).
    fn alias_satisfies(u: Fr, alias: [u64; 4]) -> bool {
        let cs = prover_cs();
        let uw = u_wire(&cs, u);
        let first = cs.num_witness_variables();
        random_u64(&cs, &uw).unwrap();
        // Witness layout: 64 bits of r, 190 bits of h, 190 bits of h_max - h, z, inv, 64 bits of the slack.
        let bit = |l: &[u64], i: usize| Fr::from((l.get(i / 64).copied().unwrap_or(0) >> (i % 64)) & 1);
        let h = [alias[1], alias[2], alias[3], 0];
        let h_fr = Fr::from_bigint(ark_ff::BigInt(h)).unwrap();
        let p1 = Fr::MODULUS.0;
        let h_max = Fr::from_bigint(ark_ff::BigInt([p1[1], p1[2], p1[3], 0])).unwrap();
        let delta = limbs_of(h_max - h_fr);
        let v = |i: usize| Variable::witness(first + i);
        for i in 0..64 {
            set(&cs, v(i), bit(&alias, i));
        }
        for i in 0..190 {
            set(&cs, v(64 + i), bit(&h, i));
            set(&cs, v(254 + i), bit(&delta, i));
        }
        let eq = h_max == h_fr;
        set(&cs, v(444), if eq { one() } else { Fr::from(0u64) });
        set(&cs, v(445), (h_max - h_fr).inverse().unwrap_or_default());
        let slack = if eq { Fr::from(p1[0] - 1) - Fr::from(alias[0]) } else { Fr::from(0u64) };
        for i in 0..64 {
            set(&cs, v(446 + i), bit(&limbs_of(slack), i));
        }
        satisfied(&cs)
    }

    fn add_p(u: Fr) -> [u64; 4] {
        let mut a = u.into_bigint();
        let carry = ark_ff::BigInteger::add_with_carry(&mut a, &Fr::MODULUS);
        assert!(!carry);
        a.0
    }

    #[test]
    fn soundness_the_decomposition_of_u_plus_p_is_rejected() {
        for u in
            [Fr::from(5u64), Fr::from(1u64 << 63), Fr::from(u128::MAX), Fr::from(1u64 << 40) * Fr::from(1u64 << 40)]
        {
            // The honest decomposition passes through the same overwrite path.
            assert!(alias_satisfies(u, limbs_of(u)), "honest {u}");
            assert!(!alias_satisfies(u, add_p(u)), "alias of {u}");
        }
    }

    #[test]
    fn exactly_the_drawn_class_is_provable() {
        let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(2);
        let logits = [30i64, -12, 25, 31, 0, 31, -2048, 20];
        let modes = [
            categorical(1.0),
            categorical(4.0),
            categorical(0.3),
            Sampling::TopK { k: 3, softmax: Softmax::new(2.0, Scale(4)).unwrap() },
        ];
        let mut seen = std::collections::BTreeSet::new();
        for mode in &modes {
            for _ in 0..12 {
                let u = Fr::rand(&mut rng);
                let (cs, honest) = run(mode, &logits, u, None, |_| {});
                assert!(satisfied(&cs), "{mode:?}: honest draw {honest}");
                seen.insert(honest);
                for other in (0..logits.len()).filter(|&k| k != honest) {
                    let (cs, _) = run(mode, &logits, u, Some(other), |_| {});
                    assert!(!satisfied(&cs), "{mode:?}: class {other} instead of {honest}");
                }
            }
        }
        assert!(seen.len() >= 3, "the draws should vary: {seen:?}");
    }

    #[test]
    fn soundness_another_max_threshold_or_mask_is_rejected() {
        let logits = [30i64, -12, 25, 31, 0, 29];
        let u = Fr::from(12345u64) * Fr::from(u64::MAX);
        let topk = Sampling::TopK { k: 2, softmax: Softmax::new(2.0, Scale(4)).unwrap() };
        // m one above the maximum: every factor of prod (m - o_j) is non-zero.
        let c = Softmax::new(1.0, Scale(4)).unwrap().exp_coef as u128;
        let (cs, _) = run(&categorical(1.0), &logits, u, None, |d| {
            d.max += 1;
            d.exponents.iter_mut().for_each(|y| *y += c);
        });
        assert!(!satisfied(&cs));
        // m = the second largest: the exponent of the largest is negative and has no bits.
        let (cs, _) = run(&categorical(1.0), &logits, u, None, |d| {
            d.max = 30;
            d.exponents.iter_mut().zip(&logits).for_each(|(y, &o)| *y = (c as i128 * (30 - o as i128)) as u128);
        });
        assert!(!satisfied(&cs));
        // A top-2 set of {0, 3} (skipping 5, whose logit 29 is smaller than 30 but the set must be
        // the two largest: {3, 0}); then {3, 5} with any threshold.
        let (cs, _) = run(&topk, &logits, u, None, |_| {});
        assert!(satisfied(&cs));
        for (set, tau) in [([3usize, 5], 29 * 6), ([3, 5], 25 * 6 + 3), ([3, 2], 25 * 6)] {
            let (cs, _) = run(&topk, &logits, u, None, |d| {
                let mask: Vec<bool> = (0..logits.len()).map(|j| set.contains(&j)).collect();
                d.top_k = Some((mask, tau));
            });
            assert!(!satisfied(&cs), "top-2 set {set:?}");
        }
    }

    #[test]
    fn soundness_every_single_witness_corruption_is_caught() {
        // Add 1 to each witness the gadget allocated, one at a time. The only variables that may
        // change freely are the inverses of is-zero tests whose input is zero (the cut-off tests of
        // classes with weight, and `h_max - h` unless u is at the very top of the field).
        let logits = [30i64, -12, 25, 31, 0, 31, -2048];
        for mode in [categorical(0.7), Sampling::TopK { k: 3, softmax: Softmax::new(0.7, Scale(4)).unwrap() }] {
            let u = Fr::from(987654321u64) * Fr::from(u64::MAX - 5);
            let (cs, _) = run(&mode, &logits, u, None, |_| {});
            assert!(satisfied(&cs));
            let d = draw(&mode, &logits, low_u64(u)).unwrap();
            let f = mode.softmax().unwrap().exp_frac_bits as u32;
            let free_expected = d.exponents.iter().filter(|&&y| (y >> (f + CUTOFF_LOG2)) == 0).count();
            // the first witnesses are the logits, u and the index: not the gadget's
            let first = logits.len() + 2;
            let mut free = 0;
            for i in first..cs.num_witness_variables() {
                let v = Variable::witness(i);
                corrupt(&cs, v, one());
                if satisfied(&cs) {
                    free += 1;
                }
                corrupt(&cs, v, -one());
            }
            assert_eq!(free, free_expected, "{mode:?}");
        }
    }

    #[test]
    fn cost_per_class() {
        // n (Y + 16) + 2 (64 + 119 + bitlen n + 1) + 515 for categorical; top-k adds n (L + 4) + 1.
        let logits: Vec<i64> = (0..10).map(|i| i * 37 - 100).collect();
        let n = logits.len();
        let s = Softmax::new(1.0, Scale(4)).unwrap();
        let y = s.exponent_bits(12) as usize;
        let x = 64 + 119 + 4;
        let (cs, _) = run(&Sampling::Categorical(s), &logits, Fr::from(3u64), None, |_| {});
        assert_eq!(cs.num_constraints(), n * (y + 16) + 2 * (x + 1) + 515);
        let l = 4 + 12;
        let (cs, _) = run(&Sampling::TopK { k: 3, softmax: s }, &logits, Fr::from(3u64), None, |_| {});
        assert_eq!(cs.num_constraints(), n * (y + 16) + 2 * (x + 1) + 515 + n * (l + 4) + 1);
    }
}
