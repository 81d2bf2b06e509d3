//! `Mul`: the element-wise product of two tensors.
use super::{Bound, BoundCx, EvalCx, OpSemantics};
use crate::error::EvalError;
use crate::graph::{TensorId, MAX_BITS};
use serde::{Deserialize, Serialize};

/// Element-wise product `y_i = a_i * b_i` of two tensors of one length. One constraint each.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Mul {
    /// Left operand.
    pub a: TensorId,
    /// Right operand.
    pub b: TensorId,
}

impl OpSemantics for Mul {
    const KIND: &'static str = "mul";

    fn inputs(&self) -> Vec<TensorId> {
        vec![self.a, self.b]
    }

    fn bound(&self, cx: &BoundCx) -> Result<Bound, String> {
        cx.same_len(self.a, "the left operand")?;
        cx.same_len(self.b, "the right operand")?;
        if cx.operand(self.a).bits.0 as u32 + cx.operand(self.b).bits.0 as u32 > 2 * MAX_BITS as u32 {
            return Err("product too wide".into());
        }
        Ok(Bound::Derived(cx.max(self.a).saturating_mul(cx.max(self.b))))
    }

    fn eval(&self, cx: &EvalCx) -> Result<Vec<i64>, EvalError> {
        let (a, b) = (cx.get(self.a)?, cx.get(self.b)?);
        cx.same(a, b)?;
        cx.checked(a.iter().zip(b).map(|(&x, &y)| x as i128 * y as i128))
    }
}
