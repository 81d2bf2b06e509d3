//! Seeded sampling of the output index: the integer semantics that the circuit enforces exactly.
//!
//! A model is compiled with one [`Sampling`] mode, which is part of its hash. `Argmax` picks the first
//! largest logit. `Categorical` draws from the softmax of the logits at a temperature, and `TopK` draws
//! from the softmax restricted to the `k` largest logits. The draw is inverse-CDF sampling with a
//! 64-bit random integer `r` (derived from the canister's seed by the backend, see
//! `verinfer_circuits::sampling`), over integer weights computed as follows.
//!
//! # Weights: `2^(-x)` in fixed point
//!
//! For logits `o_j` (signed, `w` bits, scale `2^s`) and temperature `T`, the ideal weight of class `j`
//! is `exp((o_j - m) / (2^s T)) = 2^(-(m - o_j) * log2(e) / (2^s T))` with `m = max_j o_j`. With the
//! compile-time constants `c = round(2^F * log2(e) / (2^s T))` (chosen with 16 significant bits) and
//! `F`, every class computes
//!
//! - `d_j = m - o_j` (in `[0, 2^w)`), `y_j = c * d_j`: the exponent in base 2 with `F` fractional bits;
//! - `a_j = y_j >> F` (integer part) and `t_j` = the top 16 bits of the `F` fractional bits;
//! - `W(t) = sum_i K_i t^i 2^(16 (4 - i))`, [`EXP2_POLY`]'s degree-4 polynomial, which is
//!   `2^(88) * 2^(-t / 2^16)` within relative error 2.7e-6 (checked for every `t`);
//! - `w_j = W(t_j) * 2^(31 - a_j)` if `a_j < 32`, else `0`.
//!
//! So `w_j = 2^119 * 2^(-y_j / 2^F) * (1 + e_j)` with `-2.7e-6 <= e_j <= 1.4e-5` (the polynomial, and
//! the dropped fractional bits below `2^-16`, worth at most `ln 2 * 2^-16`), except that classes
//! less likely than `2^-32` times the most likely one get weight 0. Every weight is below `2^119`.
//! Against the softmax at the effective temperature ([`Softmax::effective_temperature`], within
//! `2^-16` relative of the requested one) each probability is within a factor `1 +- 1.7e-5`, and the
//! total variation distance is below `1.7e-5 + n 2^-32`.
//!
//! # The draw
//!
//! With prefix sums `C(j) = w_0 + ... + w_j` (`C(-1) = 0`), the output is the unique `k` with
//! `C(k-1) * 2^64 <= r * C(n-1) < C(k) * 2^64`, that is `r / 2^64` in `[C(k-1), C(k)) / C(n-1)`: exact
//! integer inverse-CDF sampling, so class `k` is drawn for exactly `floor`-rounded `w_k / C(n-1)` of the
//! `2^64` values of `r` (up to one value). Zero-weight classes are never drawn.
//!
//! # Top-k without sorting
//!
//! Class `j` gets the key `o_j * n + (n - 1 - j)`: keys are distinct and order classes by logit, ties
//! going to the lower index (numpy's and `argmax`'s rule). The top-`k` set is `{j : key_j >= tau}`
//! for the `k`-th largest key `tau`; the circuit proves it with one comparison per class against a
//! witness threshold and a count, which fixes the set whatever threshold the prover picks.
use crate::types::Scale;
use serde::{Deserialize, Serialize};
use std::cmp::Ordering;
use thiserror::Error;

