//! The geometry of a convolution (ONNX `Conv`: channels, groups, kernel, strides, dilations, pads),
//! shared by the compiler's float graph, the integer evaluator and every backend.
//!
//! A convolution is stored by its filters (`out_channels x in_channels/group x kernel`), never as
//! the dense `outputs x inputs` matrix it is equivalent to: storage is O(weights) and evaluation and
//! lowering are O(multiply-accumulates). [`Taps`] resolves, once per layer, which input position each
//! kernel position of each output position reads (`None` on padding); it has `out positions x kernel
//! positions` entries, independent of the channel counts.
use crate::graph::MAX_ELEMENTS;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

/// A convolution's shapes. Tensors are `[channels, spatial...]` row-major (batch 1 left out).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConvGeometry {
    /// Input channels.
    pub in_channels: usize,
    /// Output channels (filters).
    pub out_channels: usize,
    /// Channel groups: filter `f` reads input channels `g * c_per .. (g + 1) * c_per` with
    /// `g = f / (out_channels / group)`.
    pub group: usize,
    /// Spatial input shape.
    pub in_shape: Vec<usize>,
    /// Kernel extent per spatial axis.
    pub kernel: Vec<usize>,
    /// Stride per axis.
    pub strides: Vec<usize>,
    /// Dilation per axis.
    pub dilations: Vec<usize>,
    /// Padding before each axis (padding after it is implied by `out_shape`).
    pub pads: Vec<usize>,
    /// Spatial output shape.
    pub out_shape: Vec<usize>,
}

fn product(dims: &[usize]) -> Option<usize> {
    dims.iter().try_fold(1usize, |p, &d| p.checked_mul(d))
}

impl ConvGeometry {
    /// Checks that the shapes are consistent and every count fits [`MAX_ELEMENTS`]; after this the
    /// other methods cannot overflow.
    pub fn validate(&self) -> Result<(), String> {
        let n = self.in_shape.len();
        let axes = [&self.kernel, &self.strides, &self.dilations, &self.pads, &self.out_shape];
        if n == 0 || axes.iter().any(|a| a.len() != n) {
            return Err(format!("convolution axes disagree: input {:?}, kernel {:?}", self.in_shape, self.kernel));
        }
        if self.group == 0
            || self.in_channels == 0
            || self.out_channels == 0
            || !self.in_channels.is_multiple_of(self.group)
            || !self.out_channels.is_multiple_of(self.group)
        {
            return Err(format!(
                "group {} does not divide {} input and {} output channels",
                self.group, self.in_channels, self.out_channels
            ));
        }
        if [&self.in_shape, &self.kernel, &self.strides, &self.dilations, &self.out_shape]
            .iter()
            .any(|a| a.contains(&0))
        {
            return Err("a convolution extent, stride or dilation is zero".into());
        }
        let small = |v: Option<usize>| v.is_some_and(|v| v <= MAX_ELEMENTS);
        let sizes = [
            product(&self.in_shape).and_then(|s| s.checked_mul(self.in_channels)),
            product(&self.out_shape).and_then(|s| s.checked_mul(self.out_channels)),
            product(&self.kernel).and_then(|k| k.checked_mul(self.in_channels)),
            product(&self.out_shape).and_then(|o| o.checked_mul(product(&self.kernel)?)),
        ];
        if !sizes.into_iter().all(small) || axes.iter().flat_map(|a| a.iter()).any(|&v| v > MAX_ELEMENTS) {
            return Err(format!("convolution sizes exceed {MAX_ELEMENTS} elements"));
        }
        Ok(())
    }

