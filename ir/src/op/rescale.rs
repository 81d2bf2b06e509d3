//! `Rescale`: division by a power of two, rounding halves up, with a range-checked output.
use super::{Bound, BoundCx, EvalCx, OpSemantics};
use crate::error::EvalError;
use crate::graph::TensorId;
use serde::{Deserialize, Serialize};

/// `y = floor((x + 2^(shift-1)) / 2^shift)` (round half up), range-checked to the node's width.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Rescale {
    /// Operand.
    pub input: TensorId,
    /// Power of two to divide by.
    pub shift: u8,
}

/// `floor((x + 2^(shift-1)) / 2^shift)`: division by a power of two, rounding halves up.
pub fn rescale_half_up(x: i64, shift: u8) -> i64 {
    match shift {
        0 => x,
        // |x| < 2^63 <= 2^(shift-1): x + 2^(shift-1) lies in [0, 2^shift), so the quotient is 0.
        64.. => 0,
        _ => ((x as i128 + (1i128 << (shift - 1))) >> shift) as i64, // arithmetic shift = floor division
    }
}

impl OpSemantics for Rescale {
    const KIND: &'static str = "rescale";

    fn inputs(&self) -> Vec<TensorId> {
        vec![self.input]
    }

    fn bound(&self, cx: &BoundCx) -> Result<Bound, String> {
        cx.same_len(self.input, "the operand")?;
        if self.shift as u32 + cx.node().bits.0 as u32 > 126 {
            return Err("rescale shift too large".into());
        }
        Ok(Bound::Enforced)
    }

    fn eval(&self, cx: &EvalCx) -> Result<Vec<i64>, EvalError> {
        cx.checked(cx.get(self.input)?.iter().map(|&x| rescale_half_up(x, self.shift) as i128))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn rescale_rounds_half_up() {
        assert_eq!(rescale_half_up(5, 1), 3); // 2.5 -> 3
        assert_eq!(rescale_half_up(-5, 1), -2); // -2.5 -> -2
        assert_eq!(rescale_half_up(-6, 2), -1); // -1.5 -> -1
        assert_eq!(rescale_half_up(7, 0), 7);
    }

    proptest! {
        #[test]
        fn rescale_matches_rounded_division(x in -(1i64 << 40)..(1i64 << 40), k in 0u8..20) {
            let exact = x as f64 / (1u64 << k) as f64;
            prop_assert_eq!(rescale_half_up(x, k), (exact + 0.5).floor() as i64);
        }
    }
}