/// Bits of the polynomial's argument `t` (the fractional exponent's top bits).
pub const POLY_T_BITS: u32 = 16;
/// Fractional bits of [`EXP2_POLY`]'s coefficients.
pub const POLY_COEF_BITS: u32 = 24;
/// `K_i = round(c_i 2^24)` of the degree-4 polynomial `sum c_i x^i ~ 2^-x` on `[0, 1)` (minimax
/// relative error; derived by `tools/exp2_poly.py`).
pub const EXP2_POLY: [i64; 5] = [16777172, -11627117, 4015477, -890435, 113533];
/// `log2` of the cut-off: weights whose integer exponent `a` is at least `2^5 = 32` are zero.
pub const CUTOFF_LOG2: u32 = 5;
/// Every weight is below `2^WEIGHT_BITS` (`2^31 * W(0) < 2^31 * 2^88`).
pub const WEIGHT_BITS: u32 = 31 + POLY_T_BITS * 4 + POLY_COEF_BITS;
/// Bits of the random integer `r` that drives the draw.
pub const RANDOM_BITS: u32 = 64;
/// Largest number of classes a sampling mode accepts.
pub const MAX_CLASSES: usize = 1 << 24;
/// Significant bits of the exponent coefficient `c` (when the temperature allows it).
pub const COEF_BITS: u32 = 16;
/// Largest width of `y = c * d` (so that it fits the evaluator's `u128` and the field easily).
pub const MAX_EXPONENT_BITS: u32 = 120;

/// Softmax parameters: the requested temperature and the integer constants derived from it.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Softmax {
    /// The temperature as requested at compile time (real units of the logits).
    pub temperature: f64,
    /// `c = round(2^F log2(e) / (2^s T))` for logits at scale `2^s`.
    pub exp_coef: u64,
    /// `F`: fractional bits of the base-2 exponent `y = c (m - o)`.
    pub exp_frac_bits: u8,
}

/// How the output index is chosen from the logits. Part of the model hash.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Sampling {
    /// The index of the first largest logit. Needs no seed.
    Argmax,
    /// A draw from the softmax of the logits at a temperature.
    Categorical(Softmax),
    /// A draw from the softmax restricted to the `k` largest logits (ties to the lower index).
    TopK {
        /// How many classes stay in play.
        k: u32,
        /// Softmax parameters.
        softmax: Softmax,
    },
}

/// The sampling mode a user asks for, before the logit scale is known.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum SamplingSpec {
    /// `argmax`.
    Argmax,
    /// `categorical` at a temperature.
    Categorical {
        /// Temperature (> 0).
        temperature: f64,
    },
    /// `top_k` at a temperature.
    TopK {
        /// Classes kept (>= 1, below the number of classes).
        k: u32,
        /// Temperature (> 0).
        temperature: f64,
    },
}

/// Why a sampling mode cannot be built or read.
#[derive(Debug, Error, PartialEq)]
#[non_exhaustive]
pub enum SamplingError {
    /// The temperature is not a positive finite number.
    #[error("temperature {0} is not a positive finite number")]
    Temperature(f64),
    /// The temperature is so small that the exponent needs too many bits.
    #[error(
        "temperature {temperature} is too small for logits at scale 2^{scale} ({bits} exponent bits, at \
         most {MAX_EXPONENT_BITS}); use --sampling argmax, which is what it tends to"
    )]
    TemperatureTooSmall {
        /// The temperature.
        temperature: f64,
        /// The logits' scale exponent.
        scale: i8,
        /// Bits the exponent would need.
        bits: u32,
    },
    /// The temperature is so large that the coefficient cannot keep its precision.
    #[error("temperature {0} is too large for logits at scale 2^{1}: the distribution would be uniform")]
    TemperatureTooLarge(f64, i8),
    /// `k` is 0 or not below the number of classes.
    #[error("top_k k = {k} must be between 1 and {}, one less than the {classes} classes (k = {classes} is categorical)", classes.saturating_sub(1))]
    K {
        /// The requested k.
        k: u32,
        /// Classes of the output.
        classes: usize,
    },
    /// Too many or too few classes.
    #[error("sampling needs 1..={MAX_CLASSES} classes, the output has {0}")]
    Classes(usize),
    /// The stored constants do not match the stored temperature.
    #[error("sampling constants (c = {coef}, F = {frac_bits}) do not match temperature {temperature}")]
    Inconsistent {
        /// Stored temperature.
        temperature: f64,
        /// Stored coefficient.
        coef: u64,
        /// Stored fractional bits.
        frac_bits: u8,
    },
}

/// Bit length of `v`.
fn bit_len(v: u128) -> u32 {
    128 - v.leading_zeros()
}

