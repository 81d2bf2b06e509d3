//! ONNX `Sum` (variadic, numpy broadcasting): a chain of additions, free in the circuit.
use super::elementwise::{variadic, Fold};
use crate::error::CompileError;
use crate::import::Ctx;
use crate::onnx::OnnxNode;

/// Imports a `Sum` node.
pub fn import(node: &OnnxNode, ctx: &mut Ctx) -> Result<(), CompileError> {
    variadic(node, ctx, Fold::Sum)
}
