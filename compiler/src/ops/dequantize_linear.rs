//! ONNX `DequantizeLinear`: `y = (x - zero_point) * scale`, per tensor or along `axis`. Of a
//! constant (quantized weights and int32 biases): folded to floats at compile time. Of an
//! input-dependent tensor: an affine layer, which folds into the linear layer that reads it.
use super::qdq::{dequantize, dequantize_const, params};
use crate::error::CompileError;
use crate::import::{Ctx, Value};
use crate::onnx::{OnnxNode, OnnxTensor};

/// Imports a `DequantizeLinear` node.
pub fn import(node: &OnnxNode, ctx: &mut Ctx) -> Result<(), CompileError> {
    ctx.check_attributes(node, &["axis", "block_size", "output_dtype"])?;
    if node.attr_int("block_size", 0).map_err(|e| ctx.err(node, e))? != 0 {
        return Err(ctx.err(node, "blocked quantization (block_size) is not supported"));
    }
    let axis = node.attr_int("axis", 1).map_err(|e| ctx.err(node, e))?;
    match ctx.required(node, 0)?.clone() {
        Value::Dyn(x) => {
            // the grid only bounds the zero point here; the operand's own type is not recorded
            let p = params(node, ctx, 1, 2, &x.shape, Some(axis), "int32")?;
            let y = dequantize(ctx, node, &x, &p, "")?;
            ctx.set(node, 0, Value::Dyn(y))
        }
        Value::Const(_) => {
            let q = ctx.const_int(node, 0, "x")?;
            let elem = ctx.elem_type(node, 0).unwrap_or("int32");
            let p = params(node, ctx, 1, 2, q.shape(), Some(axis), elem)?;
            ctx.set(node, 0, Value::Const(OnnxTensor::Float(dequantize_const(&q, &p))))
        }
    }
}
