//! ONNX `QLinearMatMul`: a matrix product of two quantized tensors, requantized. Lowered as
//! dequantize (an affine layer, or folded for a constant operand), `MatMul` (see `matmul`) and
//! quantize (affine, rounding to the grid, clamp; see `qdq`). `a` may be quantized per row and `b`
//! per column.
use super::qdq::{dequantize, dequantize_const, inner_name, params, quantize};
use crate::error::CompileError;
use crate::import::{Ctx, Value};
use crate::onnx::{OnnxNode, OnnxTensor};

/// Dequantizes operand `i` (scale `i + 1`, zero point `i + 2`) into a value bound to `name`.
pub fn operand(
    node: &OnnxNode,
    ctx: &mut Ctx,
    i: usize,
    axis: Option<i64>,
    name: &str,
) -> Result<String, CompileError> {
    let bound = inner_name(node, name);
    let v = match ctx.required(node, i)?.clone() {
        Value::Dyn(x) => {
            let p = params(node, ctx, i + 1, i + 2, &x.shape, axis, "uint8")?;
            Value::Dyn(dequantize(ctx, node, &x, &p, name)?)
        }
        Value::Const(_) => {
            let q = ctx.const_int(node, i, name)?;
            let p = params(node, ctx, i + 1, i + 2, q.shape(), axis, "uint8")?;
            Value::Const(OnnxTensor::Float(dequantize_const(&q, &p)))
        }
    };
    ctx.bind(bound.clone(), v);
    Ok(bound)
}

/// Quantizes the inner result `inner` with the scale and zero point at inputs `si`, `zi` and binds
/// it to `node`'s output.
pub fn requantize(node: &OnnxNode, ctx: &mut Ctx, inner: &str, si: usize, zi: usize) -> Result<(), CompileError> {
    let Value::Dyn(y) = ctx.value(node, inner)?.clone() else {
        return Err(ctx.err(node, "the product of two constants should be folded before export"));
    };
    let p = params(node, ctx, si, zi, &y.shape, None, "uint8")?;
    let q = quantize(ctx, node, &y, &p, "")?;
    ctx.set(node, 0, Value::Dyn(q))
}

/// Imports a `QLinearMatMul` node.
pub fn import(node: &OnnxNode, ctx: &mut Ctx) -> Result<(), CompileError> {
    ctx.check_attributes(node, &[])?;
    let a = operand(node, ctx, 0, Some(-2), "a")?;
    let b = operand(node, ctx, 3, Some(-1), "b")?;
    let out = inner_name(node, "matmul");
    let inner = OnnxNode {
        name: node.name.clone(),
        op_type: "MatMul".into(),
        domain: String::new(),
        inputs: vec![a, b],
        outputs: vec![out.clone()],
        attributes: Vec::new(),
    };
    super::matmul::import(&inner, ctx)?;
    requantize(node, ctx, &out, 6, 7)
}
