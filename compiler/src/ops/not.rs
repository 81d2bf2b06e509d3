//! ONNX `Not` on 0/1 tensors: `not a = 1 - a` (see `logic`).
use super::logic::{self, Logic};
use crate::error::CompileError;
use crate::import::Ctx;
use crate::onnx::OnnxNode;

/// Imports a `Not` node.
pub fn import(node: &OnnxNode, ctx: &mut Ctx) -> Result<(), CompileError> {
    logic::import(node, ctx, Logic::Not)
}
