//! `SumPool`: the sum of each window (sum pooling, reductions).
use super::{Bound, BoundCx, EvalCx, OpSemantics};
use crate::error::EvalError;
use crate::graph::TensorId;
use serde::{Deserialize, Serialize};

/// `y_i = sum_t x[windows[i * size + t]]`: sum pooling and reductions (ReduceSum, the mean of
/// LayerNorm). Exact; costs no constraints.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SumPool {
    /// Operand.
    pub input: TensorId,
    /// Elements per window.
    pub size: usize,
    /// Operand indices, `size` per output element.
    pub windows: Vec<u32>,
}

impl OpSemantics for SumPool {
    const KIND: &'static str = "sum_pool";

    fn inputs(&self) -> Vec<TensorId> {
        vec![self.input]
    }

    fn bound(&self, cx: &BoundCx) -> Result<Bound, String> {
        cx.windows(self.input, self.size, &self.windows, "pooling")?;
        Ok(Bound::Derived(cx.max(self.input).saturating_mul(self.size as u128)))
    }

    fn eval(&self, cx: &EvalCx) -> Result<Vec<i64>, EvalError> {
        let src = cx.get(self.input)?;
        cx.windows(src, self.size, &self.windows)?;
        // at most 2^63 * 2^31 in absolute value: no overflow in i128
        let sum = |w: &[u32]| w.iter().map(|&j| src[j as usize] as i128).sum();
        cx.checked(self.windows.chunks(self.size).map(sum))
    }
}
