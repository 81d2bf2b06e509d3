//! ONNX `Mul` with one constant operand: an element-wise affine layer (free in R1CS).
use super::elementwise::{self, Binary};
use crate::error::CompileError;
use crate::import::Ctx;
use crate::onnx::OnnxNode;

/// Imports a `Mul` node.
pub fn import(node: &OnnxNode, ctx: &mut Ctx) -> Result<(), CompileError> {
    elementwise::import(node, ctx, Binary::Mul)
}
