//! `Affine`: an element-wise map with constant integers (batch norm, scale alignment, broadcasts).
use super::{l1_rows, Bound, BoundCx, EvalCx, OpSemantics};
use crate::error::EvalError;
use crate::graph::TensorId;
use serde::{Deserialize, Serialize};

/// Element-wise `y_i = mul_i * x_i + add_i` with constant integers (broadcasts resolved).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Affine {
    /// Operand.
    pub input: TensorId,
    /// Per-element multipliers.
    pub mul: Vec<i64>,
    /// Per-element offsets.
    pub add: Vec<i64>,
}

impl Affine {
    /// The largest absolute output when every operand value is within `in_max` (saturating).
    pub fn weighted_bound(&self, in_max: u128) -> u128 {
        l1_rows(&self.mul, 1, &self.add, in_max)
    }
}

impl OpSemantics for Affine {
    const KIND: &'static str = "affine";

    fn inputs(&self) -> Vec<TensorId> {
        vec![self.input]
    }

    fn bound(&self, cx: &BoundCx) -> Result<Bound, String> {
        cx.same_len(self.input, "the operand")?;
        let len = cx.node().len();
        if self.mul.len() != len || self.add.len() != len {
            return Err("affine map length mismatch".into());
        }
        Ok(Bound::Derived(self.weighted_bound(cx.max(self.input))))
    }

    fn eval(&self, cx: &EvalCx) -> Result<Vec<i64>, EvalError> {
        let src = cx.get(self.input)?;
        if self.mul.len() != src.len() || self.add.len() != src.len() {
            return Err(cx.malformed("has inconsistent sizes"));
        }
        let terms = src.iter().zip(self.mul.iter().zip(&self.add));
        cx.checked(terms.map(|(&x, (&m, &a))| x as i128 * m as i128 + a as i128))
    }
}
