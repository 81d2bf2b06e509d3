//! ONNX `Div`: by a constant, an affine layer; by an input-dependent tensor, the rounded division
//! gadget (the divisor must be positive on the calibration data).
use super::elementwise::{self, Binary};
use crate::error::CompileError;
use crate::import::Ctx;
use crate::onnx::OnnxNode;

/// Imports a `Div` node.
pub fn import(node: &OnnxNode, ctx: &mut Ctx) -> Result<(), CompileError> {
    elementwise::import(node, ctx, Binary::Div)
}
