//! Shared by Add, Sub, Mul and Div: binary element-wise operations with numpy broadcasting.
//! Constant-constant operations are folded; with one constant operand they are an affine layer
//! (free in the circuit); with two input-dependent operands a sum (free), a product (one
//! constraint per element) or a rounded division (divisor must be positive).
use super::layout::{broadcast_dyn, broadcast_shape};
use crate::error::CompileError;
use crate::graph::LayerKind;
use crate::import::{Ctx, Value};
use crate::onnx::{OnnxNode, OnnxTensor};
use ndarray::{ArrayD, IxDyn};

/// The operation.
#[derive(Clone, Copy)]
pub enum Binary {
    /// a + b
    Add,
    /// a - b
    Sub,
    /// a * b
    Mul,
    /// a / b
    Div,
}

impl Binary {
    fn apply(self, a: f64, b: f64) -> f64 {
        match self {
            Binary::Add => a + b,
            Binary::Sub => a - b,
            Binary::Mul => a * b,
            Binary::Div => a / b,
        }
    }
}

/// Imports `node` as `op(input0, input1)`.
pub fn import(node: &OnnxNode, ctx: &mut Ctx, op: Binary) -> Result<(), CompileError> {
    ctx.check_attributes(node, &[])?;
    let a = ctx.required(node, 0)?.clone();
    let b = ctx.required(node, 1)?.clone();
    let float = |v: &OnnxTensor| match v {
        OnnxTensor::Float(a) => a.clone(),
        OnnxTensor::Int(a) => a.mapv(|x| x as f64),
    };
    match (&a, &b) {
        (Value::Const(x), Value::Const(y)) => {
            let (x, y) = (float(x), float(y));
            let shape = broadcast_shape(x.shape(), y.shape())
                .ok_or_else(|| ctx.err(node, format!("shapes {:?} and {:?} do not broadcast", x.shape(), y.shape())))?;
            let xb = x.broadcast(IxDyn(&shape)).ok_or_else(|| ctx.err(node, "broadcast failed"))?;
            let yb = y.broadcast(IxDyn(&shape)).ok_or_else(|| ctx.err(node, "broadcast failed"))?;
            let mut out = ArrayD::zeros(IxDyn(&shape));
            ndarray::Zip::from(&mut out).and(&xb).and(&yb).for_each(|o, &p, &q| *o = op.apply(p, q));
            ctx.set(node, 0, Value::Const(OnnxTensor::Float(out)))
        }
        (Value::Dyn(d), Value::Const(c)) | (Value::Const(c), Value::Dyn(d)) => {
            let dyn_first = matches!(a, Value::Dyn(_));
            let c = float(c);
            let shape = broadcast_shape(&d.shape, c.shape())
                .ok_or_else(|| ctx.err(node, format!("shapes {:?} and {:?} do not broadcast", d.shape, c.shape())))?;
            let d = broadcast_dyn(ctx, node, d, &shape, "broadcast")?;
            let cb: Vec<f64> =
                c.broadcast(IxDyn(&shape)).ok_or_else(|| ctx.err(node, "broadcast failed"))?.iter().copied().collect();
            let n = cb.len();
            let (mul, add) = match (op, dyn_first) {
                (Binary::Add, _) => (vec![1.0; n], cb),
                (Binary::Sub, true) => (vec![1.0; n], cb.iter().map(|v| -v).collect()),
                (Binary::Sub, false) => (vec![-1.0; n], cb),
                (Binary::Mul, _) => (cb, vec![0.0; n]),
                (Binary::Div, true) => {
                    if let Some(z) = cb.iter().find(|v| **v == 0.0 || !v.is_finite()) {
                        return Err(ctx.err(node, format!("division by the constant {z}")));
                    }
                    (cb.iter().map(|v| 1.0 / v).collect(), vec![0.0; n])
                }
                (Binary::Div, false) => {
                    return Err(ctx.err(
                        node,
                        "a constant divided by an input-dependent tensor is not supported (only tensor / tensor with both input-dependent, or tensor / constant)",
                    ))
                }
            };
            ctx.push_layer(node, &d, LayerKind::Affine { mul, add }, shape)
        }
        (Value::Dyn(x), Value::Dyn(y)) => {
            let shape = broadcast_shape(&x.shape, &y.shape)
                .ok_or_else(|| ctx.err(node, format!("shapes {:?} and {:?} do not broadcast", x.shape, y.shape)))?;
            let x = broadcast_dyn(ctx, node, x, &shape, "a_broadcast")?;
            let y = broadcast_dyn(ctx, node, y, &shape, "b_broadcast")?;
            let kind = match op {
                Binary::Add => LayerKind::Sum { coeffs: vec![1.0, 1.0] },
                Binary::Sub => LayerKind::Sum { coeffs: vec![1.0, -1.0] },
                Binary::Mul => LayerKind::Mul,
                Binary::Div => LayerKind::Div,
            };
            ctx.push_layer_multi(node, &[&x, &y], kind, shape)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::layout::broadcast_shape;

    #[test]
    fn numpy_broadcasting() {
        assert_eq!(broadcast_shape(&[1, 10], &[10]), Some(vec![1, 10]));
        assert_eq!(broadcast_shape(&[2, 1], &[1, 3]), Some(vec![2, 3]));
        assert_eq!(broadcast_shape(&[2, 3], &[4]), None);
        assert_eq!(broadcast_shape(&[], &[3]), Some(vec![3]));
    }
}
