//! `report.json`: what release CI reads after a compile.
use crate::graph::OpCounts;
use crate::quantize::{QuantConfig, TensorQuant};
use serde::Serialize;
use std::collections::BTreeMap;

/// Format version of `report.json`.
pub const REPORT_VERSION: u32 = 1;

/// Agreement of the quantized model with the float model on the calibration samples.
#[derive(Clone, Debug, Serialize)]
pub struct Accuracy {
    /// Samples evaluated.
    pub samples: usize,
    /// Fraction of samples whose quantized argmax equals the float argmax.
    pub argmax_agreement: f64,
    /// Largest absolute difference between a dequantized output and the float output.
    pub max_abs_error: f64,
    /// Samples the integer semantics rejected (a value left its calibrated range).
    pub out_of_range: usize,
}

/// The layers' constraints per activation: `constraints` are the circuit's own, without the
/// statement's parts (the input's range check and commitment, the output, the sampler), and
/// `count` the elements of every rescaled tensor (each layer output the circuit rounds back to the
/// activation width: hidden activations and the logits).
#[derive(Clone, Debug, Serialize)]
pub struct ActivationCost {
    /// Rescaled elements.
    pub count: usize,
    /// The layers' constraints.
    pub constraints: usize,
    /// `constraints / count`.
    pub per_activation: f64,
}

/// The compile report.
#[derive(Clone, Debug, Serialize)]
pub struct Report {
    /// Always "verinfer-compile-report".
    pub format: &'static str,
    /// [`REPORT_VERSION`].
    pub format_version: u32,
    /// Model name.
    pub name: String,
    /// SHA-256 of `model.compiled`, hex.
    pub model_hash: String,
    /// SHA-256 of the ONNX file, hex.
    pub onnx_sha256: String,
    /// Default-domain opset.
    pub opset: i64,
    /// ONNX operator counts.
    pub operators: OpCounts,
    /// Gadget counts in the circuit IR.
    pub gadgets: BTreeMap<&'static str, usize>,
    /// R1CS constraints of the Groth16 circuit (filled in by the CLI, which links the backend).
    pub constraints: Option<usize>,
    /// The same constraints per gadget kind and per part of the statement (`statement`,
    /// `input_commitment`, `output`, `sampling`), so that users see where the circuit goes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub constraints_by_gadget: Option<BTreeMap<String, usize>>,
    /// What the model's layers cost per activation (filled in with the constraints).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub activations: Option<ActivationCost>,
    /// Quantization settings (`activation_bits` is the width chosen).
    pub quantization: QuantConfig,
    /// How the activation width was chosen, and the widths tried: the accuracy they measured and
    /// the constraints they cost.
    pub precision: crate::width::PrecisionReport,
    /// Per-tensor scales and widths.
    pub tensors: Vec<TensorQuant>,
    /// Float-vs-quantized agreement on the calibration data.
    pub calibration: Accuracy,
    /// The sampling mode and how closely the integer sampler follows the float softmax.
    pub sampling: SamplingReport,
    /// Where the circuit is less accurate than verinfer aims for (a layer off by more than 1/256 of
    /// its range, the output by more than 1% of its range), with the fix; `compile` prints them.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
}

/// A layer whose calibration error exceeds this fraction of its range is named in the warnings
/// (the first such layer: errors propagate from it).
pub const LAYER_ERROR_AIM: f64 = 1.0 / 256.0;

/// The output's calibration error beyond this fraction of its range is named in the warnings.
pub const OUTPUT_ERROR_AIM: f64 = 1.0 / 100.0;

