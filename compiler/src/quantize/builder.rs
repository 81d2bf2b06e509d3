//! The IR under construction during quantization: pushing nodes with their scales and widths,
//! rescales, the clamps in front of tables (`saturate`) and HardSwish's exact lowering.
use super::{choose_scale, QuantConfig, TensorQuant, MAX_BITS};
use crate::error::CompileError;
use crate::graph::Func;
use verinfer_ir::{cost, op, Bits, Node, Op, Scale, TensorId};

/// Operand points per side at which a table's saturation is measured (f is smooth and monotone
/// beyond its bend for every function this clamps).
const SATURATION_PROBES: usize = 4096;

/// The IR under construction.
pub(super) struct Builder<'a> {
    pub(super) cfg: &'a QuantConfig,
    pub(super) nodes: Vec<Node>,
    pub(super) report: Vec<TensorQuant>,
    /// The float layer being quantized (for errors): tensor, ONNX node, calibrated min and max.
    pub(super) at: (String, String, f64, f64),
}

impl Builder<'_> {
    /// An error about the layer being quantized.
    pub(super) fn fail(&self, problem: String, limit: String, fix: &str) -> CompileError {
        self.fail_on(self.at.2, self.at.3, problem, limit, fix)
    }

    /// An error about the layer being quantized, quoting the range `[min, max]` (of an operand).
    pub(super) fn fail_on(&self, min: f64, max: f64, problem: String, limit: String, fix: &str) -> CompileError {
        CompileError::Quantization(Box::new(crate::error::QuantizationError {
            tensor: self.at.0.clone(),
            node: self.at.1.clone(),
            min,
            max,
            problem,
            limit,
            fix: fix.to_string(),
        }))
    }

    pub(super) fn push(
        &mut self,
        name: String,
        op: Op,
        shape: Vec<usize>,
        scale: i32,
        bits: Bits,
        max: f64,
    ) -> Result<TensorId, CompileError> {
        let scale = i8::try_from(scale).map_err(|_| {
            self.fail(
                format!("its {} ('{name}') would need the scale 2^{scale}", op.kind()),
                "scales 2^-128..2^127".into(),
                "the values are too large or too small for fixed point next to the others: normalize the input or the weights (e.g. fold a large constant factor into the next layer), or check the calibration data for outliers",
            )
        })?;
        if bits.0 > MAX_BITS {
            return Err(self.fail(
                format!("its {} ('{name}') needs {} bits", op.kind(), bits.0),
                format!("{MAX_BITS} bits per value"),
                "lower --weight-bits, --activation-bits or --input-bits (the width is their sum along a chain of products), or shrink the range (normalize the input, check the calibration data for outliers)",
            ));
        }
        self.report.push(TensorQuant {
            tensor: name.clone(),
            gadget: op.kind(),
            scale,
            bits: bits.0,
            calibrated_max_abs: max,
            function_error: None,
            max_abs_error: None,
        });
        self.nodes.push(Node { name, op, shape, scale: Scale(scale), bits });
        Ok(TensorId((self.nodes.len() - 1) as u32))
    }

    pub(super) fn node(&self, id: TensorId) -> &Node {
        &self.nodes[id.index()]
    }

    /// Rescales `acc` to the activation scale chosen for `max`, never multiplying up.
    pub(super) fn rescale(&mut self, acc: TensorId, name: String, max: f64) -> Result<TensorId, CompileError> {
        self.rescale_to(acc, name, max, None)
    }

    /// Rescales `acc` to scale `forced` (if given) or to the one chosen for `max`, never multiplying
    /// up.
    pub(super) fn rescale_to(
        &mut self,
        acc: TensorId,
        name: String,
        max: f64,
        forced: Option<(i32, u8)>,
    ) -> Result<TensorId, CompileError> {
        let s_acc = self.node(acc).scale.0 as i32;
        let chosen = forced
            .map(|f| f.0)
            .unwrap_or_else(|| choose_scale(max, self.cfg.activation_bits, self.cfg.headroom) as i32);
        // a grid wider than the activations (int16, uint16) gets room for itself and headroom
        let width = forced.map_or(self.cfg.activation_bits, |f| f.1.max(self.cfg.activation_bits));
        let s_y = chosen.min(s_acc);
        let shift = u8::try_from(s_acc - s_y).map_err(|_| {
            self.fail(
                format!("rescaling '{name}' from scale 2^{s_acc} to 2^{s_y} needs a shift of {} bits", s_acc - s_y),
                "255 bits".into(),
                "lower --weight-bits or --input-bits",
            )
        })?;
        let shape = self.node(acc).shape.clone();
        self.push(name, Op::Rescale(op::Rescale { input: acc, shift }), shape, s_y, Bits(width), max)
    }

    /// `id` if its width is enforced at a calibrated scale, else a rescale of it (so that tables,
    /// divisions and roots see a tight range).
    pub(super) fn calibrated(&mut self, id: TensorId, max: f64) -> Result<TensorId, CompileError> {
        match self.node(id).op {
            Op::Input | Op::Rescale(_) | Op::Table(_) | Op::Div(_) | Op::Rsqrt(_) | Op::Sqrt(_) => Ok(id),
            _ => {
                let name = format!("{}::range", self.node(id).name);
                self.rescale(id, name, max)
            }
        }
    }

    /// `id` clamped to the narrowest width (at least 4 bits, at least 2 below its own) beyond which
    /// `f` stays within `flat` of its value at the clamp on the operand's whole range: saturating
    /// functions (Sigmoid, Tanh, Erf, HardSigmoid) then spend their table's segments where they
    /// bend, and Softmax's exponential, whose operand is within `[-shift, shift]` by construction,
    /// spends them on that range rather than on the rescale's headroom. Returns the tensor to
    /// tabulate and the error the clamp adds (0 when there is none). The clamp is a gadget like any
    /// other: what the width choice assumes about the operand affects accuracy, never soundness.
    pub(super) fn saturate(&mut self, id: TensorId, f: Func, flat: f64) -> Result<(TensorId, f64), CompileError> {
        let n = self.node(id).clone();
        let (s_x, w) = (n.scale.0 as i32, n.bits.0);
        let real = |q: i64| q as f64 * (-(s_x as f64)).exp2();
        let (mut x_lo, mut x_hi) = (-(1i64 << (w - 1)), (1i64 << (w - 1)) - 1);
        // Softmax's exponential reads `x - max + shift`, within [-shift, shift] by construction
        // (the floor below and the maximum above; one step of rounding either way), so one bit
        // saved is worth the clamp there
        let mut top = w.saturating_sub(1);
        if let Func::ExpShifted { shift } = f {
            let q = (shift * (s_x as f64).exp2()).ceil() as i64 + 1;
            (x_lo, x_hi) = (x_lo.max(-q), x_hi.min(q));
            top = w;
        }
        // the largest change of f from the clamp point `at` out to the operand's end `end`
        let drift = |at: i64, end: i64| -> f64 {
            let y0 = f.eval(real(at));
            (0..=SATURATION_PROBES)
                .map(|k| at as f64 + (end - at) as f64 * k as f64 / SATURATION_PROBES as f64)
                .map(|q| (f.eval(q * (-(s_x as f64)).exp2()) - y0).abs())
                .fold(0.0, |m, d| if d.is_nan() { f64::INFINITY } else { m.max(d) })
        };
        for w2 in 4..top {
            let hi = (1i64 << (w2 - 1)) - 1;
            let lo = -hi;
            let err = if x_hi > hi { drift(hi, x_hi) } else { 0.0 }.max(if x_lo < lo { drift(lo, x_lo) } else { 0.0 });
            if err <= flat {
                let name = format!("{}::saturate", n.name);
                let c = self.push(
                    name,
                    Op::Clamp(op::Clamp { input: id, lo, hi }),
                    n.shape,
                    s_x,
                    Bits(w2),
                    real(hi).abs(),
                )?;
                return Ok((c, err));
            }
        }
        Ok((id, 0.0))
    }

    /// HardSwish without a table: `y = x clamp(x + 3, 0, 6) / 6 = (x t + 3 x) / 6` with
    /// `t = clamp(x, -3, 3)`: the clamp gadget (two range checks), one product, and one rescale of
    /// `k (x t + 3 x)` with `k = round(2^e / 6)` (the smallest `e` whose relative error keeps the
    /// output within a quarter of the tolerance). About 80 constraints per element at 16 bits
    /// (tests/hard_swish.rs), against 100 to 170 for a table that has to follow the kinks at -3 and
    /// 3. `None` when the operand's grid cannot hold 3 exactly (`s_x < 0`) or the accumulator would
    /// not fit: the table then.
    pub(super) fn hard_swish(
        &mut self,
        x: TensorId,
        name: &str,
        y_max: f64,
        tolerance: f64,
    ) -> Result<Option<TensorId>, CompileError> {
        let n = self.node(x).clone();
        let (s_x, w) = (n.scale.0 as i32, n.bits.0);
        if !(0..=36).contains(&s_x) {
            return Ok(None);
        }
        let c3 = 3i64 << s_x;
        let t_bits = Bits::for_bound(c3 as u128);
        let p_bits = Bits::for_bound((1u128 << (w - 1)) << (t_bits.0 - 1));
        let Some(e) = (3..=40).find(|&e| {
            let k = ((e as f64).exp2() / 6.0).round();
            y_max.max(1.0) * (k * 6.0 / (e as f64).exp2() - 1.0).abs() <= tolerance / 4.0
        }) else {
            return Ok(None);
        };
        let k = ((e as f64).exp2() / 6.0).round() as i64;
        let bound = (k as u128) * (1u128 << (p_bits.0 - 1)) + (k as u128) * (c3 as u128) * (1u128 << (w - 1));
        if Bits::for_bound(bound).0 > MAX_BITS {
            return Ok(None);
        }
        let t = self.push(
            format!("{name}::gate"),
            Op::Clamp(op::Clamp { input: x, lo: -c3, hi: c3 }),
            n.shape.clone(),
            s_x,
            t_bits,
            3.0,
        )?;
        let p = self.push(
            format!("{name}::product"),
            Op::Mul(op::Mul { a: x, b: t }),
            n.shape.clone(),
            2 * s_x,
            p_bits,
            0.0,
        )?;
        let terms = vec![(p, k), (x, c3 * k)];
        let acc = self.push(
            format!("{name}::acc"),
            Op::Sum(op::Sum { terms }),
            n.shape,
            2 * s_x + e,
            Bits::for_bound(bound),
            y_max,
        )?;
        self.rescale_to(acc, name.to_string(), y_max, None).map(Some)
    }

    /// Max pooling of `src` (`size` operand indices per output in `windows`). When `src` is a
    /// rescale that only this pooling reads (`sole_reader`), pools the rescale's operand instead and
    /// rescales the pooled elements, if that costs fewer constraints (`verinfer_ir::cost`): exact,
    /// since a rescale never decreases and so commutes with the maximum. With
    /// `FloatGraph::pool_before_activations`, `Conv -> ReLU -> MaxPool` then rescales a quarter of
    /// the convolution's outputs for 2x2 windows.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn max_pool(
        &mut self,
        name: String,
        src: TensorId,
        size: usize,
        windows: Vec<u32>,
        shape: Vec<usize>,
        max: f64,
        sole_reader: bool,
    ) -> Result<TensorId, CompileError> {
        let x = self.node(src).clone();
        if let (Op::Rescale(op::Rescale { input: acc, shift }), true) =
            (&x.op, sole_reader && src.index() + 1 == self.nodes.len())
        {
            let (acc, shift) = (*acc, *shift);
            let a = self.node(acc).clone();
            let n_out = windows.len() / size.max(1);
            let before = x.len() * cost::rescale(x.bits.0, shift) + n_out * cost::max_pool(size, x.bits.0);
            let after = n_out * (cost::max_pool(size, a.bits.0) + cost::rescale(x.bits.0, shift));
            if after < before {
                // nothing else reads the rescale: it is the last node and its layer's only reader is this
                self.nodes.pop();
                self.report.pop();
                let op = Op::MaxPool(op::MaxPool { input: acc, size, windows });
                let pooled = self.push(format!("{name}::acc"), op, shape.clone(), a.scale.0 as i32, a.bits, max)?;
                return self.push(
                    name,
                    Op::Rescale(op::Rescale { input: pooled, shift }),
                    shape,
                    x.scale.0 as i32,
                    x.bits,
                    max,
                );
            }
        }
        let op = Op::MaxPool(op::MaxPool { input: src, size, windows });
        self.push(name, op, shape, x.scale.0 as i32, x.bits, max)
    }

    /// Multiplies `id` by `2^up` (exact), for aligning scales.
    pub(super) fn scale_up(&mut self, id: TensorId, up: i32) -> Result<TensorId, CompileError> {
        if up == 0 {
            return Ok(id);
        }
        let n = self.node(id).clone();
        let bits = Bits::for_bound((1u128 << (n.bits.0 - 1)) << up.clamp(0, 64));
        self.push(
            format!("{}::align", n.name),
            Op::Sum(op::Sum { terms: vec![(id, 1i64 << up.clamp(0, 60))] }),
            n.shape,
            n.scale.0 as i32 + up,
            bits,
            0.0,
        )
    }
}
