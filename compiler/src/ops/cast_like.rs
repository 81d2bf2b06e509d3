//! ONNX `CastLike`: `Cast` to the element type of the second input. Input-dependent tensors are
//! float, so a constant cast like one becomes float; a cast like an integer constant truncates.
use super::cast;
use crate::error::CompileError;
use crate::import::{Ctx, Value};
use crate::onnx::{OnnxNode, OnnxTensor};

/// Imports a `CastLike` node.
pub fn import(node: &OnnxNode, ctx: &mut Ctx) -> Result<(), CompileError> {
    ctx.check_attributes(node, &["saturate", "round_mode"])?;
    let to_float = !matches!(ctx.required(node, 1)?, Value::Const(OnnxTensor::Int(_)));
    let v = ctx.required(node, 0)?.clone();
    let y = cast::convert(ctx, node, v, to_float, if to_float { "float" } else { "int64" })?;
    ctx.set(node, 0, y)
}
