//! ONNX `Where(cond, x, y)` (numpy broadcasting): with a constant condition, wiring that picks each
//! element from `x` or `y`; with an input-dependent 0/1 condition (a comparison),
//! `y + cond * (x - y)`: one product per element (an affine map when `x - y` is constant).
use super::elementwise::{apply, Binary};
use super::layout::{bind_gather, broadcast_map, broadcast_shape, shape_of};
use crate::error::CompileError;
use crate::import::{Ctx, Value};
use crate::onnx::{OnnxNode, OnnxTensor};

/// Imports a `Where` node.
pub fn import(node: &OnnxNode, ctx: &mut Ctx) -> Result<(), CompileError> {
    ctx.check_attributes(node, &[])?;
    let c = ctx.required(node, 0)?.clone();
    let x = ctx.required(node, 1)?.clone();
    let y = ctx.required(node, 2)?.clone();
    let (sc, sx, sy) = (shape_of(&c), shape_of(&x), shape_of(&y));
    let shape = broadcast_shape(&sx, &sy)
        .and_then(|s| broadcast_shape(&sc, &s))
        .ok_or_else(|| ctx.err(node, format!("shapes {sc:?}, {sx:?} and {sy:?} do not broadcast")))?;
    ctx.check_size(node, &shape)?;
    match &c {
        Value::Const(t) => {
            let flags: Vec<bool> = match t {
                OnnxTensor::Int(a) => a.iter().map(|&v| v != 0).collect(),
                OnnxTensor::Float(a) => a.iter().map(|&v| v != 0.0).collect(),
            };
            let (mc, mx, my) = (broadcast_map(&sc, &shape), broadcast_map(&sx, &shape), broadcast_map(&sy, &shape));
            let map = (0..mc.len()).map(|i| if flags[mc[i]] { (0, mx[i]) } else { (1, my[i]) }).collect();
            bind_gather(ctx, node, &[x, y], map, 0.0, shape)
        }
        Value::Dyn(_) => {
            let diff = apply(ctx, node, Binary::Sub, &x, &y, "diff")?;
            let picked = apply(ctx, node, Binary::Mul, &c, &diff, "select")?;
            let out = apply(ctx, node, Binary::Add, &y, &picked, "")?;
            ctx.set(node, 0, out)
        }
    }
}
