//! Errors of the integer semantics and of artifact decoding.
use thiserror::Error;

/// Why the integer evaluation of a model failed.
#[derive(Debug, Error, PartialEq)]
#[non_exhaustive]
pub enum EvalError {
    /// The input has the wrong number of elements.
    #[error("input has {got} values, the model expects {expected} (shape {shape:?})")]
    InputLength {
        /// Values given.
        got: usize,
        /// Values expected.
        expected: usize,
        /// The model's input shape.
        shape: Vec<usize>,
    },
    /// An input value is not a finite number.
    #[error("input value #{index} is {value}, not a finite number")]
    NonFiniteInput {
        /// Position in the flattened input.
        index: usize,
        /// The value.
        value: f64,
    },
    /// An input element lies outside the range of the input tensor's integer grid.
    #[error(
        "input element {index} is {}, outside the calibrated range of the model's input, [{}, {}) (its \
         {bits}-bit grid at scale 2^-{scale}); recompile with calibration data that covers it",
        real(*.value), real(*.min), real(*.max)
    )]
    InputOutOfRange {
        /// Position in the flattened input.
        index: usize,
        /// The value as given.
        value: f64,
        /// Smallest accepted value (before rounding).
        min: f64,
        /// Largest accepted value (before rounding).
        max: f64,
        /// The input tensor's signed width.
        bits: u8,
        /// The input tensor's scale exponent (`x ~ q / 2^scale`).
        scale: i8,
    },
    /// A quantized value left the range its tensor was calibrated for: the circuit could not prove it.
    #[error(
        "value {value} of tensor '{tensor}' (element {index}) is outside its {bits}-bit range \
         [{min}, {max}]; this input lies outside the calibrated range: recompile with calibration \
         data that covers it"
    )]
    OutOfRange {
        /// Tensor name (from the ONNX graph).
        tensor: String,
        /// Element index in the flattened tensor.
        index: usize,
        /// The offending value.
        value: i128,
        /// The tensor's signed bit width.
        bits: u8,
        /// Smallest allowed value.
        min: i128,
        /// Largest allowed value.
        max: i128,
    },
    /// A divisor or the operand of a root is out of its domain (not positive, or negative for the
    /// square root): no proof exists.
    #[error(
        "the {what} of tensor '{tensor}' (element {index}) is {value}, outside its domain; this input leaves \
         the calibrated range: recompile with calibration data that covers it"
    )]
    NotPositive {
        /// Tensor name.
        tensor: String,
        /// Element index.
        index: usize,
        /// The value.
        value: i64,
        /// Which operand.
        what: &'static str,
    },
    /// The IR is inconsistent (a node refers to a missing tensor or has mismatched sizes).
    #[error("malformed circuit IR: {0}")]
    Malformed(String),
}

/// A real number for people: the shortest round-trip form for moderate magnitudes, scientific
/// notation with six significant digits otherwise (so that 1e308 is not printed with 309 digits).
/// Shared by every error that quotes a real value (inputs, calibration data, quantization ranges).
pub fn real(v: f64) -> String {
    let a = v.abs();
    if a == 0.0 || !a.is_finite() || (1e-4..1e9).contains(&a) {
        let plain = format!("{v}");
        if plain.len() <= 16 {
            return plain;
        }
        return format!("{v:.6}").trim_end_matches('0').trim_end_matches('.').to_string();
    }
    let e = format!("{v:.5e}");
    match e.split_once('e') {
        Some((m, exp)) if m.contains('.') => format!("{}e{exp}", m.trim_end_matches('0').trim_end_matches('.')),
        _ => e,
    }
}

/// Why a compiled artifact could not be read.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum ArtifactError {
    /// Not JSON of the artifact's shape.
    #[error("not a verinfer compiled model: {0}")]
    Parse(String),
    /// A known format with a version this build cannot read.
    #[error("compiled model has format version {found}; this build reads version {supported}: recompile it")]
    Version {
        /// Version in the file.
        found: u32,
        /// Version this build reads.
        supported: u32,
    },
    /// The artifact parsed but its graph is inconsistent.
    #[error("compiled model is inconsistent: {0}")]
    Invalid(String),
    /// The model could not be encoded canonically (so it has no hash).
    #[error("the compiled model cannot be encoded: {0}")]
    Encode(String),
}
