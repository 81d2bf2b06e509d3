//! Square roots. `sqrt`: `y = floor(sqrt(x 2^e))` for `x >= 0`, as `y^2 <= x 2^e < (y + 1)^2`
//! (`y^2` one constraint, the two differences decomposed into `b_x + e + 1` and `w_out + 2` bits;
//! a negative `y` fails the second, a negative `x` the first). Cost per element:
//! `w_out + 1 + (b_x + e + 2) + (w_out + 3)`.
//!
//! Reciprocal square root: `y = floor(sqrt(2^e / v))` for `v >= 1` (`verinfer_ir::func::rsqrt`), as
//! in LayerNormalization's `1 / sqrt(var + eps)`.
//!
//! The witness `y` is range-checked to the output width; `y^2`, `a = y^2 v` and `y v` cost one
//! constraint each. Then `2^e - a` is decomposed into `e + 1` bits and
//! `(y + 1)^2 v - 2^e - 1 = a + 2 y v + v - 2^e - 1` into `w_out + b_v + 1` bits, i.e.
//! `y^2 v <= 2^e < (y + 1)^2 v`. For `v >= 1` only the floor of the root satisfies both (a negative
//! `y` has `(y + 1)^2 <= y^2`); for `v <= 0` the second is negative, so no proof exists. All values
//! stay below `2^120` (checked by the IR), so field equalities are integer equalities.
//! Cost per element: `w_out + 3 + (e + 1) + (w_out + b_v + 1)`.
use super::product::product;
use super::range::{alloc_signed, alloc_unsigned};
use super::{constant, enforce_equal, pow2, Cs, Result, Signal};
use ark_bn254::Fr;

/// `floor(sqrt(x 2^e))` with `y` range-checked to `w_out` bits; `b_x` is the operand's width.
pub fn sqrt(cs: &Cs, x: &Signal, e: u8, b_x: u8, w_out: u8, y: Option<i128>) -> Result<Signal> {
    let y_sig = alloc_signed(cs, y, w_out)?;
    let y2 = product(cs, &y_sig, &y_sig)?;
    let scaled = x.lc.clone() * pow2(e as u32);
    let scaled_val = x.value.map(|v| v << e);
    let below = scaled_val.zip(y2.value).map(|(s, q)| s - q);
    let (_, below_bits) = alloc_unsigned(cs, below.map(|b| b as u128), b_x + e + 1)?;
    enforce_equal(cs, below_bits, scaled.clone() - y2.lc.clone())?;
    let above = scaled_val.zip(y2.value).zip(y).map(|((s, q), y)| q + 2 * y - s);
    let (_, above_bits) = alloc_unsigned(cs, above.map(|b| b as u128), w_out + 2)?;
    enforce_equal(cs, above_bits, y2.lc + y_sig.lc.clone() * Fr::from(2u64) - scaled)?;
    Ok(y_sig)
}

/// `floor(sqrt(2^e / v))` with `y` range-checked to `w_out` bits; `b_v` is the operand's width.
pub fn rsqrt(cs: &Cs, v: &Signal, e: u8, b_v: u8, w_out: u8, y: Option<i128>) -> Result<Signal> {
    let y_sig = alloc_signed(cs, y, w_out)?;
    let y2 = product(cs, &y_sig, &y_sig)?;
    let a = product(cs, &y2, v)?;
    let yv = product(cs, &y_sig, v)?;
    let k = pow2(e as u32);
    let below = a.value.map(|a| (1i128 << e) - a);
    let (_, below_bits) = alloc_unsigned(cs, below.map(|b| b as u128), e + 1)?;
    enforce_equal(cs, below_bits, constant(k) - a.lc.clone())?;
    let above_lc = a.lc.clone() + yv.lc.clone() * Fr::from(2u64) + v.lc.clone() - constant(k + Fr::from(1u64));
    let above = a.value.zip(yv.value).zip(v.value).map(|((a, yv), v)| a + 2 * yv + v - (1i128 << e) - 1);
    let (_, above_bits) = alloc_unsigned(cs, above.map(|b| b as u128), w_out + b_v + 1)?;
    enforce_equal(cs, above_bits, above_lc)?;
    Ok(y_sig)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::r1cs::testing::*;
    use proptest::prelude::*;
    use verinfer_ir::func::rsqrt as reference;

    fn run(v: i128, e: u8, claim: Option<i128>) -> (bool, Option<i128>) {
        let cs = prover_cs();
        let vs = signal(&cs, v);
        let before = cs.num_constraints();
        let y = rsqrt(&cs, &vs, e, 24, 16, claim.or(reference(v as i64, e))).unwrap();
        assert_eq!(cs.num_constraints() - before, 2 * 16 + 24 + e as usize + 7, "cost 2 w_out + b_v + e + 7");
        (satisfied(&cs), y.value)
    }

    proptest! {
        #[test]
        fn matches_the_integer_semantics(v in 1i128..(1 << 23), e in 0u8..50) {
            let (ok, y) = run(v, e, None);
            // the root must fit the 16-bit output for the proof to exist
            let want = reference(v as i64, e).unwrap();
            prop_assert_eq!(ok, want < (1 << 15));
            prop_assert_eq!(y, Some(want));
        }
    }

    #[test]
    fn soundness_wrong_root_is_rejected() {
        for (v, e) in [(3i128, 20u8), (1, 10), (1000, 30), (12345, 40)] {
            let y = reference(v as i64, e).unwrap();
            assert!(run(v, e, None).0);
            for claim in [y - 1, y + 1, -y - 1, -y] {
                if claim != y {
                    assert!(!run(v, e, Some(claim)).0, "rsqrt({v}, {e}) = {claim} accepted");
                }
            }
        }
    }

    fn run_sqrt(x: i128, e: u8, claim: Option<i128>) -> bool {
        let cs = prover_cs();
        let xs = signal(&cs, x);
        let before = cs.num_constraints();
        sqrt(&cs, &xs, e, 20, 16, claim.or(verinfer_ir::func::sqrt(x as i64, e))).unwrap();
        assert_eq!(cs.num_constraints() - before, 2 * 16 + 20 + e as usize + 6, "cost 2 w_out + b_x + e + 6");
        satisfied(&cs)
    }

    proptest! {
        #[test]
        fn sqrt_matches_the_integer_semantics(x in 0i128..(1 << 19), e in 0u8..10) {
            let want = verinfer_ir::func::sqrt(x as i64, e).unwrap();
            prop_assert_eq!(run_sqrt(x, e, None), want < (1 << 15));
        }
    }

    #[test]
    fn soundness_wrong_square_root_is_rejected() {
        for (x, e) in [(0i128, 4u8), (2, 8), (1000, 0), (99999, 6)] {
            let y = verinfer_ir::func::sqrt(x as i64, e).unwrap();
            assert!(run_sqrt(x, e, None));
            for claim in [y - 1, y + 1, -y - 1] {
                if claim != y {
                    assert!(!run_sqrt(x, e, Some(claim)), "sqrt({x}, {e}) = {claim} accepted");
                }
            }
        }
        for claim in [-1i128, 0, 1] {
            assert!(!run_sqrt(-4, 2, Some(claim)), "sqrt of a negative operand accepted");
        }
    }

    #[test]
    fn soundness_non_positive_operand_has_no_proof() {
        for v in [0i128, -1, -100] {
            for claim in [-2i128, -1, 0, 1, 2, 100] {
                assert!(!run(v, 10, Some(claim)).0, "rsqrt({v}) = {claim} accepted");
            }
        }
    }
}
