//! ONNX `LayerNormalization` (opset 17): `(x - mean) / sqrt(var + epsilon) * scale + bias` over the
//! axes from `axis` on.
//!
//! Lowered to: the mean (a sum pool and `1 / n`), `d = x - mean` (a sum), `d^2` (products), the
//! variance plus epsilon (a sum pool and an affine map), its reciprocal square root (exact integer
//! root gadget), `d * rsqrt` (products) and the affine `scale`, `bias`. Only output 0 is computed:
//! a node that reads Mean or InvStdDev fails with "produced by no earlier node".
use super::reduce::{groups, spread};
use crate::error::CompileError;
use crate::graph::LayerKind;
use crate::import::{Ctx, Value};
use crate::onnx::OnnxNode;
use ndarray::IxDyn;

/// Imports a `LayerNormalization` node.
pub fn import(node: &OnnxNode, ctx: &mut Ctx) -> Result<(), CompileError> {
    ctx.check_attributes(node, &["axis", "epsilon", "stash_type"])?;
    let x = match ctx.required(node, 0)?.clone() {
        Value::Dyn(d) => d,
        Value::Const(_) => return Err(ctx.err(node, "the input is constant; fold it before export")),
    };
    let rank = x.shape.len();
    let a = super::layout::axis(ctx, node, node.attr_int("axis", -1).map_err(|e| ctx.err(node, e))?, rank)?;
    let eps = node.attr_float("epsilon", 1e-5).map_err(|e| ctx.err(node, e))? as f64;
    let shape = x.shape.clone();
    let norm_shape = &shape[a..];
    let bcast = |t: ndarray::ArrayD<f64>, what: &str| -> Result<Vec<f64>, CompileError> {
        t.broadcast(IxDyn(&shape)).map(|b| b.iter().copied().collect()).ok_or_else(|| {
            ctx.err(node, format!("{what} of shape {:?} does not broadcast to {norm_shape:?}", t.shape()))
        })
    };
    let scale = bcast(ctx.const_float(node, 1, "Scale")?, "Scale")?;
    let bias = match ctx.input(node, 2)? {
        None => vec![0.0; scale.len()],
        Some(_) => bcast(ctx.const_float(node, 2, "B")?, "B")?,
    };
    let g = groups(&shape, &(a..rank).collect::<Vec<_>>());
    let inv = 1.0 / g.size.max(1) as f64;
    let sum = ctx.add_layer(
        node,
        &[&x],
        LayerKind::SumPool { size: g.size, windows: g.windows.clone() },
        g.kept.clone(),
        "sum",
    )?;
    let ng = sum.len();
    let mean = ctx.add_layer(
        node,
        &[&sum],
        LayerKind::Affine { mul: vec![inv; ng], add: vec![0.0; ng] },
        g.kept.clone(),
        "mean",
    )?;
    let mean_b = spread(ctx, node, &mean, &g, &shape, "mean_b")?;
    let d =
        ctx.add_layer(node, &[&x, &mean_b], LayerKind::Sum { coeffs: vec![1.0, -1.0] }, shape.clone(), "centered")?;
    let sq = ctx.add_layer(node, &[&d, &d], LayerKind::Mul, shape.clone(), "square")?;
    let ssq = ctx.add_layer(
        node,
        &[&sq],
        LayerKind::SumPool { size: g.size, windows: g.windows.clone() },
        g.kept.clone(),
        "sum_sq",
    )?;
    let var = ctx.add_layer(
        node,
        &[&ssq],
        LayerKind::Affine { mul: vec![inv; ng], add: vec![eps; ng] },
        g.kept.clone(),
        "var",
    )?;
    let r = ctx.add_layer(node, &[&var], LayerKind::Rsqrt, g.kept.clone(), "rsqrt")?;
    let r_b = spread(ctx, node, &r, &g, &shape, "rsqrt_b")?;
    let y = ctx.add_layer(node, &[&d, &r_b], LayerKind::Mul, shape.clone(), "normalized")?;
    ctx.push_layer(node, &y, LayerKind::Affine { mul: scale, add: bias }, shape)
}
