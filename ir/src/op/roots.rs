//! `Sqrt` and `Rsqrt`: integer square roots (LayerNorm's standard deviation).
use super::{Bound, BoundCx, EvalCx, OpSemantics};
use crate::error::EvalError;
use crate::func::{rsqrt, sqrt};
use crate::graph::TensorId;
use serde::{Deserialize, Serialize};

/// Element-wise square root: `y = floor(sqrt(x 2^exp))`, defined for `x >= 0`. Output
/// range-checked.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Sqrt {
    /// Operand.
    pub input: TensorId,
    /// Power of two under the root.
    pub exp: u8,
}

/// Element-wise reciprocal square root: `y = floor(sqrt(2^exp / x))`, defined for `x >= 1`.
/// Output range-checked.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Rsqrt {
    /// Operand.
    pub input: TensorId,
    /// Power of two under the root.
    pub exp: u8,
}

/// Applies a partial root element-wise; `what` names the operand where it is undefined.
fn roots(
    cx: &EvalCx,
    input: TensorId,
    f: impl Fn(i64) -> Option<i128>,
    what: &'static str,
) -> Result<Vec<i64>, EvalError> {
    let root = |(i, &x): (usize, &i64)| cx.check(i, f(x).ok_or_else(|| cx.not_positive(i, x, what))?);
    cx.get(input)?.iter().enumerate().map(root).collect()
}

impl OpSemantics for Sqrt {
    const KIND: &'static str = "sqrt";

    fn inputs(&self) -> Vec<TensorId> {
        vec![self.input]
    }

    fn bound(&self, cx: &BoundCx) -> Result<Bound, String> {
        cx.same_len(self.input, "the operand")?;
        let (w_in, w_out) = (cx.operand(self.input).bits.0 as u32, cx.node().bits.0 as u32);
        if w_in + self.exp as u32 + 2 > 120 || 2 * w_out + 2 > 120 {
            return Err("square root operands too wide".into());
        }
        Ok(Bound::Enforced)
    }

    fn eval(&self, cx: &EvalCx) -> Result<Vec<i64>, EvalError> {
        roots(cx, self.input, |x| sqrt(x, self.exp), "operand of the square root")
    }
}

impl OpSemantics for Rsqrt {
    const KIND: &'static str = "rsqrt";

    fn inputs(&self) -> Vec<TensorId> {
        vec![self.input]
    }

    fn bound(&self, cx: &BoundCx) -> Result<Bound, String> {
        cx.same_len(self.input, "the operand")?;
        let (w_in, w_out) = (cx.operand(self.input).bits.0 as u32, cx.node().bits.0 as u32);
        if self.exp as u32 > 120 || 2 * w_out + w_in + 2 > 120 {
            return Err("reciprocal square root operands too wide".into());
        }
        Ok(Bound::Enforced)
    }

    fn eval(&self, cx: &EvalCx) -> Result<Vec<i64>, EvalError> {
        roots(cx, self.input, |x| rsqrt(x, self.exp), "operand of the reciprocal square root")
    }
}
