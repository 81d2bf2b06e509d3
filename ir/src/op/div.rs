//! `Div`: element-wise division rounded half up (softmax's normalisation, LayerNorm).
use super::{Bound, BoundCx, EvalCx, OpSemantics};
use crate::error::EvalError;
use crate::func::div_round;
use crate::graph::TensorId;
use serde::{Deserialize, Serialize};

/// Element-wise division rounded half up: `y = floor((2 num 2^shift + den) / (2 den))`, defined
/// for `den >= 1` (no proof exists otherwise). Output range-checked.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Div {
    /// Numerator.
    pub num: TensorId,
    /// Denominator.
    pub den: TensorId,
    /// Power of two the numerator is multiplied by.
    pub shift: u8,
}

impl OpSemantics for Div {
    const KIND: &'static str = "div";

    fn inputs(&self) -> Vec<TensorId> {
        vec![self.num, self.den]
    }

    fn bound(&self, cx: &BoundCx) -> Result<Bound, String> {
        cx.same_len(self.num, "the numerator")?;
        cx.same_len(self.den, "the denominator")?;
        let (bn, bd) = (cx.operand(self.num).bits.0 as u32, cx.operand(self.den).bits.0 as u32);
        if bn + self.shift as u32 + 3 > 120 || cx.node().bits.0 as u32 + bd + 2 > 120 {
            return Err("division operands too wide".into());
        }
        Ok(Bound::Enforced)
    }

    fn eval(&self, cx: &EvalCx) -> Result<Vec<i64>, EvalError> {
        let (nv, dv) = (cx.get(self.num)?, cx.get(self.den)?);
        cx.same(nv, dv)?;
        let quotient = |(i, (&x, &d)): (usize, (&i64, &i64))| {
            let q = div_round(x, d, self.shift).ok_or_else(|| cx.not_positive(i, d, "divisor"))?;
            cx.check(i, q)
        };
        nv.iter().zip(dv).enumerate().map(quotient).collect()
    }
}
