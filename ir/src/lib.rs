//! verinfer's circuit IR: a quantized, gadget-level description of a model and its integer semantics.
//!
//! The compiler produces a [`CircuitIr`] from an ONNX model; the backends in `verinfer-circuits` lower
//! each gadget to constraints; the prover computes the witness with [`eval::evaluate`]. That evaluator
//! is the single definition of what a model computes: the circuit enforces exactly it, and the float
//! evaluator in the compiler exists only to report accuracy.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod artifact;
pub mod conv;
pub mod cost;
pub mod error;
pub mod eval;
pub mod func;
pub mod graph;
pub mod op;
pub mod sampling;
pub mod types;

pub use artifact::{CompiledModel, OutputMode, ARTIFACT_FORMAT, ARTIFACT_VERSION};
pub use conv::{ConvGeometry, Taps};
pub use error::{ArtifactError, EvalError};
pub use eval::{argmax, evaluate, quantize_input, rescale_half_up, Evaluation};
pub use graph::{CircuitIr, InputSpec, Node, Op, TensorId};
pub use sampling::{Sampling, SamplingError, SamplingSpec, Softmax};
pub use types::{Bits, ModelHash, Scale};
