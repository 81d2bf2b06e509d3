//! The integer semantics of the IR: the witness generator and the reference every backend enforces.
use crate::error::EvalError;
use crate::graph::CircuitIr;
use crate::op::EvalCx;

pub use crate::op::argmax::argmax;
pub use crate::op::rescale::rescale_half_up;

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
        let out = node.op.eval(&EvalCx::new(ir, node, &values), input)?;
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
