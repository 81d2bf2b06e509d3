//! ONNX `QuantizeLinear`: `y = clamp(round(x / scale) + zero_point, lo, hi)` onto the grid of the
//! zero point's type (uint8 when absent, or `output_dtype`), per tensor or along `axis`. On an
//! input-dependent tensor: an affine layer, rounding to the grid and a clamp gadget (see `qdq`); on a
//! constant: folded at compile time (round half to even, as ONNX).
use super::qdq::{params, quantize};
use crate::error::CompileError;
use crate::import::{Ctx, Value};
use crate::onnx::{OnnxNode, OnnxTensor};

/// The element type named by an `output_dtype` attribute (ONNX `TensorProto.DataType`).
pub fn dtype_name(t: i64) -> Option<&'static str> {
    Some(match t {
        2 => "uint8",
        3 => "int8",
        4 => "uint16",
        5 => "int16",
        6 => "int32",
        _ => return None,
    })
}

/// Imports a `QuantizeLinear` node.
pub fn import(node: &OnnxNode, ctx: &mut Ctx) -> Result<(), CompileError> {
    ctx.check_attributes(node, &["axis", "saturate", "output_dtype", "block_size", "precision"])?;
    if node.attr_int("block_size", 0).map_err(|e| ctx.err(node, e))? != 0 {
        return Err(ctx.err(node, "blocked quantization (block_size) is not supported"));
    }
    let out_t = node.attr_int("output_dtype", 0).map_err(|e| ctx.err(node, e))?;
    let default_elem = match out_t {
        0 => "uint8",
        t => dtype_name(t).ok_or_else(|| {
            ctx.err(node, format!("output_dtype {t} is not supported (uint8, int8, uint16, int16 are)"))
        })?,
    };
    let axis = node.attr_int("axis", 1).map_err(|e| ctx.err(node, e))?;
    match ctx.required(node, 0)?.clone() {
        Value::Dyn(x) => {
            let p = params(node, ctx, 1, 2, &x.shape, Some(axis), default_elem)?;
            let y = quantize(ctx, node, &x, &p, "")?;
            ctx.set(node, 0, Value::Dyn(y))
        }
        Value::Const(_) => {
            let x = ctx.const_float(node, 0, "x")?;
            let p = params(node, ctx, 1, 2, x.shape(), Some(axis), default_elem)?;
            let (lo, hi) = p.grid;
            let mut q = x.mapv(|_| 0i64);
            for (i, (d, v)) in q.iter_mut().zip(x.iter()).enumerate() {
                *d = ((v / p.scale[i]).round_ties_even() + p.zero[i]).clamp(lo as f64, hi as f64) as i64;
            }
            ctx.set(node, 0, Value::Const(OnnxTensor::Int(q)))
        }
    }
}
