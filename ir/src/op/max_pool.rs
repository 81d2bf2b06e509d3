//! `MaxPool`: the largest element of each window.
use super::{Bound, BoundCx, EvalCx, OpSemantics};
use crate::error::EvalError;
use crate::graph::TensorId;
use serde::{Deserialize, Serialize};

/// `y_i = max_t x[windows[i * size + t]]`: the largest of `size` operand elements per output
/// (max pooling; padding is simply left out of the windows).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MaxPool {
    /// Operand.
    pub input: TensorId,
    /// Elements per window.
    pub size: usize,
    /// Operand indices, `size` per output element.
    pub windows: Vec<u32>,
}

impl OpSemantics for MaxPool {
    const KIND: &'static str = "max_pool";

    fn inputs(&self) -> Vec<TensorId> {
        vec![self.input]
    }

    fn bound(&self, cx: &BoundCx) -> Result<Bound, String> {
        cx.windows(self.input, self.size, &self.windows, "pooling")?;
        Ok(Bound::OneOf(vec![cx.operand(self.input).bits])) // one of its operand's values
    }

    fn eval(&self, cx: &EvalCx) -> Result<Vec<i64>, EvalError> {
        let src = cx.get(self.input)?;
        cx.windows(src, self.size, &self.windows)?;
        let max = |w: &[u32]| w.iter().map(|&j| src[j as usize] as i128).max().unwrap_or(0);
        cx.checked(self.windows.chunks(self.size).map(max))
    }
}
