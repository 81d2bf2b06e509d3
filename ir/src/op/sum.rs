//! `Sum`: an element-wise weighted sum of tensors (residual Add, Sub, scale alignment).
use super::{Bound, BoundCx, EvalCx, OpSemantics};
use crate::error::EvalError;
use crate::graph::TensorId;
use serde::{Deserialize, Serialize};

/// Element-wise `y_i = sum_t c_t * x_t[i]` over tensors of one length (residual Add, Sub, scale
/// alignment). Exact; costs no constraints.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Sum {
    /// Operands and their constant multipliers.
    pub terms: Vec<(TensorId, i64)>,
}

impl OpSemantics for Sum {
    const KIND: &'static str = "sum";

    fn inputs(&self) -> Vec<TensorId> {
        self.terms.iter().map(|(t, _)| *t).collect()
    }

    fn bound(&self, cx: &BoundCx) -> Result<Bound, String> {
        if self.terms.is_empty() {
            return Err("a sum needs at least one term".into());
        }
        let mut b = 0u128;
        for &(t, c) in &self.terms {
            cx.same_len(t, "a term")?;
            b = b.saturating_add(cx.max(t).saturating_mul(c.unsigned_abs() as u128));
        }
        Ok(Bound::Derived(b))
    }

    fn eval(&self, cx: &EvalCx) -> Result<Vec<i64>, EvalError> {
        let mut acc = vec![0i128; cx.node().len()];
        for &(t, c) in &self.terms {
            let src = cx.get(t)?;
            if src.len() != acc.len() {
                return Err(cx.malformed("has terms of different lengths"));
            }
            for (a, &x) in acc.iter_mut().zip(src) {
                *a = a.checked_add(x as i128 * c as i128).ok_or_else(|| cx.overflow())?;
            }
        }
        cx.checked(acc)
    }
}
