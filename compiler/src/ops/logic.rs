//! Shared by And, Or and Not on 0/1 tensors (the outputs of comparisons): `a and b = a * b`,
//! `a or b = a + b - a * b`, `not a = 1 - a`. One product per element for And and Or, Not is free.
//! The operands must be 0/1 (comparisons and boolean constants are); the arithmetic form is exact
//! on them.
use super::elementwise::{apply, Binary};
use crate::error::CompileError;
use crate::import::{Ctx, Value};
use crate::onnx::{OnnxNode, OnnxTensor};
use ndarray::{ArrayD, IxDyn};

/// The operation.
#[derive(Clone, Copy)]
pub enum Logic {
    /// `a and b`.
    And,
    /// `a or b`.
    Or,
    /// `not a`.
    Not,
}

/// Imports `node` as the logical operation.
pub fn import(node: &OnnxNode, ctx: &mut Ctx, op: Logic) -> Result<(), CompileError> {
    ctx.check_attributes(node, &[])?;
    let a = ctx.required(node, 0)?.clone();
    let one = Value::Const(OnnxTensor::Float(ArrayD::from_elem(IxDyn(&[]), 1.0)));
    let y = match op {
        Logic::Not => apply(ctx, node, Binary::Sub, &one, &a, "")?,
        Logic::And => {
            let b = ctx.required(node, 1)?.clone();
            apply(ctx, node, Binary::Mul, &a, &b, "")?
        }
        Logic::Or => {
            let b = ctx.required(node, 1)?.clone();
            let s = apply(ctx, node, Binary::Add, &a, &b, "sum")?;
            let p = apply(ctx, node, Binary::Mul, &a, &b, "both")?;
            apply(ctx, node, Binary::Sub, &s, &p, "")?
        }
    };
    ctx.set(node, 0, y)
}
