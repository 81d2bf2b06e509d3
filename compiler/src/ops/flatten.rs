//! ONNX `Flatten`: reshapes to 2-D around `axis` (no computation).
use crate::error::CompileError;
use crate::import::{Ctx, Dyn, Value};
use crate::onnx::OnnxNode;

/// Imports a `Flatten` node.
pub fn import(node: &OnnxNode, ctx: &mut Ctx) -> Result<(), CompileError> {
    ctx.check_attributes(node, &["axis"])?;
    let v = ctx.required(node, 0)?.clone();
    let shape: Vec<usize> = match &v {
        Value::Dyn(d) => d.shape.clone(),
        Value::Const(t) => t.shape().to_vec(),
    };
    let rank = shape.len() as i64;
    let mut axis = node.attr_int("axis", 1).map_err(|e| ctx.err(node, e))?;
    if axis < 0 {
        axis += rank;
    }
    if axis < 0 || axis > rank {
        return Err(ctx.err(node, format!("axis {axis} is outside [-{rank}, {rank}] for an input of rank {rank}")));
    }
    let outer: usize = shape[..axis as usize].iter().product();
    let inner: usize = shape[axis as usize..].iter().product();
    let out = vec![outer, inner];
    let v = match v {
        Value::Dyn(d) => Value::Dyn(Dyn { src: d.src, shape: out }),
        Value::Const(t) => Value::Const(super::reshape::reshape_const(t, &out).map_err(|e| ctx.err(node, e))?),
    };
    ctx.set(node, 0, v)
}
