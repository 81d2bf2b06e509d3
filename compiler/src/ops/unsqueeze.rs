//! ONNX `Unsqueeze`: inserts size-1 axes (`axes` attribute before opset 13, input from 13). Shape only.
use super::layout::{axis, shape_of};
use super::squeeze::{axes_operand, reshaped};
use crate::error::CompileError;
use crate::import::Ctx;
use crate::onnx::OnnxNode;

/// Imports an `Unsqueeze` node.
pub fn import(node: &OnnxNode, ctx: &mut Ctx) -> Result<(), CompileError> {
    let x = ctx.required(node, 0)?.clone();
    let shape = shape_of(&x);
    let axes = axes_operand(node, ctx)?.ok_or_else(|| ctx.err(node, "axes are required"))?;
    let rank = shape.len() + axes.len();
    let mut axes: Vec<usize> = axes.iter().map(|&a| axis(ctx, node, a, rank)).collect::<Result<_, _>>()?;
    axes.sort_unstable();
    if axes.windows(2).any(|w| w[0] == w[1]) {
        return Err(ctx.err(node, "repeated axis"));
    }
    let mut out = Vec::with_capacity(rank);
    let mut it = shape.iter();
    for i in 0..rank {
        if axes.contains(&i) {
            out.push(1);
        } else {
            out.push(*it.next().unwrap_or(&1));
        }
    }
    let v = reshaped(ctx, node, x, out)?;
    ctx.set(node, 0, v)
}
