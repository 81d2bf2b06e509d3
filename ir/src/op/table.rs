//! `Table`: a univariate function as a piecewise-linear table (exp, GELU, sigmoid, ...).
use super::{Bound, BoundCx, EvalCx, OpSemantics};
use crate::error::EvalError;
use crate::func::{table_eval, MAX_TABLE_BITS};
use crate::graph::TensorId;
use serde::{Deserialize, Serialize};

/// A univariate function as a piecewise-linear table over the operand's `w`-bit range
/// (see [`crate::func::table_eval`]): knots every `2^lo_bits` steps, `2^(w - lo_bits) + 1`
/// values, interpolation rounded half up. The output is range-checked to the node's width.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Table {
    /// Operand.
    pub input: TensorId,
    /// Low bits interpolated between knots.
    pub lo_bits: u8,
    /// The function's value at each knot, at the output scale.
    pub values: Vec<i64>,
}

impl OpSemantics for Table {
    const KIND: &'static str = "table";

    fn inputs(&self) -> Vec<TensorId> {
        vec![self.input]
    }

    fn bound(&self, cx: &BoundCx) -> Result<Bound, String> {
        cx.same_len(self.input, "the operand")?;
        let (w, lo_bits) = (cx.operand(self.input).bits.0, self.lo_bits);
        if lo_bits >= w || w - lo_bits > MAX_TABLE_BITS {
            return Err(format!(
                "table over a {w}-bit operand with {lo_bits} interpolated bits: at most {MAX_TABLE_BITS} selected bits"
            ));
        }
        if self.values.len() != (1usize << (w - lo_bits)) + 1 {
            return Err("table length does not match its operand width".into());
        }
        if self.values.iter().any(|&v| !cx.node().bits.contains(v)) {
            return Err("a table value exceeds the declared width".into());
        }
        Ok(Bound::Enforced) // range-checked by the gadget
    }

    fn eval(&self, cx: &EvalCx) -> Result<Vec<i64>, EvalError> {
        let (src, width) = (cx.get(self.input)?, cx.operand(self.input)?.bits.0);
        let value = |(i, &x): (usize, &i64)| {
            let y = table_eval(x, width, self.lo_bits, &self.values)
                .ok_or_else(|| cx.malformed("has a table that does not cover its operand"))?;
            cx.check(i, y as i128)
        };
        src.iter().enumerate().map(value).collect()
    }
}
