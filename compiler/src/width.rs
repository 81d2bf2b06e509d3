//! The activation width: as given, or the narrowest that keeps the calibration data within an
//! accuracy aim.
//!
//! Every activation costs its width in range-check constraints (a rescale is `w + k + 1`, a max-pool
//! window `K (w + 2)`), so width is the main lever on circuit size. [`Precision::Accurate`] (the
//! default) and [`Precision::Fast`] quantize the model at candidate widths, measure each on the
//! calibration samples as `report.json` does, and keep the narrowest that meets the aim; the
//! widest candidate is kept when none does (its warnings then say what is off). Candidates are
//! searched by bisection, assuming that a wider activation is never less accurate: two or three
//! quantizations per compile. The result is deterministic, like every compile.
use crate::report::Accuracy;
use crate::CompileError;
use serde::Serialize;

/// How the activation width is chosen.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Precision {
    /// Exactly `QuantConfig::activation_bits`.
    Fixed,
    /// The narrowest of [`ACCURATE_WIDTHS`] at which, on the calibration data, no layer is off by
    /// more than 1/256 of its range, the output by more than 1% of its range (no accuracy warning),
    /// no value leaves its range, and a seeded draw stays within [`SAMPLING_AIM`] of the float
    /// softmax. Models holding integer grids (int8 QDQ or QOperator models)
    /// keep the widest: their outputs are compared with onnxruntime's grid values, which a narrower
    /// dequantized output lands on less often.
    #[default]
    Accurate,
    /// The narrowest of [`FAST_WIDTHS`] at which, on the calibration data, the output is within
    /// [`FAST_OUTPUT_AIM`] of its range, the argmax agrees with the float model's on at least
    /// [`FAST_AGREEMENT`] of the samples, no value leaves its range, and a seeded draw stays within
    /// [`SAMPLING_AIM`] of the float softmax. Layers may be off by more
    /// than 1/256 (the warnings say which).
    Fast,
}

/// The widths [`Precision::Accurate`] chooses from, narrowest first.
pub const ACCURATE_WIDTHS: &[u8] = &[10, 12, 14, 16];

/// The widths [`Precision::Fast`] chooses from, narrowest first.
pub const FAST_WIDTHS: &[u8] = &[8, 10, 12, 14, 16];

/// [`Precision::Fast`]: the largest output error, as a fraction of the output's calibrated range.
pub const FAST_OUTPUT_AIM: f64 = 0.02;

/// Models with a seeded draw: the largest total variation distance, on any calibration sample,
/// between the integer sampler's distribution and the float model's softmax.
pub const SAMPLING_AIM: f64 = 0.01;

/// [`Precision::Fast`]: the smallest argmax agreement with the float model on the calibration data.
pub const FAST_AGREEMENT: f64 = 0.99;

impl Precision {
    /// The candidate widths, narrowest first (`given` alone for [`Precision::Fixed`]), for a model
    /// with integer grids (`grids`) or without.
    pub fn widths(self, given: u8, grids: bool) -> Vec<u8> {
        match self {
            Precision::Fixed => vec![given],
            Precision::Accurate if grids => ACCURATE_WIDTHS[ACCURATE_WIDTHS.len() - 1..].to_vec(),
            Precision::Accurate => ACCURATE_WIDTHS.to_vec(),
            Precision::Fast => FAST_WIDTHS.to_vec(),
        }
    }

    /// Whether a quantization measured as `m` meets this mode's aim.
    pub(crate) fn accepts<T>(self, m: &Measured<T>) -> bool {
        let in_range = m.accuracy.out_of_range == 0;
        // a seeded draw follows the float softmax within SAMPLING_AIM (both modes: the draw is the
        // output such a model reveals)
        let draw = m.sampling_tv.is_none_or(|tv| tv <= SAMPLING_AIM);
        match self {
            Precision::Fixed => true,
            Precision::Accurate => in_range && draw && m.warnings.is_empty(),
            Precision::Fast => {
                in_range && draw && m.output_error <= FAST_OUTPUT_AIM && m.accuracy.argmax_agreement >= FAST_AGREEMENT
            }
        }
    }
}

