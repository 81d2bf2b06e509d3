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
    /// Quantization cannot represent the model within the configured widths.
    #[error("quantization of '{tensor}': {reason}")]
    Quantization {
        /// Tensor name.
        tensor: String,
        /// What overflowed and what the user can change.
        reason: String,
    },
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
