//! Shared by ReduceSum, ReduceMean and ReduceMax, Softmax, LayerNormalization and ArgMax: the
//! windows of a reduction over some axes, and the reduction itself as a sum pool (free in the
//! circuit) or a max pool.
use super::layout::{axis, shape_of, strides, unravel};
use crate::error::CompileError;
use crate::graph::LayerKind;
use crate::import::{Ctx, Dyn, Value};
use crate::onnx::OnnxNode;

/// A reduction's geometry.
pub struct Groups {
    /// Output shape with the reduced axes kept as 1.
    pub kept: Vec<usize>,
    /// Elements per group.
    pub size: usize,
    /// Input indices, `size` per group.
    pub windows: Vec<usize>,
    /// For each input element, its group.
    pub group_of: Vec<usize>,
}

/// Groups of `shape` over `axes` (sorted, distinct).
pub fn groups(shape: &[usize], axes: &[usize]) -> Groups {
    let kept: Vec<usize> = shape.iter().enumerate().map(|(i, &d)| if axes.contains(&i) { 1 } else { d }).collect();
    let red: Vec<usize> = axes.iter().map(|&a| shape[a]).collect();
    let size: usize = red.iter().product();
    let st = strides(shape);
    let n_out: usize = kept.iter().product();
    let mut windows = Vec::with_capacity(n_out * size);
    let mut group_of = vec![0; shape.iter().product()];
    for g in 0..n_out {
        let base = unravel(g, &kept);
        for r in 0..size {
            let ri = unravel(r, &red);
            let mut idx = base.clone();
            for (k, &a) in axes.iter().enumerate() {
                idx[a] = ri[k];
            }
            let flat: usize = idx.iter().zip(&st).map(|(i, s)| i * s).sum();
            windows.push(flat);
            group_of[flat] = g;
        }
    }
    Groups { kept, size, windows, group_of }
}

/// What a reduction computes.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Reduction {
    /// ReduceSum.
    Sum,
    /// ReduceMean.
    Mean,
    /// ReduceMax.
    Max,
}

/// Imports a reduction: `axes` an attribute before `axes_input_from`, an optional input from it;
/// `keepdims` (default 1) and `noop_with_empty_axes`.
pub fn import(node: &OnnxNode, ctx: &mut Ctx, how: Reduction, axes_input_from: i64) -> Result<(), CompileError> {
    let x = match ctx.required(node, 0)?.clone() {
        Value::Dyn(d) => d,
        v @ Value::Const(_) => {
            return Err(
                ctx.err(node, format!("the input is constant (shape {:?}); fold it before export", shape_of(&v)))
            )
        }
    };
    let rank = x.shape.len();
    let axes: Option<Vec<i64>> = if ctx.opset < axes_input_from {
        ctx.check_attributes(node, &["axes", "keepdims"])?;
        node.attr_ints("axes").map_err(|e| ctx.err(node, e))?
    } else {
        ctx.check_attributes(node, &["keepdims", "noop_with_empty_axes"])?;
        match ctx.input(node, 1)? {
            None => None,
            Some(_) => Some(ctx.const_int(node, 1, "axes")?.iter().copied().collect()),
        }
    };
    let keepdims = node.attr_int("keepdims", 1).map_err(|e| ctx.err(node, e))? != 0;
    let noop = node.attr_int("noop_with_empty_axes", 0).map_err(|e| ctx.err(node, e))? != 0;
    let mut axes: Vec<usize> = match axes {
        Some(a) if !a.is_empty() => a.iter().map(|&v| axis(ctx, node, v, rank)).collect::<Result<_, _>>()?,
        _ if noop => return ctx.set(node, 0, Value::Dyn(x)),
        _ => (0..rank).collect(),
    };
    axes.sort_unstable();
    axes.dedup();
    let g = groups(&x.shape, &axes);
    let out: Vec<usize> =
        if keepdims { g.kept.clone() } else { (0..rank).filter(|i| !axes.contains(i)).map(|i| x.shape[i]).collect() };
    if how == Reduction::Max {
        return ctx.push_layer(node, &x, LayerKind::MaxPool { size: g.size, windows: g.windows }, out);
    }
    let kind = LayerKind::SumPool { size: g.size, windows: g.windows };
    if how == Reduction::Sum {
        return ctx.push_layer(node, &x, kind, out);
    }
    let s = ctx.add_layer(node, &[&x], kind, out.clone(), "sum")?;
    let n = s.len();
    let inv = 1.0 / g.size.max(1) as f64;
    ctx.push_layer(node, &s, LayerKind::Affine { mul: vec![inv; n], add: vec![0.0; n] }, out)
}

/// `per_group` (one value per group) broadcast back to every element of its group.
pub fn spread(
    ctx: &mut Ctx,
    node: &OnnxNode,
    per_group: &Dyn,
    g: &Groups,
    shape: &[usize],
    suffix: &str,
) -> Result<Dyn, CompileError> {
    let map = g.group_of.iter().map(|&k| (0, k)).collect();
    ctx.add_layer(node, &[per_group], LayerKind::Gather { map, constants: Vec::new() }, shape.to_vec(), suffix)
}
