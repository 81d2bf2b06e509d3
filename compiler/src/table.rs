//! Tables for univariate functions: the knots of `verinfer_ir::func::table_eval` for a function, an
//! operand scale and width, and an output scale, with the number of selected bits chosen by
//! measuring the error.
//!
//! Knot `h` holds `round(f(x_h / 2^s_x) 2^s_y)`, clamped to the output width, where
//! `x_h = h 2^L - 2^(w-1)`. Between knots the circuit interpolates linearly and rounds half up, so
//! the error at an operand value is at most the linear-interpolation error of `f` on a segment of
//! `2^L / 2^s_x` (`h^2 max|f''| / 8`) plus one output step. Rather than trusting that bound, the
//! compiler evaluates the table at every operand value (all `2^w` of them up to 18 bits, an even
//! sample beyond) and reports the largest difference to `f` where `f` fits the output range. Values
//! that do not fit saturate at the output width's limits.
use crate::graph::Func;
use verinfer_ir::func::table_eval;

/// The most bits a table selects on; its circuit costs `2^m - m - 1` constraints per element for
/// the selection, so 8 bits is 247.
pub const MAX_SELECTED_BITS: u8 = 8;
/// The fewest.
pub const MIN_SELECTED_BITS: u8 = 4;

/// A built table.
#[derive(Clone, Debug, PartialEq)]
pub struct Table {
    /// Interpolated low bits.
    pub lo_bits: u8,
    /// Knot values at the output scale.
    pub values: Vec<i64>,
    /// Largest measured difference to the function (real units).
    pub max_error: f64,
}

fn knots(f: Func, s_x: i32, w: u8, s_y: i32, out_bits: u8, lo: u8) -> Vec<i64> {
    let m = w - lo;
    let (lo_lim, hi_lim) = (-(1i64 << (out_bits - 1)), (1i64 << (out_bits - 1)) - 1);
    (0..=(1i64 << m))
        .map(|h| {
            let x = (h << lo) - (1i64 << (w - 1));
            let v = f.eval(x as f64 * (-(s_x as f64)).exp2()) * (s_y as f64).exp2();
            if v.is_nan() {
                0
            } else {
                (v + 0.5).floor().clamp(lo_lim as f64, hi_lim as f64) as i64
            }
        })
        .collect()
}

/// The largest difference between the table and `f` over the operand range (where `f` fits).
pub fn measure(f: Func, s_x: i32, w: u8, s_y: i32, out_bits: u8, lo: u8, values: &[i64]) -> f64 {
    let limit = ((1i64 << (out_bits - 1)) - 1) as f64 * (-(s_y as f64)).exp2();
    let count = 1u64 << w;
    let stride = (count >> 18).max(1);
    let mut worst = 0.0f64;
    let mut u = 0u64;
    while u < count {
        let x = u as i64 - (1i64 << (w - 1));
        let want = f.eval(x as f64 * (-(s_x as f64)).exp2());
        if want.is_finite() && want.abs() <= limit {
            if let Some(got) = table_eval(x, w, lo, values) {
                worst = worst.max((got as f64 * (-(s_y as f64)).exp2() - want).abs());
            }
        }
        u += stride;
    }
    worst
}

/// The largest difference between the table and `f` over the operand values `lo..=hi` (integers at
/// scale `s_x`; at most 2^18 of them, evenly spread).
#[allow(clippy::too_many_arguments)]
pub fn measure_between(f: Func, s_x: i32, w: u8, s_y: i32, lo_bits: u8, values: &[i64], lo: i64, hi: i64) -> f64 {
    let stride = ((hi - lo).max(0) as u64 >> 18).max(1) as i64;
    let mut worst = 0.0f64;
    let mut x = lo;
    while x <= hi {
        let want = f.eval(x as f64 * (-(s_x as f64)).exp2());
        if let Some(got) = table_eval(x, w, lo_bits, values).filter(|_| want.is_finite()) {
            worst = worst.max((got as f64 * (-(s_y as f64)).exp2() - want).abs());
        }
        x += stride;
    }
    worst
}

/// The table of `f` for a `w`-bit operand at scale `s_x` and an output at scale `s_y` of
/// `out_bits` bits: the fewest selected bits (from 4 to 8, at most `w`) whose measured error is
/// within `tolerance`, or 8 if none is.
pub fn build(f: Func, s_x: i32, w: u8, s_y: i32, out_bits: u8, tolerance: f64) -> Table {
    let top = MAX_SELECTED_BITS.min(w);
    let mut best = None;
    for m in MIN_SELECTED_BITS.min(w)..=top {
        let lo = w - m;
        let values = knots(f, s_x, w, s_y, out_bits, lo);
        let max_error = measure(f, s_x, w, s_y, out_bits, lo, &values);
        let done = max_error <= tolerance || m == top;
        best = Some(Table { lo_bits: lo, values, max_error });
        if done {
            break;
        }
    }
    best.unwrap_or(Table { lo_bits: 0, values: vec![0; 2], max_error: f64::INFINITY })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sigmoid_table_meets_its_tolerance_with_few_bits() {
        // operand: 16 bits at scale 2^11 (range +-16); output at 2^14
        let t = build(Func::Sigmoid, 11, 16, 14, 16, 1e-3);
        assert!(t.max_error <= 1e-3, "{}", t.max_error);
        assert!(16 - t.lo_bits <= 7, "used {} selected bits", 16 - t.lo_bits);
        // the measured error is the true worst case over all operands
        let direct = (0..1u32 << 16)
            .map(|u| {
                let x = u as i64 - (1 << 15);
                let got = table_eval(x, 16, t.lo_bits, &t.values).unwrap() as f64 / 16384.0;
                (got - Func::Sigmoid.eval(x as f64 / 2048.0)).abs()
            })
            .fold(0.0, f64::max);
        assert_eq!(direct, t.max_error);
    }

    #[test]
    fn piecewise_linear_functions_are_exact_up_to_rounding() {
        // LeakyRelu's kink is at a knot (x = 0 is u = 2^(w-1)), so only output rounding remains.
        let t = build(Func::LeakyRelu { alpha: 0.25 }, 8, 12, 8, 16, 0.0);
        assert!(t.max_error <= 0.5 / 256.0 + 1e-12, "{}", t.max_error);
    }

    #[test]
    fn values_beyond_the_output_range_saturate() {
        let t = build(Func::Exp, 8, 16, 12, 16, 1e-3);
        assert_eq!(*t.values.last().unwrap(), (1 << 15) - 1);
    }
}
