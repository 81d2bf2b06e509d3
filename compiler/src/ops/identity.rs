//! ONNX `Identity`: passes its input through.
use crate::error::CompileError;
use crate::import::Ctx;
use crate::onnx::OnnxNode;

/// Imports an `Identity` node.
pub fn import(node: &OnnxNode, ctx: &mut Ctx) -> Result<(), CompileError> {
    ctx.check_attributes(node, &[])?;
    let v = ctx.required(node, 0)?.clone();
    ctx.set(node, 0, v)
}
