//! Integer semantics of the non-linear gadgets: piecewise-linear tables, rounded division and the
//! reciprocal square root. These are the definitions the circuit enforces exactly; the compiler
//! chooses their constants and measures their error against the real functions.

/// The most operand bits a table may select on (`2^10 + 1` knots). Its circuit costs about
/// `2^(selected bits)` constraints per element, so the compiler uses 6 to 8.
pub const MAX_TABLE_BITS: u8 = 10;

/// The piecewise-linear table of a `w`-bit signed operand `x`: with `u = x + 2^(w-1)` split into its
/// high bits `h = u >> lo_bits` and low bits `l = u mod 2^lo_bits`,
/// `y = floor((t[h] 2^lo_bits + (t[h+1] - t[h]) l + 2^(lo_bits-1)) / 2^lo_bits)`, i.e. the straight
/// line between the knots `t[h]` and `t[h+1]`, rounded half up. `None` if `x` is outside `w` bits or
/// the table is too short.
pub fn table_eval(x: i64, w: u8, lo_bits: u8, values: &[i64]) -> Option<i64> {
    if w == 0 || w > 62 || lo_bits >= w {
        return None;
    }
    let u = x as i128 + (1i128 << (w - 1));
    if u < 0 || u >= 1i128 << w {
        return None;
    }
    let h = (u >> lo_bits) as usize;
    let l = u & ((1i128 << lo_bits) - 1);
    let (t0, t1) = (*values.get(h)? as i128, *values.get(h + 1)? as i128);
    if lo_bits == 0 {
        return Some(t0 as i64);
    }
    let num = (t0 << lo_bits) + (t1 - t0) * l + (1i128 << (lo_bits - 1));
    Some((num >> lo_bits) as i64)
}

/// `floor((2 num 2^shift + den) / (2 den))`: `num 2^shift / den` rounded half up. `None` unless
/// `den >= 1`, or if `2 num 2^shift + den` does not fit in `i128` (never for a valid IR, which bounds
/// `bits(num) + shift + 3 <= 120`).
pub fn div_round(num: i64, den: i64, shift: u8) -> Option<i128> {
    if den < 1 {
        return None;
    }
    let scale = 1i128.checked_shl(shift as u32 + 1).filter(|&p| p > 0)?;
    let n = (num as i128).checked_mul(scale)?.checked_add(den as i128)?;
    Some(n.div_euclid(2 * den as i128))
}

/// Whether clamping a `w`-bit operand to `[lo, hi]` is the identity: the interval covers every
/// `w`-bit value, so the output is the operand (backends add no constraint and no witness).
pub fn clamp_is_identity(w: u8, lo: i64, hi: i64) -> bool {
    let (x_min, x_max) = (-(1i128 << (w - 1)), (1i128 << (w - 1)) - 1);
    lo as i128 <= x_min && hi as i128 >= x_max
}

/// `floor(sqrt(v))` for `v >= 0`.
pub fn isqrt(v: u128) -> u128 {
    if v < 2 {
        return v;
    }
    let mut x = (v as f64).sqrt() as u128;
    // correct the float estimate to the exact integer root
    while x.checked_mul(x).is_none_or(|sq| sq > v) {
        x -= 1;
    }
    while (x + 1).checked_mul(x + 1).is_some_and(|sq| sq <= v) {
        x += 1;
    }
    x
}

/// `floor(sqrt(2^exp / x))` for `x >= 1` (equal to `isqrt(floor(2^exp / x))`). `None` otherwise.
pub fn rsqrt(x: i64, exp: u8) -> Option<i128> {
    if x < 1 || exp > 120 {
        return None;
    }
    Some(isqrt((1u128 << exp) / x as u128) as i128)
}

/// `floor(sqrt(x 2^exp))` for `x >= 0`. `None` otherwise, or if `x 2^exp` does not fit in `u128`
/// (never for a valid IR, which bounds `bits(x) + exp + 2 <= 120`).
pub fn sqrt(x: i64, exp: u8) -> Option<i128> {
    if x < 0 || exp > 127 || (x as u128).leading_zeros() < exp as u32 {
        return None;
    }
    Some(isqrt((x as u128) << exp) as i128)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn table_hits_its_knots_and_interpolates() {
        // w = 4: u in 0..16, knots every 4 steps: t = [0, 40, 80, 120, 160] is the line y = 10 u.
        let t = [0, 40, 80, 120, 160];
        for x in -8..8 {
            let u = x + 8;
            assert_eq!(table_eval(x, 4, 2, &t), Some(10 * u));
        }
        assert_eq!(table_eval(8, 4, 2, &t), None);
        assert_eq!(table_eval(-9, 4, 2, &t), None);
        // a kink: 0 up to the middle knot, then slope 1 per step
        let t = [0, 0, 0, 4, 8];
        assert_eq!(table_eval(0, 4, 2, &t), Some(0));
        assert_eq!(table_eval(1, 4, 2, &t), Some(1));
        assert_eq!(table_eval(-1, 4, 2, &t), Some(0));
    }

    #[test]
    fn rsqrt_is_the_floor_of_the_root() {
        assert_eq!(rsqrt(4, 8), Some(8)); // sqrt(256 / 4)
        assert_eq!(rsqrt(3, 8), Some(9)); // sqrt(85.3) = 9.2
        assert_eq!(rsqrt(0, 8), None);
        assert_eq!(rsqrt(-1, 8), None);
    }

    proptest! {
        #[test]
        fn isqrt_is_exact(v in any::<u64>()) {
            let r = isqrt(v as u128);
            prop_assert!(r * r <= v as u128 && (r + 1) * (r + 1) > v as u128);
        }

        #[test]
        fn div_round_matches_float(n in -(1i64 << 30)..(1i64 << 30), d in 1i64..(1 << 20), s in 0u8..12) {
            let q = div_round(n, d, s).unwrap();
            let exact = n as f64 * (s as f64).exp2() / d as f64;
            prop_assert!((q as f64 - exact) <= 0.5 + 1e-9 && (exact - q as f64) < 0.5 + 1e-9);
        }

        #[test]
        fn rsqrt_brackets_the_root(x in 1i64..(1 << 40), e in 0u8..100) {
            let y = rsqrt(x, e).unwrap() as u128;
            let k = 1u128 << e;
            prop_assert!(y * y * x as u128 <= k);
            prop_assert!((y + 1) * (y + 1) * x as u128 > k);
        }
    }
}
