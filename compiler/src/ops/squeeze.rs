//! ONNX `Squeeze`: drops size-1 axes (`axes` attribute before opset 13, input from 13; all size-1
//! axes if absent). Shape only.
use super::layout::{axis, shape_of};
use crate::error::CompileError;
use crate::import::{Ctx, Dyn, Value};
use crate::onnx::OnnxNode;

/// The `axes` of Squeeze/Unsqueeze: an attribute before opset 13, an optional input from 13.
pub fn axes_operand(node: &OnnxNode, ctx: &Ctx) -> Result<Option<Vec<i64>>, CompileError> {
    if ctx.opset < 13 {
        ctx.check_attributes(node, &["axes"])?;
        node.attr_ints("axes").map_err(|e| ctx.err(node, e))
    } else {
        ctx.check_attributes(node, &[])?;
        match ctx.input(node, 1)? {
            None => Ok(None),
            Some(_) => Ok(Some(ctx.const_int(node, 1, "axes")?.iter().copied().collect())),
        }
    }
}

/// Rebinds `x` with `shape` (same elements).
pub fn reshaped(ctx: &Ctx, node: &OnnxNode, x: Value, shape: Vec<usize>) -> Result<Value, CompileError> {
    Ok(match x {
        Value::Dyn(d) => Value::Dyn(Dyn { src: d.src, shape }),
        Value::Const(t) => Value::Const(super::reshape::reshape_const(t, &shape).map_err(|e| ctx.err(node, e))?),
    })
}

/// Imports a `Squeeze` node.
pub fn import(node: &OnnxNode, ctx: &mut Ctx) -> Result<(), CompileError> {
    let x = ctx.required(node, 0)?.clone();
    let shape = shape_of(&x);
    let axes: Vec<usize> = match axes_operand(node, ctx)? {
        None => (0..shape.len()).filter(|&i| shape[i] == 1).collect(),
        Some(a) => a.iter().map(|&v| axis(ctx, node, v, shape.len())).collect::<Result<_, _>>()?,
    };
    if let Some(&a) = axes.iter().find(|&&a| shape[a] != 1) {
        return Err(ctx.err(node, format!("axis {a} has size {}, not 1", shape[a])));
    }
    let out: Vec<usize> = (0..shape.len()).filter(|i| !axes.contains(i)).map(|i| shape[i]).collect();
    let v = reshaped(ctx, node, x, out)?;
    ctx.set(node, 0, v)
}
