//! ONNX `AveragePool`: the mean of each window, a depthwise convolution. With `count_include_pad` the
//! padded positions count as zeros in the divisor.
use super::window::{pool_operand, Window};
use crate::error::CompileError;
use crate::graph::LayerKind;
use crate::import::Ctx;
use crate::onnx::OnnxNode;

/// Imports an `AveragePool` node.
pub fn import(node: &OnnxNode, ctx: &mut Ctx) -> Result<(), CompileError> {
    ctx.check_attributes(
        node,
        &["auto_pad", "ceil_mode", "count_include_pad", "dilations", "kernel_shape", "pads", "strides"],
    )?;
    let (x, kernel) = pool_operand(node, ctx)?;
    let include_pad = node.attr_int("count_include_pad", 0).map_err(|e| ctx.err(node, e))? != 0;
    let win = Window::resolve(node, ctx, &x.shape[2..], &kernel)?;
    let (c, out_sp, k) = (x.shape[1], win.out_len(), win.kernel_len());
    let geometry = win.geometry(c, c, c);
    geometry.validate().map_err(|e| ctx.err(node, e))?;
    let taps = geometry.taps();
    // The divisor of each output position: its taps inside the input (or inside the padded input).
    let mut divisors = Vec::with_capacity(out_sp);
    for o in 0..out_sp {
        let inside = taps.row(o).iter().filter(|&&t| t != u32::MAX).count();
        if inside == 0 {
            return Err(ctx.err(node, "a window lies entirely in the padding"));
        }
        // With ceil_mode, taps past the input's end are not padding: they never count.
        divisors.push(if include_pad { padded_count(&win, o) } else { inside } as f64);
    }
    let mut shape = vec![1, c];
    shape.extend(&win.out_shape);
    // A depthwise convolution of weight 1 / divisor; where divisors differ (border windows without
    // their padding), a sum pooling followed by a per-position scaling.
    let uniform = divisors.iter().all(|&d| d == divisors[0]);
    let tap_weight = if uniform { 1.0 / divisors[0] } else { 1.0 };
    let conv = LayerKind::Conv { geometry, weights: vec![tap_weight; c * k], bias: vec![0.0; c] };
    if uniform {
        return ctx.push_layer(node, &x, conv, shape);
    }
    let sums = ctx.add_layer(node, &[&x], conv, shape.clone(), "sum")?;
    let mul: Vec<f64> = (0..c * out_sp).map(|i| 1.0 / divisors[i % out_sp]).collect();
    ctx.push_layer(node, &sums, LayerKind::Affine { mul, add: vec![0.0; c * out_sp] }, shape)
}

/// Taps of window `o` inside the padded input (explicit pads count, positions past them do not).
fn padded_count(win: &Window, o: usize) -> usize {
    let n = win.in_shape.len();
    let mut o = o;
    let mut count = 1;
    let mut idx = vec![0; n];
    for i in (0..n).rev() {
        idx[i] = o % win.out_shape[i];
        o /= win.out_shape[i];
    }
    for (i, &oi) in idx.iter().enumerate() {
        let start = oi * win.strides[i];
        let padded = win.pads_begin[i] + win.in_shape[i] + win.pads_end[i];
        let taps = (0..win.kernel[i]).filter(|&t| start + t * win.dilations[i] < padded).count();
        count *= taps;
    }
    count
}
