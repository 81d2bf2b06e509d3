//! ONNX `Or` on 0/1 tensors: `a or b = a + b - a * b` (see `logic`).
use super::logic::{self, Logic};
use crate::error::CompileError;
use crate::import::Ctx;
use crate::onnx::OnnxNode;

/// Imports a `Or` node.
pub fn import(node: &OnnxNode, ctx: &mut Ctx) -> Result<(), CompileError> {
    logic::import(node, ctx, Logic::Or)
}
