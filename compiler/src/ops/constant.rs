//! ONNX `Constant`: a tensor given as an attribute.
use crate::error::CompileError;
use crate::import::{Ctx, Value};
use crate::onnx::{Attribute, OnnxNode, OnnxTensor};
use ndarray::{ArrayD, IxDyn};

/// Imports a `Constant` node.
pub fn import(node: &OnnxNode, ctx: &mut Ctx) -> Result<(), CompileError> {
    ctx.check_attributes(node, &["value", "value_float", "value_floats", "value_int", "value_ints"])?;
    let [(name, attr)] = node.attributes.as_slice() else {
        return Err(
            ctx.err(node, "a Constant needs exactly one of value, value_float, value_floats, value_int, value_ints")
        );
    };
    let t = match attr {
        Attribute::Tensor(t) => t.clone(),
        Attribute::Float(v) => OnnxTensor::Float(ArrayD::from_elem(IxDyn(&[]), *v as f64)),
        Attribute::Int(v) => OnnxTensor::Int(ArrayD::from_elem(IxDyn(&[]), *v)),
        Attribute::Floats(v) => OnnxTensor::Float(
            ArrayD::from_shape_vec(IxDyn(&[v.len()]), v.iter().map(|&x| x as f64).collect())
                .map_err(|e| ctx.err(node, e.to_string()))?,
        ),
        Attribute::Ints(v) => OnnxTensor::Int(
            ArrayD::from_shape_vec(IxDyn(&[v.len()]), v.clone()).map_err(|e| ctx.err(node, e.to_string()))?,
        ),
        _ => return Err(ctx.err(node, format!("attribute '{name}' has an unsupported kind"))),
    };
    ctx.set(node, 0, Value::Const(t))
}