impl Softmax {
    /// Derives the integer constants for logits at `logit_scale`: the largest `F <= 120` with
    /// `c < 2^16`, so `c` keeps 16 significant bits (or all of its bits when `F = 0`).
    pub fn new(temperature: f64, logit_scale: Scale) -> Result<Softmax, SamplingError> {
        if !(temperature.is_finite() && temperature > 0.0) {
            return Err(SamplingError::Temperature(temperature));
        }
        // ideal c at F = 0: log2(e) / (2^s T)
        let base = std::f64::consts::LOG2_E / (logit_scale.factor() * temperature);
        let mut frac_bits = 0i32;
        let mut ideal = base;
        while ideal < (1u64 << (COEF_BITS - 1)) as f64 && frac_bits < MAX_EXPONENT_BITS as i32 {
            ideal *= 2.0;
            frac_bits += 1;
        }
        let coef = ideal.round();
        if coef < 1.0 || coef >= (1u64 << 40) as f64 {
            return Err(if coef < 1.0 {
                SamplingError::TemperatureTooLarge(temperature, logit_scale.0)
            } else {
                SamplingError::TemperatureTooSmall { temperature, scale: logit_scale.0, bits: u32::MAX }
            });
        }
        Ok(Softmax { temperature, exp_coef: coef as u64, exp_frac_bits: frac_bits as u8 })
    }

    /// The temperature the integer constants implement: `2^F log2(e) / (c 2^s)`.
    pub fn effective_temperature(&self, logit_scale: Scale) -> f64 {
        (self.exp_frac_bits as f64).exp2() * std::f64::consts::LOG2_E / (self.exp_coef as f64 * logit_scale.factor())
    }

    /// Width of `y = c (m - o)` for `w`-bit logits: `bitlen(c (2^w - 1))`.
    pub fn exponent_bits(&self, logit_bits: u8) -> u32 {
        let dmax = 1u128.checked_shl(logit_bits as u32).map_or(u128::MAX, |v| v - 1);
        bit_len((self.exp_coef as u128).saturating_mul(dmax))
    }

    /// Checks the stored constants against the stored temperature and the logits' scale and width.
    pub fn check(&self, logit_scale: Scale, logit_bits: u8) -> Result<(), SamplingError> {
        let want = Softmax::new(self.temperature, logit_scale)?;
        if want != *self {
            return Err(SamplingError::Inconsistent {
                temperature: self.temperature,
                coef: self.exp_coef,
                frac_bits: self.exp_frac_bits,
            });
        }
        let bits = self.exponent_bits(logit_bits);
        if bits > MAX_EXPONENT_BITS {
            return Err(SamplingError::TemperatureTooSmall {
                temperature: self.temperature,
                scale: logit_scale.0,
                bits,
            });
        }
        Ok(())
    }

    /// The weight of a class at exponent `y = c (m - o)` (see the module docs).
    pub fn weight(&self, y: u128) -> u128 {
        let f = self.exp_frac_bits as u32;
        let a = if f >= 128 { 0 } else { y >> f };
        if a >= 1 << CUTOFF_LOG2 {
            return 0;
        }
        exp2_poly(frac_top_bits(y, f)) << (31 - a as u32)
    }
}

/// The top [`POLY_T_BITS`] bits of the `f` fractional bits of `y` (padded with zeros if `f < 16`).
pub fn frac_top_bits(y: u128, f: u32) -> u32 {
    let frac = if f >= 128 { y } else { y & ((1u128 << f) - 1) };
    if f >= POLY_T_BITS {
        (frac >> (f - POLY_T_BITS)) as u32
    } else {
        (frac << (POLY_T_BITS - f)) as u32
    }
}

/// `W(t) = sum_i K_i t^i 2^(16 (4 - i))`, about `2^88 2^(-t / 2^16)`, for `t < 2^16` (higher bits of
/// `t` are ignored).
pub fn exp2_poly(t: u32) -> u128 {
    let t = (t & 0xffff) as i128;
    let mut acc = 0i128;
    let mut pow = 1i128;
    for (i, &k) in EXP2_POLY.iter().enumerate() {
        acc += k as i128 * pow * (1i128 << (POLY_T_BITS as usize * (4 - i)));
        pow *= t;
    }
    acc as u128 // positive for every t (tested)
}

