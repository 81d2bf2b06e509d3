//! Calibration and quantization: from the float graph to the integer circuit IR.
//!
//! Each tensor gets one power-of-two scale, the largest at which the calibration data's largest
//! absolute value, times a headroom factor, fits the tensor's signed width. Weights are rounded at
//! their own scale; products are exact; each linear layer is followed by a rescale (division by a
//! power of two, round half up) back to an activation scale, which range-checks the result.
use crate::error::CompileError;
use crate::graph::{FloatGraph, Func, LayerKind};
use crate::precision::{input_scale, weight_scale};
use serde::Serialize;
use verinfer_ir::graph::MAX_BITS;
use verinfer_ir::{op, Bits, CircuitIr, Op, TensorId};

mod builder;
use builder::Builder;

/// Quantization settings. All are recorded in the artifact and covered by the model hash.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct QuantConfig {
    /// Signed width of activations (rescale outputs).
    pub activation_bits: u8,
    /// Largest signed width of the quantized input; `None` (the default) is [`AUTO_INPUT_BITS`],
    /// or 24 bits when the first layer is not linear. Within it the compiler uses the coarsest
    /// scale at which rounding the input moves the first linear layer's outputs by at most one of
    /// their steps, and the width that scale needs.
    pub input_bits: Option<u8>,
    /// Signed width budget of weights.
    pub weight_bits: u8,
    /// Calibrated maxima are multiplied by this before choosing a scale (room for unseen inputs).
    pub headroom: f64,
}

impl Default for QuantConfig {
    fn default() -> Self {
        QuantConfig { activation_bits: 16, input_bits: None, weight_bits: 10, headroom: 2.0 }
    }
}

/// The input width budget when none is given: room for raw features of mixed magnitudes, spent
/// only where the first layer's measured error needs it.
pub const AUTO_INPUT_BITS: u8 = 32;

impl QuantConfig {
    /// The largest width of the quantized input.
    pub fn input_budget(&self) -> u8 {
        self.input_bits.unwrap_or(AUTO_INPUT_BITS)
    }
}

/// Tables aim for an error within this fraction of the calibrated output range (or one output
/// step, if larger).
pub const TABLE_TOLERANCE: f64 = 1.0 / 1024.0;

/// Largest error of a logarithm table, relative to the largest output (at least 1): Log is refused
/// beyond it.
pub const LOG_ERROR_LIMIT: f64 = 1.0 / 64.0;

/// Largest error (in grid steps) that rounding the input and the weights may add to a value about
/// to be rounded onto an integer grid (QuantizeLinear): values closer than this to a rounding tie
/// may land one grid step away from onnxruntime's.
pub const GRID_ERROR: f64 = 1.0 / 4096.0;

/// Weight rounding that moves a layer's outputs by more than this fraction of their calibrated range
/// (and more than one output step), at the finest weight scale the accumulator allows, is a compile
/// error rather than a silent loss of precision.
pub const PRECISION_LIMIT: f64 = 1.0 / 256.0;

/// How one tensor was quantized, for the report.
#[derive(Clone, Debug, Serialize)]
pub struct TensorQuant {
    /// Tensor name.
    pub tensor: String,
    /// Gadget.
    pub gadget: &'static str,
    /// Scale exponent s (value = q / 2^s).
    pub scale: i8,
    /// Signed width.
    pub bits: u8,
    /// Largest absolute float value seen in calibration.
    pub calibrated_max_abs: f64,
    /// For tables: the largest difference between the table and the real function over every
    /// operand value whose image fits the output range (in real units).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub function_error: Option<f64>,
    /// For tensors of the float model (not the quantizer's intermediates): the largest
    /// `|dequantized circuit value - float value|` over the calibration samples, in real units.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_abs_error: Option<f64>,
}

/// The coarsest scale [`choose_scale`] gives: `2^-60`, one step per `2^60` real units.
pub const COARSEST_SCALE: i32 = -60;

/// The largest absolute value a signed `bits`-bit tensor can hold with `headroom` at the coarsest
/// scale: calibration values beyond it cannot be quantized at all.
pub fn largest_quantizable(bits: u8, headroom: f64) -> f64 {
    ((1u64 << (bits.clamp(2, 63) - 1)) - 1) as f64 * (-COARSEST_SCALE as f64).exp2() / headroom
}

