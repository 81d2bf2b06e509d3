//! ONNX `Split`: cuts a tensor along `axis` into consecutive parts, one per output. Every opset form:
//! the sizes as the `split` attribute (before opset 13) or input (from 13), `num_outputs` (from 18;
//! parts of `ceil(d / n)`, the last smaller), or neither (equal parts). Wiring only.
use super::layout::{axis, bind_gather_to, shape_of, strides, unravel};
use crate::error::CompileError;
use crate::import::Ctx;
use crate::onnx::OnnxNode;

/// Imports a `Split` node.
pub fn import(node: &OnnxNode, ctx: &mut Ctx) -> Result<(), CompileError> {
    ctx.check_attributes(node, &["axis", "split", "num_outputs"])?;
    let x = ctx.required(node, 0)?.clone();
    let shape = shape_of(&x);
    let a = axis(ctx, node, node.attr_int("axis", 0).map_err(|e| ctx.err(node, e))?, shape.len())?;
    let sizes = sizes(node, ctx, shape[a])?;
    let st = strides(&shape);
    let mut start = 0;
    for (k, &n) in sizes.iter().enumerate() {
        let mut out = shape.clone();
        out[a] = n;
        if node.outputs.get(k).is_some_and(|o| !o.is_empty()) {
            let map = (0..out.iter().product())
                .map(|flat| {
                    let mut idx = unravel(flat, &out);
                    idx[a] += start;
                    (0, idx.iter().zip(&st).map(|(i, s)| i * s).sum())
                })
                .collect();
            bind_gather_to(ctx, node, k, std::slice::from_ref(&x), map, 0.0, out)?;
        }
        start += n;
    }
    Ok(())
}

/// The size of each part of an axis of length `d`.
fn sizes(node: &OnnxNode, ctx: &Ctx, d: usize) -> Result<Vec<usize>, CompileError> {
    let outputs = node.outputs.len();
    let given: Option<Vec<i64>> = match node.attr_ints("split").map_err(|e| ctx.err(node, e))? {
        Some(v) => Some(v),
        None if ctx.input(node, 1)?.is_some() => Some(ctx.const_int(node, 1, "split")?.iter().copied().collect()),
        None => None,
    };
    let num_outputs = node.attr_int("num_outputs", 0).map_err(|e| ctx.err(node, e))?;
    let sizes: Vec<usize> = match given {
        Some(v) => {
            if v.iter().any(|&s| s < 0) || v.len() != outputs {
                return Err(ctx.err(node, format!("split {v:?} must give {outputs} non-negative sizes")));
            }
            v.iter().map(|&s| s as usize).collect()
        }
        None if num_outputs > 0 => {
            if num_outputs as usize != outputs {
                return Err(ctx.err(node, format!("num_outputs {num_outputs} but the node has {outputs} outputs")));
            }
            let part = d.div_ceil(outputs);
            (0..outputs).map(|k| part.min(d.saturating_sub(k * part))).collect()
        }
        None => {
            if outputs == 0 || !d.is_multiple_of(outputs) {
                return Err(ctx.err(node, format!("an axis of {d} does not split into {outputs} equal parts")));
            }
            vec![d / outputs; outputs]
        }
    };
    if sizes.iter().sum::<usize>() != d {
        return Err(ctx.err(node, format!("parts {sizes:?} do not add up to the axis length {d}")));
    }
    Ok(sizes)
}
