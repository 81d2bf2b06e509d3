//! ONNX `Pow` with a constant exponent: 1 is the identity, 2 and 3 are products (exact), 0.5 is the
//! square-root table, and other integers up to 8 are a table of `x^p` on the calibrated range.
use crate::error::CompileError;
use crate::graph::{Func, LayerKind};
use crate::import::{Ctx, Value};
use crate::onnx::{OnnxNode, OnnxTensor};

/// Imports a `Pow` node.
pub fn import(node: &OnnxNode, ctx: &mut Ctx) -> Result<(), CompileError> {
    ctx.check_attributes(node, &[])?;
    let e = ctx.const_float(node, 1, "Y (the exponent)")?;
    let p = match e.iter().collect::<Vec<_>>().as_slice() {
        [p] => **p,
        _ => return Err(ctx.err(node, format!("the exponent must be a single constant, got shape {:?}", e.shape()))),
    };
    match ctx.required(node, 0)?.clone() {
        Value::Const(_) => {
            let c = ctx.const_float(node, 0, "X")?;
            ctx.set(node, 0, Value::Const(OnnxTensor::Float(c.mapv(|v| v.powf(p)))))
        }
        Value::Dyn(x) => {
            let shape = x.shape.clone();
            if p == 0.5 {
                return ctx.push_layer(node, &x, LayerKind::Func(Func::Sqrt), shape);
            }
            if p.fract() != 0.0 || !(1.0..=8.0).contains(&p) {
                return Err(ctx.err(node, format!("exponent {p} is not supported (integers 1 to 8, or 0.5)")));
            }
            match p as i32 {
                1 => ctx.set(node, 0, Value::Dyn(x)),
                2 => ctx.push_layer_multi(node, &[&x, &x], LayerKind::Mul, shape),
                3 => {
                    let sq = ctx.add_layer(node, &[&x, &x], LayerKind::Mul, shape.clone(), "square")?;
                    ctx.push_layer_multi(node, &[&sq, &x], LayerKind::Mul, shape)
                }
                p => ctx.push_layer(node, &x, LayerKind::Func(Func::Pow(p)), shape),
            }
        }
    }
}
