//! The integer semantics of the IR: the witness generator and the reference every backend enforces.
use crate::error::EvalError;
use crate::graph::{CircuitIr, Node, Op};
use rayon::prelude::*;

/// Every tensor's value for one input, indexed like [`CircuitIr::nodes`].
#[derive(Clone, Debug, PartialEq)]
pub struct Evaluation {
    /// One flat vector per node.
    pub values: Vec<Vec<i64>>,
}

impl Evaluation {
    /// The output tensor.
    pub fn output<'a>(&'a self, ir: &CircuitIr) -> &'a [i64] {
        &self.values[ir.output.index()]
    }
}

/// `floor((x + 2^(shift-1)) / 2^shift)`: division by a power of two, rounding halves up.
pub fn rescale_half_up(x: i64, shift: u8) -> i64 {
    match shift {
        0 => x,
        // |x| < 2^63 <= 2^(shift-1): x + 2^(shift-1) lies in [0, 2^shift), so the quotient is 0.
        64.. => 0,
        _ => ((x as i128 + (1i128 << (shift - 1))) >> shift) as i64, // arithmetic shift = floor division
    }
}

/// Index of the first maximum (numpy's `argmax` convention). `None` for an empty slice.
pub fn argmax(v: &[i64]) -> Option<usize> {
    let mut best: Option<(usize, i64)> = None;
    for (i, &x) in v.iter().enumerate() {
        if best.is_none_or(|(_, b)| x > b) {
            best = Some((i, x));
        }
    }
    best.map(|(i, _)| i)
}

/// Quantizes a real input at the input node's scale (round half up) and checks its range.
pub fn quantize_input(ir: &CircuitIr, x: &[f64]) -> Result<Vec<i64>, EvalError> {
    let node = &ir.nodes[0];
    if x.len() != ir.input_len() {
        return Err(EvalError::InputLength { got: x.len(), expected: ir.input_len(), shape: ir.input.shape.clone() });
    }
    let f = node.scale.factor();
    x.iter()
        .enumerate()
        .map(|(index, &v)| {
            if !v.is_finite() {
                return Err(EvalError::NonFiniteInput { index, value: v });
            }
            // Compared as floats, before any cast: values far outside i64 keep their real value in the error.
            let q = (v * f + 0.5).floor();
            let (lo, hi) = (node.bits.min(), node.bits.max());
            if q < lo as f64 || q > hi as f64 {
                return Err(EvalError::InputOutOfRange {
                    index,
                    value: v,
                    min: (lo as f64 - 0.5) / f,
                    max: (hi as f64 + 0.5) / f,
                    bits: node.bits.0,
                    scale: node.scale.0,
                });
            }
            Ok(q as i64)
        })
        .collect()
}

fn check(node: &Node, index: usize, v: i128) -> Result<i64, EvalError> {
    let (min, max) = (node.bits.min(), node.bits.max());
    if v < min || v > max {
        return Err(EvalError::OutOfRange { tensor: node.name.clone(), index, value: v, bits: node.bits.0, min, max });
    }
    Ok(v as i64)
}

/// Evaluates the model on a quantized input. Fails if any range-checked tensor leaves its range,
/// which is exactly when no valid proof exists.
pub fn evaluate(ir: &CircuitIr, input: &[i64]) -> Result<Evaluation, EvalError> {
    if input.len() != ir.input_len() {
        return Err(EvalError::InputLength {
            got: input.len(),
            expected: ir.input_len(),
            shape: ir.input.shape.clone(),
        });
    }
    let mut values: Vec<Vec<i64>> = Vec::with_capacity(ir.nodes.len());
    for node in &ir.nodes {
        let out = eval_node(ir, node, &values, input)?;
        if out.len() != node.len() {
            return Err(EvalError::Malformed(format!(
                "node '{}' produced {} values for shape {:?}",
                node.name,
                out.len(),
                node.shape
            )));
        }
        values.push(out);
    }
    Ok(Evaluation { values })
}

/// `bias + sum a_i b_i` in `i128`, `None` on overflow (each product fits; only the sum can wrap).
fn dot<'a>(mut pairs: impl Iterator<Item = (&'a i64, &'a i64)>, bias: i64) -> Option<i128> {
    pairs.try_fold(bias as i128, |acc, (&a, &b)| acc.checked_add(a as i128 * b as i128))
}

fn overflow(node: &Node) -> EvalError {
    malformed(node, "overflows a 128-bit accumulator (its declared bounds are wrong)")
}

fn malformed(node: &Node, what: &str) -> EvalError {
    EvalError::Malformed(format!("{} node '{}' {what}", node.op.kind(), node.name))
}

