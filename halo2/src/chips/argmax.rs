//! Argmax: `index` is the first position of the largest of `n` values (numpy's rule).
//!
//! As the Groth16 gadget: a one-hot selector `s` (1-bit lookups, three a row) with `sum s_i = 1`,
//! `index = sum i s_i`, the selected value `m = sum s_i o_i` (one product row each), and for every
//! `j` the difference `d_j = m - o_j - [j < index]` range-checked to `[0, 2^(w+1))`, where
//! `[j < index] = c_j = sum_{l > j} s_l` is a running suffix sum. Rows for `n` values of `w <= 23`
//! bits: about `ceil(n/3)` (bits) `+ 2 ceil(n/3)` (the two sums) `+ n` (`m`) `+ 3n` (`d_j`, its
//! range check, `c_j`): about `5n` ([`rows`]).
//!
//! Sound: `s` is boolean and sums to 1, so it selects one position `k` and `m = o_k`; `d_j >= 0`
//! gives `o_k >= o_j` for every `j` and `o_k > o_j` for `j < k` (all values far below `p`), which
//! is exactly "the first largest".
use crate::field::Fp;
use crate::layout::{limb_widths, Layout, Wire};
use ff::Field;

/// A one-hot selector of `n` positions (booleans summing to 1) and the position it selects
/// (`sum i s_i`), as wires; `index` is the position when proving. Shared with the sampler.
pub fn one_hot(l: &mut Layout, n: usize, index: Option<usize>) -> (Vec<Wire>, Wire) {
    let sel_values: Vec<Option<Fp>> = (0..n).map(|i| index.map(|k| Fp::from(u64::from(k == i)))).collect();
    let sel = l.bits(&sel_values);
    let ones: Vec<(Fp, Wire)> = sel.iter().map(|s| (Fp::ONE, *s)).collect();
    l.assert_zero(&ones, -Fp::ONE);
    let positions: Vec<(Fp, Wire)> = sel.iter().enumerate().map(|(i, s)| (Fp::from(i as u64), *s)).collect();
    let idx = l.lin(&positions, Fp::ZERO);
    (sel, idx)
}

/// The index of the first largest of `outs` (each `w` bits), as a wire; `index` is its value
/// when proving.
pub fn argmax(l: &mut Layout, outs: &[Wire], w: u8, index: Option<usize>) -> Wire {
    let n = outs.len();
    let (sel, idx) = one_hot(l, n, index);
    let pairs: Vec<(Wire, Wire)> = sel.iter().copied().zip(outs.iter().copied()).collect();
    let m = l.dot(&pairs, None);
    // c_j = sum_{l > j} s_l, from the last position down
    let mut later: Option<Wire> = None;
    for j in (0..n).rev() {
        let mut terms = vec![(Fp::ONE, m), (-Fp::ONE, outs[j])];
        if let Some(c) = later {
            terms.push((-Fp::ONE, c));
        }
        let d = l.lin(&terms, Fp::ZERO);
        l.decompose(d, Fp::ZERO, &limb_widths(w + 1));
        if j > 0 {
            later = Some(match later {
                Some(c) => l.lin(&[(Fp::ONE, c), (Fp::ONE, sel[j])], Fp::ZERO),
                None => sel[j],
            });
        }
    }
    idx
}

/// In-graph ArgMax: per window of `size` operand indices, the position of its first largest
/// value; `y` the positions when proving.
pub fn argmax_windows(l: &mut Layout, x: &[Wire], w: u8, size: usize, windows: &[u32], y: Option<&[i64]>) -> Vec<Wire> {
    windows
        .chunks(size)
        .enumerate()
        .map(|(i, window)| {
            let outs: Vec<Wire> = window.iter().map(|&j| x[j as usize]).collect();
            argmax(l, &outs, w, y.map(|y| y[i] as usize))
        })
        .collect()
}

/// Rows of [`argmax`] for `n` values of at most 23 bits (the suffix sums start at the second
/// last position).
pub fn rows(n: usize) -> usize {
    let one_hot = if n <= 3 { 1 } else { (n - 1).div_ceil(3) + 1 };
    2 * n.div_ceil(3) + one_hot + n + 2 * n + n.saturating_sub(2)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::field::fp;
    use crate::testing::*;

    fn build(values: &[i128], claim: usize) -> (Layout, usize) {
        let mut l = Layout::new(true);
        let outs: Vec<Wire> = values.iter().map(|&v| l.witness(Some(fp(v)))).collect();
        let from = l.len();
        let idx = argmax(&mut l, &outs, 8, Some(claim));
        assert_eq!(idx.int(), Some(claim as i128));
        (l, from)
    }

    #[test]
    fn accepts_exactly_the_first_maximum() {
        let v = [3, 9, -4, 9, 1];
        for claim in 0..v.len() {
            assert_eq!(satisfied(build(&v, claim).0), claim == 1, "claim {claim}");
        }
        assert!(satisfied(build(&[-128, -128], 0).0));
        assert!(!satisfied(build(&[-128, -128], 1).0));
        assert!(satisfied(build(&[-128, 127], 1).0));
    }

    #[test]
    fn costs_its_rows_and_every_cell_is_checked() {
        let (mut l, from) = build(&[4, -2, 7, 0, 7, 1, -9], 2);
        assert_eq!(undetected_corruptions(&l, from), vec![]);
        l.finish();
        assert_eq!(l.len() - from, rows(7));
    }
}
