//! Linear maps with constant weights: `y = W x + b` and element-wise `y = m * x + a`. They are linear
//! combinations of their operands and cost no constraints; an operand whose wire is itself a long
//! combination (bits of a range check) is first made a single variable (one constraint) so that the
//! constraint matrices stay sparse.
use super::{constant, enforce_equal, fr, witness, Cs, Lc, Result, Signal};
use ark_bn254::Fr;
use ark_ff::One;
use ark_relations::gr1cs::Variable;
use verinfer_ir::ConvGeometry;

/// `s` as a single variable, or `s` itself if it already is one.
pub fn materialize(cs: &Cs, s: &Signal) -> Result<Signal> {
    if s.lc.0.len() <= 1 {
        return Ok(s.clone());
    }
    let v = witness(cs, s.value.map(fr))?;
    enforce_equal(cs, Lc::from(v), s.lc.clone())?;
    Ok(Signal { lc: Lc::from(v), value: s.value, bits: s.bits.clone() })
}

/// `y = W x + b` with `W` row-major `rows x cols`. Rows are built on every core.
pub fn linear(cs: &Cs, x: &[Signal], rows: usize, cols: usize, weights: &[i64], bias: &[i64]) -> Result<Vec<Signal>> {
    use rayon::prelude::*;
    let x: Vec<Signal> = x.iter().map(|s| materialize(cs, s)).collect::<Result<_>>()?;
    let xv: Option<Vec<i128>> = x.iter().map(|s| s.value).collect();
    Ok((0..rows)
        .into_par_iter()
        .map(|r| {
            let row = &weights[r * cols..(r + 1) * cols];
            let terms = row.iter().zip(&x).filter(|(w, _)| **w != 0).flat_map(|(&w, s)| scaled_terms(w, &s.lc));
            let mut lc = Lc::from_sum_coeff_vars(&[]);
            lc.0.extend(terms);
            lc.compactify();
            if bias[r] != 0 {
                lc = lc + constant(fr(bias[r] as i128));
            }
            let value = xv.as_ref().map(|xv| row.iter().zip(xv).fold(bias[r] as i128, |a, (&w, &v)| a + w as i128 * v));
            Signal { lc, value, bits: None }
        })
        .collect())
}

/// The terms of `w * lc`.
fn scaled_terms(w: i64, lc: &Lc) -> impl Iterator<Item = (Fr, Variable)> + '_ {
    let w = fr(w as i128);
    lc.0.iter().map(move |(c, v)| (if c.is_one() { w } else { w * c }, *v))
}

/// A convolution (see [`ConvGeometry::apply`]): each output is one linear combination of the taps
/// its filter reads, built in O(MACs) without a dense matrix.
pub fn conv(cs: &Cs, x: &[Signal], g: &ConvGeometry, weights: &[i64], bias: &[i64]) -> Result<Vec<Signal>> {
    let x: Vec<Signal> = x.iter().map(|s| materialize(cs, s)).collect::<Result<_>>()?;
    let known = x.iter().all(|s| s.value.is_some());
    let outputs = g.apply(
        &g.taps(),
        weights,
        &x,
        |i| (Vec::new(), g.bias_at(bias, i)),
        |(mut terms, b): (Vec<(Fr, Variable)>, i64), &w, s: &Signal| {
            if w != 0 {
                terms.extend(s.lc.0.iter().map(|(c, v)| (fr(w as i128) * c, *v)));
            }
            (terms, b)
        },
    );
    let values: Vec<Option<i128>> = if known {
        let values: Vec<i128> = x.iter().map(|s| s.value.unwrap_or(0)).collect();
        g.apply(&g.taps(), weights, &values, |i| g.bias_at(bias, i) as i128, |a, &w, &v| a + w as i128 * v)
            .into_iter()
            .map(Some)
            .collect()
    } else {
        vec![None; outputs.len()]
    };
    Ok(outputs
        .into_iter()
        .zip(values)
        .map(|((terms, b), value)| {
            let mut lc = Lc::from_sum_coeff_vars(&terms);
            if b != 0 {
                lc = lc + constant(fr(b as i128));
            }
            Signal { lc, value, bits: None }
        })
        .collect())
}

