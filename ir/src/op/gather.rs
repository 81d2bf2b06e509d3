//! `Gather`: wiring (Transpose, Concat, Slice, Gather, Pad, broadcasts) with constants.
use super::{Bound, BoundCx, EvalCx, OpSemantics};
use crate::error::EvalError;
use crate::graph::TensorId;
use crate::types::Bits;
use serde::{Deserialize, Serialize};

/// The `map` entry's operand position that names a constant instead.
pub const CONSTANT: u32 = u32::MAX;

/// Wiring: `y_i = sources[map_i.0][map_i.1]`, or the constant `constants[map_i.1]` where
/// `map_i.0 == u32::MAX`
/// (Transpose, Concat, Slice, Gather, Pad, broadcasts). Costs no constraints.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Gather {
    /// Operands.
    pub sources: Vec<TensorId>,
    /// Per output element: (operand position in `sources`, element index).
    pub map: Vec<(u32, u32)>,
    /// Constant elements (padding values, constant operands of a Concat).
    pub constants: Vec<i64>,
}

impl OpSemantics for Gather {
    const KIND: &'static str = "gather";

    fn inputs(&self) -> Vec<TensorId> {
        self.sources.clone()
    }

    fn bound(&self, cx: &BoundCx) -> Result<Bound, String> {
        if self.map.len() != cx.node().len() {
            return Err("gather map does not match the output size".into());
        }
        for &(s, j) in &self.map {
            if s == CONSTANT {
                if j as usize >= self.constants.len() {
                    return Err("gather map names a missing constant".into());
                }
                continue;
            }
            let id = self.sources.get(s as usize).ok_or("gather map names a missing operand")?;
            if j as usize >= cx.operand(*id).len() {
                return Err("gather map reads past its operand".into());
            }
        }
        let mut widths: Vec<Bits> = self.sources.iter().map(|&id| cx.operand(id).bits).collect();
        widths.extend(self.constants.iter().map(|c| Bits::for_bound(c.unsigned_abs() as u128)));
        Ok(Bound::OneOf(widths))
    }

    fn eval(&self, cx: &EvalCx) -> Result<Vec<i64>, EvalError> {
        let srcs: Vec<&[i64]> = self.sources.iter().map(|&id| cx.get(id)).collect::<Result<_, _>>()?;
        let element = |&(s, j): &(u32, u32)| {
            if s == CONSTANT {
                return self.constants.get(j as usize).copied().ok_or_else(|| cx.malformed("reads a missing constant"));
            }
            let value = srcs.get(s as usize).and_then(|v| v.get(j as usize));
            value.copied().ok_or_else(|| cx.malformed("reads past an operand"))
        };
        self.map.iter().map(element).collect()
    }
}
