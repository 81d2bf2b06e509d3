//! Calibration and quantization: from the float graph to the integer circuit IR.
//!
//! Each tensor gets one power-of-two scale, the largest at which the calibration data's largest
//! absolute value, times a headroom factor, fits the tensor's signed width. Weights are rounded at
//! their own scale; products are exact; each linear layer is followed by a rescale (division by a
//! power of two, round half up) back to an activation scale, which range-checks the result.
use crate::error::CompileError;
use crate::graph::{FloatGraph, LayerKind};
use serde::Serialize;
use verinfer_ir::graph::MAX_BITS;
use verinfer_ir::{Bits, CircuitIr, InputSpec, Node, Op, Scale, TensorId};

/// Quantization settings. All are recorded in the artifact and covered by the model hash.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct QuantConfig {
    /// Signed width of activations (rescale outputs).
    pub activation_bits: u8,
    /// Signed width of the quantized input.
    pub input_bits: u8,
    /// Signed width budget of weights.
    pub weight_bits: u8,
    /// Calibrated maxima are multiplied by this before choosing a scale (room for unseen inputs).
    pub headroom: f64,
}

impl Default for QuantConfig {
    fn default() -> Self {
        QuantConfig { activation_bits: 16, input_bits: 24, weight_bits: 10, headroom: 2.0 }
    }
}

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
}

/// The largest scale at which `max_abs * headroom` fits a signed `bits`-bit integer.
pub fn choose_scale(max_abs: f64, bits: u8, headroom: f64) -> i8 {
    let limit = ((1u64 << (bits - 1)) - 1) as f64;
    let m = max_abs * headroom;
    if !(m > 0.0) {
        return (bits as i8 - 2).max(0);
    }
    let s = (limit / m).log2().floor();
    s.clamp(-60.0, 60.0) as i8
}

fn round_half_up(x: f64) -> f64 {
    (x + 0.5).floor()
}

fn max_abs(v: impl Iterator<Item = f64>) -> f64 {
    v.fold(0.0, |a, x| a.max(x.abs()))
}

