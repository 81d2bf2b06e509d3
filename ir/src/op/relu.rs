//! `Relu`: `max(x, 0)`.
use super::{Bound, BoundCx, EvalCx, OpSemantics};
use crate::error::EvalError;
use crate::graph::TensorId;
use serde::{Deserialize, Serialize};

/// `y = max(x, 0)`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Relu {
    /// Operand.
    pub input: TensorId,
}

impl OpSemantics for Relu {
    const KIND: &'static str = "relu";

    fn inputs(&self) -> Vec<TensorId> {
        vec![self.input]
    }

    fn bound(&self, cx: &BoundCx) -> Result<Bound, String> {
        cx.same_len(self.input, "the operand")?;
        Ok(Bound::Derived(cx.max(self.input) - 1)) // the output lies in [0, 2^(b-1) - 1]
    }

    fn eval(&self, cx: &EvalCx) -> Result<Vec<i64>, EvalError> {
        Ok(cx.get(self.input)?.iter().map(|&x| x.max(0)).collect())
    }
}
