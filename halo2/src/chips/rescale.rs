//! Rescale: `y = floor((x + 2^(k-1)) / 2^k)` (division by a power of two, round half up), `y`
//! range-checked to `w` signed bits.
//!
//! Rows: one split `x + 2^(k-1) = r + 2^k y` with the remainder `r` in `k` bits of limbs and `y`
//! the next row's `d`, then `y`'s signed range check: `ceil(k / 24) + ceil(w / 24)` rows (2 for
//! `k, w <= 24`; `x` already in place costs nothing more).
//!
//! Sound: the IR bounds `|x|` and `w + k <= 126`, so both sides are integers far below `p / 2`:
//! equal in the field means equal over the integers, and `0 <= r < 2^k` makes `y` the unique
//! rounded quotient, which must then fit `w` bits.
use crate::field::{fp, pow2};
use crate::layout::{limb_widths, Cell, Layout, Wire};

/// Rescales `x` by `2^shift` into a `w`-bit signed value; `y` is the output (the evaluator's
/// value when proving).
pub fn rescale(l: &mut Layout, x: Wire, shift: u8, w: u8, y: Option<i128>) -> Wire {
    if shift == 0 {
        l.decompose(x, pow2(w as u32 - 1), &limb_widths(w));
        return x;
    }
    let (_, _, q) = l.split(Cell::Copy(x), pow2(shift as u32 - 1), &limb_widths(shift), Some(y.map(fp)));
    l.decompose(q, pow2(w as u32 - 1), &limb_widths(w));
    q
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::*;
    use proptest::prelude::*;
    use verinfer_ir::rescale_half_up;

    fn build(x: i64, k: u8, w: u8, claim: i64) -> (Layout, usize) {
        let mut l = Layout::new(true);
        let xw = l.witness(Some(fp(x as i128)));
        let from = l.len();
        let y = rescale(&mut l, xw, k, w, Some(claim as i128));
        assert_eq!(y.int(), Some(claim as i128));
        (l, from)
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(24))]
        #[test]
        fn matches_the_integer_semantics_in_two_rows(raw in -(1i64 << 33)..(1i64 << 33), k in 1u8..12) {
            let x = raw >> (12 - k);
            let (mut l, from) = build(x, k, 24, rescale_half_up(x, k));
            l.finish();
            prop_assert_eq!(l.len() - from, 2);
            prop_assert!(satisfied(l));
        }
    }

    #[test]
    fn soundness_wrong_quotients_and_overflow_are_refused() {
        for x in [-1000i64, -129, -1, 0, 1, 127, 1000] {
            let want = rescale_half_up(x, 3);
            assert!(satisfied(build(x, 3, 8, want).0));
            for claim in [want - 1, want + 1] {
                assert!(!satisfied(build(x, 3, 8, claim).0), "rescale({x}) = {claim} accepted");
            }
        }
        // 2^18 does not fit 16 signed bits
        assert!(!satisfied(build(1 << 20, 2, 16, 1 << 18).0));
        let (l, from) = build(-77, 4, 8, rescale_half_up(-77, 4));
        assert_eq!(undetected_corruptions(&l, from), vec![]);
    }
}
