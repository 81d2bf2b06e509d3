//! ONNX `ReduceMean` (axes an input from opset 18): a sum pool, then a multiplication by `1 / n`.
use crate::error::CompileError;
use crate::import::Ctx;
use crate::onnx::OnnxNode;

/// Imports a `ReduceMean` node.
pub fn import(node: &OnnxNode, ctx: &mut Ctx) -> Result<(), CompileError> {
    super::reduce::import(node, ctx, super::reduce::Reduction::Mean, 18)
}
