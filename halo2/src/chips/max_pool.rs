//! Max pooling: `y = max` of a window of `K` operand values that span `2^d` values (`d = w` for
//! `w`-bit signed operands, `w - 1` for a ReLU's).
//!
//! The output `m` (the evaluator's value) is a new cell; every `m - x_j` is range-checked to
//! `[0, 2^d)` (so `m` is at least each: a negative difference is a field element near `p`, with
//! no `d`-bit decomposition), and `prod_j (m - x_j) = 0` (so `m` is one of them), a chain of
//! products whose last is constrained to zero. Rows per window for `d <= 24`: `1 + 2K + (K - 1)`.
use crate::field::{fp, Fp};
use crate::layout::{limb_widths, Layout, Wire};
use ff::Field;

/// Per window of `size` operand indices, its largest value; `y` the outputs when proving.
pub fn max_pool(l: &mut Layout, x: &[Wire], d: u8, size: usize, windows: &[u32], y: Option<&[i64]>) -> Vec<Wire> {
    windows
        .chunks(size)
        .enumerate()
        .map(|(i, window)| {
            let m = l.witness(y.map(|y| fp(y[i] as i128)));
            let diffs: Vec<Wire> = window
                .iter()
                .map(|&j| {
                    let diff = l.lin(&[(Fp::ONE, m), (-Fp::ONE, x[j as usize])], Fp::ZERO);
                    l.decompose(diff, Fp::ZERO, &limb_widths(d));
                    diff
                })
                .collect();
            if let Some((last, rest)) = diffs.split_last() {
                let mut p: Option<Wire> = None;
                for diff in rest {
                    p = Some(match p {
                        Some(p) => l.mul(p, *diff),
                        None => *diff,
                    });
                }
                match p {
                    Some(p) => l.assert_product_zero(p, *last),
                    None => l.assert_zero(&[(Fp::ONE, *last)], Fp::ZERO),
                }
            }
            m
        })
        .collect()
}

/// Rows per window of `size` for `d <= 24`.
pub fn rows(size: usize) -> usize {
    1 + 2 * size + size - 1
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::*;

    fn build(x: &[i128], claim: i64) -> (Layout, usize) {
        let mut l = Layout::new(true);
        let xs: Vec<Wire> = x.iter().map(|&v| l.witness(Some(fp(v)))).collect();
        let from = l.len();
        let windows: Vec<u32> = (0..x.len() as u32).collect();
        max_pool(&mut l, &xs, 8, x.len(), &windows, Some(&[claim]));
        (l, from)
    }

    #[test]
    fn the_maximum_and_only_it_is_accepted_at_the_stated_cost() {
        let x = [5i128, -3, 17, 17, 0];
        let (mut l, from) = build(&x, 17);
        assert!(satisfied(l.clone()));
        assert_eq!(undetected_corruptions(&l, from), vec![]);
        l.finish();
        assert_eq!(l.len() - from, rows(5));
        for claim in [16, 18, 5, 0, 200] {
            assert!(!satisfied(build(&x, claim).0), "max = {claim} accepted");
        }
        assert!(satisfied(build(&[-7], -7).0));
        assert!(!satisfied(build(&[-7], -6).0));
    }
}