impl Sampling {
    /// Builds a mode for logits at `logit_scale` over `classes` classes.
    pub fn from_spec(spec: SamplingSpec, logit_scale: Scale, classes: usize) -> Result<Sampling, SamplingError> {
        Ok(match spec {
            SamplingSpec::Argmax => Sampling::Argmax,
            SamplingSpec::Categorical { temperature } => Sampling::Categorical(Softmax::new(temperature, logit_scale)?),
            SamplingSpec::TopK { k, temperature } => {
                if k == 0 || k as usize >= classes {
                    return Err(SamplingError::K { k, classes });
                }
                Sampling::TopK { k, softmax: Softmax::new(temperature, logit_scale)? }
            }
        })
    }

    /// The softmax parameters, if the mode draws at random.
    pub fn softmax(&self) -> Option<&Softmax> {
        match self {
            Sampling::Argmax => None,
            Sampling::Categorical(s) | Sampling::TopK { softmax: s, .. } => Some(s),
        }
    }

    /// `k` for top-k.
    pub fn top_k(&self) -> Option<u32> {
        match self {
            Sampling::TopK { k, .. } => Some(*k),
            _ => None,
        }
    }

    /// Whether the output depends on the seed.
    pub fn is_random(&self) -> bool {
        self.softmax().is_some()
    }

    /// Checks the mode against the output node (scale, width, size).
    pub fn check(&self, logit_scale: Scale, logit_bits: u8, classes: usize) -> Result<(), SamplingError> {
        if classes == 0 || classes > MAX_CLASSES {
            return Err(SamplingError::Classes(classes));
        }
        if let Some(k) = self.top_k() {
            if k == 0 || k as usize >= classes {
                return Err(SamplingError::K { k, classes });
            }
        }
        match self.softmax() {
            Some(s) => s.check(logit_scale, logit_bits),
            None => Ok(()),
        }
    }

    /// A short human-readable description (`categorical T=0.5`).
    pub fn describe(&self) -> String {
        match self {
            Sampling::Argmax => "argmax".into(),
            Sampling::Categorical(s) => format!("categorical, temperature {}", s.temperature),
            Sampling::TopK { k, softmax } => format!("top_k, k = {k}, temperature {}", softmax.temperature),
        }
    }
}

/// A 256-bit unsigned integer, just enough for prefix sums and `r * C`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct U256 {
    /// High 128 bits.
    pub hi: u128,
    /// Low 128 bits.
    pub lo: u128,
}

impl U256 {
    /// Zero.
    pub const ZERO: U256 = U256 { hi: 0, lo: 0 };

    /// From a `u128`.
    pub fn from_u128(v: u128) -> U256 {
        U256 { hi: 0, lo: v }
    }
    /// `self + v`, wrapping at 2^256 (sums here stay far below it).
    pub fn wrapping_add(self, v: U256) -> U256 {
        let (lo, carry) = self.lo.overflowing_add(v.lo);
        U256 { hi: self.hi.wrapping_add(v.hi).wrapping_add(carry as u128), lo }
    }
    /// `self - v`, wrapping.
    pub fn wrapping_sub(self, v: U256) -> U256 {
        let (lo, borrow) = self.lo.overflowing_sub(v.lo);
        U256 { hi: self.hi.wrapping_sub(v.hi).wrapping_sub(borrow as u128), lo }
    }
    /// `self * 2^64`, wrapping.
    pub fn shl64(self) -> U256 {
        U256 { hi: (self.hi << 64) | (self.lo >> 64), lo: self.lo << 64 }
    }
    /// `self * m`, wrapping.
    pub fn mul_u64(self, m: u64) -> U256 {
        let m = m as u128;
        let limbs = [self.lo as u64, (self.lo >> 64) as u64, self.hi as u64, (self.hi >> 64) as u64];
        let mut out = [0u64; 4];
        let mut carry = 0u128;
        for (o, &l) in out.iter_mut().zip(&limbs) {
            let p = l as u128 * m + carry;
            *o = p as u64;
            carry = p >> 64;
        }
        U256 { lo: out[0] as u128 | (out[1] as u128) << 64, hi: out[2] as u128 | (out[3] as u128) << 64 }
    }
    /// Little-endian bytes.
    pub fn to_le_bytes(self) -> [u8; 32] {
        let mut b = [0u8; 32];
        b[..16].copy_from_slice(&self.lo.to_le_bytes());
        b[16..].copy_from_slice(&self.hi.to_le_bytes());
        b
    }
    /// As a float (for probabilities).
    pub fn to_f64(self) -> f64 {
        self.hi as f64 * 2f64.powi(128) + self.lo as f64
    }
}

