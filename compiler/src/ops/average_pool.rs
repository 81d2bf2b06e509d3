//! ONNX `AveragePool`: the mean of each window, a linear layer. With `count_include_pad` the padded
//! positions count as zeros in the divisor.
use super::gemm::MAX_WEIGHTS;
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
    let (c, out_sp, in_sp, k) = (x.shape[1], win.out_len(), win.in_len(), win.kernel_len());
    let (rows, cols) = (c * out_sp, c * in_sp);
    if rows.saturating_mul(cols) > MAX_WEIGHTS {
        return Err(ctx.err(node, format!("the pooling's {rows}x{cols} map exceeds the supported size")));
    }
    let mut weights = vec![0.0; rows * cols];
    for ch in 0..c {
        for o in 0..out_sp {
            let taps: Vec<usize> = (0..k).filter_map(|t| win.tap(o, t)).collect();
            if taps.is_empty() {
                return Err(ctx.err(node, "a window lies entirely in the padding"));
            }
            // With ceil_mode, taps past the input's end are not padding: they never count.
            let divisor = if include_pad { padded_count(&win, o) } else { taps.len() } as f64;
            let r = ch * out_sp + o;
            for i in taps {
                weights[r * cols + ch * in_sp + i] += 1.0 / divisor;
            }
        }
    }
    let mut shape = vec![1, c];
    shape.extend(&win.out_shape);
    ctx.push_layer(node, &x, LayerKind::Linear { rows, cols, weights, bias: vec![0.0; rows] }, shape)
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
