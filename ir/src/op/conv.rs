//! `Conv`: a convolution with constant integer filters (Conv, ConvTranspose's forward form, average
//! pooling), stored by its geometry instead of as a dense map.
use super::{l1_rows, Bound, BoundCx, EvalCx, OpSemantics};
use crate::conv::ConvGeometry;
use crate::error::EvalError;
use crate::graph::TensorId;
use serde::{Deserialize, Serialize};

/// A convolution with constant integer filters over a `[channels, spatial...]` operand (see
/// [`ConvGeometry`]): `y[f, o] = bias[f] + sum_{c, k} weights[f, c, k] x[c', tap(o, k)]`, padding
/// taps reading 0. Exact; costs no constraints. Stored and evaluated in O(weights) and O(MACs).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Conv {
    /// Operand.
    pub input: TensorId,
    /// Channels, kernel, strides, dilations, pads.
    pub geometry: ConvGeometry,
    /// Filters, `out_channels x in_channels/group x kernel` row-major.
    pub weights: Vec<i64>,
    /// One bias per output channel, or one per output (a shift folded in before padding).
    pub bias: Vec<i64>,
}

impl Conv {
    /// The largest absolute output when every operand value is within `in_max` (saturating).
    pub fn weighted_bound(&self, in_max: u128) -> u128 {
        // per filter: the largest bias of its outputs
        let filters = self.geometry.out_channels.max(1);
        let biggest: Vec<i64> = self
            .bias
            .chunks((self.bias.len() / filters).max(1))
            .map(|b| b.iter().copied().max_by_key(|v| v.unsigned_abs()).unwrap_or(0))
            .collect();
        l1_rows(&self.weights, self.weights.len() / filters, &biggest, in_max)
    }

    fn sizes_fit(&self) -> bool {
        self.weights.len() == self.geometry.weights_len() && self.geometry.bias_fits(self.bias.len())
    }
}

impl OpSemantics for Conv {
    const KIND: &'static str = "conv";

    fn inputs(&self) -> Vec<TensorId> {
        vec![self.input]
    }

    fn bound(&self, cx: &BoundCx) -> Result<Bound, String> {
        let g = &self.geometry;
        g.validate()?;
        let (from, to) = (cx.operand(self.input).len(), cx.node().len());
        if g.in_len() != from || g.out_len() != to {
            return Err(format!("convolution {} -> {} does not fit {from} -> {to}", g.in_len(), g.out_len()));
        }
        if !self.sizes_fit() {
            return Err("convolution weight or bias length mismatch".into());
        }
        Ok(Bound::Derived(self.weighted_bound(cx.max(self.input))))
    }

    fn eval(&self, cx: &EvalCx) -> Result<Vec<i64>, EvalError> {
        let (src, g) = (cx.get(self.input)?, &self.geometry);
        g.validate().map_err(|e| cx.malformed(&e))?;
        if src.len() != g.in_len() || !self.sizes_fit() {
            return Err(cx.malformed("has inconsistent sizes"));
        }
        let acc = g.apply(
            &g.taps(),
            &self.weights,
            src,
            |i| Some(g.bias_at(&self.bias, i) as i128),
            |acc, &w, &x| acc?.checked_add(w as i128 * x as i128),
        );
        acc.into_iter().enumerate().map(|(i, v)| cx.check(i, v.ok_or_else(|| cx.overflow())?)).collect()
    }
}
