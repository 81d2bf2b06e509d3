//! One file per ONNX operator; this registry is the only place that maps op-type strings to importers.
//! Adding an operator touches its own file and one line here.
use crate::error::CompileError;
use crate::import::Ctx;
use crate::onnx::OnnxNode;

mod add;
mod cast;
mod constant;
mod elementwise;
mod flatten;
mod gemm;
mod identity;
mod matmul;
mod mul;
mod relu;
mod reshape;
mod sub;

/// Imports one node: reads its inputs from the context and binds its outputs.
pub type ImportFn = fn(&OnnxNode, &mut Ctx) -> Result<(), CompileError>;

const REGISTRY: &[(&str, ImportFn)] = &[
    ("Add", add::import),
    ("Cast", cast::import),
    ("Constant", constant::import),
    ("Flatten", flatten::import),
    ("Gemm", gemm::import),
    ("Identity", identity::import),
    ("MatMul", matmul::import),
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
