//! ONNX `Clip`: `min(max(x, lo), hi)` with bounds as attributes (before opset 11) or optional
//! constant inputs. Exact at the operand's scale: the bounds are rounded onto its grid and the clamp
//! gadget (two ReLUs, a side that cannot bind left out) enforces it, so ReLU6 costs two range checks.
use crate::error::CompileError;
use crate::graph::LayerKind;
use crate::import::{Ctx, Value};
use crate::onnx::{OnnxNode, OnnxTensor};

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
    match ctx.required(node, 0)?.clone() {
        Value::Dyn(d) => {
            let shape = d.shape.clone();
            ctx.push_layer(node, &d, LayerKind::Clamp { lo, hi }, shape)
        }
        Value::Const(_) => {
            let c = ctx.const_float(node, 0, "input")?;
            ctx.set(node, 0, Value::Const(OnnxTensor::Float(c.mapv(|v| v.max(lo).min(hi)))))
        }
    }
}
