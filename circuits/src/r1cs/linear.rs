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

/// `y = W x + b` with `W` row-major `rows x cols`; `y` holds the outputs' values when proving (the
/// integer evaluator's: the gadget does not recompute them). Rows are built on every core.
pub fn linear(
    cs: &Cs,
    x: &[Signal],
    (rows, cols): (usize, usize),
    (weights, bias): (&[i64], &[i64]),
    y: Option<&[i64]>,
) -> Result<Vec<Signal>> {
    use rayon::prelude::*;
    let x: Vec<Signal> = x.iter().map(|s| materialize(cs, s)).collect::<Result<_>>()?;
    let values = output_values(y, rows)?;
    let by_value_mode = evaluates_only(cs);
    Ok((0..rows)
        .into_par_iter()
        .map(|r| {
            let row = &weights[r * cols..(r + 1) * cols];
            let taps = || row.iter().zip(&x).filter(|(w, _)| **w != 0);
            let value = values[r];
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

/// The `len` output values a linear gadget carries: the evaluator's when proving (`y`), none
/// otherwise; a `y` of another length is refused.
pub fn output_values(y: Option<&[i64]>, len: usize) -> Result<Vec<Option<i128>>> {
    match y {
        Some(y) if y.len() != len => Err(ark_relations::gr1cs::SynthesisError::Unsatisfiable),
        Some(y) => Ok(y.iter().map(|&v| Some(v as i128)).collect()),
        None => Ok(vec![None; len]),
    }
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
/// its filter reads, built in O(MACs) without a dense matrix; `y` as in [`linear`].
pub fn conv(
    cs: &Cs,
    x: &[Signal],
    g: &ConvGeometry,
    (weights, bias): (&[i64], &[i64]),
    y: Option<&[i64]>,
) -> Result<Vec<Signal>> {
    let x: Vec<Signal> = x.iter().map(|s| materialize(cs, s)).collect::<Result<_>>()?;
    let taps = g.taps();
    let values = output_values(y, g.out_len())?;
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

/// `y_i = mul_i * x_i + add_i`; `y` as in [`linear`].
pub fn affine(x: &[Signal], (mul, add): (&[i64], &[i64]), y: Option<&[i64]>) -> Result<Vec<Signal>> {
    let values = output_values(y, x.len())?;
    Ok(x.iter()
        .zip(mul.iter().zip(add))
        .zip(values)
        .map(|((s, (&m, &a)), value)| Signal {
            lc: s.lc.clone() * fr(m as i128) + constant(fr(a as i128)),
            value,
            bits: None,
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::r1cs::range::alloc_signed;
    use crate::r1cs::testing::*;
    use ark_ff::Zero;

    /// The values of signals (all present).
    fn values(x: &[Signal]) -> Vec<i64> {
        x.iter().map(|s| s.value.unwrap() as i64).collect()
    }

    /// `W x + b`, the reference the evaluator computes.
    fn reference(x: &[Signal], cols: usize, w: &[i64], b: &[i64]) -> Vec<i64> {
        let xv = values(x);
        w.chunks(cols).zip(b).map(|(row, b)| row.iter().zip(&xv).map(|(w, x)| w * x).sum::<i64>() + b).collect()
    }

    /// `W x + b` as the gadget writes it, with the reference values.
    fn dense(cs: &Cs, x: &[Signal], (rows, cols): (usize, usize), w: &[i64], b: &[i64]) -> Vec<Signal> {
        linear(cs, x, (rows, cols), (w, b), Some(&reference(x, cols, w, b))).unwrap()
    }

    #[test]
    fn dense_map_is_free_on_single_variables_and_exact() {
        let cs = prover_cs();
        let x: Vec<Signal> = [3i128, -2, 5].iter().map(|&v| signal(&cs, v)).collect();
        let before = cs.num_constraints();
        let y = dense(&cs, &x, (2, 3), &[1, 2, 3, -1, 0, 4], &[10, -10]);
        assert_eq!(cs.num_constraints(), before);
        assert_eq!(y[0].value, Some(3 - 4 + 15 + 10));
        assert_eq!(y[1].value, Some(-3 + 20 - 10));
        for s in &y {
            assert_eq!(evaluate(&cs, &s.lc), fr(s.value.unwrap()), "the combination is the value");
        }
        // values of another length are refused
        assert!(linear(&cs, &x, (2, 3), (&[1, 2, 3, -1, 0, 4], &[10, -10]), Some(&[1])).is_err());
    }

    #[test]
    fn soundness_a_wrong_evaluator_value_is_caught_by_its_consumer() {
        // The gadget carries the evaluator's value; a consumer that allocates witnesses from it
        // (a rescale) must then disagree with the combination's true value.
        let cs = prover_cs();
        let x: Vec<Signal> = [3i128, -2, 5].iter().map(|&v| signal(&cs, v)).collect();
        let mut y = reference(&x, 3, &[1, 2, 3], &[1]);
        y[0] += 1;
        let out = linear(&cs, &x, (1, 3), (&[1, 2, 3], &[1]), Some(&y)).unwrap();
        crate::r1cs::rescale::rescale(&cs, &out[0], 2, 8, out[0].value.map(|v| v >> 2)).unwrap();
        assert!(!satisfied(&cs));
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
        let y = conv(&cs, &x, &g, (&w, &b), Some(&conv_reference(&g, &x, &w, &b))).unwrap();
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
        let want = super::tests::dense(&cs, &x, (g.out_len(), g.in_len()), &dense, &bias);
        for (a, d) in y.iter().zip(&want) {
            assert_eq!(a.value, d.value);
            assert_eq!(a.lc.0.len(), d.lc.0.len(), "the same taps");
            assert_eq!(evaluate(&cs, &a.lc), fr(d.value.unwrap()));
        }
    }

    #[test]
    fn soundness_conv_outputs_are_bound_to_the_operand() {
        let g = geometry();
        let cs = prover_cs();
        let x: Vec<Signal> = (0..g.in_len() as i128).map(|v| signal(&cs, v % 5 - 2)).collect();
        let w: Vec<i64> = (0..g.weights_len() as i64).map(|v| v % 3 - 1).collect();
        let y = conv(&cs, &x, &g, (&w, &[1, 2, 3, 4]), Some(&conv_reference(&g, &x, &w, &[1, 2, 3, 4]))).unwrap();
        let r = crate::r1cs::rescale::rescale(&cs, &y[7], 0, 16, y[7].value).unwrap();
        assert!(satisfied(&cs));
        // an operand the output reads, changed: the value the rescale proved no longer matches
        let (_, v) = y[7].lc.0.iter().find(|(c, v)| !c.is_zero() && v.is_witness()).copied().unwrap();
        corrupt(&cs, v, Fr::from(1u64));
        assert!(!satisfied(&cs));
        drop(r);
    }

    /// The convolution's values by [`ConvGeometry::apply`], as the evaluator computes them.
    fn conv_reference(g: &ConvGeometry, x: &[Signal], w: &[i64], b: &[i64]) -> Vec<i64> {
        g.apply(&g.taps(), w, &values(x), |i| g.bias_at(b, i), |a, &w, &v| a + w * v)
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
        let y = dense(cs, &x, (5, 4), &w, &[0, 0, 9, 0, -1]);
        let y2 = dense(cs, &y, (2, 5), &[1, -1, 1, 1, 1, 0, 3, 0, 0, 0], &[2, 0]);
        let g = geometry();
        let xs: Vec<Signal> = (0..g.in_len() as i128).map(|v| signal(cs, v % 7 - 3)).collect();
        let ws: Vec<i64> = (0..g.weights_len() as i64).map(|v| v % 5 - 2).collect();
        let c = conv(cs, &xs, &g, (&ws, &[1, 0, -2, 3]), Some(&conv_reference(&g, &xs, &ws, &[1, 0, -2, 3]))).unwrap();
        let c2 = dense(cs, &c[..4], (1, 4), &[1, 1, 1, 1], &[0]);
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
