//! `Step`: the indicator `[x >= 0]` (comparisons).
use super::{Bound, BoundCx, EvalCx, OpSemantics};
use crate::error::EvalError;
use crate::graph::TensorId;
use serde::{Deserialize, Serialize};

/// `y = 1` if `x >= 0`, else `0`: the sign bit of the operand's range check (comparisons:
/// Less, Greater and their OrEqual forms are this on a difference).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Step {
    /// Operand.
    pub input: TensorId,
}

impl OpSemantics for Step {
    const KIND: &'static str = "step";

    fn inputs(&self) -> Vec<TensorId> {
        vec![self.input]
    }

    fn bound(&self, cx: &BoundCx) -> Result<Bound, String> {
        cx.same_len(self.input, "the operand")?;
        Ok(Bound::Derived(1))
    }

    fn eval(&self, cx: &EvalCx) -> Result<Vec<i64>, EvalError> {
        Ok(cx.get(self.input)?.iter().map(|&x| i64::from(x >= 0)).collect())
    }
}
