//! ONNX `ArgMax` (`axis`, `keepdims`, `select_last_index`): per position of the other axes, the
//! index of the largest element along `axis`, as an integer tensor (ONNX's int64). The gadget
//! proves the first largest (a one-hot selector, `K (w + 4) + 2` constraints for `K` elements);
//! `select_last_index` reads the axis backwards and maps the position `p` to `K - 1 - p` (free).
//! Ties are decided on the quantized values: elements closer than one quantization step compare
//! equal.
use super::layout::axis;
use super::reduce::groups;
use crate::error::CompileError;
use crate::graph::LayerKind;
use crate::import::{Ctx, Value};
use crate::onnx::OnnxNode;

/// Imports an `ArgMax` node.
pub fn import(node: &OnnxNode, ctx: &mut Ctx) -> Result<(), CompileError> {
    ctx.check_attributes(node, &["axis", "keepdims", "select_last_index"])?;
    let x = match ctx.required(node, 0)?.clone() {
        Value::Dyn(d) => d,
        Value::Const(_) => return Err(ctx.err(node, "the input is constant; fold it before export")),
    };
    let rank = x.shape.len();
    let a = axis(ctx, node, node.attr_int("axis", 0).map_err(|e| ctx.err(node, e))?, rank)?;
    let keepdims = node.attr_int("keepdims", 1).map_err(|e| ctx.err(node, e))? != 0;
    let last = node.attr_int("select_last_index", 0).map_err(|e| ctx.err(node, e))? != 0;
    let g = groups(&x.shape, &[a]);
    let out: Vec<usize> =
        if keepdims { g.kept.clone() } else { (0..rank).filter(|&i| i != a).map(|i| x.shape[i]).collect() };
    let size = g.size;
    let mut windows = g.windows;
    if last {
        windows.chunks_mut(size).for_each(|w| w.reverse());
    }
    let kind = LayerKind::ArgMax { size, windows };
    if !last {
        return ctx.push_layer(node, &x, kind, out);
    }
    let p = ctx.add_layer(node, &[&x], kind, out.clone(), "reversed")?;
    let n = p.len();
    ctx.push_layer(node, &p, LayerKind::Affine { mul: vec![-1.0; n], add: vec![(size - 1) as f64; n] }, out)
}
