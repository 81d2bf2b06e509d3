//! ONNX `Less`: `a < b` as a 0/1 tensor, through the sign bit of the difference (see `compare`).
use super::compare::{self, Cmp};
use crate::error::CompileError;
use crate::import::Ctx;
use crate::onnx::OnnxNode;

/// Imports a `Less` node.
pub fn import(node: &OnnxNode, ctx: &mut Ctx) -> Result<(), CompileError> {
    compare::import(node, ctx, Cmp::Less)
}
