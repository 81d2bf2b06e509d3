//! One file per ONNX operator; this registry is the only place that maps op-type strings to importers.
//! Adding an operator touches its own file and one line here.
use crate::error::CompileError;
use crate::import::Ctx;
use crate::onnx::OnnxNode;

mod add;
mod average_pool;
mod batch_normalization;
mod cast;
mod constant;
mod conv;
mod elementwise;
mod flatten;
mod gemm;
mod global_average_pool;
mod identity;
mod matmul;
mod max_pool;
mod mul;
mod relu;
mod reshape;
mod sub;
mod window;

/// Imports one node: reads its inputs from the context and binds its outputs.
pub type ImportFn = fn(&OnnxNode, &mut Ctx) -> Result<(), CompileError>;

const REGISTRY: &[(&str, ImportFn)] = &[
    ("Add", add::import),
    ("AveragePool", average_pool::import),
    ("BatchNormalization", batch_normalization::import),
    ("Cast", cast::import),
    ("Constant", constant::import),
    ("Conv", conv::import),
    ("Flatten", flatten::import),
    ("Gemm", gemm::import),
    ("GlobalAveragePool", global_average_pool::import),
    ("Identity", identity::import),
    ("MatMul", matmul::import),
    ("MaxPool", max_pool::import),
    ("Mul", mul::import),
    ("Relu", relu::import),
    ("Reshape", reshape::import),
    ("Sub", sub::import),
];

/// The importer of an operator type.
pub fn lookup(op_type: &str) -> Option<ImportFn> {
    REGISTRY.iter().find(|(name, _)| *name == op_type).map(|(_, f)| *f)
}

/// Names of the supported operators.
pub fn supported() -> Vec<&'static str> {
    REGISTRY.iter().map(|(name, _)| *name).collect()
}