/// The largest scale at which `max_abs * headroom` fits a signed `bits`-bit integer (within
/// `2^COARSEST_SCALE..=2^60`).
pub fn choose_scale(max_abs: f64, bits: u8, headroom: f64) -> i8 {
    let limit = ((1u64 << (bits - 1)) - 1) as f64;
    let m = max_abs * headroom;
    if m.is_nan() || m <= 0.0 {
        return (bits as i8 - 2).max(0);
    }
    let s = (limit / m).log2().floor();
    s.clamp(COARSEST_SCALE as f64, 60.0) as i8
}

pub(crate) fn round_half_up(x: f64) -> f64 {
    (x + 0.5).floor()
}

pub(crate) fn max_abs(v: impl Iterator<Item = f64>) -> f64 {
    v.fold(0.0, |a, x| a.max(x.abs()))
}

/// Per-layer calibration statistics.
pub(crate) struct Calibrated {
    /// Largest absolute value of the graph input.
    input_max: f64,
    /// Largest absolute value of each layer's output.
    max: Vec<f64>,
    /// Smallest value of each layer's output.
    min: Vec<f64>,
    /// Largest value of each layer's output.
    max_signed: Vec<f64>,
    /// Every layer's output for every sample.
    pub(crate) acts: Vec<Vec<Vec<f64>>>,
}

/// Evaluates the float model on every calibration sample (once per compile, whatever the widths
/// tried): the ranges the scales come from and the activations the report compares with.
pub(crate) fn calibrate(
    graph: &FloatGraph,
    calibration: &[Vec<f64>],
    cfg: &QuantConfig,
) -> Result<Calibrated, CompileError> {
    let limit = largest_quantizable(cfg.input_budget(), cfg.headroom);
    let input_len: usize = graph.input.shape.iter().product();
    let n = graph.layers.len();
    let mut c = Calibrated {
        input_max: 0.0,
        max: vec![0.0; n],
        min: vec![f64::INFINITY; n],
        max_signed: vec![f64::NEG_INFINITY; n],
        acts: Vec::new(),
    };
    for (i, x) in calibration.iter().enumerate() {
        if x.len() != input_len {
            return Err(CompileError::Calibration(format!(
                "sample {i} has {} values, the model input {:?} has {input_len}",
                x.len(),
                graph.input.shape
            )));
        }
        if let Some((j, bad)) = x.iter().enumerate().find(|(_, v)| !v.is_finite()) {
            return Err(CompileError::Calibration(format!("sample {i}, element {j} holds a non-finite value {bad}")));
        }
        if let Some((j, &value)) = x.iter().enumerate().find(|(_, v)| v.abs() > limit) {
            return Err(CompileError::CalibrationValue {
                sample: i,
                element: j,
                value,
                limit,
                input_bits: cfg.input_budget(),
            });
        }
        c.input_max = c.input_max.max(max_abs(x.iter().copied()));
        let outs = graph.eval(x);
        for (li, out) in outs.iter().enumerate() {
            if let Some(bad) = out.iter().find(|v| !v.is_finite()) {
                let l = &graph.layers[li];
                return Err(CompileError::Calibration(format!(
                    "tensor '{}' (node '{}', {}) is {bad} on sample {i}; the float model itself overflows or divides by zero there",
                    l.name,
                    l.origin,
                    l.kind.name()
                )));
            }
            c.max[li] = c.max[li].max(max_abs(out.iter().copied()));
            c.min[li] = out.iter().copied().fold(c.min[li], f64::min);
            c.max_signed[li] = out.iter().copied().fold(c.max_signed[li], f64::max);
        }
        c.acts.push(outs);
    }
    Ok(c)
}

/// Quantizes `graph` using `calibration` (flattened input samples).
pub fn quantize(
    graph: &FloatGraph,
    calibration: &[Vec<f64>],
    cfg: &QuantConfig,
) -> Result<(CircuitIr, Vec<TensorQuant>), CompileError> {
    check_settings(cfg)?;
    let cal = calibrate(graph, calibration, cfg)?;
    quantize_calibrated(graph, calibration, &cal, cfg)
}

