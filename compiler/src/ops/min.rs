//! ONNX `Min` (variadic, numpy broadcasting): `min(a, b) = a - relu(a - b)`, one ReLU per pair of
//! operands (a range check of the difference).
use super::elementwise::{variadic, Fold};
use crate::error::CompileError;
use crate::import::Ctx;
use crate::onnx::OnnxNode;

/// Imports a `Min` node.
pub fn import(node: &OnnxNode, ctx: &mut Ctx) -> Result<(), CompileError> {
    variadic(node, ctx, Fold::Min)
}
