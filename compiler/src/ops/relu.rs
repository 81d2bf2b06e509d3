//! ONNX `Relu`: `max(x, 0)`.
use crate::error::CompileError;
use crate::graph::LayerKind;
use crate::import::{Ctx, Value};
use crate::onnx::{OnnxNode, OnnxTensor};

/// Imports a `Relu` node.
pub fn import(node: &OnnxNode, ctx: &mut Ctx) -> Result<(), CompileError> {
    ctx.check_attributes(node, &[])?;
    match ctx.required(node, 0)?.clone() {
        Value::Dyn(d) => {
            let shape = d.shape.clone();
            ctx.push_layer(node, &d, LayerKind::Relu, shape)
        }
        Value::Const(_) => {
            let c = ctx.const_float(node, 0, "X")?;
            ctx.set(node, 0, Value::Const(OnnxTensor::Float(c.mapv(|v| v.max(0.0)))))
        }
    }
}