/// Quantizes `graph` using `calibration` (flattened input samples).
pub fn quantize(
    graph: &FloatGraph,
    calibration: &[Vec<f64>],
    cfg: &QuantConfig,
) -> Result<(CircuitIr, Vec<TensorQuant>), CompileError> {
    if !(2..=MAX_BITS).contains(&cfg.activation_bits)
        || !(2..=MAX_BITS).contains(&cfg.input_bits)
        || !(2..=32).contains(&cfg.weight_bits)
    {
        return Err(CompileError::Quantization {
            tensor: "(settings)".into(),
            reason: format!("widths out of range: activations and input 2..={MAX_BITS}, weights 2..=32"),
        });
    }
    let input_len: usize = graph.input_shape.iter().product();
    // Per-layer maxima over the calibration data.
    let mut in_max = 0.0f64;
    let mut layer_max = vec![0.0f64; graph.layers.len()];
    let mut acts: Vec<Vec<Vec<f64>>> = Vec::with_capacity(calibration.len());
    for (i, x) in calibration.iter().enumerate() {
        if x.len() != input_len {
            return Err(CompileError::Calibration(format!(
                "sample {i} has {} values, the model input {:?} has {input_len}",
                x.len(),
                graph.input_shape
            )));
        }
        if let Some(bad) = x.iter().find(|v| !v.is_finite()) {
            return Err(CompileError::Calibration(format!("sample {i} holds a non-finite value {bad}")));
        }
        in_max = in_max.max(max_abs(x.iter().copied()));
        let outs = graph.eval(x);
        for (m, out) in layer_max.iter_mut().zip(&outs) {
            *m = m.max(max_abs(out.iter().copied()));
        }
        acts.push(outs);
    }

    let (s_in, in_bits) = input_scale(graph, calibration, in_max, layer_max.first().copied(), cfg);
    let mut nodes = vec![Node {
        name: graph.input_name.clone(),
        op: Op::Input,
        shape: graph.input_shape.clone(),
        scale: Scale(s_in),
        bits: Bits(in_bits),
    }];
    let mut report = vec![TensorQuant {
        tensor: graph.input_name.clone(),
        gadget: "input",
        scale: s_in,
        bits: in_bits,
        calibrated_max_abs: in_max,
    }];

    for (li, (layer, &y_max)) in graph.layers.iter().zip(&layer_max).enumerate() {
        let prev = TensorId((nodes.len() - 1) as u32);
        let (s_x, b_x) = (nodes[prev.index()].scale.0, nodes[prev.index()].bits);
        let qerr = |reason: String| CompileError::Quantization { tensor: layer.name.clone(), reason };
        match &layer.kind {
            LayerKind::Relu | LayerKind::MaxPool { .. } => {
                let (op, gadget) = match &layer.kind {
                    LayerKind::MaxPool { size, windows } => (
                        Op::MaxPool { input: prev, size: *size, windows: windows.iter().map(|&j| j as u32).collect() },
                        "max_pool",
                    ),
                    _ => (Op::Relu { input: prev }, "relu"),
                };
                nodes.push(Node {
                    name: layer.name.clone(),
                    op,
                    shape: layer.shape.clone(),
                    scale: Scale(s_x),
                    bits: b_x,
                });
                report.push(TensorQuant {
                    tensor: layer.name.clone(),
                    gadget,
                    scale: s_x,
                    bits: b_x.0,
                    calibrated_max_abs: y_max,
                });
            }
            kind @ (LayerKind::Linear { .. } | LayerKind::Affine { .. }) => {
                let consts: &[f64] = match kind {
                    LayerKind::Linear { weights, .. } => weights,
                    LayerKind::Affine { mul, .. } => mul,
                    LayerKind::Relu | LayerKind::MaxPool { .. } => &[],
                };
                let s_y_target = choose_scale(y_max, cfg.activation_bits, cfg.headroom) as i32;
                let layer_inputs: Vec<&[f64]> = acts
                    .iter()
                    .zip(calibration)
                    .map(|(a, x)| if li == 0 { x.as_slice() } else { a[li - 1].as_slice() })
                    .collect();
                let s_w = weight_scale(kind, consts, &layer_inputs, s_y_target, cfg.weight_bits, s_x, b_x);
                let s_acc = s_x as i32 + s_w as i32;
                let quant = |v: f64, s: i32| -> Result<i64, CompileError> {
                    let q = round_half_up(v * (s as f64).exp2());
                    if q.abs() >= (1u64 << 60) as f64 {
                        return Err(qerr(format!(
                            "constant {v} at scale 2^{s} exceeds 60 bits; lower --input-bits or --weight-bits"
                        )));
                    }
                    Ok(q as i64)
                };
                let acc_name = format!("{}::acc", layer.name);
                let op = match kind {
                    LayerKind::Affine { mul, add } => Op::Affine {
                        input: prev,
                        mul: mul.iter().map(|&w| quant(w, s_w as i32)).collect::<Result<_, _>>()?,
                        add: add.iter().map(|&b| quant(b, s_acc)).collect::<Result<_, _>>()?,
                    },
                    LayerKind::Linear { rows, cols, weights, bias } => Op::Linear {
                        input: prev,
                        rows: *rows,
                        cols: *cols,
                        weights: weights.iter().map(|&w| quant(w, s_w as i32)).collect::<Result<_, _>>()?,
                        bias: bias.iter().map(|&b| quant(b, s_acc)).collect::<Result<_, _>>()?,
                    },
                    LayerKind::Relu | LayerKind::MaxPool { .. } => continue, // handled by the arm above
                };
                let acc_bits = static_bits(&op, b_x);
                if acc_bits.0 > MAX_BITS {
                    return Err(qerr(format!(
                        "the accumulator needs {} bits (limit {MAX_BITS}); lower --weight-bits or --activation-bits",
                        acc_bits.0
                    )));
                }
                let s_acc8 = i8::try_from(s_acc).map_err(|_| qerr(format!("scale 2^{s_acc} out of range")))?;
                nodes.push(Node {
                    name: acc_name.clone(),
                    op,
                    shape: layer.shape.clone(),
                    scale: Scale(s_acc8),
                    bits: acc_bits,
                });
                report.push(TensorQuant {
                    tensor: acc_name,
                    gadget: nodes.last().map(|n| n.op.kind()).unwrap_or("linear"),
                    scale: s_acc8,
                    bits: acc_bits.0,
                    calibrated_max_abs: y_max,
                });

                let mut s_y = s_y_target;
                if s_y > s_acc {
                    s_y = s_acc; // never multiply up: keep the exact accumulator scale
                }
                let shift = u8::try_from(s_acc - s_y).map_err(|_| qerr("rescale shift out of range".into()))?;
                let acc = TensorId((nodes.len() - 1) as u32);
                nodes.push(Node {
                    name: layer.name.clone(),
                    op: Op::Rescale { input: acc, shift },
                    shape: layer.shape.clone(),
                    scale: Scale(s_y as i8),
                    bits: Bits(cfg.activation_bits),
                });
                report.push(TensorQuant {
                    tensor: layer.name.clone(),
                    gadget: "rescale",
                    scale: s_y as i8,
                    bits: cfg.activation_bits,
                    calibrated_max_abs: y_max,
                });
            }
        }
    }
    let ir = CircuitIr {
        input: InputSpec { name: graph.input_name.clone(), shape: graph.input_shape.clone() },
        output: TensorId((nodes.len() - 1) as u32),
        nodes,
    };
    ir.validate().map_err(|e| CompileError::Quantization { tensor: "(graph)".into(), reason: e })?;
    Ok((ir, report))
}

