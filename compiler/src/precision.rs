//! How fine the input and the weights must be: searches over scales that measure, on the
//! calibration data, what rounding the input or a layer's weights does to the layer's outputs.
use crate::graph::{FloatGraph, LayerKind};
use crate::quantize::{choose_scale, max_abs, round_half_up, QuantConfig, GRID_ERROR};
use rayon::prelude::*;
use verinfer_ir::graph::MAX_BITS;
use verinfer_ir::Bits;

/// The input's scale and width: the coarsest grid (at most the `input_bits` budget allows) at which
/// rounding the calibration inputs moves no output of the first linear layer by more than one of its
/// output steps, and the smallest width that holds the calibrated range with headroom at that scale.
/// Integer-valued inputs (pixels, counts) so get scale 0 and a few bits instead of the whole budget,
/// and raw features of mixed magnitudes (areas in the thousands next to ratios near 0.05) get the
/// fine grid their small features need. When the first layer is not linear, nothing measures the
/// rounding: the input gets the budget given, or [`UNMEASURED_INPUT_BITS`] by default.
pub(crate) fn input_scale(
    graph: &FloatGraph,
    calibration: &[Vec<f64>],
    in_max: f64,
    first_max: Option<f64>,
    input_uses: usize,
    grid: bool,
    cfg: &QuantConfig,
) -> (i8, u8) {
    let s_max = choose_scale(in_max, cfg.input_budget(), cfg.headroom);
    let width = |s: i8| -> u8 {
        let q = (in_max * cfg.headroom * (s as f64).exp2()).ceil();
        (Bits::for_bound(q as u128).0).clamp(2, cfg.input_budget())
    };
    let first = match graph.layers.first() {
        Some(l) if l.kind.constants().is_some() && input_uses == 1 && l.inputs == [None] => l,
        _ => {
            let bits = cfg.input_bits.unwrap_or(UNMEASURED_INPUT_BITS);
            return (choose_scale(in_max, bits, cfg.headroom), bits);
        }
    };
    let step = (-(choose_scale(first_max.unwrap_or(0.0), cfg.activation_bits, cfg.headroom) as f64)).exp2();
    let calibration = sample_budget(calibration, first.kind.macs(), grid);
    let exact: Vec<Vec<f64>> = calibration.iter().map(|x| crate::graph::eval_layer(&first.kind, &[x])).collect();
    for s in (s_max as i32 - 40).max(-60)..=s_max as i32 {
        let f = (s as f64).exp2();
        let (mut worst, mut same_grid) = (0.0f64, true);
        for (x, want) in calibration.iter().zip(&exact) {
            let xq: Vec<f64> = x.iter().map(|&v| round_half_up(v * f) / f).collect();
            for (a, b) in crate::graph::eval_layer(&first.kind, &[&xq]).iter().zip(want) {
                worst = worst.max((a - b).abs());
                let tie = (b - b.floor() - 0.5).abs() < 1e-12;
                same_grid &= tie || b.round_ties_even() == round_half_up(*a);
            }
        }
        if (!grid || same_grid) && worst <= if grid { GRID_ERROR } else { step } {
            return (s as i8, width(s as i8));
        }
    }
    (s_max, cfg.input_budget())
}

/// The input width when no linear first layer measures what rounding the input costs.
pub(crate) const UNMEASURED_INPUT_BITS: u8 = 24;

