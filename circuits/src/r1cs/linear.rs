//! Linear maps with constant weights: `y = W x + b` and element-wise `y = m * x + a`. They are linear
//! combinations of their operands and cost no constraints; an operand whose wire is itself a long
//! combination (bits of a range check) is first made a single variable (one constraint) so that the
//! constraint matrices stay sparse.
//!
//! When synthesis only evaluates or counts ([`super::evaluates_only`]: proving, constraint counts), an
//! output that spans several variables is carried by its value ([`by_value`]) instead of its terms:
//! a 4M-weight layer then costs integer multiply-adds, not 4M field multiplications twice (building
//! the terms, then evaluating the row that reads them). The constraints written are the same.
use super::{constant, enforce_equal, evaluates_only, fr, witness, Cs, Lc, Result, Signal};
use ark_bn254::Fr;
use ark_ff::{One, Zero};
use ark_relations::gr1cs::{LinearCombination, Variable};
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
    let by_value_mode = evaluates_only(cs);
    Ok((0..rows)
        .into_par_iter()
        .map(|r| {
            let row = &weights[r * cols..(r + 1) * cols];
            let taps = || row.iter().zip(&x).filter(|(w, _)| **w != 0);
            let value = xv.as_ref().map(|xv| row.iter().zip(xv).fold(bias[r] as i128, |a, (&w, &v)| a + w as i128 * v));
            let lc = if by_value_mode && Span::new(bias[r]).several(taps().map(|(_, s)| &s.lc)) {
                by_value(value)
            } else {
                let mut lc = Lc::from_sum_coeff_vars(&[]);
                lc.0.extend(taps().flat_map(|(&w, s)| scaled_terms(w, &s.lc)));
                lc.compactify();
                if bias[r] != 0 {
                    lc = lc + constant(fr(bias[r] as i128));
                }
                lc
            };
            Signal { lc, value, bits: None }
        })
        .collect())
}

/// The terms of `w * lc`.
fn scaled_terms(w: i64, lc: &Lc) -> impl Iterator<Item = (Fr, Variable)> + '_ {
    let w = fr(w as i128);
    lc.0.iter().map(move |(c, v)| (if c.is_one() { w } else { w * c }, *v))
}

/// The variables of a linear combination being summed, as far as [`materialize`] can tell them
/// apart: whether it will hold more than one (its terms are merged by variable, and a merged
/// coefficient that cancels to zero is kept, so this is exact).
#[derive(Clone, Copy)]
struct Span {
    first: Option<Variable>,
    several: bool,
}

impl Span {
    /// A sum that starts with the constant `bias`.
    fn new(bias: i64) -> Span {
        Span { first: (bias != 0).then_some(Variable::One), several: false }
    }

    /// The sum with `lc`'s terms added.
    fn add(mut self, lc: &Lc) -> Span {
        for &(_, v) in lc.0.iter() {
            self.several |= *self.first.get_or_insert(v) != v;
        }
        self
    }

    /// Whether the sum with all of `lcs` added holds several variables (stops at the first proof).
    fn several<'a>(mut self, lcs: impl Iterator<Item = &'a Lc>) -> bool {
        for lc in lcs {
            self = self.add(lc);
            if self.several {
                return true;
            }
        }
        self.several
    }
}

/// An output spanning several variables, when synthesis only evaluates or counts: two terms
/// (`0 * zero + value * one`), so that it evaluates to `value` (0 when counting) and [`materialize`]
/// makes it a variable exactly as it does the full combination. The prover's rows read the same
/// values either way; setup, which needs the terms, never takes this path.
fn by_value(value: Option<i128>) -> Lc {
    LinearCombination(vec![(Fr::zero(), Variable::Zero), (value.map_or(Fr::zero(), fr), Variable::One)])
}

/// A convolution (see [`ConvGeometry::apply`]): each output is one linear combination of the taps
/// its filter reads, built in O(MACs) without a dense matrix.
pub fn conv(cs: &Cs, x: &[Signal], g: &ConvGeometry, weights: &[i64], bias: &[i64]) -> Result<Vec<Signal>> {
    let x: Vec<Signal> = x.iter().map(|s| materialize(cs, s)).collect::<Result<_>>()?;
    let taps = g.taps();
    let values: Vec<Option<i128>> = match x.iter().map(|s| s.value).collect::<Option<Vec<i128>>>() {
        Some(values) => g
            .apply(&taps, weights, &values, |i| g.bias_at(bias, i) as i128, |a, &w, &v| a + w as i128 * v)
            .into_iter()
            .map(Some)
            .collect(),
        None => vec![None; g.out_len()],
    };
    let spans = |x: &[Signal]| {
        let add = |s: Span, &w: &i64, x: &Signal| if w != 0 { s.add(&x.lc) } else { s };
        g.apply(&taps, weights, x, |i| Span::new(g.bias_at(bias, i)), add)
    };
    let lcs = if evaluates_only(cs) && spans(&x).iter().all(|s| s.several) {
        values.iter().map(|&v| by_value(v)).collect()
    } else {
        conv_terms(&x, g, &taps, weights, bias)
    };
    Ok(lcs.into_iter().zip(values).map(|(lc, value)| Signal { lc, value, bits: None }).collect())
}

