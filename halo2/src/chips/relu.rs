//! The sign of a range-checked value, and the gadgets made of it: ReLU and Step.
//!
//! `sign(x)`: `x + 2^(w-1)` split into `w - 1` low bits and one top bit `s`, all range-looked-up,
//! so `s = [x >= 0]` and `x` is proven to lie in `w` signed bits. One row for `w <= 17`.
//! `relu(x) = s x` (one more row), `step(x) = s` (no more).
//!
//! Sound: the limbs recompose `x + 2^(w-1)` exactly (their sum is far below `p`), so a value
//! outside `w` bits has no decomposition, and the top bit of `x + 2^(w-1)` is 1 exactly when
//! `x >= 0`.
use crate::field::{fp, pow2};
use crate::layout::{limb_widths, Layout, Wire};

/// `s = [x >= 0]` for a `w`-bit signed `x` (and the proof that `x` fits `w` bits).
pub fn sign(l: &mut Layout, x: Wire, w: u8) -> Wire {
    let mut widths = limb_widths(w - 1);
    widths.push(1);
    let limbs = l.decompose(x, pow2(w as u32 - 1), &widths);
    limbs[limbs.len() - 1]
}

/// `max(x, 0)` for a `w`-bit `x`; `y` is the output (the evaluator's when proving).
pub fn relu(l: &mut Layout, x: Wire, w: u8, y: Option<i128>) -> Wire {
    let s = sign(l, x, w);
    l.mul_as(s, x, y.map(fp))
}

/// `[x >= 0]` for a `w`-bit `x`.
pub fn step(l: &mut Layout, x: Wire, w: u8) -> Wire {
    sign(l, x, w)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::*;

    fn build(x: i128, w: u8, claim: i128) -> (Layout, usize) {
        let mut l = Layout::new(true);
        let xw = l.witness(Some(fp(x)));
        let from = l.len();
        relu(&mut l, xw, w, Some(claim));
        (l, from)
    }

    #[test]
    fn relu_is_exact_in_two_rows_and_refuses_every_wrong_output() {
        for x in [-32768i128, -5, -1, 0, 1, 77, 32767] {
            let (l, from) = build(x, 16, x.max(0));
            assert_eq!(l.len() - from, 2);
            assert!(satisfied(l.clone()), "relu({x})");
            assert_eq!(undetected_corruptions(&l, from), vec![]);
            for claim in [x.max(0) + 1, x.max(0) - 1, x, -x] {
                if claim != x.max(0) {
                    assert!(!satisfied(build(x, 16, claim).0), "relu({x}) = {claim} accepted");
                }
            }
        }
        // outside the operand's width
        assert!(!satisfied(build(32768, 16, 32768).0));
        assert!(!satisfied(build(-32769, 16, 0).0));
    }

    #[test]
    fn step_is_the_sign() {
        for (x, s) in [(-3i128, 0i128), (0, 1), (9, 1)] {
            let mut l = Layout::new(true);
            let xw = l.witness(Some(fp(x)));
            assert_eq!(step(&mut l, xw, 8).int(), Some(s));
            assert!(satisfied(l));
        }
    }
}
