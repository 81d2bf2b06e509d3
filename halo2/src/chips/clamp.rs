//! Saturation to an integer interval: `y = min(max(x, lo), hi)`.
//!
//! As the Groth16 gadget: two ReLUs, `u = max(x - lo, 0)`, `z = max((hi - lo) - u, 0)`,
//! `y = hi - z`, so `y = min(max(x, lo), hi)` and `y` lies in `[lo, hi]`. Each ReLU of an affine
//! operand costs three rows (the operand, its sign, the product) for widths up to 17, and the
//! output one more (left in the next row's `d`): at most 8 rows when both sides bind and 4 when
//! one does (a bound of 0 saves the affine rows), none for an identity clamp (`verinfer_ir`'s integer semantics tell it apart). Sound as ReLU is.
use super::relu::relu;
use crate::field::{fp, Fp};
use crate::layout::{Layout, Wire};
use ff::Field;

/// Signed width holding every integer of magnitude at most `m`.
fn width_for(m: u128) -> u8 {
    (128 - m.leading_zeros() + 1) as u8
}

/// `min(max(x, lo), hi)` for a `w`-bit `x` and `lo <= hi`; `y` is the output (the evaluator's
/// when proving).
pub fn clamp(l: &mut Layout, x: Wire, w: u8, (lo, hi): (i64, i64), y: Option<i128>) -> Wire {
    let (lo, hi) = (lo as i128, hi as i128);
    let (x_min, x_max) = (-(1i128 << (w - 1)), (1i128 << (w - 1)) - 1);
    let v_max = x_max.max(lo);
    let upper_binds = hi < v_max;
    // lower side: v = max(x, lo) = u + lo with u = max(x - lo, 0)
    let v = if lo <= x_min {
        x
    } else {
        let shifted = l.lin(&[(Fp::ONE, x)], fp(-lo));
        let w1 = width_for((x_max - lo).unsigned_abs().max((x_min - lo).unsigned_abs()));
        let u_val = if upper_binds { x.int().map(|v| (v - lo).max(0)) } else { y.map(|y| y - lo) };
        let u = relu(l, shifted, w1, u_val);
        l.lin(&[(Fp::ONE, u)], fp(lo))
    };
    if !upper_binds {
        return v;
    }
    // upper side: z = max(hi - v, 0), y = hi - z
    let gap = l.lin(&[(-Fp::ONE, v)], fp(hi));
    let v_min = x_min.max(lo);
    let w2 = width_for((hi - v_min).unsigned_abs().max((hi - v_max).unsigned_abs()));
    let z = relu(l, gap, w2, y.map(|y| hi - y));
    l.lin(&[(-Fp::ONE, z)], fp(hi))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::*;

    fn build(x: i128, claim: i128) -> (Layout, usize) {
        let mut l = Layout::new(true);
        let xw = l.witness(Some(fp(x)));
        let from = l.len();
        let y = clamp(&mut l, xw, 16, (-128, 127), Some(claim));
        assert!(y.int().is_some());
        (l, from)
    }

    #[test]
    fn int8_saturation_is_exact_and_refuses_every_wrong_output() {
        for x in [-1000i128, -129, -128, -5, 0, 5, 127, 128, 1000] {
            let want = x.clamp(-128, 127);
            let (mut l, from) = build(x, want);
            assert!(satisfied(l.clone()), "clamp({x})");
            assert_eq!(undetected_corruptions(&l, from), vec![]);
            l.finish();
            assert_eq!(l.len() - from, 8 + 1, "rows"); // the output waits in the next row's d
            for claim in [want - 2, want - 1, want + 1, want + 2, x + 1, -129, 128] {
                if claim != want {
                    assert!(!satisfied(build(x, claim).0), "clamp({x}) = {claim} accepted");
                }
            }
        }
    }

    #[test]
    fn a_side_that_cannot_bind_is_left_out() {
        let mut l = Layout::new(true);
        let x = l.witness(Some(fp(-3)));
        let from = l.len();
        let y = clamp(&mut l, x, 8, (0, 127), Some(0));
        assert_eq!(y.int(), Some(0));
        l.finish();
        assert_eq!(l.len() - from, 2); // lo = 0: x - lo and u + lo are wires already
        assert!(satisfied(l));
    }
}
