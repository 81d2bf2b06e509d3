//! ONNX `HardSwish`: `x max(0, min(1, x / 6 + 1 / 2))` (MobileNetV3), as a table.
use crate::error::CompileError;
use crate::graph::Func;
use crate::import::Ctx;
use crate::onnx::OnnxNode;

/// Imports a `HardSwish` node.
pub fn import(node: &OnnxNode, ctx: &mut Ctx) -> Result<(), CompileError> {
    ctx.check_attributes(node, &[])?;
    super::unary::import(node, ctx, Func::HardSwish)
}
