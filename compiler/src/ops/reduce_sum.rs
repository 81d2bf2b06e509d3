//! ONNX `ReduceSum` (axes an input from opset 13): a sum pool, free in the circuit.
use crate::error::CompileError;
use crate::import::Ctx;
use crate::onnx::OnnxNode;

/// Imports a `ReduceSum` node.
pub fn import(node: &OnnxNode, ctx: &mut Ctx) -> Result<(), CompileError> {
    super::reduce::import(node, ctx, super::reduce::Reduction::Sum, 13)
}
