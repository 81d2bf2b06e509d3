//! Division rounded half up: `q = floor((2 n 2^s + d) / (2 d))` for `d >= 1`
//! (`verinfer_ir::func::div_round`).
//!
//! As the Groth16 gadget: `q` (the evaluator's value) range-checked to the output width, the
//! product `P = q d`, and `r = 2 n 2^s + d - 2 P` and `2 d - 1 - r` both range-checked to `b_d`
//! bits, `b_d` the denominator's width: so `0 <= r < 2 d`, which makes `q` the floor of
//! `(2 n 2^s + d) / (2 d)` and forces `d >= 1`. The IR bounds the widths so that every value is an
//! integer far below `p / 2`. Rows: 6 for widths up to 24 (`q`, `P`, `r` and its check, the
//! complement and its check).
use crate::field::{fp, pow2, Fp};
use crate::layout::{limb_widths, Layout, Wire};
use ff::Field;

/// `n 2^shift / d` rounded half up, as a `w_out`-bit wire; `q` its value when proving.
pub fn div(l: &mut Layout, (n, d): (Wire, Wire), shift: u8, b_d: u8, w_out: u8, q: Option<i128>) -> Wire {
    let qw = l.alloc_signed(q.map(fp), w_out);
    let p = l.mul(qw, d);
    let r = l.lin(&[(pow2(shift as u32 + 1), n), (Fp::ONE, d), (-Fp::from(2), p)], Fp::ZERO);
    l.decompose(r, Fp::ZERO, &limb_widths(b_d));
    let rest = l.lin(&[(Fp::from(2), d), (-Fp::ONE, r)], -Fp::ONE);
    l.decompose(rest, Fp::ZERO, &limb_widths(b_d));
    qw
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::*;
    use verinfer_ir::func::div_round;

    fn build(n: i64, d: i64, claim: i128) -> (Layout, usize) {
        let mut l = Layout::new(true);
        let (nw, dw) = (l.witness(Some(fp(n as i128))), l.witness(Some(fp(d as i128))));
        let from = l.len();
        div(&mut l, (nw, dw), 4, 12, 16, Some(claim));
        (l, from)
    }

    #[test]
    fn the_rounded_quotient_and_only_it_is_accepted() {
        for (n, d) in [(7i64, 3i64), (-7, 3), (0, 1), (100, 7), (-1000, 999), (5, 2)] {
            let q = div_round(n, d, 4).unwrap();
            let (mut l, from) = build(n, d, q);
            assert!(satisfied(l.clone()), "{n} / {d}");
            assert_eq!(undetected_corruptions(&l, from), vec![]);
            l.finish();
            assert_eq!(l.len() - from, 6);
            for claim in [q - 1, q + 1] {
                assert!(!satisfied(build(n, d, claim).0), "{n} / {d} = {claim} accepted");
            }
        }
    }

    #[test]
    fn no_quotient_exists_for_a_zero_or_negative_divisor() {
        for d in [0i64, -1, -5] {
            for q in [-3i128, 0, 3] {
                assert!(!satisfied(build(10, d, q).0), "10 / {d} = {q} accepted");
            }
        }
    }
}
