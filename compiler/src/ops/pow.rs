//! ONNX `Pow` with a constant exponent: 1 is the identity, 2 and 3 are products (exact), 0.5 is the
//! square-root table, and other integers up to 8 are a table of `x^p` on the calibrated range. An
//! exponent tensor (broadcast to the base) is split by value: each distinct exponent is applied to
//! the elements that have it (gathers, free in the circuit) and the results are gathered back.
use super::layout::{broadcast_map, broadcast_shape};
use crate::error::CompileError;
use crate::graph::{Func, LayerKind};
use crate::import::{Ctx, Dyn, Value};
use crate::onnx::{OnnxNode, OnnxTensor};

/// Imports a `Pow` node.
pub fn import(node: &OnnxNode, ctx: &mut Ctx) -> Result<(), CompileError> {
    ctx.check_attributes(node, &[])?;
    let e = ctx.const_float(node, 1, "Y (the exponent)")?;
    let x = match ctx.required(node, 0)?.clone() {
        Value::Const(_) => {
            let c = ctx.const_float(node, 0, "X")?;
            let p = single(node, ctx, &e.iter().copied().collect::<Vec<_>>())?;
            return ctx.set(node, 0, Value::Const(OnnxTensor::Float(c.mapv(|v| v.powf(p)))));
        }
        Value::Dyn(x) => x,
    };
    if broadcast_shape(&x.shape, e.shape()).as_deref() != Some(&x.shape[..]) {
        return Err(ctx.err(node, format!("the exponent's shape {:?} does not broadcast to {:?}", e.shape(), x.shape)));
    }
    let flat: Vec<f64> = e.iter().copied().collect();
    let per_element: Vec<f64> = broadcast_map(e.shape(), &x.shape).iter().map(|&i| flat[i]).collect();
    let mut distinct: Vec<f64> = Vec::new();
    for &p in &per_element {
        if !distinct.contains(&p) {
            distinct.push(p);
        }
    }
    if let [p] = distinct.as_slice() {
        let y = power(ctx, node, x, *p, "")?;
        return ctx.set(node, 0, Value::Dyn(y));
    }
    let mut parts = Vec::with_capacity(distinct.len());
    let mut map = vec![(0usize, 0usize); x.len()];
    for (k, &p) in distinct.iter().enumerate() {
        let idx: Vec<usize> = (0..x.len()).filter(|&i| per_element[i] == p).collect();
        for (j, &i) in idx.iter().enumerate() {
            map[i] = (k, j);
        }
        let gather = LayerKind::Gather { map: idx.iter().map(|&i| (0, i)).collect(), constants: Vec::new() };
        let sub = ctx.add_layer(node, &[&x], gather, vec![idx.len()], &format!("exponent{k}"))?;
        parts.push(power(ctx, node, sub, p, &format!("power{k}"))?);
    }
    let refs: Vec<&Dyn> = parts.iter().collect();
    ctx.push_layer_multi(node, &refs, LayerKind::Gather { map, constants: Vec::new() }, x.shape.clone())
}

/// The one value of an exponent given as a constant.
fn single(node: &OnnxNode, ctx: &Ctx, e: &[f64]) -> Result<f64, CompileError> {
    match e {
        [p] => Ok(*p),
        _ if e.iter().all(|v| *v == e[0]) && !e.is_empty() => Ok(e[0]),
        _ => Err(ctx.err(node, "a constant base with an exponent tensor is not folded; fold it before export")),
    }
}

/// `x^p` as a new layer (named after the node's output with `suffix`), or `x` itself for `p = 1`.
fn power(ctx: &mut Ctx, node: &OnnxNode, x: Dyn, p: f64, suffix: &str) -> Result<Dyn, CompileError> {
    let shape = x.shape.clone();
    if p == 0.5 {
        return ctx.add_layer(node, &[&x], LayerKind::Func(Func::Sqrt), shape, suffix);
    }
    if p.fract() != 0.0 || !(1.0..=8.0).contains(&p) {
        return Err(ctx.err(node, format!("exponent {p} is not supported (integers 1 to 8, or 0.5)")));
    }
    match p as i32 {
        1 => Ok(x),
        2 => ctx.add_layer(node, &[&x, &x], LayerKind::Mul, shape, suffix),
        3 => {
            let sq = ctx.add_layer(node, &[&x, &x], LayerKind::Mul, shape.clone(), &format!("{suffix}square"))?;
            ctx.add_layer(node, &[&sq, &x], LayerKind::Mul, shape, suffix)
        }
        p => ctx.add_layer(node, &[&x], LayerKind::Func(Func::Pow(p)), shape, suffix),
    }
}
