//! ONNX `Softmax`: `e^(x - max) / sum e^(x - max)` over `axis` (from opset 13), or over the
//! flattened axes from `axis` on (before 13, where the default axis is 1).
//!
//! Lowered to: the group maximum (max-pool gadget), `d = x - max <= 0` (a sum), a floor
//! `max(d, -16)` (the clamp gadget: `e^-16` is 1.1e-7, below any output step), the centred
//! `u = d + 8` in `[-8, 8]`, `e^(u - 8)` (a table), the group sum (free), and one rounded division
//! per element. Subtracting the maximum keeps every exponential in `(0, 1]` and the sum at least 1,
//! so the divisor is positive. The floor gives the table a fixed operand range whatever the
//! logits' spread, so its 256 segments are 1/4 wide (without it they spanned the calibrated
//! spread: 1/2 wide in the digits transformer, whose output error went from 0.18 to 0.05 on the
//! calibration samples, for 2.5% more constraints). The quantizer then clamps the table's operand
//! to the 15 bits that hold `[-8, 8]` (it cannot leave that range; see `Builder::saturate`), which
//! makes the segments 1/8 wide: the digits transformer's output error went from 0.053 to 0.025 and
//! the exported 2-block transformer's from 0.035 to 0.012, for 3.2% and 1.2% more constraints.
use super::reduce::{groups, spread};
use crate::error::CompileError;
use crate::graph::{Func, LayerKind};
use crate::import::{Ctx, Value};
use crate::onnx::OnnxNode;

/// Shifted logits below `-EXP_FLOOR` are raised to it before the exponential.
const EXP_FLOOR: f64 = 16.0;

/// Imports a `Softmax` node.
pub fn import(node: &OnnxNode, ctx: &mut Ctx) -> Result<(), CompileError> {
    ctx.check_attributes(node, &["axis"])?;
    let x = match ctx.required(node, 0)?.clone() {
        Value::Dyn(d) => d,
        Value::Const(_) => return Err(ctx.err(node, "the input is constant; fold it before export")),
    };
    let rank = x.shape.len();
    let legacy = ctx.opset < 13;
    let a = node.attr_int("axis", if legacy { 1 } else { -1 }).map_err(|e| ctx.err(node, e))?;
    let a = super::layout::axis(ctx, node, a, rank)?;
    let axes: Vec<usize> = if legacy { (a..rank).collect() } else { vec![a] };
    let g = groups(&x.shape, &axes);
    let shape = x.shape.clone();
    let windows = g.windows.clone();
    let max = ctx.add_layer(
        node,
        &[&x],
        LayerKind::MaxPool { size: g.size, windows: windows.clone() },
        g.kept.clone(),
        "max",
    )?;
    let maxb = spread(ctx, node, &max, &g, &shape, "max_b")?;
    let d = ctx.add_layer(node, &[&x, &maxb], LayerKind::Sum { coeffs: vec![1.0, -1.0] }, shape.clone(), "shifted")?;
    let n = d.len();
    let floor =
        ctx.add_layer(node, &[&d], LayerKind::Clamp { lo: -EXP_FLOOR, hi: f64::INFINITY }, shape.clone(), "floor")?;
    let centred = ctx.add_layer(
        node,
        &[&floor],
        LayerKind::Affine { mul: vec![1.0; n], add: vec![EXP_FLOOR / 2.0; n] },
        shape.clone(),
        "centred",
    )?;
    let exp = LayerKind::Func(Func::ExpShifted { shift: EXP_FLOOR / 2.0 });
    let e = ctx.add_layer(node, &[&centred], exp, shape.clone(), "exp")?;
    let s = ctx.add_layer(node, &[&e], LayerKind::SumPool { size: g.size, windows }, g.kept.clone(), "sum")?;
    let sb = spread(ctx, node, &s, &g, &shape, "sum_b")?;
    ctx.push_layer_multi(node, &[&e, &sb], LayerKind::Div, shape)
}
