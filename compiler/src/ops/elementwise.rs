//! Shared by Add, Sub and Mul: a binary element-wise operation where one operand is constant.
//! Constant-constant operations are folded; the constant is broadcast (numpy rules) to the dynamic
//! operand's shape, which must not grow.
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
}

impl Binary {
    fn apply(self, a: f64, b: f64) -> f64 {
        match self {
            Binary::Add => a + b,
            Binary::Sub => a - b,
            Binary::Mul => a * b,
        }
    }
}

fn broadcast_shape(a: &[usize], b: &[usize]) -> Option<Vec<usize>> {
    let n = a.len().max(b.len());
    (0..n)
        .map(|i| {
            let da = if i + a.len() >= n { a[i + a.len() - n] } else { 1 };
            let db = if i + b.len() >= n { b[i + b.len() - n] } else { 1 };
            match (da, db) {
                (x, y) if x == y => Some(x),
                (1, y) => Some(y),
                (x, 1) => Some(x),
                _ => None,
            }
        })
        .collect()
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
            let shape = broadcast_shape(x.shape(), y.shape()).ok_or_else(|| ctx.err(node, format!("shapes {:?} and {:?} do not broadcast", x.shape(), y.shape())))?;
            let xb = x.broadcast(IxDyn(&shape)).ok_or_else(|| ctx.err(node, "broadcast failed"))?;
            let yb = y.broadcast(IxDyn(&shape)).ok_or_else(|| ctx.err(node, "broadcast failed"))?;
            let mut out = ArrayD::zeros(IxDyn(&shape));
            ndarray::Zip::from(&mut out).and(&xb).and(&yb).for_each(|o, &p, &q| *o = op.apply(p, q));
            ctx.set(node, 0, Value::Const(OnnxTensor::Float(out)))
        }
        (Value::Dyn(d), Value::Const(c)) | (Value::Const(c), Value::Dyn(d)) => {
            let dyn_first = matches!(a, Value::Dyn(_));
            let c = float(c);
            let shape = broadcast_shape(&d.shape, c.shape()).ok_or_else(|| ctx.err(node, format!("shapes {:?} and {:?} do not broadcast", d.shape, c.shape())))?;
            if shape != d.shape {
                return Err(ctx.err(node, format!(
                    "the constant operand (shape {:?}) would enlarge the input-dependent operand (shape {:?}); only broadcasts into the input-dependent shape are supported",
                    c.shape(), d.shape
                )));
            }
            let cb: Vec<f64> = c.broadcast(IxDyn(&shape)).ok_or_else(|| ctx.err(node, "broadcast failed"))?.iter().copied().collect();
            let n = cb.len();
            let (mul, add) = match (op, dyn_first) {
                (Binary::Add, _) => (vec![1.0; n], cb),
                (Binary::Sub, true) => (vec![1.0; n], cb.iter().map(|v| -v).collect()),
                (Binary::Sub, false) => (vec![-1.0; n], cb),
                (Binary::Mul, _) => (cb, vec![0.0; n]),
            };
            ctx.push_layer(node, d, LayerKind::Affine { mul, add }, shape)
        }
        (Value::Dyn(_), Value::Dyn(_)) => Err(ctx.err(
            node,
            "both operands depend on the input; this version supports element-wise operations with one constant operand",
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::broadcast_shape;

    #[test]
    fn numpy_broadcasting() {
        assert_eq!(broadcast_shape(&[1, 10], &[10]), Some(vec![1, 10]));
        assert_eq!(broadcast_shape(&[2, 1], &[1, 3]), Some(vec![2, 3]));
        assert_eq!(broadcast_shape(&[2, 3], &[4]), None);
        assert_eq!(broadcast_shape(&[], &[3]), Some(vec![3]));
    }
}