fn check_settings(cfg: &QuantConfig) -> Result<(), CompileError> {
    if !(2..=MAX_BITS).contains(&cfg.activation_bits)
        || !(2..=MAX_BITS).contains(&cfg.input_budget())
        || !(2..=32).contains(&cfg.weight_bits)
    {
        return Err(CompileError::Settings(format!(
            "widths out of range (activations {}, input {}, weights {}): activations and input take 2..={MAX_BITS} bits, weights 2..=32",
            cfg.activation_bits, cfg.input_budget(), cfg.weight_bits
        )));
    }
    Ok(())
}

/// [`quantize`] with the float model already evaluated on `calibration` (by [`calibrate`]).
pub(crate) fn quantize_calibrated(
    graph: &FloatGraph,
    calibration: &[Vec<f64>],
    cal: &Calibrated,
    cfg: &QuantConfig,
) -> Result<(CircuitIr, Vec<TensorQuant>), CompileError> {
    check_settings(cfg)?;
    let (input_uses, _) = graph.uses();

    // A layer read only by a RoundClamp rescales straight to the integer grid (scale 0), so that
    // the grid value is rounded once, from the exact accumulator.
    let (_, uses) = graph.uses();
    let mut to_grid = vec![None; graph.layers.len()];
    for l in &graph.layers {
        if let (LayerKind::RoundClamp { lo, hi }, [Some(i)]) = (&l.kind, l.inputs.as_slice()) {
            if uses[*i] == 1 {
                let grid_bits = Bits::for_bound(lo.unsigned_abs().max(hi.unsigned_abs()) as u128).0;
                to_grid[*i] = Some((0, (grid_bits + 2).min(MAX_BITS)));
            }
        }
    }
    let first_to_grid = to_grid.first().is_some_and(|g| g.is_some());
    let (s_in, in_bits) =
        input_scale(graph, calibration, cal.input_max, cal.max.first().copied(), input_uses, first_to_grid, cfg);
    let mut b = Builder {
        cfg,
        nodes: Vec::new(),
        report: Vec::new(),
        at: (graph.input.name.clone(), "(graph input)".into(), -cal.input_max, cal.input_max),
    };
    b.push(graph.input.name.clone(), Op::Input, graph.input.shape.clone(), s_in as i32, Bits(in_bits), cal.input_max)?;
    let mut ir_of: Vec<TensorId> = Vec::with_capacity(graph.layers.len());

    for (li, layer) in graph.layers.iter().enumerate() {
        let y_max = cal.max[li];
        let srcs: Vec<TensorId> = layer.inputs.iter().map(|s| s.map(|i| ir_of[i]).unwrap_or(TensorId(0))).collect();
        b.at = (layer.name.clone(), layer.origin.clone(), cal.min[li], cal.max_signed[li]);
        let src =
            *srcs.first().ok_or_else(|| CompileError::Internal(format!("layer '{}' has no operand", layer.name)))?;
        let operand_values = |k: usize| -> Vec<&[f64]> {
            cal.acts
                .iter()
                .zip(calibration)
                .map(|(a, x)| match layer.inputs.get(k).copied().flatten() {
                    Some(i) => a[i].as_slice(),
                    None => x.as_slice(),
                })
                .collect()
        };
        let operand_max = |k: usize| match layer.inputs.get(k).copied().flatten() {
            Some(i) => cal.max[i],
            None => cal.input_max,
        };
        let id = match &layer.kind {
            LayerKind::Relu => {
                let (s_x, b_x) = (b.node(src).scale.0, b.node(src).bits);
                b.push(
                    layer.name.clone(),
                    Op::Relu(op::Relu { input: src }),
                    layer.shape.clone(),
                    s_x as i32,
                    b_x,
                    y_max,
                )?
            }
            LayerKind::MaxPool { size, windows } => {
                let sole_reader = match layer.inputs.first().copied().flatten() {
                    Some(i) => uses[i] == 1,
                    None => input_uses == 1,
                };
                let windows = windows.iter().map(|&j| j as u32).collect();
                b.max_pool(layer.name.clone(), src, *size, windows, layer.shape.clone(), y_max, sole_reader)?
            }
            LayerKind::Step => {
                let op = Op::Step(op::Step { input: src });
                b.push(layer.name.clone(), op, layer.shape.clone(), 0, Bits::for_bound(1), y_max)?
            }
            LayerKind::Clamp { lo, hi } => {
                // exact at the operand's scale: the bounds rounded onto its grid (half up). A bound
                // beyond the operand's range on its own side cannot bind and is cut to the range; a
                // bound beyond the range on the other side binds for every value (hi below every
                // operand value makes the output hi) and is kept as it is.
                let (s_x, b_x) = (b.node(src).scale.0 as i32, b.node(src).bits);
                let (x_min, x_max) = (-(1i64 << (b_x.0 - 1)), (1i64 << (b_x.0 - 1)) - 1);
                let f = (s_x as f64).exp2();
                let limit = (1i64 << 40) as f64; // what the clamp gadget accepts as a bound
                let q = |v: f64| round_half_up(v * f);
                // lo cannot bind below the operand; hi cannot bind above max(operand, lo)
                let lo_f = q(*lo).max(x_min as f64);
                let hi_f = q(*hi).min(lo_f.max(x_max as f64));
                if hi_f.abs() >= limit || lo_f.abs() >= limit {
                    return Err(b.fail(
                        format!("the Clip bounds [{lo}, {hi}] lie far outside the operand's calibrated range"),
                        format!("a bound binding for every value must fit 2^40 steps at scale 2^-{s_x}"),
                        "calibrate with data that reaches the Clip's bounds",
                    ));
                }
                let hi_q = hi_f as i64;
                let lo_q = (lo_f as i64).min(hi_q); // ONNX: hi wins when lo > hi
                let bits = Bits::for_bound(lo_q.unsigned_abs().max(hi_q.unsigned_abs()) as u128);
                let op = Op::Clamp(op::Clamp { input: src, lo: lo_q, hi: hi_q });
                b.push(layer.name.clone(), op, layer.shape.clone(), s_x, bits, y_max)?
            }
            LayerKind::ArgMax { size, windows } => {
                let op = Op::ArgMax(op::ArgMax {
                    input: src,
                    size: *size,
                    windows: windows.iter().map(|&j| j as u32).collect(),
                });
                let bits = Bits::for_bound(size.saturating_sub(1) as u128);
                b.push(layer.name.clone(), op, layer.shape.clone(), 0, bits, y_max)?
            }
            LayerKind::SumPool { size, windows } => {
                let (s_x, b_x) = (b.node(src).scale.0, b.node(src).bits);
                let bits = Bits::for_bound((1u128 << (b_x.0 - 1)) * *size as u128);
                let op = Op::SumPool(op::SumPool {
                    input: src,
                    size: *size,
                    windows: windows.iter().map(|&j| j as u32).collect(),
                });
                b.push(layer.name.clone(), op, layer.shape.clone(), s_x as i32, bits, y_max)?
            }
            LayerKind::Gather { map, constants } => {
                let s = srcs.iter().map(|&t| b.node(t).scale.0 as i32).max().unwrap_or(0);
                let aligned: Vec<TensorId> = srcs
                    .iter()
                    .map(|&t| {
                        let up = s - b.node(t).scale.0 as i32;
                        b.scale_up(t, up)
                    })
                    .collect::<Result<_, _>>()?;
                let constants_q: Vec<i64> = constants
                    .iter()
                    .map(|&c| {
                        let q = round_half_up(c * (s as f64).exp2());
                        if q.abs() >= (1u64 << 60) as f64 {
                            return Err(b.fail(
                                format!("the constant {c} (padding or a constant operand) does not fit at the operands' scale 2^{s}"),
                                "60 bits per constant".into(),
                                "lower --activation-bits or --input-bits, or use a smaller constant",
                            ));
                        }
                        Ok(q as i64)
                    })
                    .collect::<Result<_, _>>()?;
                let width = aligned.iter().map(|&t| b.node(t).bits).max().unwrap_or(Bits(2));
                let bits =
                    constants_q.iter().map(|c| Bits::for_bound(c.unsigned_abs() as u128)).fold(width, std::cmp::max);
                let map =
                    map.iter().map(|&(k, j)| (if k == usize::MAX { u32::MAX } else { k as u32 }, j as u32)).collect();
                let op = Op::Gather(op::Gather { sources: aligned, map, constants: constants_q });
                b.push(layer.name.clone(), op, layer.shape.clone(), s, bits, y_max)?
            }
            LayerKind::Sum { coeffs } => {
                let integral = coeffs.iter().all(|c| c.fract() == 0.0 && c.abs() <= (1u64 << 20) as f64);
                let s_w = if integral {
                    0
                } else {
                    choose_scale(max_abs(coeffs.iter().copied()), cfg.weight_bits, 1.0) as i32
                };
                let s_acc = srcs.iter().map(|&t| b.node(t).scale.0 as i32).max().unwrap_or(0) + s_w;
                let mut terms = Vec::with_capacity(srcs.len());
                let mut bound = 0u128;
                for (&t, &c) in srcs.iter().zip(coeffs) {
                    let k = round_half_up(c * ((s_acc - b.node(t).scale.0 as i32) as f64).exp2());
                    if k.abs() >= (1u64 << 40) as f64 {
                        return Err(b.fail(
                            format!(
                                "the sum's operands have scales 2^{} apart (coefficient {c}), too far to align exactly",
                                s_acc - b.node(t).scale.0 as i32
                            ),
                            "operand scales within 2^40 of each other".into(),
                            "the operands' ranges differ by more than 2^40: check the calibration data for a near-constant or exploding operand, or rescale one operand in the model",
                        ));
                    }
                    bound = bound.saturating_add((k.abs() as u128).saturating_mul(1u128 << (b.node(t).bits.0 - 1)));
                    terms.push((t, k as i64));
                }
                let acc = b.push(
                    format!("{}::acc", layer.name),
                    Op::Sum(op::Sum { terms }),
                    layer.shape.clone(),
                    s_acc,
                    Bits::for_bound(bound),
                    y_max,
                )?;
                b.rescale_to(acc, layer.name.clone(), y_max, to_grid[li])?
            }
            LayerKind::Mul | LayerKind::MatMul { .. } => {
                let rhs = *srcs
                    .get(1)
                    .ok_or_else(|| CompileError::Internal(format!("product '{}' has one operand", layer.name)))?;
                let (na, nb) = (b.node(src).clone(), b.node(rhs).clone());
                let (op, terms) = match &layer.kind {
                    LayerKind::MatMul { batch, m, k, n } => {
                        (Op::MatMul(op::MatMul { a: src, b: rhs, batch: *batch, m: *m, k: *k, n: *n }), *k as u128)
                    }
                    _ => (Op::Mul(op::Mul { a: src, b: rhs }), 1),
                };
                let bound = (1u128 << (na.bits.0 - 1)).saturating_mul(1u128 << (nb.bits.0 - 1)).saturating_mul(terms);
                let s_acc = na.scale.0 as i32 + nb.scale.0 as i32;
                let acc = b.push(
                    format!("{}::acc", layer.name),
                    op,
                    layer.shape.clone(),
                    s_acc,
                    Bits::for_bound(bound),
                    y_max,
                )?;
                b.rescale_to(acc, layer.name.clone(), y_max, to_grid[li])?
            }
            LayerKind::Func(Func::Sqrt) => {
                // exact integer root: Y = floor(sqrt(X 2^(2 s_y - s_x)))
                let x = b.calibrated(src, operand_max(0))?;
                let (s_y, exp) = root_scale(y_max, cfg, -(b.node(x).scale.0 as i32), 64).ok_or_else(|| {
                    b.fail(
                        format!("the square root of an operand at scale 2^{} has no output scale", b.node(x).scale.0),
                        "2^e under the root with e <= 64".into(),
                        "lower --activation-bits, or normalize the operand's range",
                    )
                })?;
                b.push(
                    layer.name.clone(),
                    Op::Sqrt(op::Sqrt { input: x, exp }),
                    layer.shape.clone(),
                    s_y,
                    Bits(cfg.activation_bits),
                    y_max,
                )?
            }
            LayerKind::Func(f) => {
                let x = b.calibrated(src, operand_max(0))?;
                let s_y = choose_scale(y_max, cfg.activation_bits, cfg.headroom) as i32;
                let tolerance = ((-(s_y as f64)).exp2()).max(y_max * TABLE_TOLERANCE);
                if *f == Func::HardSwish {
                    if let Some(y) = b.hard_swish(x, &layer.name, y_max, tolerance)? {
                        ir_of.push(y);
                        continue;
                    }
                }
                let (x, flat_error) = b.saturate(x, *f, tolerance / 2.0)?;
                let (s_x, w) = (b.node(x).scale.0 as i32, b.node(x).bits.0);
                let mut t = crate::table::build(*f, s_x, w, s_y, cfg.activation_bits, tolerance);
                t.max_error = t.max_error.max(flat_error);
                // The logarithm is steepest near 0, where a table of at most 2^8 segments over the
                // operand's whole range cannot follow it: measured over the calibrated operand range
                // (with the headroom), and refused there rather than silently wrong.
                if *f == Func::Log {
                    let (lo, hi) = match layer.inputs.first().copied().flatten() {
                        Some(i) => (cal.min[i], cal.max_signed[i]),
                        None => (-cal.input_max, cal.input_max),
                    };
                    let q =
                        |v: f64| (v * (s_x as f64).exp2()).round().clamp(1.0, ((1i64 << (w - 1)) - 1) as f64) as i64;
                    let err = crate::table::measure_between(
                        *f,
                        s_x,
                        w,
                        s_y,
                        t.lo_bits,
                        &t.values,
                        q(lo / cfg.headroom),
                        q(hi * cfg.headroom),
                    );
                    if err > LOG_ERROR_LIMIT * y_max.max(1.0) {
                        return Err(b.fail_on(
                            lo,
                            hi,
                            format!(
                                "a logarithm table over the operand (range quoted) errs by up to {err:.3}; its range starts too close to 0 for {} segments",
                                1u32 << (w - t.lo_bits)
                            ),
                            format!("a table error within {LOG_ERROR_LIMIT} of the output range"),
                            "keep the operand of Log away from 0 (log(x + c) with c of the order of the operand's range), or take the logarithm outside the model",
                        ));
                    }
                }
                let op = Op::Table(op::Table { input: x, lo_bits: t.lo_bits, values: t.values });
                let id = b.push(layer.name.clone(), op, layer.shape.clone(), s_y, Bits(cfg.activation_bits), y_max)?;
                if let Some(r) = b.report.last_mut() {
                    r.function_error = Some(t.max_error);
                }
                id
            }
            LayerKind::Div => {
                let den_min = match layer.inputs.get(1).copied().flatten() {
                    Some(i) => cal.min[i],
                    None => f64::NAN,
                };
                if den_min.is_nan() || den_min <= 0.0 {
                    let den_max = layer.inputs.get(1).copied().flatten().map_or(f64::NAN, |i| cal.max_signed[i]);
                    return Err(b.fail_on(
                        den_min,
                        den_max,
                        format!("the divisor reaches {den_min} (the range quoted is the divisor's)"),
                        "a division by a tensor needs a divisor of at least one quantization step, on every sample".into(),
                        "divide by a constant, or keep the divisor positive in the model (add an epsilon, as LayerNormalization does)",
                    ));
                }
                let num = b.calibrated(src, operand_max(0))?;
                let den = b.calibrated(srcs[1], operand_max(1))?;
                let (s_n, s_d) = (b.node(num).scale.0 as i32, b.node(den).scale.0 as i32);
                let s_q = choose_scale(y_max, cfg.activation_bits, cfg.headroom) as i32;
                let mut shift = s_q + s_d - s_n;
                let num = if shift < 0 {
                    // coarsen nothing: scale the numerator's reading of the divisor instead
                    let up = -shift;
                    shift = 0;
                    b.scale_up(num, up)?
                } else {
                    num
                };
                let shift = u8::try_from(shift).map_err(|_| {
                    b.fail(
                        format!("the division needs the numerator shifted by 2^{shift}"),
                        "shifts of 0..=255 bits".into(),
                        "lower --activation-bits, or normalize the numerator and divisor ranges",
                    )
                })?;
                b.push(
                    layer.name.clone(),
                    Op::Div(op::Div { num, den, shift }),
                    layer.shape.clone(),
                    s_q,
                    Bits(cfg.activation_bits),
                    y_max,
                )?
            }
            LayerKind::Rsqrt => {
                let v = b.calibrated(src, operand_max(0))?;
                // The root is defined from one step up. An operand below it (LayerNorm's variance
                // + epsilon on a constant row, such as padding, when epsilon is under one step)
                // is raised to one step, so that 1 / sqrt(epsilon) becomes 1 / sqrt(step): the
                // row's centred values are 0 there anyway.
                let nv = b.node(v).clone();
                let v = b.push(
                    format!("{}::floor", layer.name),
                    Op::Clamp(op::Clamp { input: v, lo: 1, hi: (1i64 << (nv.bits.0 - 1)) - 1 }),
                    nv.shape.clone(),
                    nv.scale.0 as i32,
                    nv.bits,
                    operand_max(0),
                )?;
                let (s_y, exp) = root_scale(y_max, cfg, b.node(v).scale.0 as i32, 100).ok_or_else(|| {
                    b.fail(
                        format!(
                            "the reciprocal square root of an operand at scale 2^{} has no output scale",
                            b.node(v).scale.0
                        ),
                        "2^e under the root with e <= 100".into(),
                        "lower --activation-bits, or normalize the operand's range",
                    )
                })?;
                b.push(
                    layer.name.clone(),
                    Op::Rsqrt(op::Rsqrt { input: v, exp }),
                    layer.shape.clone(),
                    s_y,
                    Bits(cfg.activation_bits),
                    y_max,
                )?
            }
            LayerKind::RoundClamp { lo, hi } => {
                // to scale 0 (the grid), rounding half up, then saturate
                let s_x = b.node(src).scale.0 as i32;
                let grid_bits = Bits::for_bound(lo.unsigned_abs().max(hi.unsigned_abs()) as u128).0;
                let v = if s_x > 0 {
                    let shift = u8::try_from(s_x).map_err(|_| {
                        b.fail(
                            format!("rounding onto the integer grid needs a shift of {s_x} bits"),
                            "shifts of 0..=255 bits".into(),
                            "lower --weight-bits or --input-bits",
                        )
                    })?;
                    b.push(
                        format!("{}::round", layer.name),
                        Op::Rescale(op::Rescale { input: src, shift }),
                        layer.shape.clone(),
                        0,
                        Bits((grid_bits + 2).min(MAX_BITS).max(cfg.activation_bits)),
                        operand_max(0),
                    )?
                } else {
                    b.scale_up(src, -s_x)?
                };
                let bits = Bits::for_bound(lo.unsigned_abs().max(hi.unsigned_abs()) as u128);
                b.push(
                    layer.name.clone(),
                    Op::Clamp(op::Clamp { input: v, lo: *lo, hi: *hi }),
                    layer.shape.clone(),
                    0,
                    bits,
                    y_max,
                )?
            }
            kind @ (LayerKind::Linear { .. } | LayerKind::Affine { .. } | LayerKind::Conv { .. }) => {
                let (s_x, b_x) = (b.node(src).scale.0, b.node(src).bits);
                let s_y_target = choose_scale(y_max, cfg.activation_bits, cfg.headroom) as i32;
                let layer_inputs = operand_values(0);
                let grid = to_grid[li].is_some();
                // a layer rounded onto a grid straight from the graph input is measured on the input
                // as the circuit holds it: the input's and the weights' rounding errors add up, and
                // each alone within the grid tolerance is not enough next to a rounding tie
                let held: Vec<Vec<f64>> = match layer.inputs.first() {
                    Some(None) if grid => {
                        let f = (s_in as f64).exp2();
                        layer_inputs.iter().map(|x| x.iter().map(|&v| round_half_up(v * f) / f).collect()).collect()
                    }
                    _ => Vec::new(),
                };
                let held: Vec<&[f64]> = held.iter().map(Vec::as_slice).collect();
                let seen = if held.is_empty() { &layer_inputs } else { &held };
                let (s_w, worst) = weight_scale(kind, &layer_inputs, seen, s_y_target, grid, cfg.weight_bits, s_x, b_x);
                // an error: weight rounding alone moves an output by more than one output step (the
                // activation scale, or the integer grid) and more than PRECISION_LIMIT of its range
                let step = if grid { 1.0 } else { (-(s_y_target as f64)).exp2() };
                if worst > step && worst > PRECISION_LIMIT * y_max {
                    return Err(b.fail(
                        format!(
                            "rounding the weights to the finest scale the accumulator allows (2^{s_w}) moves an output by up to {worst:.3e}, {:.1}% of the layer's largest value",
                            100.0 * worst / y_max.max(f64::MIN_POSITIVE)
                        ),
                        format!(
                            "weight rounding may cost at most 1/{} of the range; accumulators hold {MAX_BITS} bits = operand width {} + weight bits + 16",
                            (1.0 / PRECISION_LIMIT) as u32,
                            b_x.0
                        ),
                        "lower --input-bits or --activation-bits (room for finer weights), normalize the layer's input, or check the calibration data for outliers that widen it",
                    ));
                }
                let s_acc = s_x as i32 + s_w as i32;
                let quant = |v: f64, s: i32| -> Result<i64, CompileError> {
                    let q = round_half_up(v * (s as f64).exp2());
                    if q.abs() >= (1u64 << 60) as f64 {
                        return Err(b.fail(
                            format!("the weight or bias {v} at scale 2^{s} needs more than 60 bits"),
                            "60 bits per constant".into(),
                            "lower --input-bits or --weight-bits, or shrink the weights (a very large bias next to small weights?)",
                        ));
                    }
                    Ok(q as i64)
                };
                let op = match kind {
                    LayerKind::Affine { mul, add } => Op::Affine(op::Affine {
                        input: src,
                        mul: mul.iter().map(|&w| quant(w, s_w as i32)).collect::<Result<_, _>>()?,
                        add: add.iter().map(|&b| quant(b, s_acc)).collect::<Result<_, _>>()?,
                    }),
                    LayerKind::Linear { rows, cols, weights, bias } => Op::Linear(op::Linear {
                        input: src,
                        rows: *rows,
                        cols: *cols,
                        weights: weights.iter().map(|&w| quant(w, s_w as i32)).collect::<Result<_, _>>()?,
                        bias: bias.iter().map(|&b| quant(b, s_acc)).collect::<Result<_, _>>()?,
                    }),
                    LayerKind::Conv { geometry, weights, bias } => Op::Conv(op::Conv {
                        input: src,
                        geometry: geometry.clone(),
                        weights: weights.iter().map(|&w| quant(w, s_w as i32)).collect::<Result<_, _>>()?,
                        bias: bias.iter().map(|&b| quant(b, s_acc)).collect::<Result<_, _>>()?,
                    }),
                    _ => return Err(CompileError::Internal(format!("'{}' is not a linear layer", layer.name))),
                };
                let acc_bits = static_bits(&op, b_x);
                let acc = b.push(format!("{}::acc", layer.name), op, layer.shape.clone(), s_acc, acc_bits, y_max)?;
                b.rescale_to(acc, layer.name.clone(), y_max, to_grid[li])?
            }
        };
        ir_of.push(id);
    }
    let output = ir_of.last().copied().unwrap_or(TensorId(0));
    let ir = CircuitIr { input: graph.input.clone(), output, nodes: b.nodes };
    ir.validate().map_err(CompileError::Internal)?;
    Ok((ir, b.report))
}

