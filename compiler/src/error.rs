//! Compiler errors: every one names what the user gave and what they can change.
use thiserror::Error;

/// Why a model could not be compiled.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum CompileError {
    /// The file is not a readable ONNX model.
    #[error("malformed ONNX: {0}")]
    Onnx(String),
    /// A node uses something verinfer does not support.
    #[error("node '{node}' ({op_type}, opset {opset}): {reason}")]
    UnsupportedNode {
        /// Node name.
        node: String,
        /// Operator type.
        op_type: String,
        /// Default-domain opset of the model.
        opset: i64,
        /// What is wrong and what is supported.
        reason: String,
    },
    /// Unsupported graph-level content (inputs, outputs, external data).
    #[error("unsupported model: {0}")]
    Unsupported(String),
    /// Calibration data is missing or malformed.
    #[error("calibration data: {0}")]
    Calibration(String),
    /// The sampling mode cannot be built for this model's output.
    #[error("sampling: {0}")]
    Sampling(#[from] verinfer_ir::SamplingError),
    /// A tensor cannot be represented within the configured widths, or its chosen scale would lose
    /// too much precision.
    #[error("{0}")]
    Quantization(Box<QuantizationError>),
    /// Quantization settings out of range.
    #[error("quantization settings: {0}")]
    Settings(String),
    /// The quantized graph failed its own consistency checks: a compiler bug.
    #[error("internal error (please report): the quantized graph is inconsistent: {0}")]
    Internal(String),
}

/// What calibration found that quantization cannot represent: the tensor and its node, the range
/// calibration saw, the limit it exceeds and what the user can change.
#[derive(Debug, Error)]
#[error(
    "quantization of tensor '{tensor}' (node '{node}'): {problem}; calibration saw values in [{min}, {max}]; limit: {limit}. Fix: {fix}"
)]
pub struct QuantizationError {
    /// Tensor name.
    pub tensor: String,
    /// The ONNX node it comes from.
    pub node: String,
    /// Smallest value calibration saw (of the tensor, or of the operand the problem is about).
    pub min: f64,
    /// Largest value calibration saw.
    pub max: f64,
    /// What does not fit.
    pub problem: String,
    /// The limit it exceeds.
    pub limit: String,
    /// What the user can change.
    pub fix: String,
}

impl CompileError {
    /// Builds an [`CompileError::UnsupportedNode`] for `node`.
    pub fn node(node: &crate::onnx::OnnxNode, opset: i64, reason: impl Into<String>) -> CompileError {
        CompileError::UnsupportedNode {
            node: node.name.clone(),
            op_type: node.op_type.clone(),
            opset,
            reason: reason.into(),
        }
    }
}
