//! ONNX `QLinearConv`: a convolution of quantized input and weights (per tensor or per output
//! channel) with an int32 bias at scale `x_scale * w_scale`, requantized. Lowered as dequantize
//! (an affine layer; the weights and bias are folded), `Conv` (see `conv`, same attributes) and
//! quantize (affine, rounding to the grid, clamp; see `qdq`). The affine maps fold into the
//! convolution's linear layer, so the cost is the grid's rounding and clamp.
use super::qdq::{inner_name, params};
use super::qlinear_matmul::{operand, requantize};
use crate::error::CompileError;
use crate::import::{Ctx, Value};
use crate::onnx::{OnnxNode, OnnxTensor};

/// Imports a `QLinearConv` node.
pub fn import(node: &OnnxNode, ctx: &mut Ctx) -> Result<(), CompileError> {
    ctx.check_attributes(node, &["auto_pad", "dilations", "group", "kernel_shape", "pads", "strides"])?;
    let x = operand(node, ctx, 0, None, "x")?;
    let w = operand(node, ctx, 3, Some(0), "w")?;
    let mut inputs = vec![x, w];
    if ctx.input(node, 8)?.is_some() {
        // bias: int32 at scale x_scale * w_scale (per output channel), zero point 0
        let b = ctx.const_int(node, 8, "B")?;
        let m = b.len();
        let xs = params(node, ctx, 1, 2, &[1], None, "uint8")?.scale[0];
        let ws = params(node, ctx, 4, 5, &[m], Some(0), "uint8")?.scale;
        let bf = ndarray::ArrayD::from_shape_vec(
            ndarray::IxDyn(&[m]),
            b.iter().zip(&ws).map(|(&q, &s)| q as f64 * xs * s).collect(),
        )
        .map_err(|e| ctx.err(node, e.to_string()))?;
        let name = inner_name(node, "bias");
        ctx.bind(name.clone(), Value::Const(OnnxTensor::Float(bf)));
        inputs.push(name);
    }
    let out = inner_name(node, "conv");
    let inner = OnnxNode {
        name: node.name.clone(),
        op_type: "Conv".into(),
        domain: String::new(),
        inputs,
        outputs: vec![out.clone()],
        attributes: node.attributes.clone(),
    };
    super::conv::import(&inner, ctx)?;
    requantize(node, ctx, &out, 6, 7)
}