/// The input's scale and width: the coarsest grid (at most the `input_bits` budget allows) at which
/// rounding the calibration inputs moves no output of the first linear layer by more than one of its
/// output steps, and the smallest width that holds the calibrated range with headroom at that scale.
/// Integer-valued inputs (pixels, counts) so get scale 0 and a few bits instead of the whole budget.
fn input_scale(
    graph: &FloatGraph,
    calibration: &[Vec<f64>],
    in_max: f64,
    first_max: Option<f64>,
    cfg: &QuantConfig,
) -> (i8, u8) {
    let s_max = choose_scale(in_max, cfg.input_bits, cfg.headroom);
    let width = |s: i8| -> u8 {
        let q = (in_max * cfg.headroom * (s as f64).exp2()).ceil();
        (Bits::for_bound(q as u128).0).clamp(2, cfg.input_bits)
    };
    let first = match graph.layers.first() {
        Some(l @ crate::graph::Layer { kind: LayerKind::Linear { .. } | LayerKind::Affine { .. }, .. }) => l,
        _ => return (s_max, cfg.input_bits),
    };
    let step = (-(choose_scale(first_max.unwrap_or(0.0), cfg.activation_bits, cfg.headroom) as f64)).exp2();
    let exact: Vec<Vec<f64>> = calibration.iter().map(|x| crate::graph::eval_layer(&first.kind, x)).collect();
    for s in (s_max as i32 - 40).max(-60)..=s_max as i32 {
        let f = (s as f64).exp2();
        let worst = calibration
            .iter()
            .zip(&exact)
            .map(|(x, want)| {
                let xq: Vec<f64> = x.iter().map(|&v| round_half_up(v * f) / f).collect();
                crate::graph::eval_layer(&first.kind, &xq)
                    .iter()
                    .zip(want)
                    .fold(0.0f64, |m, (a, b)| m.max((a - b).abs()))
            })
            .fold(0.0f64, f64::max);
        if worst <= step {
            return (s as i8, width(s as i8));
        }
    }
    (s_max, cfg.input_bits)
}

/// The weight scale of a linear or affine layer: at least the one the weight-width budget gives, and
/// raised (up to 24 more bits) until rounding the weights moves no calibration output by more than one
/// output step. Weights are circuit constants, so extra precision only lengthens the rescale.
fn weight_scale(
    kind: &LayerKind,
    consts: &[f64],
    inputs: &[&[f64]],
    s_y: i32,
    weight_bits: u8,
    s_x: i8,
    b_x: Bits,
) -> i8 {
    let base = choose_scale(max_abs(consts.iter().copied()), weight_bits, 1.0);
    let step = (-(s_y as f64)).exp2();
    let mut s_w = base;
    while (s_w as i32) < base as i32 + 24 {
        let f = (s_w as f64).exp2();
        let rounded: Vec<f64> = consts.iter().map(|&w| round_half_up(w * f) / f).collect();
        let probe = match kind {
            LayerKind::Linear { rows, cols, bias, .. } => {
                LayerKind::Linear { rows: *rows, cols: *cols, weights: rounded, bias: bias.clone() }
            }
            LayerKind::Affine { add, .. } => LayerKind::Affine { mul: rounded, add: add.clone() },
            LayerKind::Relu | LayerKind::MaxPool { .. } => return s_w,
        };
        let worst = inputs
            .iter()
            .map(|x| {
                let (a, b) = (crate::graph::eval_layer(kind, x), crate::graph::eval_layer(&probe, x));
                a.iter().zip(&b).fold(0.0f64, |m, (p, q)| m.max((p - q).abs()))
            })
            .fold(0.0f64, f64::max);
        let next_acc_bits = b_x.0 as i32 + weight_bits as i32 + (s_w as i32 - base as i32) + 16;
        if worst <= step || next_acc_bits > MAX_BITS as i32 || s_x as i32 + s_w as i32 >= 120 {
            break;
        }
        s_w += 1;
    }
    s_w
}

/// The width a linear or affine node's output needs given its operand width.
fn static_bits(op: &Op, input: Bits) -> Bits {
    let in_max = 1u128 << (input.0 - 1);
    let bound = match op {
        Op::Linear { cols, weights, bias, .. } => weights
            .chunks(*cols.max(&1))
            .zip(bias)
            .map(|(row, b)| {
                row.iter().map(|w| w.unsigned_abs() as u128).sum::<u128>() * in_max + b.unsigned_abs() as u128
            })
            .max()
            .unwrap_or(0),
        Op::Affine { mul, add, .. } => mul
            .iter()
            .zip(add)
            .map(|(m, a)| m.unsigned_abs() as u128 * in_max + a.unsigned_abs() as u128)
            .max()
            .unwrap_or(0),
        _ => in_max,
    };
    Bits::for_bound(bound)
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
