//! ONNX `Clip`: `min(max(x, lo), hi)` with bounds as attributes (before opset 11) or optional
//! constant inputs, as a table.
use crate::error::CompileError;
use crate::graph::Func;
use crate::import::Ctx;
use crate::onnx::OnnxNode;

/// Imports a `Clip` node.
pub fn import(node: &OnnxNode, ctx: &mut Ctx) -> Result<(), CompileError> {
    let (lo, hi) = if ctx.opset < 11 {
        ctx.check_attributes(node, &["min", "max"])?;
        (
            node.attr_float("min", f32::MIN).map_err(|e| ctx.err(node, e))? as f64,
            node.attr_float("max", f32::MAX).map_err(|e| ctx.err(node, e))? as f64,
        )
    } else {
        ctx.check_attributes(node, &[])?;
        let bound = |i: usize, what: &str, default: f64| -> Result<f64, CompileError> {
            Ok(match ctx.input(node, i)? {
                None => default,
                Some(_) => ctx.const_float(node, i, what)?.iter().next().copied().unwrap_or(default),
            })
        };
        (bound(1, "min", f64::NEG_INFINITY)?, bound(2, "max", f64::INFINITY)?)
    };
    super::unary::import(node, ctx, Func::Clip { lo, hi })
}
