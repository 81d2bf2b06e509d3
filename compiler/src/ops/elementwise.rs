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
    let y = apply(ctx, node, op, &a, &b, "")?;
    ctx.set(node, 0, y)
}

fn float(v: &OnnxTensor) -> ArrayD<f64> {
    match v {
        OnnxTensor::Float(a) => a.clone(),
        OnnxTensor::Int(a) => a.mapv(|x| x as f64),
    }
}

/// Integer arithmetic of two integer constants (shape computations): exact, division truncating
/// toward zero as in ONNX.
fn fold_int(ctx: &Ctx, node: &OnnxNode, op: Binary, x: &ArrayD<i64>, y: &ArrayD<i64>) -> Result<Value, CompileError> {
    let shape = broadcast_shape(x.shape(), y.shape())
        .ok_or_else(|| ctx.err(node, format!("shapes {:?} and {:?} do not broadcast", x.shape(), y.shape())))?;
    ctx.check_size(node, &shape)?;
    let xb = x.broadcast(IxDyn(&shape)).ok_or_else(|| ctx.err(node, "broadcast failed"))?;
    let yb = y.broadcast(IxDyn(&shape)).ok_or_else(|| ctx.err(node, "broadcast failed"))?;
    let mut out = ArrayD::zeros(IxDyn(&shape));
    let mut bad = None;
    ndarray::Zip::from(&mut out).and(&xb).and(&yb).for_each(|o, &p: &i64, &q: &i64| {
        let v = match op {
            Binary::Add => p.checked_add(q),
            Binary::Sub => p.checked_sub(q),
            Binary::Mul => p.checked_mul(q),
            Binary::Div => p.checked_div(q),
        };
        match v {
            Some(v) => *o = v,
            None => bad = Some((p, q)),
        }
    });
    if let Some((p, q)) = bad {
        return Err(
            ctx.err(node, format!("integer arithmetic on the constants {p} and {q} overflows or divides by zero"))
        );
    }
    Ok(Value::Const(OnnxTensor::Int(out)))
}

/// The suffix of an intermediate layer `s` of a step named `suffix` (the node's own output when empty).
fn inner_suffix(suffix: &str, s: &str) -> String {
    if suffix.is_empty() {
        s.to_string()
    } else {
        format!("{suffix}::{s}")
    }
}

/// `op(a, b)` on two values: folded when both are constant, else a layer named after `node`'s
/// output with `suffix` (the output's own name when `suffix` is empty).
pub fn apply(
    ctx: &mut Ctx,
    node: &OnnxNode,
    op: Binary,
    a: &Value,
    b: &Value,
    suffix: &str,
) -> Result<Value, CompileError> {
    let sub = |s: &str| inner_suffix(suffix, s);
    match (a, b) {
        (Value::Const(OnnxTensor::Int(x)), Value::Const(OnnxTensor::Int(y))) => fold_int(ctx, node, op, x, y),
        (Value::Const(x), Value::Const(y)) => {
            let (x, y) = (float(x), float(y));
            let shape = broadcast_shape(x.shape(), y.shape())
                .ok_or_else(|| ctx.err(node, format!("shapes {:?} and {:?} do not broadcast", x.shape(), y.shape())))?;
            ctx.check_size(node, &shape)?;
            let xb = x.broadcast(IxDyn(&shape)).ok_or_else(|| ctx.err(node, "broadcast failed"))?;
            let yb = y.broadcast(IxDyn(&shape)).ok_or_else(|| ctx.err(node, "broadcast failed"))?;
            let mut out = ArrayD::zeros(IxDyn(&shape));
            ndarray::Zip::from(&mut out).and(&xb).and(&yb).for_each(|o, &p, &q| *o = op.apply(p, q));
            Ok(Value::Const(OnnxTensor::Float(out)))
        }
        (Value::Dyn(d), Value::Const(c)) | (Value::Const(c), Value::Dyn(d)) => {
            let dyn_first = matches!(a, Value::Dyn(_));
            let c = float(c);
            let shape = broadcast_shape(&d.shape, c.shape())
                .ok_or_else(|| ctx.err(node, format!("shapes {:?} and {:?} do not broadcast", d.shape, c.shape())))?;
            ctx.check_size(node, &shape)?;
            let d = broadcast_dyn(ctx, node, d, &shape, &sub("broadcast"))?;
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
            Ok(Value::Dyn(ctx.add_layer(node, &[&d], LayerKind::Affine { mul, add }, shape, suffix)?))
        }
        (Value::Dyn(x), Value::Dyn(y)) => {
            let shape = broadcast_shape(&x.shape, &y.shape)
                .ok_or_else(|| ctx.err(node, format!("shapes {:?} and {:?} do not broadcast", x.shape, y.shape)))?;
            ctx.check_size(node, &shape)?;
            let x = broadcast_dyn(ctx, node, x, &shape, &sub("a_broadcast"))?;
            let y = broadcast_dyn(ctx, node, y, &shape, &sub("b_broadcast"))?;
            let kind = match op {
                Binary::Add => LayerKind::Sum { coeffs: vec![1.0, 1.0] },
                Binary::Sub => LayerKind::Sum { coeffs: vec![1.0, -1.0] },
                Binary::Mul => LayerKind::Mul,
                Binary::Div => LayerKind::Div,
            };
            Ok(Value::Dyn(ctx.add_layer(node, &[&x, &y], kind, shape, suffix)?))
        }
    }
}