/// One width tried, as `report.json` records it: the trade-off between the widths.
#[derive(Clone, Debug, Serialize)]
pub struct Trial {
    /// Signed width of activations.
    pub activation_bits: u8,
    /// Whether it met the aim.
    pub accepted: bool,
    /// R1CS constraints (filled in by the CLI, which links the backend; for the widths not chosen,
    /// only when the chosen circuit has at most 2,000,000 constraints, as counting synthesizes it).
    pub constraints: Option<usize>,
    /// Argmax agreement with the float model on the calibration data.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub argmax_agreement: Option<f64>,
    /// Largest output error as a fraction of the output's calibrated range.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub output_error: Option<f64>,
    /// The first accuracy warning, or why this width could not be compiled at all.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// How the activation width was chosen.
#[derive(Clone, Debug, Serialize)]
pub struct PrecisionReport {
    /// The mode.
    pub mode: Precision,
    /// The width chosen.
    pub activation_bits: u8,
    /// Every width quantized, in the order tried.
    pub trials: Vec<Trial>,
}

/// A quantization at one width, with what the search needs to judge it.
pub(crate) struct Measured<T> {
    pub(crate) value: T,
    pub(crate) accuracy: Accuracy,
    pub(crate) warnings: Vec<String>,
    pub(crate) output_error: f64,
    /// `report.sampling.max_total_variation` (models with a seeded draw).
    pub(crate) sampling_tv: Option<f64>,
}

/// Bisects `widths` (narrowest first) for the narrowest one `mode` accepts, quantizing with `at`;
/// the widest is the fallback and is kept whatever it measures. A width that fails to quantize
/// (its accumulators do not fit, say) counts as rejected, except the widest, whose error is
/// returned. Returns the chosen quantization, its width, and every other width tried, in the order
/// tried, with its quantization (`None` where it failed).
#[allow(clippy::type_complexity)]
pub(crate) fn search<T>(
    mode: Precision,
    widths: &[u8],
    mut at: impl FnMut(u8) -> Result<Measured<T>, CompileError>,
) -> Result<(T, Trial, Vec<(Trial, Option<T>)>), CompileError> {
    let last = widths.len().checked_sub(1).ok_or_else(|| CompileError::Internal("no candidate widths".into()))?;
    let (mut lo, mut hi) = (0usize, last);
    let mut tried: Vec<(Trial, Option<T>)> = Vec::new();
    while lo < hi {
        let mid = (lo + hi) / 2;
        match at(widths[mid]) {
            Ok(m) => {
                let t = trial(widths[mid], mode, &m);
                if t.accepted {
                    hi = mid;
                } else {
                    lo = mid + 1;
                }
                tried.push((t, Some(m.value)));
            }
            Err(e) => {
                let note = Some(format!("not compiled: {e}"));
                tried.push((
                    Trial {
                        activation_bits: widths[mid],
                        accepted: false,
                        constraints: None,
                        argmax_agreement: None,
                        output_error: None,
                        note,
                    },
                    None,
                ));
                lo = mid + 1;
            }
        }
    }
    let bits = widths[hi];
    if let Some(i) = tried.iter().position(|t| t.0.activation_bits == bits && t.1.is_some()) {
        if let (t, Some(v)) = tried.remove(i) {
            return Ok((v, t, tried));
        }
    }
    let m = at(bits)?;
    let t = trial(bits, mode, &m);
    Ok((m.value, t, tried))
}

fn trial<T>(bits: u8, mode: Precision, m: &Measured<T>) -> Trial {
    Trial {
        activation_bits: bits,
        accepted: mode.accepts(m),
        constraints: None,
        argmax_agreement: Some(m.accuracy.argmax_agreement),
        output_error: Some(m.output_error),
        note: m.warnings.first().cloned().or_else(|| {
            m.sampling_tv.filter(|tv| *tv > SAMPLING_AIM).map(|tv| {
                format!("the seeded draw is {tv:.4} in total variation from the float softmax (aim {SAMPLING_AIM})")
            })
        }),
    }
}

/// The output's error as a fraction of its calibrated range (0 when it was not measured).
pub(crate) fn output_error(tensors: &[crate::quantize::TensorQuant], output: &str) -> f64 {
    tensors
        .iter()
        .find(|t| t.tensor == output)
        .and_then(|t| t.max_abs_error.map(|e| e / t.calibrated_max_abs.max(f64::MIN_POSITIVE)))
        .unwrap_or(0.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn acc(agreement: f64, out_of_range: usize) -> Accuracy {
        Accuracy { samples: 100, argmax_agreement: agreement, max_abs_error: 0.0, out_of_range }
    }

    /// A fake quantizer whose error halves with every extra bit: `error(bits) = 2^(12 - bits) / 100`.
    fn fake(bits: u8) -> Result<Measured<u8>, CompileError> {
        let e = (12.0 - bits as f64).exp2() / 100.0;
        let warnings = if e > 0.01 { vec![format!("{bits} bits off by {e}")] } else { Vec::new() };
        Ok(Measured { value: bits, accuracy: acc(1.0, 0), warnings, output_error: e, sampling_tv: None })
    }

    #[test]
    fn accurate_keeps_the_narrowest_width_without_warnings() {
        let mut calls = Vec::new();
        let (v, chosen, tried) = search(Precision::Accurate, ACCURATE_WIDTHS, |b| {
            calls.push(b);
            fake(b)
        })
        .unwrap();
        assert_eq!((v, chosen.activation_bits, chosen.accepted), (12, 12, true));
        assert_eq!(calls, [12, 10], "bisection: 12 passes, 10 does not, nothing else is quantized");
        assert_eq!(
            tried.iter().map(|t| (t.0.activation_bits, t.0.accepted, t.1)).collect::<Vec<_>>(),
            [(10, false, Some(10))]
        );
    }

    #[test]
    fn fast_trades_layer_accuracy_for_width_within_its_aims() {
        // 2.8% off at 8 bits, 0.7% at 10
        let off = |bits: u8, agreement: f64| -> Result<Measured<u8>, CompileError> {
            let e = (9.5 - bits as f64).exp2() / 100.0;
            Ok(Measured {
                value: bits,
                accuracy: acc(agreement, 0),
                warnings: vec!["a layer".into()],
                output_error: e,
                sampling_tv: None,
            })
        };
        let (_, chosen, _) = search(Precision::Fast, FAST_WIDTHS, |b| off(b, 1.0)).unwrap();
        assert_eq!(chosen.activation_bits, 10, "0.7% at 10 bits is within 2%, 2.8% at 8 is not");
        // the same errors, but the argmax disagrees on 2% of the samples below 14 bits
        let (_, chosen, _) = search(Precision::Fast, FAST_WIDTHS, |b| off(b, if b < 14 { 0.98 } else { 1.0 })).unwrap();
        assert_eq!(chosen.activation_bits, 14);
        // values out of range reject a width whatever its errors
        let (_, chosen, _) = search(Precision::Accurate, ACCURATE_WIDTHS, |b| {
            let mut m = fake(b)?;
            m.accuracy.out_of_range = usize::from(b < 16);
            Ok(m)
        })
        .unwrap();
        assert_eq!(chosen.activation_bits, 16);
    }

    #[test]
    fn a_seeded_draw_must_follow_the_float_softmax() {
        // no warning at 12 bits, but the draw is 2% off below 14 bits
        let (_, chosen, tried) = search(Precision::Accurate, ACCURATE_WIDTHS, |b| {
            let mut m = fake(b)?;
            m.sampling_tv = Some(if b < 14 { 0.02 } else { 0.005 });
            Ok(m)
        })
        .unwrap();
        assert_eq!(chosen.activation_bits, 14);
        assert!(tried[0].0.note.as_deref().is_some_and(|n| n.contains("total variation")), "{:?}", tried[0].0);
    }

    #[test]
    fn the_widest_width_is_kept_when_none_meets_the_aim() {
        let mut calls = Vec::new();
        let (v, chosen, tried) = search(Precision::Accurate, ACCURATE_WIDTHS, |b| {
            calls.push(b);
            let mut m = fake(b)?;
            m.warnings = vec!["always off".into()];
            Ok(m)
        })
        .unwrap();
        assert_eq!((v, chosen.activation_bits, chosen.accepted), (16, 16, false));
        assert_eq!(calls, [12, 14, 16]);
        assert_eq!(tried.len(), 2);
    }

    #[test]
    fn a_width_that_does_not_compile_is_rejected_but_the_widest_s_error_is_returned() {
        let (_, chosen, tried) = search(Precision::Accurate, ACCURATE_WIDTHS, |b| {
            if b < 14 {
                return Err(CompileError::Settings(format!("{b} bits do not fit")));
            }
            fake(b)
        })
        .unwrap();
        assert_eq!(chosen.activation_bits, 14);
        assert!(tried[0].0.note.as_deref().is_some_and(|n| n.contains("12 bits do not fit")), "{:?}", tried[0].0);
        let err = search(Precision::Accurate, ACCURATE_WIDTHS, |b| -> Result<Measured<u8>, CompileError> {
            Err(CompileError::Settings(format!("{b} bits do not fit")))
        });
        assert!(matches!(err, Err(CompileError::Settings(m)) if m.contains("16 bits")));
    }

    #[test]
    fn fixed_quantizes_once_at_the_given_width() {
        let mut calls = 0;
        let (_, chosen, tried) = search(Precision::Fixed, &Precision::Fixed.widths(9, false), |b| {
            calls += 1;
            fake(b)
        })
        .unwrap();
        assert_eq!((chosen.activation_bits, calls, tried.len()), (9, 1, 0));
    }
}
