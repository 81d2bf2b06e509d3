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
    /// Operators verinfer does not support, every such node of the model at once. The compiler checks
    /// this first, before the model's inputs and outputs, attributes and calibration data.
    #[error("{}", describe_unsupported(.0))]
    UnsupportedOperators(Vec<UnsupportedOperator>),
    /// Unsupported graph-level content (inputs, outputs, external data).
    #[error("unsupported model: {0}")]
    Unsupported(String),
    /// Calibration data is missing or malformed.
    #[error("calibration data: {0}")]
    Calibration(String),
    /// A calibration value beyond the largest the model input can hold at any scale.
    #[error(
        "calibration data: sample {sample}, element {element} is {}, beyond the largest value the {input_bits}-bit input can hold at its coarsest scale (|x| <= {}); check the data for a corrupt value or wrong units, or raise --input-bits",
        readable(*.value),
        readable(*.limit)
    )]
    CalibrationValue {
        /// Index of the sample (from 0).
        sample: usize,
        /// Index of the element within the flattened sample (from 0).
        element: usize,
        /// The value.
        value: f64,
        /// The largest absolute value the input can hold.
        limit: f64,
        /// The input width it was computed for.
        input_bits: u8,
    },
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

/// A node whose operator verinfer does not support (whatever its attributes and inputs).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnsupportedOperator {
    /// Node name (its first output's name if the file leaves it empty).
    pub node: String,
    /// Operator type.
    pub op_type: String,
    /// Operator domain as written in the file ("" is the default domain, `ai.onnx`).
    pub domain: String,
    /// The model's opset of that domain (`None` if the model imports none).
    pub opset: Option<i64>,
    /// Why it is refused.
    pub kind: UnsupportedKind,
}

/// Why an operator is refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum UnsupportedKind {
    /// Control flow (`If`, `Loop`, `Scan`): data-dependent branching or iteration over subgraphs.
    ControlFlow,
    /// Recurrent layers (`LSTM`, `GRU`, `RNN`).
    Recurrent,
    /// An operator of another domain than the default one (e.g. `ai.onnx.ml`, `com.microsoft`).
    Domain,
    /// Another operator of the default domain that verinfer does not implement.
    Operator,
}

impl std::fmt::Display for UnsupportedOperator {
    /// `node 'n' (Op, domain d, opset k): reason`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let domain = if self.domain.is_empty() { "ai.onnx" } else { self.domain.as_str() };
        let opset = self.opset.map_or_else(|| "no opset imported".to_string(), |v| format!("opset {v}"));
        let op = &self.op_type;
        write!(f, "node '{}' ({op}, domain {domain}, {opset}): ", self.node)?;
        match self.kind {
            UnsupportedKind::ControlFlow => write!(f, "control flow ({op}) is not supported"),
            UnsupportedKind::Recurrent => {
                write!(f, "recurrent layers ({op}) are not supported; unroll the recurrence into the graph")
            }
            UnsupportedKind::Domain if domain == "ai.onnx.ml" => write!(
                f,
                "operator {op} of the ONNX-ML domain (classical models such as skl2onnx writes for scikit-learn) is not supported"
            ),
            UnsupportedKind::Domain => write!(f, "operator {op} of domain '{domain}' is not supported"),
            UnsupportedKind::Operator => write!(f, "operator {op} is not supported"),
        }
    }
}

/// The message of [`CompileError::UnsupportedOperators`]: every node, then what verinfer reads.
fn describe_unsupported(ops: &[UnsupportedOperator]) -> String {
    let mut s = match ops.len() {
        1 => String::new(),
        n => format!("{n} nodes use unsupported operators: "),
    };
    s.push_str(&ops.iter().map(ToString::to_string).collect::<Vec<_>>().join("; "));
    if ops.iter().any(|o| o.kind == UnsupportedKind::Domain) {
        s.push_str("; verinfer reads the default ONNX domain (ai.onnx) only");
    }
    s.push_str("; supported operators: ");
    s.push_str(&crate::ops::supported().join(", "));
    s
}

/// A number as a person reads it (one definition, shared with the IR's errors).
pub use verinfer_ir::error::real as readable;

/// What calibration found that quantization cannot represent: the tensor and its node, the range
/// calibration saw, the limit it exceeds and what the user can change.
#[derive(Debug, Error)]
#[error(
    "quantization of tensor '{tensor}' (node '{node}'): {problem}; calibration saw values in [{}, {}]; limit: {limit}. Fix: {fix}",
    readable(*.min),
    readable(*.max)
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