    /// Input channels per group (each filter's depth).
    pub fn channels_per_group(&self) -> usize {
        self.in_channels / self.group
    }
    /// Spatial output positions.
    pub fn out_positions(&self) -> usize {
        self.out_shape.iter().product()
    }
    /// Spatial input positions.
    pub fn in_positions(&self) -> usize {
        self.in_shape.iter().product()
    }
    /// Kernel positions.
    pub fn kernel_len(&self) -> usize {
        self.kernel.iter().product()
    }
    /// Output length (`out_channels x out positions`).
    pub fn out_len(&self) -> usize {
        self.out_channels * self.out_positions()
    }
    /// Operand length (`in_channels x in positions`).
    pub fn in_len(&self) -> usize {
        self.in_channels * self.in_positions()
    }
    /// Number of weights (`out_channels x channels_per_group x kernel`).
    pub fn weights_len(&self) -> usize {
        self.out_channels * self.channels_per_group() * self.kernel_len()
    }
    /// Multiply-accumulates of one evaluation, padding taps included (an upper bound).
    pub fn macs(&self) -> usize {
        self.weights_len().saturating_mul(self.out_positions())
    }

    /// The input position read by kernel position `k` at output position `o` (both flat), `None` on
    /// padding.
    fn tap(&self, o: usize, k: usize) -> Option<u32> {
        let (mut o, mut k, mut flat, mut stride) = (o, k, 0usize, 1usize);
        for i in (0..self.in_shape.len()).rev() {
            let (oi, ki) = (o % self.out_shape[i], k % self.kernel[i]);
            (o, k) = (o / self.out_shape[i], k / self.kernel[i]);
            let at = oi.checked_mul(self.strides[i])?.checked_add(ki.checked_mul(self.dilations[i])?)?;
            let pos = at.checked_sub(self.pads[i])?;
            if pos >= self.in_shape[i] {
                return None;
            }
            flat += pos * stride;
            stride *= self.in_shape[i];
        }
        u32::try_from(flat).ok()
    }

    /// Resolves every tap. The geometry must have passed [`ConvGeometry::validate`].
    pub fn taps(&self) -> Taps {
        let (outs, k) = (self.out_positions(), self.kernel_len());
        let mut table = Vec::with_capacity(outs * k);
        for o in 0..outs {
            for t in 0..k {
                table.push(self.tap(o, t).unwrap_or(u32::MAX));
            }
        }
        Taps { table, kernel_len: k }
    }

    /// Whether `len` is a valid bias length: one per output channel, or one per output.
    pub fn bias_fits(&self, len: usize) -> bool {
        len == self.out_channels || len == self.out_len()
    }

    /// The bias of output `i` (flat), for a bias with one entry per output channel or per output.
    pub fn bias_at<T: Copy>(&self, bias: &[T], i: usize) -> T {
        if bias.len() == self.out_len() {
            bias[i]
        } else {
            bias[i / self.out_positions()]
        }
    }

    /// `y[f, o] = init(f, o) + sum_{c, k} w[f, c, k] x[g c_per + c, tap(o, k)]` for every output, in
    /// output order, with `init` given the flat output index and the accumulation given by `mac`
    /// (`acc + w * x`); filters are computed on every core. `weights` has [`ConvGeometry::weights_len`] entries and `x`
    /// [`ConvGeometry::in_len`].
    pub fn apply<W: Sync, X: Sync, A: Send>(
        &self,
        taps: &Taps,
        weights: &[W],
        x: &[X],
        init: impl Fn(usize) -> A + Sync,
        mac: impl Fn(A, &W, &X) -> A + Sync,
    ) -> Vec<A> {
        let (c_per, k_len, in_pos) = (self.channels_per_group(), self.kernel_len(), self.in_positions());
        let m_per = self.out_channels / self.group;
        let filter_outputs = |f: usize| {
            let g = f / m_per;
            let filter = &weights[f * c_per * k_len..(f + 1) * c_per * k_len];
            (0..self.out_positions())
                .map(|o| {
                    let row = taps.row(o);
                    let mut acc = init(f * self.out_positions() + o);
                    for c in 0..c_per {
                        let plane = &x[(g * c_per + c) * in_pos..(g * c_per + c + 1) * in_pos];
                        for (w, &t) in filter[c * k_len..(c + 1) * k_len].iter().zip(row) {
                            if t != u32::MAX {
                                acc = mac(acc, w, &plane[t as usize]);
                            }
                        }
                    }
                    acc
                })
                .collect::<Vec<A>>()
        };
        let per_filter: Vec<Vec<A>> = (0..self.out_channels).into_par_iter().map(filter_outputs).collect();
        per_filter.into_iter().flatten().collect()
    }
}

