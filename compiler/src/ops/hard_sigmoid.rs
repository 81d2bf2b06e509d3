//! ONNX `HardSigmoid`: `max(0, min(1, alpha x + beta))` (defaults 0.2, 0.5), as a table.
use crate::error::CompileError;
use crate::graph::Func;
use crate::import::Ctx;
use crate::onnx::OnnxNode;

/// Imports a `HardSigmoid` node.
pub fn import(node: &OnnxNode, ctx: &mut Ctx) -> Result<(), CompileError> {
    ctx.check_attributes(node, &["alpha", "beta"])?;
    let alpha = node.attr_float("alpha", 0.2).map_err(|e| ctx.err(node, e))? as f64;
    let beta = node.attr_float("beta", 0.5).map_err(|e| ctx.err(node, e))? as f64;
    super::unary::import(node, ctx, Func::HardSigmoid { alpha, beta })
}
