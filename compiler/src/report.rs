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
    /// Quantization settings.
    pub quantization: QuantConfig,
    /// Per-tensor scales and widths.
    pub tensors: Vec<TensorQuant>,
    /// Float-vs-quantized agreement on the calibration data.
    pub calibration: Accuracy,
}

impl Report {
    /// Pretty JSON with a trailing newline.
    pub fn to_json(&self) -> String {
        let mut s = serde_json::to_string_pretty(self).unwrap_or_default();
        s.push('\n');
        s
    }
}