/// The output scale `s_y` of a root and its exponent `e = 2 s_y + k` (`k = -s_x` for the square
/// root, `+s_v` for the reciprocal one): the calibrated scale, raised until `e >= 0`; `None` if `e`
/// exceeds `limit`.
fn root_scale(y_max: f64, cfg: &QuantConfig, k: i32, limit: u8) -> Option<(i32, u8)> {
    let mut s_y = choose_scale(y_max, cfg.activation_bits, cfg.headroom) as i32;
    if 2 * s_y + k < 0 {
        s_y = (1 - k) / 2;
    }
    let e = u8::try_from(2 * s_y + k).ok().filter(|e| *e <= limit)?;
    Some((s_y, e))
}

/// The width a linear, convolution or affine node's output needs given its operand width.
fn static_bits(op: &Op, input: Bits) -> Bits {
    let in_max = 1u128 << (input.0 - 1);
    Bits::for_bound(op.weighted_bound(in_max).unwrap_or(in_max))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scale_fits_the_width_with_headroom() {
        // 3.0 * 2 = 6 must fit 2^15 - 1: 6 * 2^12 = 24576 fits, 6 * 2^13 does not.
        assert_eq!(choose_scale(3.0, 16, 2.0), 12);
        assert_eq!(choose_scale(0.0, 16, 2.0), 14);
        assert!(choose_scale(1e6, 16, 1.0) < 0);
    }
}
