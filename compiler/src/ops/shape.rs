//! ONNX `Shape` (with `start` and `end` from opset 15): the static shape as an int64 constant. A
//! symbolic batch axis is 1, the batch verinfer proves.
use super::layout::shape_of;
use crate::error::CompileError;
use crate::import::{Ctx, Value};
use crate::onnx::{OnnxNode, OnnxTensor};
use ndarray::{ArrayD, IxDyn};

/// Imports a `Shape` node.
pub fn import(node: &OnnxNode, ctx: &mut Ctx) -> Result<(), CompileError> {
    ctx.check_attributes(node, &["start", "end"])?;
    let shape = shape_of(ctx.required(node, 0)?);
    let rank = shape.len() as i64;
    let clampi = |v: i64| (if v < 0 { v + rank } else { v }).clamp(0, rank) as usize;
    let start = clampi(node.attr_int("start", 0).map_err(|e| ctx.err(node, e))?);
    let end = clampi(node.attr_int("end", rank).map_err(|e| ctx.err(node, e))?);
    let dims: Vec<i64> = shape.get(start..end.max(start)).unwrap_or(&[]).iter().map(|&d| d as i64).collect();
    let t = ArrayD::from_shape_vec(IxDyn(&[dims.len()]), dims).map_err(|e| ctx.err(node, e.to_string()))?;
    ctx.set(node, 0, Value::Const(OnnxTensor::Int(t)))
}
