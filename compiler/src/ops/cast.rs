//! ONNX `Cast` between floating-point types (a no-op on the real values verinfer tracks); casts of
//! constants to integer types are folded; a cast to bool is `x != 0`, a 0/1 tensor (folded on
//! constants, `compare::nonzero` on input-dependent tensors).
use crate::error::CompileError;
use crate::import::{Ctx, Value};
use crate::onnx::{elem_type_name, is_float_elem, OnnxNode, OnnxTensor};

/// Imports a `Cast` node.
pub fn import(node: &OnnxNode, ctx: &mut Ctx) -> Result<(), CompileError> {
    ctx.check_attributes(node, &["to", "saturate", "round_mode"])?;
    let to = node.attr_int("to", 0).map_err(|e| ctx.err(node, e))?;
    let to_name = elem_type_name(to as i32);
    let v = ctx.required(node, 0)?.clone();
    let out = if is_float_elem(to_name) {
        convert(ctx, node, v, true, to_name)?
    } else if to_name.contains("int") {
        convert(ctx, node, v, false, to_name)?
    } else if to_name == "bool" {
        to_bool(ctx, node, v)?
    } else {
        return Err(ctx.err(node, format!("cast to {to_name} is not supported")));
    };
    ctx.set(node, 0, out)
}

/// `v` as a float (`to_float`) or integer tensor (named `to_name` in messages).
pub fn convert(ctx: &Ctx, node: &OnnxNode, v: Value, to_float: bool, to_name: &str) -> Result<Value, CompileError> {
    Ok(match v {
        Value::Dyn(_) if to_float => v,
        Value::Dyn(_) => {
            return Err(ctx.err(
                node,
                format!("cast of an input-dependent tensor to {to_name}; only casts between float types are supported"),
            ))
        }
        Value::Const(OnnxTensor::Float(a)) if to_float => Value::Const(OnnxTensor::Float(a)),
        Value::Const(OnnxTensor::Int(a)) if to_float => Value::Const(OnnxTensor::Float(a.mapv(|x| x as f64))),
        Value::Const(OnnxTensor::Int(a)) => Value::Const(OnnxTensor::Int(a)),
        Value::Const(OnnxTensor::Float(a)) => Value::Const(OnnxTensor::Int(a.mapv(|x| x.trunc() as i64))),
    })
}

/// `v != 0` as 0/1: folded on a constant, the `nonzero` gadget chain on an input-dependent tensor.
fn to_bool(ctx: &mut Ctx, node: &OnnxNode, v: Value) -> Result<Value, CompileError> {
    Ok(match v {
        Value::Dyn(_) => super::compare::nonzero(ctx, node, &v)?,
        Value::Const(OnnxTensor::Float(a)) => Value::Const(OnnxTensor::Int(a.mapv(|x| i64::from(x != 0.0)))),
        Value::Const(OnnxTensor::Int(a)) => Value::Const(OnnxTensor::Int(a.mapv(|x| i64::from(x != 0)))),
    })
}
