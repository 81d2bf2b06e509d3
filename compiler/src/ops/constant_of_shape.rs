//! ONNX `ConstantOfShape`: a constant tensor of a constant shape, filled with `value` (a
//! one-element tensor; float 0 by default).
use crate::error::CompileError;
use crate::import::{Ctx, Value};
use crate::onnx::{Attribute, OnnxNode, OnnxTensor};
use ndarray::{ArrayD, IxDyn};

use crate::import::MAX_ELEMENTS;

/// Imports a `ConstantOfShape` node.
pub fn import(node: &OnnxNode, ctx: &mut Ctx) -> Result<(), CompileError> {
    ctx.check_attributes(node, &["value"])?;
    let dims = ctx.const_int(node, 0, "shape")?;
    if let Some(d) = dims.iter().find(|&&d| d < 0) {
        return Err(ctx.err(node, format!("negative dimension {d}")));
    }
    let shape: Vec<usize> = dims.iter().map(|&d| d as usize).collect();
    let n = shape.iter().try_fold(1usize, |a, &d| a.checked_mul(d)).filter(|&n| n <= MAX_ELEMENTS);
    if n.is_none() {
        return Err(ctx.err(node, format!("shape {shape:?} has more than {MAX_ELEMENTS} elements")));
    }
    let t = match node.attribute("value") {
        None => OnnxTensor::Float(ArrayD::zeros(IxDyn(&shape))),
        Some(Attribute::Tensor(OnnxTensor::Float(v))) if v.len() == 1 => {
            OnnxTensor::Float(ArrayD::from_elem(IxDyn(&shape), v.iter().copied().next().unwrap_or(0.0)))
        }
        Some(Attribute::Tensor(OnnxTensor::Int(v))) if v.len() == 1 => {
            OnnxTensor::Int(ArrayD::from_elem(IxDyn(&shape), v.iter().copied().next().unwrap_or(0)))
        }
        Some(_) => return Err(ctx.err(node, "attribute 'value' must be a one-element tensor")),
    };
    ctx.set(node, 0, Value::Const(t))
}