/// The input position read by each (output position, kernel position), `u32::MAX` on padding.
#[derive(Clone, Debug)]
pub struct Taps {
    table: Vec<u32>,
    kernel_len: usize,
}

impl Taps {
    /// The taps of output position `o`, one per kernel position.
    pub fn row(&self, o: usize) -> &[u32] {
        &self.table[o * self.kernel_len..(o + 1) * self.kernel_len]
    }
    /// Whether some tap falls on padding.
    pub fn has_padding(&self) -> bool {
        self.table.contains(&u32::MAX)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn geom(in_shape: &[usize], kernel: &[usize], strides: &[usize], pads: &[usize], out: &[usize]) -> ConvGeometry {
        let n = in_shape.len();
        ConvGeometry {
            in_channels: 2,
            out_channels: 2,
            group: 1,
            in_shape: in_shape.to_vec(),
            kernel: kernel.to_vec(),
            strides: strides.to_vec(),
            dilations: vec![1; n],
            pads: pads.to_vec(),
            out_shape: out.to_vec(),
        }
    }

    #[test]
    fn taps_follow_strides_and_padding() {
        // 1-D: input 5, kernel 3, stride 2, pad 1 -> outputs at -1..1, 1..3, 3..5
        let g = geom(&[5], &[3], &[2], &[1], &[3]);
        g.validate().unwrap();
        let t = g.taps();
        assert_eq!(t.row(0), &[u32::MAX, 0, 1]);
        assert_eq!(t.row(1), &[1, 2, 3]);
        assert_eq!(t.row(2), &[3, 4, u32::MAX]);
        assert!(t.has_padding());
    }

    #[test]
    fn apply_matches_a_direct_two_dimensional_convolution() {
        let g = geom(&[3, 4], &[2, 2], &[1, 1], &[0, 0], &[2, 3]);
        g.validate().unwrap();
        let w: Vec<i64> = (0..g.weights_len() as i64).map(|v| v - 7).collect();
        let x: Vec<i64> = (0..g.in_len() as i64).map(|v| (v * 5) % 11 - 4).collect();
        let y = g.apply(&g.taps(), &w, &x, |i| (i / 6) as i64 * 100, |a, w, x| a + w * x);
        for f in 0..2 {
            for (oi, oj) in (0..2).flat_map(|i| (0..3).map(move |j| (i, j))) {
                let mut want = f as i64 * 100;
                for c in 0..2 {
                    for (ki, kj) in [(0, 0), (0, 1), (1, 0), (1, 1)] {
                        want += w[((f * 2 + c) * 2 + ki) * 2 + kj] * x[c * 12 + (oi + ki) * 4 + oj + kj];
                    }
                }
                assert_eq!(y[f * 6 + oi * 3 + oj], want);
            }
        }
    }

    #[test]
    fn inconsistent_geometry_is_refused() {
        let mut g = geom(&[5], &[3], &[2], &[1], &[3]);
        g.group = 3;
        assert!(g.validate().unwrap_err().contains("group"));
        let mut g = geom(&[5], &[3], &[2], &[1], &[3]);
        g.kernel = vec![3, 3];
        assert!(g.validate().is_err());
        let mut g = geom(&[5], &[3], &[0], &[1], &[3]);
        assert!(g.validate().is_err());
        g.strides = vec![1];
        g.in_shape = vec![usize::MAX / 2];
        assert!(g.validate().is_err());
    }
}
