//! Shared by Less, Greater, LessOrEqual and GreaterOrEqual: a comparison is a step (`[d >= 0]`, the
//! sign bit of a range check) of a difference, and `1 - step` for the strict forms:
//! `a < b = 1 - [a - b >= 0]`, `a > b = 1 - [b - a >= 0]`, `a >= b = [a - b >= 0]`,
//! `a <= b = [b - a >= 0]`, and `a == b = [a - b >= 0] * [b - a >= 0]` (one product). The result is a 0/1 tensor (ONNX's bool), read by `Where` or arithmetic.
//! Both operands are compared at their quantized values, so values closer than one step of the
//! finer scale compare as equal.
use super::elementwise::{apply, unary, Binary};
use crate::error::CompileError;
use crate::graph::LayerKind;
use crate::import::{Ctx, Value};
use crate::onnx::{OnnxNode, OnnxTensor};
use ndarray::{ArrayD, IxDyn};

/// The comparison.
#[derive(Clone, Copy)]
pub enum Cmp {
    /// `a < b`.
    Less,
    /// `a > b`.
    Greater,
    /// `a <= b`.
    LessOrEqual,
    /// `a >= b`.
    GreaterOrEqual,
    /// `a == b`.
    Equal,
}

/// Imports `node` as `cmp(input0, input1)`.
pub fn import(node: &OnnxNode, ctx: &mut Ctx, cmp: Cmp) -> Result<(), CompileError> {
    ctx.check_attributes(node, &[])?;
    let a = ctx.required(node, 0)?.clone();
    let b = ctx.required(node, 1)?.clone();
    let (l, r, strict) = match cmp {
        Cmp::Equal => {
            let d = apply(ctx, node, Binary::Sub, &a, &b, "diff")?;
            let ge = unary(ctx, node, LayerKind::Step, &d, "ge")?;
            let e = apply(ctx, node, Binary::Sub, &b, &a, "rdiff")?;
            let le = unary(ctx, node, LayerKind::Step, &e, "le")?;
            let y = apply(ctx, node, Binary::Mul, &ge, &le, "")?;
            return ctx.set(node, 0, y);
        }
        Cmp::Less => (&a, &b, true),
        Cmp::Greater => (&b, &a, true),
        Cmp::GreaterOrEqual => (&a, &b, false),
        Cmp::LessOrEqual => (&b, &a, false),
    };
    let d = apply(ctx, node, Binary::Sub, l, r, "diff")?;
    let y = if strict {
        let s = unary(ctx, node, LayerKind::Step, &d, "step")?;
        let one = Value::Const(OnnxTensor::Float(ArrayD::from_elem(IxDyn(&[]), 1.0)));
        apply(ctx, node, Binary::Sub, &one, &s, "")?
    } else {
        unary(ctx, node, LayerKind::Step, &d, "")?
    };
    ctx.set(node, 0, y)
}

/// `v != 0` as a 0/1 tensor: `1 - [v >= 0] * [-v >= 0]` (two steps and one product per element;
/// values within one quantization step of 0 are 0). ONNX's `Cast` to bool.
pub fn nonzero(ctx: &mut Ctx, node: &OnnxNode, v: &Value) -> Result<Value, CompileError> {
    let zero = Value::Const(OnnxTensor::Float(ArrayD::from_elem(IxDyn(&[]), 0.0)));
    let one = Value::Const(OnnxTensor::Float(ArrayD::from_elem(IxDyn(&[]), 1.0)));
    let ge = unary(ctx, node, LayerKind::Step, v, "nonneg")?;
    let neg = apply(ctx, node, Binary::Sub, &zero, v, "neg")?;
    let le = unary(ctx, node, LayerKind::Step, &neg, "nonpos")?;
    let eq = apply(ctx, node, Binary::Mul, &ge, &le, "zero")?;
    apply(ctx, node, Binary::Sub, &one, &eq, "")
}
