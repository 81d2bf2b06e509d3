//! Square roots.
//!
//! `sqrt`: `y = floor(sqrt(x 2^e))` for `x >= 0`, as `y^2 <= x 2^e < (y + 1)^2`: `y` (the
//! evaluator's value) range-checked to the output width, `y^2` one row, `x 2^e - y^2` checked to
//! `b_x + e + 1` bits and `y^2 + 2 y - x 2^e` to `w_out + 2` bits (a negative `y` fails the second,
//! a negative `x` the first).
//!
//! `rsqrt`: `y = floor(sqrt(2^e / v))` for `v >= 1` (`verinfer_ir::func::rsqrt`), as
//! `y^2 v <= 2^e < (y + 1)^2 v`: `y` range-checked, `y^2`, `a = y^2 v` and `y v` one row each,
//! `2^e - a` checked to `e + 1` bits and `a + 2 y v + v - 2^e - 1` to `w_out + b_v + 1` bits. For
//! `v >= 1` only the floor of the root satisfies both; for `v <= 0` the second is negative, so no
//! proof exists. The IR keeps every value below `2^120`, so field equalities are integer ones.
//!
//! Rows: a range check costs `ceil(bits / 24)`; `sqrt` is 3 plus its three checks, `rsqrt` 5 plus
//! its three.
use crate::field::{fp, pow2, Fp};
use crate::layout::{limb_widths, Layout, Wire};
use ff::Field;

/// `floor(sqrt(x 2^e))` for a `b_x`-bit `x`, as a `w_out`-bit wire; `y` its value when proving.
pub fn sqrt(l: &mut Layout, x: Wire, e: u8, (b_x, w_out): (u8, u8), y: Option<i128>) -> Wire {
    let yw = l.alloc_signed(y.map(fp), w_out);
    let sq = l.mul(yw, yw);
    let below = l.lin(&[(pow2(e as u32), x), (-Fp::ONE, sq)], Fp::ZERO);
    l.decompose(below, Fp::ZERO, &limb_widths(b_x + e + 1));
    let above = l.lin(&[(Fp::ONE, sq), (Fp::from(2), yw), (-pow2(e as u32), x)], Fp::ZERO);
    l.decompose(above, Fp::ZERO, &limb_widths(w_out + 2));
    yw
}

/// `floor(sqrt(2^e / v))` for a `b_v`-bit `v`, as a `w_out`-bit wire; `y` its value when proving.
pub fn rsqrt(l: &mut Layout, v: Wire, e: u8, (b_v, w_out): (u8, u8), y: Option<i128>) -> Wire {
    let yw = l.alloc_signed(y.map(fp), w_out);
    let sq = l.mul(yw, yw);
    let a = l.mul(sq, v);
    let yv = l.mul(yw, v);
    let below = l.lin(&[(-Fp::ONE, a)], pow2(e as u32));
    l.decompose(below, Fp::ZERO, &limb_widths(e + 1));
    let above = l.lin(&[(Fp::ONE, a), (Fp::from(2), yv), (Fp::ONE, v)], -pow2(e as u32) - Fp::ONE);
    l.decompose(above, Fp::ZERO, &limb_widths(w_out + b_v + 1));
    yw
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::*;
    use verinfer_ir::func;

    fn build(
        f: fn(&mut Layout, Wire, u8, (u8, u8), Option<i128>) -> Wire,
        x: i64,
        e: u8,
        claim: i128,
    ) -> (Layout, usize) {
        let mut l = Layout::new(true);
        let xw = l.witness(Some(fp(x as i128)));
        let from = l.len();
        f(&mut l, xw, e, (16, 16), Some(claim));
        (l, from)
    }

    #[test]
    fn the_floor_of_the_root_and_only_it_is_accepted() {
        for x in [0i64, 1, 2, 15, 16, 17, 1000, 32767] {
            let y = func::sqrt(x, 6).unwrap();
            let (l, from) = build(sqrt, x, 6, y);
            assert!(satisfied(l.clone()), "sqrt({x})");
            assert_eq!(undetected_corruptions(&l, from), vec![]);
            for claim in [y - 1, y + 1, -y - 1] {
                assert!(!satisfied(build(sqrt, x, 6, claim).0), "sqrt({x}) = {claim} accepted");
            }
        }
        assert!(!satisfied(build(sqrt, -4, 6, 0).0));
    }

    #[test]
    fn the_floor_of_the_reciprocal_root_and_only_it_is_accepted() {
        for v in [1i64, 2, 3, 4, 100, 4097, 32767] {
            let y = func::rsqrt(v, 24).unwrap();
            let (l, from) = build(rsqrt, v, 24, y);
            assert!(satisfied(l.clone()), "rsqrt({v})");
            assert_eq!(undetected_corruptions(&l, from), vec![]);
            for claim in [y - 1, y + 1, -y - 1] {
                assert!(!satisfied(build(rsqrt, v, 24, claim).0), "rsqrt({v}) = {claim} accepted");
            }
        }
        for v in [0i64, -1] {
            for claim in [0i128, 1, 4096] {
                assert!(!satisfied(build(rsqrt, v, 24, claim).0), "rsqrt({v}) = {claim} accepted");
            }
        }
    }
}
