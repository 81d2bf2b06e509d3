//! `MatMul`: the batched product of two tensors (attention's `Q K^T` and `A V`).
use super::{dot, Bound, BoundCx, EvalCx, OpSemantics};
use crate::error::EvalError;
use crate::graph::{checked_product, TensorId, MAX_BITS};
use serde::{Deserialize, Serialize};

/// Batched matrix product of two tensors: `y[t, i, j] = sum_l a[t, i, l] * b[t, l, j]` with `a`
/// of shape `[batch, m, k]` and `b` of shape `[batch, k, n]` (row-major, broadcasts resolved).
/// `k` constraints per output.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MatMul {
    /// Left operand.
    pub a: TensorId,
    /// Right operand.
    pub b: TensorId,
    /// Number of matrix products.
    pub batch: usize,
    /// Rows of `a`.
    pub m: usize,
    /// Inner dimension.
    pub k: usize,
    /// Columns of `b`.
    pub n: usize,
}

impl OpSemantics for MatMul {
    const KIND: &'static str = "matmul";

    fn inputs(&self) -> Vec<TensorId> {
        vec![self.a, self.b]
    }

    fn bound(&self, cx: &BoundCx) -> Result<Bound, String> {
        let MatMul { a, b, batch, m, k, n } = *self;
        let fits = |len: usize, x: usize, y: usize| checked_product(&[batch, x, y]) == Some(len);
        let (la, lb) = (cx.operand(a).len(), cx.operand(b).len());
        if !fits(la, m, k) || !fits(lb, k, n) || !fits(cx.node().len(), m, n) {
            return Err(format!("matmul [{batch}, {m}, {k}] x [{batch}, {k}, {n}] does not fit its tensors"));
        }
        if cx.operand(a).bits.0 as u32 + cx.operand(b).bits.0 as u32 > 2 * MAX_BITS as u32 {
            return Err("product too wide".into());
        }
        Ok(Bound::Derived(cx.max(a).saturating_mul(cx.max(b)).saturating_mul(k as u128)))
    }

    fn eval(&self, cx: &EvalCx) -> Result<Vec<i64>, EvalError> {
        let MatMul { batch, m, k, n, .. } = *self;
        let (av, bv) = (cx.get(self.a)?, cx.get(self.b)?);
        let size = |x: usize, y: usize| batch.checked_mul(x).and_then(|v| v.checked_mul(y));
        if size(m, k) != Some(av.len()) || size(k, n) != Some(bv.len()) {
            return Err(cx.malformed("has operands that do not fit its dimensions"));
        }
        let mut out = Vec::with_capacity(cx.node().checked_len().unwrap_or(0));
        for t in 0..batch {
            for i in 0..m {
                for j in 0..n {
                    let pairs = (0..k).map(|l| (&av[(t * m + i) * k + l], &bv[(t * k + l) * n + j]));
                    let acc = dot(pairs, 0).ok_or_else(|| cx.overflow())?;
                    out.push(cx.check(out.len(), acc)?);
                }
            }
        }
        Ok(out)
    }
}
