//! ONNX `Concat`: joins tensors along `axis`. Wiring only.
use super::layout::{axis, bind_gather, shape_of, strides, unravel};
use crate::error::CompileError;
use crate::import::Ctx;
use crate::onnx::OnnxNode;

/// Imports a `Concat` node.
pub fn import(node: &OnnxNode, ctx: &mut Ctx) -> Result<(), CompileError> {
    ctx.check_attributes(node, &["axis"])?;
    let n = node.inputs.len();
    if n == 0 {
        return Err(ctx.err(node, "no inputs"));
    }
    let vals = (0..n).map(|i| ctx.required(node, i).cloned()).collect::<Result<Vec<_>, _>>()?;
    let shapes: Vec<Vec<usize>> = vals.iter().map(shape_of).collect();
    let rank = shapes[0].len();
    let a = axis(ctx, node, node.attr_int("axis", 0).map_err(|e| ctx.err(node, e))?, rank)?;
    for s in &shapes {
        if s.len() != rank || (0..rank).any(|i| i != a && s[i] != shapes[0][i]) {
            return Err(ctx.err(node, format!("input shapes {shapes:?} differ outside axis {a}")));
        }
    }
    let mut out = shapes[0].clone();
    out[a] = shapes.iter().try_fold(0usize, |t, s| t.checked_add(s[a])).unwrap_or(usize::MAX);
    ctx.check_size(node, &out)?;
    let mut map = Vec::with_capacity(out.iter().product());
    for flat in 0..out.iter().product() {
        let mut idx = unravel(flat, &out);
        let mut src = 0;
        while idx[a] >= shapes[src][a] {
            idx[a] -= shapes[src][a];
            src += 1;
        }
        let st = strides(&shapes[src]);
        map.push((src, idx.iter().zip(&st).map(|(i, s)| i * s).sum()));
    }
    bind_gather(ctx, node, &vals, map, 0.0, out)
}