/// The warnings of [`Report::warnings`] for `tensors` (in graph order, with their errors), the
/// output tensor `output` and the activation width `activation_bits`.
pub fn accuracy_warnings(tensors: &[TensorQuant], output: &str, activation_bits: u8) -> Vec<String> {
    let fix = |gadget: &str| {
        match gadget {
        "input" => {
            "the input's grid follows its first layer's output step: raise --activation-bits (or --input-bits if the input is at its width limit)"
        }
        "table" => {
            "its table's 256 segments span the operand's whole range: narrow that range (normalize the layer's input; for a Softmax, smaller logits), or check the calibration data for outliers"
        }
        _ => "raise --activation-bits, or check the calibration data for outliers that widen the range",
    }
    };
    // a tensor within one step of its own grid (a value rounded onto an int8 grid is half a step
    // from its float) is as accurate as its width allows, unless that width is the activation
    // width, which is a choice (at 10 bits and below a step exceeds 1/256 of the range)
    let off = |t: &TensorQuant, aim: f64| {
        let step = (-(t.scale as f64)).exp2();
        let own_grid = t.bits != activation_bits;
        t.max_abs_error.filter(|e| *e > aim * t.calibrated_max_abs && !(own_grid && *e <= step))
    };
    let mut warnings = Vec::new();
    if let Some((t, e)) =
        tensors.iter().filter(|t| t.tensor != output).find_map(|t| Some((t, off(t, LAYER_ERROR_AIM)?)))
    {
        // a table whose own error is small passes on its operand's (a Softmax's exponential turns
        // the logits' error into one relative to its range of 1)
        let fix = match t.function_error {
            Some(f) if f < e / 2.0 => format!(
                "its table alone errs by {f:.1e}, the rest comes from its operand: raise --activation-bits, or narrow the operand's range"
            ),
            _ => fix(t.gadget).to_string(),
        };
        warnings.push(format!(
            "layer '{}' ({}) is off by up to {e:.3e} on a range of {:.3e} ({:.2}%, more than 1/256; later layers inherit it): {fix}",
            t.tensor,
            t.gadget,
            t.calibrated_max_abs,
            100.0 * e / t.calibrated_max_abs,
        ));
    }
    if let Some((t, e)) =
        tensors.iter().filter(|t| t.tensor == output).find_map(|t| Some((t, off(t, OUTPUT_ERROR_AIM)?)))
    {
        warnings.push(format!(
            "the output '{}' is off by up to {e:.3e} on a range of {:.3e} ({:.2}%, more than 1%): {}",
            t.tensor,
            t.calibrated_max_abs,
            100.0 * e / t.calibrated_max_abs,
            fix(t.gadget)
        ));
    }
    warnings
}

/// The sampling mode, its integer constants, and its distance to the float model's softmax.
#[derive(Clone, Debug, Serialize)]
pub struct SamplingReport {
    /// `argmax`, `categorical` or `top_k`.
    pub mode: &'static str,
    /// Requested temperature.
    pub temperature: Option<f64>,
    /// The temperature the integer constants implement.
    pub effective_temperature: Option<f64>,
    /// `k` of top-k.
    pub k: Option<u32>,
    /// Largest total variation distance, over the calibration samples, between the integer
    /// sampler's distribution (on the quantized logits) and the float model's softmax at the same
    /// temperature. It includes the logits' quantization error, not only the sampler's.
    pub max_total_variation: Option<f64>,
    /// Mean of the same distance.
    pub mean_total_variation: Option<f64>,
}

/// Total variation distance between two distributions.
pub fn total_variation(p: &[f64], q: &[f64]) -> f64 {
    p.iter().zip(q).map(|(a, b)| (a - b).abs()).sum::<f64>() / 2.0
}

/// The sampling section of the report.
pub fn sampling(model: &verinfer_ir::CompiledModel, float: &crate::FloatGraph, samples: &[Vec<f64>]) -> SamplingReport {
    use verinfer_ir::sampling::{float_softmax, probabilities};
    use verinfer_ir::{evaluate, quantize_input, Sampling};
    let ir = &model.graph;
    let out = ir.output_node();
    let mode = match model.sampling {
        Sampling::Argmax => "argmax",
        Sampling::Categorical(_) => "categorical",
        Sampling::TopK { .. } => "top_k",
        _ => "unknown",
    };
    let Some(softmax) = model.sampling.softmax() else {
        return SamplingReport {
            mode,
            temperature: None,
            effective_temperature: None,
            k: None,
            max_total_variation: None,
            mean_total_variation: None,
        };
    };
    let k = model.sampling.top_k();
    let tvs: Vec<f64> = samples
        .iter()
        .filter_map(|x| {
            let q = quantize_input(ir, x).and_then(|q| evaluate(ir, &q)).ok()?;
            let got = probabilities(&model.sampling, q.output(ir));
            let want = float_softmax(&float.output(x), softmax.temperature, k.map(|k| k as usize));
            Some(total_variation(&got, &want))
        })
        .collect();
    SamplingReport {
        mode,
        temperature: Some(softmax.temperature),
        effective_temperature: Some(softmax.effective_temperature(out.scale)),
        k,
        max_total_variation: tvs.iter().copied().reduce(f64::max),
        mean_total_variation: if tvs.is_empty() { None } else { Some(tvs.iter().sum::<f64>() / tvs.len() as f64) },
    }
}

impl Report {
    /// Pretty JSON with a trailing newline.
    pub fn to_json(&self) -> String {
        let mut s = serde_json::to_string_pretty(self).unwrap_or_default();
        s.push('\n');
        s
    }
}
