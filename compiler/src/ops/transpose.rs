//! ONNX `Transpose`: permutes axes (`perm`, default reversed). Wiring only.
use super::layout::{bind_gather, shape_of, strides, unravel};
use crate::error::CompileError;
use crate::import::Ctx;
use crate::onnx::OnnxNode;

/// Imports a `Transpose` node.
pub fn import(node: &OnnxNode, ctx: &mut Ctx) -> Result<(), CompileError> {
    ctx.check_attributes(node, &["perm"])?;
    let x = ctx.required(node, 0)?.clone();
    let shape = shape_of(&x);
    let rank = shape.len();
    let perm: Vec<usize> = match node.attr_ints("perm").map_err(|e| ctx.err(node, e))? {
        None => (0..rank).rev().collect(),
        Some(p) => p.iter().map(|&a| if a < 0 { (a + rank as i64) as usize } else { a as usize }).collect(),
    };
    let mut sorted = perm.clone();
    sorted.sort_unstable();
    if sorted != (0..rank).collect::<Vec<_>>() {
        return Err(ctx.err(node, format!("perm {perm:?} is not a permutation of the {rank} axes")));
    }
    let out: Vec<usize> = perm.iter().map(|&a| shape[a]).collect();
    let st = strides(&shape);
    let map = (0..out.iter().product())
        .map(|flat| {
            let o = unravel(flat, &out);
            (0, perm.iter().enumerate().map(|(i, &a)| o[i] * st[a]).sum())
        })
        .collect();
    bind_gather(ctx, node, &[x], map, 0.0, out)
}
