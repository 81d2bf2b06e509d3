//! ONNX `Gemm`: `Y = alpha * A' B' + beta * C` with A input-dependent and B, C constant; a linear
//! layer (free in R1CS).
use crate::error::CompileError;
use crate::graph::LayerKind;
use crate::import::{Ctx, Value};
use crate::onnx::OnnxNode;
use ndarray::IxDyn;

/// Largest dense weight matrix a layer may have (elements).
pub const MAX_WEIGHTS: usize = 64 << 20;

/// Imports a `Gemm` node.
pub fn import(node: &OnnxNode, ctx: &mut Ctx) -> Result<(), CompileError> {
    ctx.check_attributes(node, &["alpha", "beta", "transA", "transB"])?;
    let alpha = node.attr_float("alpha", 1.0).map_err(|e| ctx.err(node, e))? as f64;
    let beta = node.attr_float("beta", 1.0).map_err(|e| ctx.err(node, e))? as f64;
    let trans_a = node.attr_int("transA", 0).map_err(|e| ctx.err(node, e))? != 0;
    let trans_b = node.attr_int("transB", 0).map_err(|e| ctx.err(node, e))? != 0;
    let a = match ctx.required(node, 0)?.clone() {
        Value::Dyn(d) => d,
        Value::Const(_) => return Err(ctx.err(node, "operand A is constant; fold constant Gemms before export")),
    };
    let b = ctx.const_float(node, 1, "B")?;
    if a.shape.len() != 2 || b.ndim() != 2 {
        return Err(ctx.err(node, format!("A and B must be 2-D, got shapes {:?} and {:?}", a.shape, b.shape())));
    }
    let (m, k) = if trans_a { (a.shape[1], a.shape[0]) } else { (a.shape[0], a.shape[1]) };
    let (kb, n) = if trans_b { (b.shape()[1], b.shape()[0]) } else { (b.shape()[0], b.shape()[1]) };
    if k != kb {
        return Err(ctx.err(node, format!("inner dimensions differ: A' is {m}x{k}, B' is {kb}x{n}")));
    }
    let c = match ctx.input(node, 2)? {
        None => None,
        Some(_) => {
            let c = ctx.const_float(node, 2, "C")?;
            let cb = c
                .broadcast(IxDyn(&[m, n]))
                .ok_or_else(|| ctx.err(node, format!("C of shape {:?} does not broadcast to {m}x{n}", c.shape())))?
                .to_owned();
            Some(cb)
        }
    };
    let (rows, cols) = (m * n, m * k);
    if rows.saturating_mul(cols) > MAX_WEIGHTS {
        return Err(ctx.err(node, format!("the dense map {rows}x{cols} exceeds the supported size")));
    }
    let mut weights = vec![0.0; rows * cols];
    let mut bias = vec![0.0; rows];
    for mi in 0..m {
        for ni in 0..n {
            let r = mi * n + ni;
            for ki in 0..k {
                let bv = if trans_b { b[[ni, ki]] } else { b[[ki, ni]] };
                let col = if trans_a { ki * m + mi } else { mi * k + ki };
                weights[r * cols + col] = alpha * bv;
            }
            if let Some(c) = &c {
                bias[r] = beta * c[[mi, ni]];
            }
        }
    }
    ctx.push_layer(node, &a, LayerKind::Linear { rows, cols, weights, bias }, vec![m, n])
}
