//! ONNX `MaxPool`: the largest value of each window (padding is left out of the windows, as ONNX pads
//! with minus infinity). Only the first output (`Y`) may be used; `storage_order` must be 0.
use super::window::{pool_operand, Window};
use crate::error::CompileError;
use crate::graph::LayerKind;
use crate::import::Ctx;
use crate::onnx::OnnxNode;

/// Imports a `MaxPool` node.
pub fn import(node: &OnnxNode, ctx: &mut Ctx) -> Result<(), CompileError> {
    ctx.check_attributes(
        node,
        &["auto_pad", "ceil_mode", "dilations", "kernel_shape", "pads", "storage_order", "strides"],
    )?;
    if node.outputs.get(1).is_some_and(|s| !s.is_empty()) {
        return Err(ctx.err(node, "the Indices output is not supported"));
    }
    if node.attr_int("storage_order", 0).map_err(|e| ctx.err(node, e))? != 0 {
        return Err(ctx.err(node, "storage_order 1 is not supported"));
    }
    let (x, kernel) = pool_operand(node, ctx)?;
    let win = Window::resolve(node, ctx, &x.shape[2..], &kernel)?;
    let (c, out_sp, in_sp) = (x.shape[1], win.out_len(), win.in_len());
    // Every window has the same number of taps so that the gadget is uniform: windows that overlap
    // the padding repeat one of their own elements (the maximum is unchanged).
    let k = win.kernel_len();
    let geometry = win.geometry(c, c, c);
    geometry.validate().map_err(|e| ctx.err(node, e))?;
    let all_taps = geometry.taps();
    let mut windows = Vec::with_capacity(c * out_sp * k);
    for ch in 0..c {
        for o in 0..out_sp {
            let taps: Vec<usize> =
                all_taps.row(o).iter().filter(|&&t| t != u32::MAX).map(|&t| ch * in_sp + t as usize).collect();
            let first = *taps.first().ok_or_else(|| ctx.err(node, "a window lies entirely in the padding"))?;
            windows.extend(taps.iter().copied());
            windows.extend(std::iter::repeat_n(first, k - taps.len()));
        }
    }
    let mut shape = vec![1, c];
    shape.extend(&win.out_shape);
    ctx.push_layer(node, &x, LayerKind::MaxPool { size: k, windows }, shape)
}
