//! `ArgMax`: the position of the first largest element of each window.
use super::{Bound, BoundCx, EvalCx, OpSemantics};
use crate::error::EvalError;
use crate::graph::{TensorId, MAX_BITS};
use serde::{Deserialize, Serialize};

/// `y_i` = the position (0-based, within the window) of the first largest of the `size` operand
/// elements `x[windows[i * size + t]]` (ArgMax; numpy's rule on ties).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ArgMax {
    /// Operand.
    pub input: TensorId,
    /// Elements per window.
    pub size: usize,
    /// Operand indices, `size` per output element.
    pub windows: Vec<u32>,
}

/// Index of the first maximum (numpy's `argmax` convention). `None` for an empty slice.
pub fn argmax(v: &[i64]) -> Option<usize> {
    first_max(v.iter().copied())
}

fn first_max(values: impl IntoIterator<Item = i64>) -> Option<usize> {
    let mut best: Option<(usize, i64)> = None;
    for (i, x) in values.into_iter().enumerate() {
        if best.is_none_or(|(_, b)| x > b) {
            best = Some((i, x));
        }
    }
    best.map(|(i, _)| i)
}

impl OpSemantics for ArgMax {
    const KIND: &'static str = "argmax";

    fn inputs(&self) -> Vec<TensorId> {
        vec![self.input]
    }

    fn bound(&self, cx: &BoundCx) -> Result<Bound, String> {
        cx.windows(self.input, self.size, &self.windows, "argmax")?;
        if cx.operand(self.input).bits.0 >= MAX_BITS {
            return Err("argmax operand too wide".into());
        }
        Ok(Bound::Derived((self.size - 1) as u128))
    }

    fn eval(&self, cx: &EvalCx) -> Result<Vec<i64>, EvalError> {
        let src = cx.get(self.input)?;
        cx.windows(src, self.size, &self.windows)?;
        let position = |w: &[u32]| first_max(w.iter().map(|&j| src[j as usize])).unwrap_or(0) as i64;
        Ok(self.windows.chunks(self.size).map(position).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn argmax_takes_first_maximum() {
        assert_eq!(argmax(&[1, 3, 3, 2]), Some(1));
        assert_eq!(argmax(&[-5]), Some(0));
        assert_eq!(argmax(&[]), None);
    }
}
