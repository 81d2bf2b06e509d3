//! `Linear`: a dense map with constant integer weights (Gemm, MatMul by a constant).
use super::{dot, l1_rows, Bound, BoundCx, EvalCx, OpSemantics};
use crate::error::EvalError;
use crate::graph::TensorId;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

/// `y = W x + b` over flattened tensors with constant integer weights (`rows x cols`, row-major).
/// Exact: no rounding. Costs no constraints in R1CS.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Linear {
    /// Operand.
    pub input: TensorId,
    /// Output length.
    pub rows: usize,
    /// Operand length.
    pub cols: usize,
    /// Row-major weights.
    pub weights: Vec<i64>,
    /// One bias per output.
    pub bias: Vec<i64>,
}

impl Linear {
    /// The largest absolute output when every operand value is within `in_max` (saturating).
    pub fn weighted_bound(&self, in_max: u128) -> u128 {
        l1_rows(&self.weights, self.cols, &self.bias, in_max)
    }

    fn sizes_fit(&self) -> bool {
        self.rows.checked_mul(self.cols) == Some(self.weights.len()) && self.bias.len() == self.rows
    }
}

impl OpSemantics for Linear {
    const KIND: &'static str = "linear";

    fn inputs(&self) -> Vec<TensorId> {
        vec![self.input]
    }

    fn bound(&self, cx: &BoundCx) -> Result<Bound, String> {
        let (from, to) = (cx.operand(self.input).len(), cx.node().len());
        if self.cols != from || self.rows != to {
            return Err(format!("linear map {}x{} does not fit {from} -> {to}", self.rows, self.cols));
        }
        if !self.sizes_fit() {
            return Err("weight or bias length mismatch".into());
        }
        Ok(Bound::Derived(self.weighted_bound(cx.max(self.input))))
    }

    fn eval(&self, cx: &EvalCx) -> Result<Vec<i64>, EvalError> {
        let src = cx.get(self.input)?;
        let cols = self.cols;
        if src.len() != cols || !self.sizes_fit() {
            return Err(cx.malformed("has inconsistent sizes"));
        }
        // Rows are independent: evaluate them on every core (rayon) for large layers.
        let rows = (0..self.rows).into_par_iter().with_min_len((1 << 14) / cols.max(1) + 1);
        rows.map(|r| {
            let row = &self.weights[r * cols..(r + 1) * cols];
            let acc = dot(row.iter().zip(src), self.bias[r]).ok_or_else(|| cx.overflow())?;
            cx.check(r, acc)
        })
        .collect()
    }
}
