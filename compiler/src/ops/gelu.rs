//! ONNX `Gelu` (opset 20; `approximate` = "none" or "tanh"): a piecewise-linear table of the whole
//! function `x Phi(x)`, so no product is needed.
use crate::error::CompileError;
use crate::graph::Func;
use crate::import::Ctx;
use crate::onnx::OnnxNode;

/// Imports a `Gelu` node.
pub fn import(node: &OnnxNode, ctx: &mut Ctx) -> Result<(), CompileError> {
    ctx.check_attributes(node, &["approximate"])?;
    let f = match node.attr_string("approximate", "none").map_err(|e| ctx.err(node, e))?.as_str() {
        "none" => Func::Gelu,
        "tanh" => Func::GeluTanh,
        other => return Err(ctx.err(node, format!("approximate '{other}' is not supported (none, tanh)"))),
    };
    super::unary::import(node, ctx, f)
}
