//! ONNX `Equal`: `a == b` as a 0/1 tensor, `[a - b >= 0] * [b - a >= 0]` (see `compare`). Values
//! closer than one quantization step compare equal.
use super::compare::{self, Cmp};
use crate::error::CompileError;
use crate::import::Ctx;
use crate::onnx::OnnxNode;

/// Imports an `Equal` node.
pub fn import(node: &OnnxNode, ctx: &mut Ctx) -> Result<(), CompileError> {
    compare::import(node, ctx, Cmp::Equal)
}
