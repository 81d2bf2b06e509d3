//! ONNX `LeakyRelu`: `x` for `x >= 0`, `alpha x` otherwise (default 0.01), as a table whose kink
//! lies on a knot, so only rounding remains.
use crate::error::CompileError;
use crate::graph::Func;
use crate::import::Ctx;
use crate::onnx::OnnxNode;

/// Imports a `LeakyRelu` node.
pub fn import(node: &OnnxNode, ctx: &mut Ctx) -> Result<(), CompileError> {
    ctx.check_attributes(node, &["alpha"])?;
    let alpha = node.attr_float("alpha", 0.01).map_err(|e| ctx.err(node, e))? as f64;
    super::unary::import(node, ctx, Func::LeakyRelu { alpha })
}
