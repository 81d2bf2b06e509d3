//! ONNX `ReduceMax` (axes an input from opset 18): a max pool over the reduced axes (`K (w + 2)`
//! constraints per output for `K` reduced elements).
use super::reduce::Reduction;
use crate::error::CompileError;
use crate::import::Ctx;
use crate::onnx::OnnxNode;

/// Imports a `ReduceMax` node.
pub fn import(node: &OnnxNode, ctx: &mut Ctx) -> Result<(), CompileError> {
    super::reduce::import(node, ctx, Reduction::Max, 18)
}