/// `kind` (an element-wise, single-operand layer: Relu or Step) of a value; constants are folded.
pub fn unary(ctx: &mut Ctx, node: &OnnxNode, kind: LayerKind, v: &Value, suffix: &str) -> Result<Value, CompileError> {
    match v {
        Value::Dyn(d) => Ok(Value::Dyn(ctx.add_layer(node, &[d], kind.clone(), d.shape.clone(), suffix)?)),
        Value::Const(c) => {
            let c = float(c);
            let flat: Vec<f64> = c.iter().copied().collect();
            let y = crate::graph::eval_layer(&kind, &[&flat]);
            let a = ArrayD::from_shape_vec(IxDyn(c.shape()), y).map_err(|e| ctx.err(node, e.to_string()))?;
            Ok(Value::Const(OnnxTensor::Float(a)))
        }
    }
}

/// `max(a, b) = b + relu(a - b)` (`max == true`) or `min(a, b) = a - relu(a - b)`: one ReLU.
pub fn extremum(
    ctx: &mut Ctx,
    node: &OnnxNode,
    max: bool,
    a: &Value,
    b: &Value,
    suffix: &str,
) -> Result<Value, CompileError> {
    let sub = |s: &str| inner_suffix(suffix, s);
    let d = apply(ctx, node, Binary::Sub, a, b, &sub("diff"))?;
    let r = unary(ctx, node, LayerKind::Relu, &d, &sub("relu"))?;
    if max {
        apply(ctx, node, Binary::Add, b, &r, suffix)
    } else {
        apply(ctx, node, Binary::Sub, a, &r, suffix)
    }
}

/// A variadic element-wise operator.
#[derive(Clone, Copy)]
pub enum Fold {
    /// `Sum`: a + b + ...
    Sum,
    /// `Max`.
    Max,
    /// `Min`.
    Min,
}

/// Imports a variadic `Sum`, `Max` or `Min` (numpy broadcasting) as a chain of pairs.
pub fn variadic(node: &OnnxNode, ctx: &mut Ctx, fold: Fold) -> Result<(), CompileError> {
    ctx.check_attributes(node, &[])?;
    let n = node.inputs.len();
    if n == 0 {
        return Err(ctx.err(node, "needs at least one input"));
    }
    let vals = (0..n).map(|i| ctx.required(node, i).cloned()).collect::<Result<Vec<_>, _>>()?;
    let mut acc = vals[0].clone();
    for (i, v) in vals.iter().enumerate().skip(1) {
        let suffix = if i + 1 == n { String::new() } else { format!("fold{i}") };
        acc = match fold {
            Fold::Sum => apply(ctx, node, Binary::Add, &acc, v, &suffix)?,
            Fold::Max => extremum(ctx, node, true, &acc, v, &suffix)?,
            Fold::Min => extremum(ctx, node, false, &acc, v, &suffix)?,
        };
    }
    ctx.set(node, 0, acc)
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