impl PartialOrd for U256 {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for U256 {
    fn cmp(&self, other: &Self) -> Ordering {
        (self.hi, self.lo).cmp(&(other.hi, other.lo))
    }
}

/// Every intermediate value of one draw: the witness the circuit checks.
#[derive(Clone, Debug, PartialEq)]
pub struct Draw {
    /// `m`, the largest logit.
    pub max: i64,
    /// `y_j = c (m - o_j)`.
    pub exponents: Vec<u128>,
    /// Top-k membership and the threshold key (the k-th largest), for top-k.
    pub top_k: Option<(Vec<bool>, i128)>,
    /// `w_j` (zero outside the top k).
    pub weights: Vec<u128>,
    /// `C(j) = w_0 + ... + w_j`.
    pub prefix: Vec<U256>,
    /// The random integer.
    pub r: u64,
    /// The drawn class.
    pub index: usize,
}

/// Top-k key of class `j` of `n`: `o_j n + (n - 1 - j)`.
pub fn top_k_key(o: i64, j: usize, n: usize) -> i128 {
    o as i128 * n as i128 + (n - 1 - j) as i128
}

/// Top-k membership (`k` largest keys) and the `k`-th largest key.
pub fn top_k_set(logits: &[i64], k: usize) -> (Vec<bool>, i128) {
    let n = logits.len();
    if n == 0 {
        return (Vec::new(), 0);
    }
    let mut keys: Vec<i128> = logits.iter().enumerate().map(|(j, &o)| top_k_key(o, j, n)).collect();
    let member_keys = keys.clone();
    keys.sort_unstable_by(|a, b| b.cmp(a));
    let tau = keys[k.clamp(1, n) - 1];
    (member_keys.iter().map(|&key| key >= tau).collect(), tau)
}

/// The integer weights of `logits` under `softmax`, restricted to `mask` if given.
pub fn weights(softmax: &Softmax, logits: &[i64], mask: Option<&[bool]>) -> (i64, Vec<u128>, Vec<u128>) {
    let max = logits.iter().copied().max().unwrap_or(0);
    let exponents: Vec<u128> =
        logits.iter().map(|&o| softmax.exp_coef as u128 * (max as i128 - o as i128) as u128).collect();
    let weights = exponents
        .iter()
        .enumerate()
        .map(|(j, &y)| if mask.is_none_or(|m| m.get(j).copied().unwrap_or(false)) { softmax.weight(y) } else { 0 })
        .collect();
    (max, exponents, weights)
}

/// Draws a class with the random integer `r`; `None` for argmax (which needs no randomness) or an
/// empty output.
pub fn draw(sampling: &Sampling, logits: &[i64], r: u64) -> Option<Draw> {
    let softmax = sampling.softmax()?;
    if logits.is_empty() {
        return None;
    }
    let top_k = sampling.top_k().map(|k| top_k_set(logits, k as usize));
    let (max, exponents, weights) = weights(softmax, logits, top_k.as_ref().map(|(m, _)| m.as_slice()));
    let mut prefix = Vec::with_capacity(weights.len());
    let mut acc = U256::ZERO;
    for &w in &weights {
        acc = acc.wrapping_add(U256::from_u128(w));
        prefix.push(acc);
    }
    // The first k with r * C(n-1) < C(k) * 2^64; it exists because r < 2^64 and C(n-1) > 0 (the
    // largest logit always has weight 2^31 W(0)).
    let point = acc.mul_u64(r);
    let index = prefix.iter().position(|c| point < c.shl64()).unwrap_or(logits.len() - 1);
    Some(Draw { max, exponents, top_k, weights, prefix, r, index })
}

/// The exact probabilities of the integer sampler (`w_j / C(n-1)`, ignoring the `2^-64` granularity
/// of `r`); for argmax, one-hot.
pub fn probabilities(sampling: &Sampling, logits: &[i64]) -> Vec<f64> {
    match draw(sampling, logits, 0) {
        Some(d) => {
            let total = d.prefix.last().map(|c| c.to_f64()).unwrap_or(1.0);
            d.weights.iter().map(|&w| w as f64 / total).collect()
        }
        None => {
            let k = crate::eval::argmax(logits);
            (0..logits.len()).map(|j| if Some(j) == k { 1.0 } else { 0.0 }).collect()
        }
    }
}

/// The float softmax of real logits at a temperature (restricted to the top `k` if given): the
/// reference the integer sampler approximates.
pub fn float_softmax(logits: &[f64], temperature: f64, top_k: Option<usize>) -> Vec<f64> {
    let mut keep = vec![true; logits.len()];
    if let Some(k) = top_k {
        let mut order: Vec<usize> = (0..logits.len()).collect();
        order.sort_by(|&a, &b| logits[b].total_cmp(&logits[a]).then(a.cmp(&b)));
        keep = vec![false; logits.len()];
        for &j in order.iter().take(k) {
            keep[j] = true;
        }
    }
    let m = logits.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let e: Vec<f64> =
        logits.iter().zip(&keep).map(|(&o, &k)| if k { ((o - m) / temperature).exp() } else { 0.0 }).collect();
    let s: f64 = e.iter().sum();
    e.iter().map(|v| v / s).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn exp2_poly_error_bound() {
        // Every t: W(t) = 2^88 2^(-t/2^16) (1 + e), |e| <= 2.7e-6, and W decreasing and positive.
        let mut worst = 0.0f64;
        let mut prev = u128::MAX;
        for t in 0..1u32 << POLY_T_BITS {
            let w = exp2_poly(t);
            assert!(w > 0 && w < prev, "W must be positive and decreasing at t = {t}");
            prev = w;
            let ideal = 2f64.powi(88) * (-(t as f64) / 65536.0).exp2();
            worst = worst.max((w as f64 / ideal - 1.0).abs());
        }
        assert!(worst <= 2.7e-6, "polynomial error {worst}");
        assert!(exp2_poly(0) < 1u128 << 88);
    }

    #[test]
    fn weight_matches_the_stated_bound() {
        // Against 2^119 2^(-y/2^F) for a sweep of exponents: within [-2.7e-6, 1.4e-5] relative.
        let s = Softmax { temperature: 1.0, exp_coef: 47274, exp_frac_bits: 23 };
        for y in (0u128..(32u128 << 23)).step_by(4099) {
            let w = s.weight(y);
            let ideal = 2f64.powi(119) * (-(y as f64) / (1u64 << 23) as f64).exp2();
            let e = w as f64 / ideal - 1.0;
            assert!((-2.7e-6..=1.4e-5).contains(&e), "y = {y}: relative error {e}");
            assert!(w < 1u128 << WEIGHT_BITS);
        }
        assert_eq!(s.weight(32u128 << 23), 0);
        assert!(s.weight((32u128 << 23) - 1) > 0);
    }

    #[test]
    fn constants_keep_sixteen_bits_and_the_temperature() {
        for (t, s) in [(1.0, 8i8), (0.5, 8), (2.0, 0), (0.01, 12), (7.3, -2), (1e-4, 8)] {
            let sm = Softmax::new(t, Scale(s)).unwrap();
            assert!(sm.exp_coef < 1 << 16);
            if sm.exp_frac_bits > 0 {
                assert!(sm.exp_coef >= 1 << 15);
            }
            let rel = sm.effective_temperature(Scale(s)) / t - 1.0;
            assert!(rel.abs() <= 2f64.powi(-16), "T = {t}, s = {s}: effective temperature off by {rel}");
            sm.check(Scale(s), 16).unwrap();
        }
        assert_eq!(Softmax::new(0.0, Scale(8)), Err(SamplingError::Temperature(0.0)));
        assert!(Softmax::new(f64::NAN, Scale(8)).is_err());
        assert!(matches!(Softmax::new(1e-30, Scale(8)), Err(SamplingError::TemperatureTooSmall { .. })));
        let mut bad = Softmax::new(1.0, Scale(8)).unwrap();
        bad.exp_coef += 1;
        assert!(matches!(bad.check(Scale(8), 16), Err(SamplingError::Inconsistent { .. })));
    }

    #[test]
    fn u256_arithmetic_matches_u128_where_it_fits() {
        let a = U256::from_u128(u128::MAX);
        let s = a.wrapping_add(U256::from_u128(1));
        assert_eq!(s, U256 { hi: 1, lo: 0 });
        assert_eq!(s.wrapping_sub(U256::from_u128(1)), a);
        assert_eq!(U256::from_u128(3).shl64(), U256 { hi: 0, lo: 3u128 << 64 });
        assert_eq!(U256::from_u128(u128::MAX).shl64(), U256 { hi: u64::MAX as u128, lo: (u64::MAX as u128) << 64 });
        let m = U256::from_u128(u128::MAX).mul_u64(u64::MAX);
        // (2^128 - 1)(2^64 - 1) = 2^192 - 2^128 - 2^64 + 1
        assert_eq!(m, U256 { hi: (1u128 << 64) - 1 - 1, lo: (!0u128 - (u64::MAX as u128)) + 1 });
        assert!(U256 { hi: 1, lo: 0 } > U256 { hi: 0, lo: u128::MAX });
    }

    proptest! {
        #[test]
        fn mul_u64_matches_u128(a in any::<u64>(), b in any::<u64>()) {
            prop_assert_eq!(U256::from_u128(a as u128).mul_u64(b), U256::from_u128(a as u128 * b as u128));
        }

        #[test]
        fn the_draw_is_the_inverse_cdf(logits in prop::collection::vec(-3000i64..3000, 1..12), r in any::<u64>(), t in 0.05f64..4.0) {
            let sampling = Sampling::Categorical(Softmax::new(t, Scale(8)).unwrap());
            let d = draw(&sampling, &logits, r).unwrap();
            let total = *d.prefix.last().unwrap();
            let point = total.mul_u64(r);
            let k = d.index;
            let before = if k == 0 { U256::ZERO } else { d.prefix[k - 1] };
            prop_assert!(before.shl64() <= point && point < d.prefix[k].shl64());
            prop_assert!(d.weights[k] > 0);
            prop_assert_eq!(d.max, *logits.iter().max().unwrap());
        }

        #[test]
        fn top_k_never_leaves_the_top_k(logits in prop::collection::vec(-50i64..50, 2..20), r in any::<u64>(), k in 1usize..19) {
            let k = k.min(logits.len() - 1);
            let sampling = Sampling::TopK { k: k as u32, softmax: Softmax::new(1.0, Scale(2)).unwrap() };
            let d = draw(&sampling, &logits, r).unwrap();
            let mut sorted = logits.clone();
            sorted.sort_unstable_by(|a, b| b.cmp(a));
            // The drawn logit is at least the k-th largest, and at most k classes have weight.
            prop_assert!(logits[d.index] >= sorted[k - 1]);
            prop_assert_eq!(d.top_k.as_ref().unwrap().0.iter().filter(|&&m| m).count(), k);
            prop_assert!(d.weights.iter().filter(|&&w| w > 0).count() <= k);
        }
    }

    #[test]
    fn top_k_ties_go_to_the_lower_index() {
        let (set, _) = top_k_set(&[5, 7, 5, 5, 1], 2);
        assert_eq!(set, vec![true, true, false, false, false]);
        let (set, _) = top_k_set(&[5, 7, 5, 5, 1], 4);
        assert_eq!(set, vec![true, true, true, true, false]);
    }

    #[test]
    fn tiny_temperature_is_argmax() {
        // At T = 1e-4 with logits at scale 2^8 a one-step gap is 56 binary orders: the runner-up's
        // weight is cut to zero, so every draw is the argmax.
        let sampling = Sampling::Categorical(Softmax::new(1e-4, Scale(8)).unwrap());
        let logits = [100i64, 431, 430, -7, 431 - 1];
        for r in [0u64, 1, u64::MAX / 3, u64::MAX] {
            assert_eq!(draw(&sampling, &logits, r).unwrap().index, 1);
        }
        assert_eq!(probabilities(&sampling, &logits)[1], 1.0);
    }
}
