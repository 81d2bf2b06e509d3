//! Linear maps with constant weights (Linear, Conv, Affine), sums (Sum, SumPool) and wiring
//! (Gather): each output is one [`Layout::lin`] of its operands.
//!
//! Each output cell holds the evaluator's value (`y`, when proving), which the rows check.
//! Cost: one row per three non-zero terms of an output (plus its constant), so a dense `m x n`
//! layer costs `m ceil(n / 3)` rows; Gather costs none (its outputs are its operands' wires).
//! Sound by construction: each row is the equation it states (the gate), chained through the next
//! row's `d`, and every operand is a copy of its wire.
use crate::field::{fp, Fp};
use crate::layout::{Layout, Wire};
use verinfer_ir::ConvGeometry;

/// Output `i`'s value when proving.
fn at(y: Option<&[i64]>, i: usize) -> Option<Fp> {
    y.map(|y| fp(y[i] as i128))
}

/// `y = W x + b` with `W` row-major `rows x cols`; `y` the outputs when proving.
pub fn linear(
    l: &mut Layout,
    x: &[Wire],
    (rows, cols): (usize, usize),
    (weights, bias): (&[i64], &[i64]),
    y: Option<&[i64]>,
) -> Vec<Wire> {
    (0..rows)
        .map(|r| {
            let terms: Vec<_> = weights[r * cols..(r + 1) * cols]
                .iter()
                .zip(x)
                .filter(|(w, _)| **w != 0)
                .map(|(w, x)| (fp(*w as i128), *x))
                .collect();
            l.lin_as(&terms, fp(bias[r] as i128), at(y, r))
        })
        .collect()
}

/// A convolution (see [`ConvGeometry::apply`]).
pub fn conv(
    l: &mut Layout,
    x: &[Wire],
    g: &ConvGeometry,
    (weights, bias): (&[i64], &[i64]),
    y: Option<&[i64]>,
) -> Vec<Wire> {
    let taps = g.taps();
    let mac = |mut terms: Vec<(i64, Wire)>, &w: &i64, x: &Wire| {
        if w != 0 {
            terms.push((w, *x));
        }
        terms
    };
    let outputs = g.apply(&taps, weights, x, |_| Vec::new(), mac);
    outputs
        .into_iter()
        .enumerate()
        .map(|(i, terms)| {
            let terms: Vec<_> = terms.into_iter().map(|(w, x)| (fp(w as i128), x)).collect();
            l.lin_as(&terms, fp(g.bias_at(bias, i) as i128), at(y, i))
        })
        .collect()
}

/// `y_i = mul_i x_i + add_i`.
pub fn affine(l: &mut Layout, x: &[Wire], (mul, add): (&[i64], &[i64]), y: Option<&[i64]>) -> Vec<Wire> {
    x.iter()
        .zip(mul.iter().zip(add))
        .enumerate()
        .map(|(i, (x, (&m, &a)))| l.lin_as(&[(fp(m as i128), *x)], fp(a as i128), at(y, i)))
        .collect()
}

/// `y_i = sum_t c_t x_t[i]`.
pub fn sum(l: &mut Layout, terms: &[(&[Wire], i64)], len: usize, y: Option<&[i64]>) -> Vec<Wire> {
    (0..len)
        .map(|i| {
            let t: Vec<_> = terms.iter().filter(|(_, c)| *c != 0).map(|(x, c)| (fp(*c as i128), x[i])).collect();
            l.lin_as(&t, fp(0), at(y, i))
        })
        .collect()
}

/// `y_i = sum_t x[windows[i * size + t]]`.
pub fn sum_pool(l: &mut Layout, x: &[Wire], size: usize, windows: &[u32], y: Option<&[i64]>) -> Vec<Wire> {
    windows
        .chunks(size)
        .enumerate()
        .map(|(i, w)| {
            let t: Vec<_> = w.iter().map(|&j| (fp(1), x[j as usize])).collect();
            l.lin_as(&t, fp(0), at(y, i))
        })
        .collect()
}

