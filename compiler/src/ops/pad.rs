//! ONNX `Pad` in `constant` mode (pads, constant_value and axes as inputs from opset 11, attributes
//! before). Negative pads crop. Wiring only; padding elements are circuit constants.
use super::layout::{axis, bind_gather, shape_of, strides, unravel};
use crate::error::CompileError;
use crate::import::Ctx;
use crate::onnx::OnnxNode;

/// Imports a `Pad` node.
pub fn import(node: &OnnxNode, ctx: &mut Ctx) -> Result<(), CompileError> {
    let x = ctx.required(node, 0)?.clone();
    let shape = shape_of(&x);
    let rank = shape.len();
    let mode = node.attr_string("mode", "constant").map_err(|e| ctx.err(node, e))?;
    if mode != "constant" {
        return Err(ctx.err(node, format!("mode '{mode}' is not supported (supported: constant)")));
    }
    let (pads, value, axes): (Vec<i64>, f64, Vec<usize>) = if ctx.opset < 11 {
        ctx.check_attributes(node, &["mode", "pads", "value"])?;
        let pads = node
            .attr_ints("pads")
            .map_err(|e| ctx.err(node, e))?
            .ok_or_else(|| ctx.err(node, "attribute 'pads' is required"))?;
        (pads, node.attr_float("value", 0.0).map_err(|e| ctx.err(node, e))? as f64, (0..rank).collect())
    } else {
        ctx.check_attributes(node, &["mode"])?;
        let pads: Vec<i64> = ctx.const_int(node, 1, "pads")?.iter().copied().collect();
        let value = match ctx.input(node, 2)? {
            None => 0.0,
            Some(_) => ctx.const_float(node, 2, "constant_value")?.iter().next().copied().unwrap_or(0.0),
        };
        let axes = match ctx.input(node, 3)? {
            None => (0..rank).collect(),
            Some(_) => {
                ctx.const_int(node, 3, "axes")?.iter().map(|&a| axis(ctx, node, a, rank)).collect::<Result<_, _>>()?
            }
        };
        (pads, value, axes)
    };
    if pads.len() != 2 * axes.len() {
        return Err(ctx.err(node, format!("{} pads for {} axes", pads.len(), axes.len())));
    }
    let mut begin = vec![0i64; rank];
    let mut out: Vec<i64> = shape.iter().map(|&d| d as i64).collect();
    for (k, &a) in axes.iter().enumerate() {
        begin[a] = pads[k];
        out[a] = out[a].saturating_add(pads[k]).saturating_add(pads[k + axes.len()]);
        if out[a] < 0 {
            return Err(ctx.err(node, format!("pads crop axis {a} below zero")));
        }
    }
    let out: Vec<usize> = out.iter().map(|&d| usize::try_from(d).unwrap_or(usize::MAX)).collect();
    ctx.check_size(node, &out)?;
    let st = strides(&shape);
    let map = (0..out.iter().product())
        .map(|flat| {
            let o = unravel(flat, &out);
            let mut src = 0usize;
            for i in 0..rank {
                let j = o[i] as i64 - begin[i];
                if j < 0 || j >= shape[i] as i64 {
                    return (usize::MAX, 0);
                }
                src += j as usize * st[i];
            }
            (0, src)
        })
        .collect();
    bind_gather(ctx, node, &[x], map, value, out)
}
