//! ONNX `And` on 0/1 tensors: `a and b = a * b` (see `logic`).
use super::logic::{self, Logic};
use crate::error::CompileError;
use crate::import::Ctx;
use crate::onnx::OnnxNode;

/// Imports a `And` node.
pub fn import(node: &OnnxNode, ctx: &mut Ctx) -> Result<(), CompileError> {
    logic::import(node, ctx, Logic::And)
}
