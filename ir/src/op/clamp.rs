//! `Clamp`: saturation to an integer grid (int8 and uint8 tensors of quantized models).
use super::{Bound, BoundCx, EvalCx, OpSemantics};
use crate::error::EvalError;
use crate::graph::{TensorId, MAX_BITS};
use serde::{Deserialize, Serialize};

/// `y = min(max(x, lo), hi)` with `lo <= hi`: the saturation of an integer grid (int8 and uint8
/// tensors of quantized models). The output width is that of `[lo, hi]`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Clamp {
    /// Operand.
    pub input: TensorId,
    /// Smallest output.
    pub lo: i64,
    /// Largest output.
    pub hi: i64,
}

impl OpSemantics for Clamp {
    const KIND: &'static str = "clamp";

    fn inputs(&self) -> Vec<TensorId> {
        vec![self.input]
    }

    fn bound(&self, cx: &BoundCx) -> Result<Bound, String> {
        cx.same_len(self.input, "the operand")?;
        let (lo, hi) = (self.lo, self.hi);
        if lo > hi || lo.unsigned_abs() >= 1 << 40 || hi.unsigned_abs() >= 1 << 40 {
            return Err(format!("clamp to [{lo}, {hi}] is empty or too wide"));
        }
        if cx.operand(self.input).bits.0 > MAX_BITS - 2 {
            return Err("clamp operand too wide".into());
        }
        Ok(Bound::Derived(lo.unsigned_abs().max(hi.unsigned_abs()) as u128))
    }

    fn eval(&self, cx: &EvalCx) -> Result<Vec<i64>, EvalError> {
        let (lo, hi) = (self.lo, self.hi.max(self.lo));
        Ok(cx.get(self.input)?.iter().map(|&x| x.clamp(lo, hi)).collect())
    }
}