/// The weight scale of a linear or affine layer: at least the one the weight-width budget gives, and
/// raised (up to 24 more bits, while the accumulator's exact bound fits [`MAX_BITS`]) until rounding
/// the weights moves no calibration output by more than one output step. Weights are circuit
/// constants, so extra precision only lengthens the rescale, and only where calibration needs it.
///
/// A layer whose output is rounded onto an integer grid next (`grid`, a QuantizeLinear) is raised
/// until the error is within [`GRID_ERROR`] and every calibration output rounds to the same grid
/// value as the exact output: calibrated models put values within 1e-5 of a rounding tie (pixel 8
/// at scale 16/255), and only exact weights round those as onnxruntime does.
///
/// The rounded layer is evaluated on `seen`, the operand as the circuit holds it (the rounded input
/// for a grid layer reading the graph input; otherwise `inputs` itself), against the exact layer on
/// `inputs`.
///
/// Returns the scale and the largest output error its rounded weights cause on the calibration data.
#[allow(clippy::too_many_arguments)]
pub(crate) fn weight_scale(
    kind: &LayerKind,
    inputs: &[&[f64]],
    seen: &[&[f64]],
    s_y: i32,
    grid: bool,
    weight_bits: u8,
    s_x: i8,
    b_x: Bits,
) -> (i8, f64) {
    let Some((consts, bias)) = kind.constants() else { return (0, 0.0) };
    let base = choose_scale(max_abs(consts.iter().copied()), weight_bits, 1.0);
    let step = (-(s_y as f64)).exp2();
    let inputs = sample_budget(inputs, kind.macs(), grid);
    let seen = sample_budget(seen, kind.macs(), grid);
    let exact: Vec<Vec<f64>> = inputs.par_iter().map(|x| crate::graph::eval_layer(kind, &[x])).collect();
    let mut s_w = base;
    while (s_w as i32) < base as i32 + 24 {
        let f = (s_w as f64).exp2();
        let rounded: Vec<f64> = consts.iter().map(|&w| round_half_up(w * f) / f).collect();
        // biases are rounded at the accumulator's scale
        let fb = ((s_x as i32 + s_w as i32) as f64).exp2();
        let rb: Vec<f64> = bias.iter().map(|&v| round_half_up(v * fb) / fb).collect();
        let Some(probe) = kind.with_constants(rounded, rb) else { return (s_w, 0.0) };
        // per sample: the largest error, and whether every output rounds onto the exact one's grid value
        let (worst, same_grid) = seen
            .par_iter()
            .zip(exact.par_iter())
            .map(|(x, a)| {
                let (mut worst, mut same_grid) = (0.0f64, true);
                for (p, q) in a.iter().zip(crate::graph::eval_layer(&probe, &[x])) {
                    worst = worst.max((p - q).abs());
                    // an exact tie rounds half to even in ONNX and half up here: no precision helps it
                    let tie = (p - p.floor() - 0.5).abs() < 1e-12;
                    same_grid &= tie || p.round_ties_even() == round_half_up(q);
                }
                (worst, same_grid)
            })
            .reduce(|| (0.0, true), |a, b| (a.0.max(b.0), a.1 && b.1));
        let done = if grid { same_grid && worst <= GRID_ERROR } else { worst <= step };
        if done || s_x as i32 + s_w as i32 >= 120 || accumulator_bits(kind, s_w + 1, s_x, b_x) > MAX_BITS {
            return (s_w, worst);
        }
        s_w += 1;
    }
    (s_w, 0.0)
}

/// The signed width of `kind`'s accumulator with its weights rounded at scale `s_w` over an operand
/// of width `b_x`: the largest row's `sum |w| * 2^(b_x - 1)` plus the largest bias, the bound
/// `Op::weighted_bound` gives the quantized layer.
fn accumulator_bits(kind: &LayerKind, s_w: i8, s_x: i8, b_x: Bits) -> u8 {
    let Some((consts, bias)) = kind.constants() else { return 0 };
    let (f, fb) = ((s_w as f64).exp2(), ((s_x as i32 + s_w as i32) as f64).exp2());
    // rounded constants are integers, exact in f64; beyond 2^100 the layer cannot fit anyway
    let int = |v: f64| -> Option<u128> { Some(round_half_up(v).abs()).filter(|a| *a < 1e30).map(|a| a as u128) };
    let mut row = 0u128;
    for r in consts.chunks(kind.row_len().max(1)) {
        let Some(l1) = r.iter().try_fold(0u128, |s, w| int(w * f).map(|a| s + a)) else { return u8::MAX };
        row = row.max(l1);
    }
    let Some(b) = bias.iter().try_fold(0u128, |m, v| int(v * fb).map(|a| m.max(a))) else { return u8::MAX };
    let in_max = 1u128 << (b_x.0 - 1).min(60);
    row.checked_mul(in_max).and_then(|p| p.checked_add(b)).map_or(u8::MAX, |bound| Bits::for_bound(bound).0)
}

/// Multiply-accumulates a precision search may spend per candidate scale: beyond it, a layer is
/// measured on an evenly spread subset of the calibration samples (at least [`MIN_SAMPLES`]). Layers
/// feeding an integer grid always use every sample (each one may sit next to a rounding tie). The
/// report's accuracy figures use every sample regardless.
pub(crate) const SEARCH_MACS: usize = 1 << 28;

/// The fewest calibration samples a precision search uses.
pub(crate) const MIN_SAMPLES: usize = 16;

fn sample_budget<T: AsRef<[f64]>>(samples: &[T], macs: usize, grid: bool) -> Vec<&[f64]> {
    let keep = if grid { samples.len() } else { (SEARCH_MACS / macs.max(1)).max(MIN_SAMPLES) };
    let stride = samples.len().div_ceil(keep.max(1)).max(1);
    samples.iter().step_by(stride).map(|s| s.as_ref()).collect()
}