/// One node's output given every earlier node's value.
fn eval_node(ir: &CircuitIr, node: &Node, values: &[Vec<i64>], input: &[i64]) -> Result<Vec<i64>, EvalError> {
    let get = |id: crate::graph::TensorId| -> Result<&[i64], EvalError> {
        values.get(id.index()).map(Vec::as_slice).ok_or_else(|| malformed(node, "reads a later tensor"))
    };
    let same = |a: &[i64], b: &[i64]| -> Result<(), EvalError> {
        if a.len() == b.len() {
            Ok(())
        } else {
            Err(malformed(node, "has operands of different lengths"))
        }
    };
    Ok(match &node.op {
        Op::Input => input.iter().enumerate().map(|(i, &v)| check(node, i, v as i128)).collect::<Result<_, _>>()?,
        Op::Linear { input, rows, cols, weights, bias } => {
            let src = get(*input)?;
            if src.len() != *cols || rows.checked_mul(*cols) != Some(weights.len()) || bias.len() != *rows {
                return Err(malformed(node, "has inconsistent sizes"));
            }
            // Rows are independent: evaluate them on every core (rayon) for large layers.
            let rows_iter = (0..*rows).into_par_iter().with_min_len((1 << 14) / cols.max(&1) + 1);
            rows_iter
                .map(|r| {
                    let row = &weights[r * cols..(r + 1) * cols];
                    let acc = dot(row.iter().zip(src), bias[r]).ok_or_else(|| overflow(node))?;
                    check(node, r, acc)
                })
                .collect::<Result<_, _>>()?
        }
        Op::Conv { input, geometry: g, weights, bias } => {
            let src = get(*input)?;
            g.validate().map_err(|e| malformed(node, &e))?;
            if src.len() != g.in_len() || weights.len() != g.weights_len() || !g.bias_fits(bias.len()) {
                return Err(malformed(node, "has inconsistent sizes"));
            }
            let acc = g.apply(
                &g.taps(),
                weights,
                src,
                |i| Some(g.bias_at(bias, i) as i128),
                |acc, &w, &x| acc?.checked_add(w as i128 * x as i128),
            );
            acc.into_iter()
                .enumerate()
                .map(|(i, v)| check(node, i, v.ok_or_else(|| overflow(node))?))
                .collect::<Result<_, _>>()?
        }
        Op::Affine { input, mul, add } => {
            let src = get(*input)?;
            if mul.len() != src.len() || add.len() != src.len() {
                return Err(malformed(node, "has inconsistent sizes"));
            }
            src.iter()
                .zip(mul.iter().zip(add))
                .enumerate()
                .map(|(i, (&x, (&m, &a)))| check(node, i, x as i128 * m as i128 + a as i128))
                .collect::<Result<_, _>>()?
        }
        Op::Rescale { input, shift } => get(*input)?
            .iter()
            .enumerate()
            .map(|(i, &x)| check(node, i, rescale_half_up(x, *shift) as i128))
            .collect::<Result<_, _>>()?,
        Op::Relu { input } => get(*input)?.iter().map(|&x| x.max(0)).collect(),
        Op::Clamp { input, lo, hi } => get(*input)?.iter().map(|&x| x.clamp(*lo, (*hi).max(*lo))).collect(),
        Op::Step { input } => get(*input)?.iter().map(|&x| i64::from(x >= 0)).collect(),
        Op::ArgMax { input, size, windows } => {
            let src = get(*input)?;
            if *size == 0 || windows.len() % size != 0 || windows.iter().any(|&j| j as usize >= src.len()) {
                return Err(malformed(node, "has inconsistent windows"));
            }
            windows
                .chunks(*size)
                .map(|w| {
                    // the first position holding the largest value
                    let mut best = 0;
                    for (t, &j) in w.iter().enumerate() {
                        if src[j as usize] > src[w[best] as usize] {
                            best = t;
                        }
                    }
                    best as i64
                })
                .collect()
        }
        Op::MaxPool { input, size, windows } | Op::SumPool { input, size, windows } => {
            let src = get(*input)?;
            if *size == 0 || windows.len() % size != 0 || windows.iter().any(|&j| j as usize >= src.len()) {
                return Err(malformed(node, "has inconsistent windows"));
            }
            let is_max = matches!(node.op, Op::MaxPool { .. });
            windows
                .chunks(*size)
                .enumerate()
                .map(|(i, w)| {
                    let vals = w.iter().map(|&j| src[j as usize] as i128);
                    let v = if is_max { vals.max().unwrap_or(0) } else { vals.sum() }; // < 2^63 * 2^31
                    check(node, i, v)
                })
                .collect::<Result<_, _>>()?
        }
        Op::Sum { terms } => {
            let mut acc = vec![0i128; node.len()];
            for (t, c) in terms {
                let src = get(*t)?;
                if src.len() != acc.len() {
                    return Err(malformed(node, "has terms of different lengths"));
                }
                for (a, &x) in acc.iter_mut().zip(src) {
                    *a = a.checked_add(x as i128 * *c as i128).ok_or_else(|| overflow(node))?;
                }
            }
            acc.into_iter().enumerate().map(|(i, v)| check(node, i, v)).collect::<Result<_, _>>()?
        }
        Op::Mul { a, b } => {
            let (a, b) = (get(*a)?, get(*b)?);
            same(a, b)?;
            a.iter()
                .zip(b)
                .enumerate()
                .map(|(i, (&x, &y))| check(node, i, x as i128 * y as i128))
                .collect::<Result<_, _>>()?
        }
        Op::Gather { sources, map, constants } => {
            let srcs: Vec<&[i64]> = sources.iter().map(|&id| get(id)).collect::<Result<_, _>>()?;
            map.iter()
                .map(|&(s, j)| {
                    if s == u32::MAX {
                        return constants
                            .get(j as usize)
                            .copied()
                            .ok_or_else(|| malformed(node, "reads a missing constant"));
                    }
                    srcs.get(s as usize)
                        .and_then(|v| v.get(j as usize))
                        .copied()
                        .ok_or_else(|| malformed(node, "reads past an operand"))
                })
                .collect::<Result<_, _>>()?
        }
        Op::MatMul { a, b, batch, m, k, n } => {
            let (av, bv) = (get(*a)?, get(*b)?);
            let size = |x: usize, y: usize| batch.checked_mul(x).and_then(|v| v.checked_mul(y));
            if size(*m, *k) != Some(av.len()) || size(*k, *n) != Some(bv.len()) {
                return Err(malformed(node, "has operands that do not fit its dimensions"));
            }
            let mut out = Vec::with_capacity(node.checked_len().unwrap_or(0));
            for t in 0..*batch {
                for i in 0..*m {
                    for j in 0..*n {
                        let pairs = (0..*k).map(|l| (&av[(t * m + i) * k + l], &bv[(t * k + l) * n + j]));
                        let acc = dot(pairs, 0).ok_or_else(|| overflow(node))?;
                        out.push(check(node, out.len(), acc)?);
                    }
                }
            }
            out
        }
        Op::Table { input, lo_bits, values: table } => {
            let src = get(*input)?;
            let width = ir.node(*input).bits.0;
            src.iter()
                .enumerate()
                .map(|(i, &x)| {
                    let y = crate::func::table_eval(x, width, *lo_bits, table)
                        .ok_or_else(|| malformed(node, "has a table that does not cover its operand"))?;
                    check(node, i, y as i128)
                })
                .collect::<Result<_, _>>()?
        }
        Op::Div { num, den, shift } => {
            let (nv, dv) = (get(*num)?, get(*den)?);
            same(nv, dv)?;
            nv.iter()
                .zip(dv)
                .enumerate()
                .map(|(i, (&x, &d))| {
                    let q = crate::func::div_round(x, d, *shift).ok_or_else(|| EvalError::NotPositive {
                        tensor: node.name.clone(),
                        index: i,
                        value: d,
                        what: "divisor",
                    })?;
                    check(node, i, q)
                })
                .collect::<Result<_, _>>()?
        }
        Op::Sqrt { input, exp } => get(*input)?
            .iter()
            .enumerate()
            .map(|(i, &x)| {
                let y = crate::func::sqrt(x, *exp).ok_or_else(|| EvalError::NotPositive {
                    tensor: node.name.clone(),
                    index: i,
                    value: x,
                    what: "operand of the square root",
                })?;
                check(node, i, y)
            })
            .collect::<Result<_, _>>()?,
        Op::Rsqrt { input, exp } => get(*input)?
            .iter()
            .enumerate()
            .map(|(i, &x)| {
                let y = crate::func::rsqrt(x, *exp).ok_or_else(|| EvalError::NotPositive {
                    tensor: node.name.clone(),
                    index: i,
                    value: x,
                    what: "operand of the reciprocal square root",
                })?;
                check(node, i, y)
            })
            .collect::<Result<_, _>>()?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn rescale_rounds_half_up() {
        assert_eq!(rescale_half_up(5, 1), 3); // 2.5 -> 3
        assert_eq!(rescale_half_up(-5, 1), -2); // -2.5 -> -2
        assert_eq!(rescale_half_up(-6, 2), -1); // -1.5 -> -1
        assert_eq!(rescale_half_up(7, 0), 7);
    }

    #[test]
    fn argmax_takes_first_maximum() {
        assert_eq!(argmax(&[1, 3, 3, 2]), Some(1));
        assert_eq!(argmax(&[-5]), Some(0));
        assert_eq!(argmax(&[]), None);
    }

    proptest! {
        #[test]
        fn rescale_matches_rounded_division(x in -(1i64 << 40)..(1i64 << 40), k in 0u8..20) {
            let exact = x as f64 / (1u64 << k) as f64;
            prop_assert_eq!(rescale_half_up(x, k), (exact + 0.5).floor() as i64);
        }
    }
}