/// `y_i = sources[map_i.0][map_i.1]`, or `constants[map_i.1]` where `map_i.0 == u32::MAX`.
pub fn gather(l: &mut Layout, sources: &[&[Wire]], map: &[(u32, u32)], constants: &[i64]) -> Vec<Wire> {
    map.iter()
        .map(|&(s, j)| match s {
            u32::MAX => l.constant(fp(constants[j as usize] as i128)),
            s => sources[s as usize][j as usize],
        })
        .collect()
}

/// `y_i = a_i b_i`; `y` the outputs (the evaluator's when proving). One row each.
pub fn mul(l: &mut Layout, a: &[Wire], b: &[Wire], y: Option<&[i64]>) -> Vec<Wire> {
    a.iter().zip(b).enumerate().map(|(i, (a, b))| l.mul_as(*a, *b, y.map(|y| fp(y[i] as i128)))).collect()
}

/// Batched `y[t, i, j] = sum_l a[t, i, l] b[t, l, j]`: `k` rows per output (one product each).
pub fn matmul(l: &mut Layout, a: &[Wire], b: &[Wire], [batch, m, k, n]: [usize; 4], y: Option<&[i64]>) -> Vec<Wire> {
    let mut out = Vec::with_capacity(batch * m * n);
    for t in 0..batch {
        for i in 0..m {
            for j in 0..n {
                let pairs: Vec<_> = (0..k).map(|s| (a[(t * m + i) * k + s], b[(t * k + s) * n + j])).collect();
                out.push(l.dot(&pairs, at(y, out.len())));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::*;

    #[test]
    fn a_dense_layer_costs_a_row_per_three_weights_and_is_exact() {
        let mut l = Layout::new(true);
        let x: Vec<Wire> = (0..7).map(|v| l.witness(Some(fp(v - 3)))).collect();
        let from = l.len();
        let weights: Vec<i64> = (0..14).map(|i| (i % 5) - 2).collect();
        let y = linear(&mut l, &x, (2, 7), (&weights, &[10, -10]), None);
        let want: Vec<i128> = (0..2)
            .map(|r| (0..7).map(|c| weights[r * 7 + c] as i128 * (c as i128 - 3)).sum::<i128>() + [10, -10][r])
            .collect();
        assert_eq!(y.iter().map(Wire::int).collect::<Vec<_>>(), want.iter().map(|&v| Some(v)).collect::<Vec<_>>());
        // row 0: weights -2 -1 0 1 2 -2 -1 (6 non-zero: 2 rows); row 1: 0 1 2 -2 -1 0 1 (5: 2 rows)
        l.finish();
        assert_eq!(l.len() - from, 4 + 1);
        assert!(satisfied(l.clone()));
        assert_eq!(undetected_corruptions(&l, from), vec![]);
    }

    #[test]
    fn matmul_and_products_are_exact_and_caught_when_corrupted() {
        let mut l = Layout::new(true);
        let a: Vec<Wire> = (0..6).map(|v| l.witness(Some(fp(v + 1)))).collect();
        let b: Vec<Wire> = (0..6).map(|v| l.witness(Some(fp(2 - v)))).collect();
        let from = l.len();
        let y = matmul(&mut l, &a, &b, [1, 2, 3, 2], None);
        // [[1,2,3],[4,5,6]] x [[2,1],[0,-1],[-2,-3]]
        assert_eq!(y.iter().map(Wire::int).collect::<Vec<_>>(), [Some(-4), Some(-10), Some(-4), Some(-19)]);
        let p = mul(&mut l, &a[..2], &b[..2], Some(&[2, 2]));
        assert_eq!(p[1].int(), Some(2));
        assert!(satisfied(l.clone()));
        assert_eq!(undetected_corruptions(&l, from), vec![]);
        let mut bad = Layout::new(true);
        let (x, z) = (bad.witness(Some(fp(3))), bad.witness(Some(fp(4))));
        mul(&mut bad, &[x], &[z], Some(&[13]));
        assert!(!satisfied(bad));
        // an evaluator value the terms do not give is refused
        let mut bad = Layout::new(true);
        let x: Vec<Wire> = (0..4).map(|v| bad.witness(Some(fp(v)))).collect();
        linear(&mut bad, &x, (1, 4), (&[1, 1, 1, 1], &[0]), Some(&[7]));
        assert!(!satisfied(bad));
    }
}
