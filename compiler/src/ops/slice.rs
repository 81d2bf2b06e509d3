//! ONNX `Slice` (starts, ends, axes, steps as constant inputs from opset 10, attributes before).
//! Wiring only.
use super::layout::{axis, bind_gather, shape_of, strides, unravel};
use crate::error::CompileError;
use crate::import::Ctx;
use crate::onnx::OnnxNode;

/// Imports a `Slice` node.
pub fn import(node: &OnnxNode, ctx: &mut Ctx) -> Result<(), CompileError> {
    let x = ctx.required(node, 0)?.clone();
    let shape = shape_of(&x);
    let rank = shape.len();
    let e = |m: String| ctx.err(node, m);
    type Operands = (Vec<i64>, Vec<i64>, Option<Vec<i64>>, Option<Vec<i64>>);
    let (starts, ends, axes, steps): Operands = if ctx.opset < 10 {
        ctx.check_attributes(node, &["starts", "ends", "axes"])?;
        (
            node.attr_ints("starts").map_err(e)?.ok_or_else(|| ctx.err(node, "attribute 'starts' is required"))?,
            node.attr_ints("ends")
                .map_err(|m| ctx.err(node, m))?
                .ok_or_else(|| ctx.err(node, "attribute 'ends' is required"))?,
            node.attr_ints("axes").map_err(|m| ctx.err(node, m))?,
            None,
        )
    } else {
        ctx.check_attributes(node, &[])?;
        let opt = |i: usize, what: &str| -> Result<Option<Vec<i64>>, CompileError> {
            Ok(match ctx.input(node, i)? {
                None => None,
                Some(_) => Some(ctx.const_int(node, i, what)?.iter().copied().collect()),
            })
        };
        (
            ctx.const_int(node, 1, "starts")?.iter().copied().collect(),
            ctx.const_int(node, 2, "ends")?.iter().copied().collect(),
            opt(3, "axes")?,
            opt(4, "steps")?,
        )
    };
    let axes: Vec<usize> = match axes {
        None => (0..starts.len()).collect(),
        Some(a) => a.iter().map(|&v| axis(ctx, node, v, rank)).collect::<Result<_, _>>()?,
    };
    let steps = steps.unwrap_or_else(|| vec![1; starts.len()]);
    if ends.len() != starts.len() || axes.len() != starts.len() || steps.len() != starts.len() {
        return Err(ctx.err(node, "starts, ends, axes and steps differ in length"));
    }
    // Per axis: first index, step and count.
    let mut first = vec![0i64; rank];
    let mut step = vec![1i64; rank];
    let mut count: Vec<usize> = shape.clone();
    for (k, &a) in axes.iter().enumerate() {
        let d = shape[a] as i64;
        let s = steps[k];
        if s == 0 {
            return Err(ctx.err(node, "a step of 0"));
        }
        let norm = |v: i64| if v < 0 { v + d } else { v };
        let (b, en) = if s > 0 {
            (norm(starts[k]).clamp(0, d), norm(ends[k]).clamp(0, d))
        } else {
            (norm(starts[k]).clamp(0, d - 1), norm(ends[k]).clamp(-1, d - 1))
        };
        let n = if s > 0 { (en - b + s - 1).div_euclid(s) } else { (b - en + (-s) - 1).div_euclid(-s) };
        first[a] = b;
        step[a] = s;
        count[a] = n.max(0) as usize;
    }
    let st = strides(&shape);
    let map = (0..count.iter().product())
        .map(|flat| {
            let o = unravel(flat, &count);
            (0, (0..rank).map(|i| (first[i] + o[i] as i64 * step[i]) as usize * st[i]).sum())
        })
        .collect();
    bind_gather(ctx, node, &[x], map, 0.0, count)
}
