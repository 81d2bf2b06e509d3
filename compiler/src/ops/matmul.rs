//! ONNX `MatMul`. With one constant 1-D or 2-D operand: a linear layer (free in R1CS), leading
//! (batch) dimensions of the input-dependent operand kept. With a constant right operand of rank 3
//! or more: a linear layer too, one matrix per batch index, batch dimensions broadcast numpy-style.
//! With two input-dependent operands (attention): the batched matrix-product gadget, batch
//! dimensions broadcast numpy-style.
use super::gemm::MAX_WEIGHTS;
use crate::error::CompileError;
use crate::graph::LayerKind;
use crate::import::{Ctx, Dyn, Value};
use crate::onnx::OnnxNode;

/// Imports a `MatMul` node.
pub fn import(node: &OnnxNode, ctx: &mut Ctx) -> Result<(), CompileError> {
    ctx.check_attributes(node, &[])?;
    let (x, w, x_left) = match (ctx.required(node, 0)?.clone(), ctx.required(node, 1)?.clone()) {
        (Value::Dyn(d), Value::Const(_)) => (d, ctx.const_float(node, 1, "B")?, true),
        (Value::Const(_), Value::Dyn(d)) => (d, ctx.const_float(node, 0, "A")?, false),
        (Value::Dyn(a), Value::Dyn(b)) => return dynamic(node, ctx, &a, &b),
        (Value::Const(_), Value::Const(_)) => {
            return Err(ctx.err(node, "both operands are constant; fold constant MatMuls before export"))
        }
    };
    if x_left && w.ndim() > 2 && !x.shape.is_empty() {
        return batched_constant(node, ctx, &x, &w);
    }
    if w.ndim() == 0 || w.ndim() > 2 || x.shape.is_empty() {
        return Err(ctx.err(
            node,
            format!(
                "the constant operand must be at least 1-D, and at most 2-D on the left (got {:?}); the other must be at least 1-D",
                w.shape()
            ),
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

/// `X [..., M, K] @ W [..., K, N]` with a constant `W` of rank 3 or more: a dense linear map whose
/// block for each (broadcast) batch index is that index's matrix of `W`. A 1-D `X` is `[1, K]`
/// with the `M` axis dropped from the output.
fn batched_constant(node: &OnnxNode, ctx: &mut Ctx, x: &Dyn, w: &ndarray::ArrayD<f64>) -> Result<(), CompileError> {
    use super::layout::{broadcast_map, broadcast_shape};
    let x_vec = x.shape.len() == 1;
    let xs = if x_vec { vec![1, x.shape[0]] } else { x.shape.clone() };
    let ws = w.shape();
    let (m, k) = (xs[xs.len() - 2], xs[xs.len() - 1]);
    let (kw, n) = (ws[ws.len() - 2], ws[ws.len() - 1]);
    if k != kw {
        return Err(ctx.err(node, format!("inner dimensions differ: {:?} @ {ws:?}", x.shape)));
    }
    let (xb, wb) = (&xs[..xs.len() - 2], &ws[..ws.len() - 2]);
    let batch = broadcast_shape(xb, wb)
        .ok_or_else(|| ctx.err(node, format!("batch dimensions of {:?} and {ws:?} do not broadcast", x.shape)))?;
    ctx.check_size(node, &[batch.as_slice(), &[m, n]].concat())?;
    let (x_of, w_of) = (broadcast_map(xb, &batch), broadcast_map(wb, &batch));
    let rows = x_of.len() * m * n;
    let cols = x.len();
    if rows.saturating_mul(cols) > MAX_WEIGHTS {
        return Err(ctx.err(node, format!("the dense map {rows}x{cols} exceeds the supported size")));
    }
    let wf: Vec<f64> = w.iter().copied().collect();
    let mut weights = vec![0.0; rows * cols];
    for (t, (&tx, &tw)) in x_of.iter().zip(&w_of).enumerate() {
        for i in 0..m {
            for j in 0..n {
                let r = (t * m + i) * n + j;
                for l in 0..k {
                    weights[r * cols + (tx * m + i) * k + l] = wf[(tw * k + l) * n + j];
                }
            }
        }
    }
    let mut out = batch;
    if !x_vec {
        out.push(m);
    }
    out.push(n);
    ctx.push_layer(node, x, LayerKind::Linear { rows, cols, weights, bias: vec![0.0; rows] }, out)
}

/// A 1-D right operand drops the last output dimension (numpy semantics); a 2-D one keeps it.
fn out_rank_keeps_n(node: &OnnxNode, ctx: &Ctx) -> Result<bool, CompileError> {
    Ok(match ctx.required(node, 1)? {
        Value::Const(t) => t.shape().len() == 2,
        Value::Dyn(_) => true,
    })
}

/// Both operands input-dependent: `[..., M, K] @ [..., K, N]`.
fn dynamic(node: &OnnxNode, ctx: &mut Ctx, a: &Dyn, b: &Dyn) -> Result<(), CompileError> {
    use super::layout::{broadcast_dyn, broadcast_shape};
    if a.shape.is_empty() || b.shape.is_empty() {
        return Err(ctx.err(node, "operands must be at least 1-D"));
    }
    let (a_vec, b_vec) = (a.shape.len() == 1, b.shape.len() == 1);
    let a2 = if a_vec { vec![1, a.shape[0]] } else { a.shape.clone() };
    let b2 = if b_vec { vec![b.shape[0], 1] } else { b.shape.clone() };
    let (m, k) = (a2[a2.len() - 2], a2[a2.len() - 1]);
    let (kb, n) = (b2[b2.len() - 2], b2[b2.len() - 1]);
    if k != kb {
        return Err(ctx.err(node, format!("inner dimensions differ: {:?} @ {:?}", a.shape, b.shape)));
    }
    let batch_shape = broadcast_shape(&a2[..a2.len() - 2], &b2[..b2.len() - 2]).ok_or_else(|| {
        ctx.err(node, format!("batch dimensions of {:?} and {:?} do not broadcast", a.shape, b.shape))
    })?;
    ctx.check_size(node, &[batch_shape.as_slice(), &[m, n]].concat())?;
    let batch: usize = batch_shape.iter().product();
    let full = |mut s: Vec<usize>, x: usize, y: usize| {
        s.push(x);
        s.push(y);
        s
    };
    let a_in =
        broadcast_dyn(ctx, node, &Dyn { src: a.src, shape: a2 }, &full(batch_shape.clone(), m, k), "a_broadcast")?;
    let b_in =
        broadcast_dyn(ctx, node, &Dyn { src: b.src, shape: b2 }, &full(batch_shape.clone(), k, n), "b_broadcast")?;
    let mut out = batch_shape;
    if !a_vec {
        out.push(m);
    }
    if !b_vec {
        out.push(n);
    }
    ctx.push_layer_multi(node, &[&a_in, &b_in], LayerKind::MatMul { batch, m, k, n }, out)
}
