//! ONNX `BatchNormalization` (inference): `y = scale (x - mean) / sqrt(var + epsilon) + B` per channel,
//! an element-wise affine layer that the compiler folds into a preceding Conv or Gemm (and keeps as a
//! free affine map otherwise).
use crate::error::CompileError;
use crate::graph::LayerKind;
use crate::import::{Ctx, Value};
use crate::onnx::OnnxNode;

/// Imports a `BatchNormalization` node.
pub fn import(node: &OnnxNode, ctx: &mut Ctx) -> Result<(), CompileError> {
    ctx.check_attributes(node, &["epsilon", "momentum", "spatial", "training_mode", "is_test", "consumed_inputs"])?;
    if node.attr_int("training_mode", 0).map_err(|e| ctx.err(node, e))? != 0 {
        return Err(ctx.err(node, "training_mode 1 is not supported: export the model in eval mode"));
    }
    if node.attr_int("spatial", 1).map_err(|e| ctx.err(node, e))? != 1 {
        return Err(ctx.err(node, "spatial 0 is not supported"));
    }
    if node.outputs.iter().skip(1).any(|s| !s.is_empty()) {
        return Err(ctx.err(node, "only the Y output is supported (running statistics are training outputs)"));
    }
    let eps = node.attr_float("epsilon", 1e-5).map_err(|e| ctx.err(node, e))? as f64;
    let x = match ctx.required(node, 0)?.clone() {
        Value::Dyn(d) => d,
        Value::Const(_) => return Err(ctx.err(node, "the input is constant; fold it before export")),
    };
    if x.shape.len() < 2 {
        return Err(ctx.err(node, format!("X must be [N, C, ...], got {:?}", x.shape)));
    }
    let c = x.shape[1];
    let get = |i: usize, what: &str| -> Result<Vec<f64>, CompileError> {
        let t = ctx.const_float(node, i, what)?;
        if t.len() != c {
            return Err(ctx.err(node, format!("{what} has {} values for {c} channels", t.len())));
        }
        Ok(t.iter().copied().collect())
    };
    let (scale, b, mean, var) = (get(1, "scale")?, get(2, "B")?, get(3, "mean")?, get(4, "var")?);
    let sp: usize = x.shape[2..].iter().product();
    let mut per_channel = Vec::with_capacity(c);
    for ch in 0..c {
        if var[ch] + eps <= 0.0 {
            return Err(ctx.err(node, format!("var + epsilon is {} for channel {ch}", var[ch] + eps)));
        }
        let m = scale[ch] / (var[ch] + eps).sqrt();
        per_channel.push((m, b[ch] - mean[ch] * m));
    }
    // every element of every batch item: channel = (i / spatial) mod C
    let (mul, add): (Vec<f64>, Vec<f64>) = (0..x.len()).map(|i| per_channel[(i / sp.max(1)) % c]).unzip();
    let shape = x.shape.clone();
    ctx.push_layer(node, &x, LayerKind::Affine { mul, add }, shape)
}
