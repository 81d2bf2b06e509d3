//! ONNX `Neg`: `-x`, an affine layer (free in the circuit); constants are folded (integers stay
//! integers).
use super::elementwise::{apply, Binary};
use crate::error::CompileError;
use crate::import::{Ctx, Value};
use crate::onnx::{OnnxNode, OnnxTensor};
use ndarray::{ArrayD, IxDyn};

/// Imports a `Neg` node.
pub fn import(node: &OnnxNode, ctx: &mut Ctx) -> Result<(), CompileError> {
    ctx.check_attributes(node, &[])?;
    let x = ctx.required(node, 0)?.clone();
    let minus_one = match &x {
        Value::Const(OnnxTensor::Int(_)) => OnnxTensor::Int(ArrayD::from_elem(IxDyn(&[]), -1)),
        _ => OnnxTensor::Float(ArrayD::from_elem(IxDyn(&[]), -1.0)),
    };
    let y = apply(ctx, node, Binary::Mul, &x, &Value::Const(minus_one), "")?;
    ctx.set(node, 0, y)
}