/// The convolution's outputs as linear combinations of the operands' terms.
fn conv_terms(x: &[Signal], g: &ConvGeometry, taps: &verinfer_ir::Taps, weights: &[i64], bias: &[i64]) -> Vec<Lc> {
    let mac = |mut terms: Vec<(Fr, Variable)>, &w: &i64, s: &Signal| {
        if w != 0 {
            terms.extend(s.lc.0.iter().map(|(c, v)| (fr(w as i128) * c, *v)));
        }
        terms
    };
    let outputs = g.apply(taps, weights, x, |_| Vec::new(), mac);
    outputs
        .into_iter()
        .enumerate()
        .map(|(i, terms)| {
            let mut lc = Lc::from_sum_coeff_vars(&terms);
            let b = g.bias_at(bias, i);
            if b != 0 {
                lc = lc + constant(fr(b as i128));
            }
            lc
        })
        .collect()
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

    /// A chain of linear maps: long and single-variable rows, a row whose two terms cancel, a
    /// constant row, a convolution, each output consumed by a rescale or by the next map.
    fn chain(cs: &Cs) -> Vec<Signal> {
        let x: Vec<Signal> = [3i128, -2, 5, 7].iter().map(|&v| signal(cs, v)).collect();
        #[rustfmt::skip]
        let w = [
            1, 2, 0, -3,   // long
            0, 4, 0, 0,    // one variable
            0, 0, 0, 0,    // the bias only
            0, 0, 0, 0,    // nothing
            2, 0, 0, 0,    // one variable and the bias
        ];
        let y = linear(cs, &x, 5, 4, &w, &[0, 0, 9, 0, -1]).unwrap();
        let y2 = linear(cs, &y, 2, 5, &[1, -1, 1, 1, 1, 0, 3, 0, 0, 0], &[2, 0]).unwrap();
        let g = geometry();
        let xs: Vec<Signal> = (0..g.in_len() as i128).map(|v| signal(cs, v % 7 - 3)).collect();
        let ws: Vec<i64> = (0..g.weights_len() as i64).map(|v| v % 5 - 2).collect();
        let c = conv(cs, &xs, &g, &ws, &[1, 0, -2, 3]).unwrap();
        let c2 = linear(cs, &c[..4], 1, 4, &[1, 1, 1, 1], &[0]).unwrap();
        let mut out: Vec<Signal> = y.into_iter().chain(y2).chain(c).chain(c2).collect();
        for s in out.iter_mut() {
            *s = crate::r1cs::rescale::rescale(cs, s, 0, 16, s.value).unwrap();
        }
        out
    }

    #[test]
    fn by_value_outputs_write_the_same_constraints_and_rows() {
        use crate::r1cs::{Counter, RowSink};
        use ark_relations::gr1cs::{ConstraintSystem, SynthesisMode, R1CS_PREDICATE_LABEL};
        // the reference: every combination kept as its terms
        let full = prover_cs();
        let want = chain(&full);
        full.finalize();
        let matrices = full.to_matrices().unwrap().remove(R1CS_PREDICATE_LABEL).unwrap();
        let inner = full.borrow().unwrap();
        let z: Vec<Fr> = inner
            .assignments
            .instance_assignment
            .iter()
            .chain(&inner.assignments.witness_assignment)
            .copied()
            .collect();
        let eval =
            |m: usize| -> Vec<Fr> { matrices[m].iter().map(|row| row.iter().map(|(c, i)| *c * z[*i]).sum()).collect() };
        // proving: a row sink, outputs by value
        let sink = ConstraintSystem::<Fr>::new_ref();
        sink.set_mode(SynthesisMode::Prove { construct_matrices: false, generate_lc_assignments: false });
        RowSink::install(&sink).unwrap();
        let got = chain(&sink);
        assert!(got.iter().zip(&want).all(|(g, w)| g.value == w.value));
        let rows = RowSink::take(&sink).unwrap();
        assert_eq!(rows.a.len(), full.num_constraints());
        assert_eq!((rows.a, rows.b, rows.c), (eval(0), eval(1), eval(2)));
        assert_eq!(sink.borrow().unwrap().assignments.witness_assignment, inner.assignments.witness_assignment);
        // counting: the same number of constraints
        let count = ConstraintSystem::<Fr>::new_ref();
        count.set_mode(SynthesisMode::Setup);
        Counter::install(&count).unwrap();
        chain(&count);
        assert_eq!(crate::r1cs::num_constraints(&count), full.num_constraints());
        assert_eq!(count.num_witness_variables(), full.num_witness_variables());
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
