//! ONNX `MatMul` with one constant 1-D or 2-D operand: a linear layer (free in R1CS). Leading
//! (batch) dimensions of the input-dependent operand are kept.
use super::gemm::MAX_WEIGHTS;
use crate::error::CompileError;
use crate::graph::LayerKind;
use crate::import::{Ctx, Value};
use crate::onnx::OnnxNode;

/// Imports a `MatMul` node.
pub fn import(node: &OnnxNode, ctx: &mut Ctx) -> Result<(), CompileError> {
    ctx.check_attributes(node, &[])?;
    let (x, w, x_left) = match (ctx.required(node, 0)?.clone(), ctx.required(node, 1)?.clone()) {
        (Value::Dyn(d), Value::Const(_)) => (d, ctx.const_float(node, 1, "B")?, true),
        (Value::Const(_), Value::Dyn(d)) => (d, ctx.const_float(node, 0, "A")?, false),
        (Value::Dyn(_), Value::Dyn(_)) => {
            return Err(ctx.err(
                node,
                "both operands depend on the input; this version supports MatMul with one constant operand",
            ))
        }
        (Value::Const(_), Value::Const(_)) => {
            return Err(ctx.err(node, "both operands are constant; fold constant MatMuls before export"))
        }
    };
    if w.ndim() == 0 || w.ndim() > 2 || x.shape.is_empty() {
        return Err(ctx.err(
            node,
            format!("the constant operand must be 1-D or 2-D (got {:?}) and the other at least 1-D", w.shape()),
        ));
    }
    let w2 = if w.ndim() == 1 {
        let len = w.len();
        let shape = if x_left { [len, 1] } else { [1, len] };
        w.into_shape_with_order(ndarray::IxDyn(&shape)).map_err(|e| ctx.err(node, e.to_string()))?
    } else {
        w
    };
    let xs = &x.shape;
    let (rows, cols, weights, out_shape);
    if x_left {
        // X [..., M, K] @ W [K, N]
        let (k, n) = (w2.shape()[0], w2.shape()[1]);
        let xk = *xs.last().unwrap_or(&0);
        if xk != k {
            return Err(ctx.err(node, format!("inner dimensions differ: {xs:?} @ {:?}", w2.shape())));
        }
        let m_all = x.len() / k.max(1); // batch * M
        rows = m_all * n;
        cols = m_all * k;
        if rows.saturating_mul(cols) > MAX_WEIGHTS {
            return Err(ctx.err(node, format!("the dense map {rows}x{cols} exceeds the supported size")));
        }
        let mut wv = vec![0.0; rows * cols];
        for mi in 0..m_all {
            for ni in 0..n {
                for ki in 0..k {
                    wv[(mi * n + ni) * cols + mi * k + ki] = w2[[ki, ni]];
                }
            }
        }
        weights = wv;
        let mut s = xs[..xs.len() - 1].to_vec();
        if w2.shape()[1] != 1 || out_rank_keeps_n(node, ctx)? {
            s.push(n);
        }
        out_shape = s;
    } else {
        // W [M, K] @ X [K, N]
        if xs.len() > 2 {
            return Err(ctx.err(node, "a constant left operand with a batched right operand is not supported"));
        }
        let (m, k) = (w2.shape()[0], w2.shape()[1]);
        let (xk, n) = if xs.len() == 1 { (xs[0], 1) } else { (xs[0], xs[1]) };
        if xk != k {
            return Err(ctx.err(node, format!("inner dimensions differ: {:?} @ {xs:?}", w2.shape())));
        }
        rows = m * n;
        cols = k * n;
        if rows.saturating_mul(cols) > MAX_WEIGHTS {
            return Err(ctx.err(node, format!("the dense map {rows}x{cols} exceeds the supported size")));
        }
        let mut wv = vec![0.0; rows * cols];
        for mi in 0..m {
            for ni in 0..n {
                for ki in 0..k {
                    wv[(mi * n + ni) * cols + ki * n + ni] = w2[[mi, ki]];
                }
            }
        }
        weights = wv;
        out_shape = if xs.len() == 1 { vec![m] } else { vec![m, n] };
    }
    ctx.push_layer(node, &x, LayerKind::Linear { rows, cols, weights, bias: vec![0.0; rows] }, out_shape)
}

/// A 1-D right operand drops the last output dimension (numpy semantics); a 2-D one keeps it.
fn out_rank_keeps_n(node: &OnnxNode, ctx: &Ctx) -> Result<bool, CompileError> {
    Ok(match ctx.required(node, 1)? {
        Value::Const(t) => t.shape().len() == 2,
        Value::Dyn(_) => true,
    })
}
