//! ONNX `Size`: the static element count as an int64 scalar constant.
use super::layout::shape_of;
use crate::error::CompileError;
use crate::import::{Ctx, Value};
use crate::onnx::{OnnxNode, OnnxTensor};
use ndarray::{ArrayD, IxDyn};

/// Imports a `Size` node.
pub fn import(node: &OnnxNode, ctx: &mut Ctx) -> Result<(), CompileError> {
    ctx.check_attributes(node, &[])?;
    let n: usize = shape_of(ctx.required(node, 0)?).iter().product();
    ctx.set(node, 0, Value::Const(OnnxTensor::Int(ArrayD::from_elem(IxDyn(&[]), n as i64))))
}