/// `y_i = mul_i * x_i + add_i`.
pub fn affine(x: &[Signal], mul: &[i64], add: &[i64]) -> Vec<Signal> {
    x.iter()
        .zip(mul.iter().zip(add))
        .map(|(s, (&m, &a))| Signal {
            lc: s.lc.clone() * fr(m as i128) + constant(fr(a as i128)),
            value: s.value.map(|v| v * m as i128 + a as i128),
            bits: None,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::r1cs::range::alloc_signed;
    use crate::r1cs::testing::*;
    use ark_ff::Zero;

    #[test]
    fn dense_map_is_free_on_single_variables_and_exact() {
        let cs = prover_cs();
        let x: Vec<Signal> = [3i128, -2, 5].iter().map(|&v| signal(&cs, v)).collect();
        let before = cs.num_constraints();
        let y = linear(&cs, &x, 2, 3, &[1, 2, 3, -1, 0, 4], &[10, -10]).unwrap();
        assert_eq!(cs.num_constraints(), before);
        assert_eq!(y[0].value, Some(3 - 4 + 15 + 10));
        assert_eq!(y[1].value, Some(-3 + 20 - 10));
    }

    fn geometry() -> ConvGeometry {
        // 2 input channels of 3x4, 4 filters in 2 groups, 2x3 kernel, stride (1, 2), pads (1, 1)
        ConvGeometry {
            in_channels: 2,
            out_channels: 4,
            group: 2,
            in_shape: vec![3, 4],
            kernel: vec![2, 3],
            strides: vec![1, 2],
            dilations: vec![1, 1],
            pads: vec![1, 1],
            out_shape: vec![3, 2],
        }
    }

    #[test]
    fn conv_is_free_exact_and_equal_to_its_dense_map() {
        let g = geometry();
        g.validate().unwrap();
        let cs = prover_cs();
        let xv: Vec<i128> = (0..g.in_len() as i128).map(|v| (v * 7) % 13 - 6).collect();
        let x: Vec<Signal> = xv.iter().map(|&v| signal(&cs, v)).collect();
        let w: Vec<i64> = (0..g.weights_len() as i64).map(|v| (v * 5) % 9 - 4).collect();
        let b = [3, -1, 0, 7];
        let before = cs.num_constraints();
        let y = conv(&cs, &x, &g, &w, &b).unwrap();
        assert_eq!(cs.num_constraints(), before, "a convolution costs no constraints");
        // the dense map, built from ONNX's definition position by position
        let mut dense = vec![0i64; g.out_len() * g.in_len()];
        for f in 0..4 {
            for (oi, oj) in (0..3).flat_map(|i| (0..2).map(move |j| (i, j))) {
                for c in 0..1 {
                    for (ki, kj) in (0..2).flat_map(|i| (0..3).map(move |j| (i, j))) {
                        let (ii, jj) = (oi + ki, oj * 2 + kj);
                        if ii >= 1 && ii <= 3 && jj >= 1 && jj <= 4 {
                            let ch = f / 2 + c;
                            dense[(f * 6 + oi * 2 + oj) * g.in_len() + ch * 12 + (ii - 1) * 4 + jj - 1] +=
                                w[(f + c) * 6 + ki * 3 + kj];
                        }
                    }
                }
            }
        }
        let bias: Vec<i64> = (0..g.out_len()).map(|r| b[r / 6]).collect();
        let want = linear(&cs, &x, g.out_len(), g.in_len(), &dense, &bias).unwrap();
        for (a, d) in y.iter().zip(&want) {
            assert_eq!(a.value, d.value);
            assert_eq!(a.lc.0.len(), d.lc.0.len(), "the same taps");
        }
    }

    #[test]
    fn soundness_conv_outputs_are_bound_to_the_operand() {
        let g = geometry();
        let cs = prover_cs();
        let x: Vec<Signal> = (0..g.in_len() as i128).map(|v| signal(&cs, v % 5 - 2)).collect();
        let w: Vec<i64> = (0..g.weights_len() as i64).map(|v| v % 3 - 1).collect();
        let y = conv(&cs, &x, &g, &w, &[1, 2, 3, 4]).unwrap();
        let r = crate::r1cs::rescale::rescale(&cs, &y[7], 0, 16, y[7].value).unwrap();
        assert!(satisfied(&cs));
        // an operand the output reads, changed: the value the rescale proved no longer matches
        let (_, v) = y[7].lc.0.iter().find(|(c, v)| !c.is_zero() && v.is_witness()).copied().unwrap();
        corrupt(&cs, v, Fr::from(1u64));
        assert!(!satisfied(&cs));
        drop(r);
    }

    #[test]
    fn soundness_materialized_operand_must_equal_its_bits() {
        let cs = prover_cs();
        let x = alloc_signed(&cs, Some(-3), 8).unwrap();
        let m = materialize(&cs, &x).unwrap();
        assert!(satisfied(&cs));
        corrupt(&cs, m.lc.0[0].1, Fr::from(1u64));
        assert!(!satisfied(&cs));
    }
}
