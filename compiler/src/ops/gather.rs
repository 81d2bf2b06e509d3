//! ONNX `Gather` with constant indices: picks slices along `axis` (negative indices count from the
//! end). Wiring only.
use super::layout::{axis, bind_gather, shape_of, strides, unravel};
use crate::error::CompileError;
use crate::import::Ctx;
use crate::onnx::OnnxNode;

/// Imports a `Gather` node.
pub fn import(node: &OnnxNode, ctx: &mut Ctx) -> Result<(), CompileError> {
    ctx.check_attributes(node, &["axis"])?;
    let x = ctx.required(node, 0)?.clone();
    let shape = shape_of(&x);
    let a = axis(ctx, node, node.attr_int("axis", 0).map_err(|e| ctx.err(node, e))?, shape.len())?;
    let idx = ctx.const_int(node, 1, "indices")?;
    let d = shape[a] as i64;
    let flat_idx: Vec<usize> = idx
        .iter()
        .map(|&i| {
            let j = if i < 0 { i + d } else { i };
            if j < 0 || j >= d {
                Err(ctx.err(node, format!("index {i} is outside axis {a} of size {d}")))
            } else {
                Ok(j as usize)
            }
        })
        .collect::<Result<_, _>>()?;
    let mut out: Vec<usize> = shape[..a].to_vec();
    out.extend(idx.shape());
    out.extend(&shape[a + 1..]);
    ctx.check_size(node, &out)?;
    let st = strides(&shape);
    let q = idx.ndim();
    let map = (0..out.iter().product())
        .map(|flat| {
            let o = unravel(flat, &out);
            let ii = if q == 0 { 0 } else { o[a..a + q].iter().zip(strides(idx.shape())).map(|(i, s)| i * s).sum() };
            let mut src = 0;
            for i in 0..a {
                src += o[i] * st[i];
            }
            src += flat_idx[ii] * st[a];
            for i in a + 1..shape.len() {
                src += o[i - 1 + q] * st[i];
            }
            (0, src)
        })
        .collect();
    bind_gather(ctx, node, &[x], map, 0.0, out)
}
