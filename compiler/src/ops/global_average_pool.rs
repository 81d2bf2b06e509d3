//! ONNX `GlobalAveragePool`: the mean over all spatial positions of each channel, a depthwise
//! convolution whose kernel covers the whole input.
use crate::error::CompileError;
use crate::graph::LayerKind;
use crate::import::{Ctx, Value};
use crate::onnx::OnnxNode;
use verinfer_ir::ConvGeometry;

/// Imports a `GlobalAveragePool` node.
pub fn import(node: &OnnxNode, ctx: &mut Ctx) -> Result<(), CompileError> {
    ctx.check_attributes(node, &[])?;
    let x = match ctx.required(node, 0)?.clone() {
        Value::Dyn(d) => d,
        Value::Const(_) => return Err(ctx.err(node, "the input is constant; fold it before export")),
    };
    if x.shape.len() < 3 || x.shape[0] != 1 {
        return Err(ctx.err(node, format!("X must be [1, C, spatial...], got {:?}", x.shape)));
    }
    let (c, spatial) = (x.shape[1], x.shape[2..].to_vec());
    let n = spatial.len();
    let geometry = ConvGeometry {
        in_channels: c,
        out_channels: c,
        group: c,
        in_shape: spatial.clone(),
        kernel: spatial,
        strides: vec![1; n],
        dilations: vec![1; n],
        pads: vec![0; n],
        out_shape: vec![1; n],
    };
    geometry.validate().map_err(|e| ctx.err(node, e))?;
    let k = geometry.kernel_len();
    let conv = LayerKind::Conv { geometry, weights: vec![1.0 / k as f64; c * k], bias: vec![0.0; c] };
    let mut shape = vec![1, c];
    shape.extend(std::iter::repeat_n(1, n));
    ctx.push_layer(node, &x, conv, shape)
}
