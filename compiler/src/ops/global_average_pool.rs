//! ONNX `GlobalAveragePool`: the mean over all spatial positions of each channel, a linear layer.
use super::gemm::MAX_WEIGHTS;
use crate::error::CompileError;
use crate::graph::LayerKind;
use crate::import::{Ctx, Value};
use crate::onnx::OnnxNode;

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
    let c = x.shape[1];
    let sp: usize = x.shape[2..].iter().product();
    if c.saturating_mul(c * sp) > MAX_WEIGHTS {
        return Err(ctx.err(node, format!("the pooling's {c}x{} map exceeds the supported size", c * sp)));
    }
    let cols = c * sp;
    let mut weights = vec![0.0; c * cols];
    for ch in 0..c {
        for i in 0..sp {
            weights[ch * cols + ch * sp + i] = 1.0 / sp as f64;
        }
    }
    let mut shape = vec![1, c];
    shape.extend(std::iter::repeat_n(1, x.shape.len() - 2));
    ctx.push_layer(node, &x, LayerKind::Linear { rows: c, cols, weights, bias: vec![0.0; c] }, shape)
}
