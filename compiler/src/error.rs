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
    #[error(
        "quantization of tensor '{tensor}' (node '{node}'): {problem}; calibration saw values in [{min}, {max}]; limit: {limit}. Fix: {fix}"
    )]
    Quantization {
        /// Tensor name.
        tensor: String,
        /// The ONNX node it comes from.
        node: String,
        /// Smallest value calibration saw (of the tensor, or of the operand the problem is about).
        min: f64,
        /// Largest value calibration saw.
        max: f64,
        /// What does not fit.
        problem: String,
        /// The limit it exceeds.
        limit: String,
        /// What the user can change.
        fix: String,
    },
    /// Quantization settings out of range.
    #[error("quantization settings: {0}")]
    Settings(String),
    /// The quantized graph failed its own consistency checks: a compiler bug.
    #[error("internal error (please report): the quantized graph is inconsistent: {0}")]
    Internal(String),
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
