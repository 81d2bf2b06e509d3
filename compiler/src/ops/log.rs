//! ONNX `Log`: the natural logarithm, as a piecewise-linear table over the operand's range (see
//! `crate::table`; its error is largest near 0, where the logarithm is steepest, and report.json
//! gives it). A calibration sample at or below 0 is refused: the float model is infinite there.
use crate::error::CompileError;
use crate::graph::Func;
use crate::import::Ctx;
use crate::onnx::OnnxNode;

/// Imports a `Log` node.
pub fn import(node: &OnnxNode, ctx: &mut Ctx) -> Result<(), CompileError> {
    ctx.check_attributes(node, &[])?;
    super::unary::import(node, ctx, Func::Log)
}
