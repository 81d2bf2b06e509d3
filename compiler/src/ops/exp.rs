//! ONNX `Exp`: a piecewise-linear table (see `crate::table` for its error).
use crate::error::CompileError;
use crate::graph::Func;
use crate::import::Ctx;
use crate::onnx::OnnxNode;

/// Imports a `Exp` node.
pub fn import(node: &OnnxNode, ctx: &mut Ctx) -> Result<(), CompileError> {
    ctx.check_attributes(node, &[])?;
    super::unary::import(node, ctx, Func::Exp)
}
