//! Shared by the data-movement operators (Transpose, Concat, Slice, Gather, Pad, Squeeze,
//! Unsqueeze) and by the broadcasts of the element-wise ones: index arithmetic, and binding a
//! gather of operands, folded when every operand is constant.
use crate::error::CompileError;
use crate::graph::LayerKind;
use crate::import::{Ctx, Dyn, Value};
use crate::onnx::{OnnxNode, OnnxTensor};
use ndarray::{ArrayD, IxDyn};

/// Row-major strides of `shape`.
pub fn strides(shape: &[usize]) -> Vec<usize> {
    let mut s = vec![1; shape.len()];
    for i in (0..shape.len().saturating_sub(1)).rev() {
        s[i] = s[i + 1] * shape[i + 1];
    }
    s
}

/// The multi-index of flat position `flat` in `shape`.
pub fn unravel(mut flat: usize, shape: &[usize]) -> Vec<usize> {
    let mut idx = vec![0; shape.len()];
    for i in (0..shape.len()).rev() {
        let d = shape[i].max(1);
        idx[i] = flat % d;
        flat /= d;
    }
    idx
}

/// `axis` (possibly negative) as an index into a rank-`rank` shape.
pub fn axis(ctx: &Ctx, node: &OnnxNode, axis: i64, rank: usize) -> Result<usize, CompileError> {
    let a = if axis < 0 { axis + rank as i64 } else { axis };
    if a < 0 || a >= rank as i64 {
        return Err(ctx.err(node, format!("axis {axis} is outside [-{rank}, {}] for rank {rank}", rank as i64 - 1)));
    }
    Ok(a as usize)
}

/// The shape of a value.
pub fn shape_of(v: &Value) -> Vec<usize> {
    match v {
        Value::Dyn(d) => d.shape.clone(),
        Value::Const(t) => t.shape().to_vec(),
    }
}

/// Numpy broadcast of two shapes.
pub fn broadcast_shape(a: &[usize], b: &[usize]) -> Option<Vec<usize>> {
    let n = a.len().max(b.len());
    (0..n)
        .map(|i| {
            let da = if i + a.len() >= n { a[i + a.len() - n] } else { 1 };
            let db = if i + b.len() >= n { b[i + b.len() - n] } else { 1 };
            match (da, db) {
                (x, y) if x == y => Some(x),
                (1, y) => Some(y),
                (x, 1) => Some(x),
                _ => None,
            }
        })
        .collect()
}

/// For each element of `to`, the flat index of the element of `from` it reads under numpy
/// broadcasting (`from` must broadcast to `to`).
pub fn broadcast_map(from: &[usize], to: &[usize]) -> Vec<usize> {
    let fs = strides(from);
    let off = to.len() - from.len();
    (0..to.iter().product())
        .map(|flat| {
            let idx = unravel(flat, to);
            (0..from.len()).map(|i| if from[i] == 1 { 0 } else { idx[off + i] * fs[i] }).sum()
        })
        .collect()
}

/// `d` broadcast to `to` as a new layer, or `d` itself if it already has that shape.
pub fn broadcast_dyn(ctx: &mut Ctx, node: &OnnxNode, d: &Dyn, to: &[usize], suffix: &str) -> Result<Dyn, CompileError> {
    if d.shape == to {
        return Ok(d.clone());
    }
    if d.len() == to.iter().product::<usize>()
        && d.shape.iter().product::<usize>() == d.len()
        && squeeze_eq(&d.shape, to)
    {
        return Ok(Dyn { src: d.src, shape: to.to_vec() });
    }
    let map = broadcast_map(&d.shape, to).into_iter().map(|j| (0, j)).collect();
    ctx.add_layer(node, &[d], LayerKind::Gather { map, constants: Vec::new() }, to.to_vec(), suffix)
}

fn squeeze_eq(a: &[usize], b: &[usize]) -> bool {
    let f = |s: &[usize]| s.iter().copied().filter(|&d| d != 1).collect::<Vec<_>>();
    f(a) == f(b)
}

/// Binds output 0 of `node` to `y_i = sources[map_i.0][map_i.1]` (or `fill` where
/// `map_i.0 == usize::MAX`), of shape `shape`: a constant if every operand is constant, else a
/// gather layer whose constants hold the constant operands' elements.
pub fn bind_gather(
    ctx: &mut Ctx,
    node: &OnnxNode,
    sources: &[Value],
    map: Vec<(usize, usize)>,
    fill: f64,
    shape: Vec<usize>,
) -> Result<(), CompileError> {
    bind_gather_to(ctx, node, 0, sources, map, fill, shape)
}

/// [`bind_gather`] to output `out` of `node` (operators with several outputs, such as Split).
pub fn bind_gather_to(
    ctx: &mut Ctx,
    node: &OnnxNode,
    out: usize,
    sources: &[Value],
    map: Vec<(usize, usize)>,
    fill: f64,
    shape: Vec<usize>,
) -> Result<(), CompileError> {
    let dyns: Vec<&Dyn> = sources.iter().filter_map(|v| if let Value::Dyn(d) = v { Some(d) } else { None }).collect();
    if dyns.is_empty() {
        let all_int = sources.iter().all(|v| matches!(v, Value::Const(OnnxTensor::Int(_))));
        let flat: Vec<Vec<f64>> = sources
            .iter()
            .map(|v| match v {
                Value::Const(OnnxTensor::Float(a)) => a.iter().copied().collect(),
                Value::Const(OnnxTensor::Int(a)) => a.iter().map(|&x| x as f64).collect(),
                Value::Dyn(_) => Vec::new(),
            })
            .collect();
        let vals: Vec<f64> = map.iter().map(|&(s, j)| if s == usize::MAX { fill } else { flat[s][j] }).collect();
        let t = if all_int {
            OnnxTensor::Int(
                ArrayD::from_shape_vec(IxDyn(&shape), vals.iter().map(|&v| v as i64).collect())
                    .map_err(|e| ctx.err(node, e.to_string()))?,
            )
        } else {
            OnnxTensor::Float(ArrayD::from_shape_vec(IxDyn(&shape), vals).map_err(|e| ctx.err(node, e.to_string()))?)
        };
        return ctx.set(node, out, Value::Const(t));
    }
    // Constant operands become the layer's constants; input-dependent ones its operands.
    let mut constants = Vec::new();
    let mut slot = Vec::with_capacity(sources.len()); // per source: Ok(operand) or Err(constant offset)
    let mut k = 0;
    for v in sources {
        match v {
            Value::Dyn(_) => {
                slot.push(Ok(k));
                k += 1;
            }
            Value::Const(t) => {
                slot.push(Err(constants.len()));
                match t {
                    OnnxTensor::Float(a) => constants.extend(a.iter().copied()),
                    OnnxTensor::Int(a) => constants.extend(a.iter().map(|&x| x as f64)),
                }
            }
        }
    }
    let fill_at = constants.len();
    constants.push(fill);
    let map: Vec<(usize, usize)> = map
        .iter()
        .map(|&(s, j)| match slot.get(s) {
            Some(Ok(k)) => (*k, j),
            Some(Err(off)) => (usize::MAX, off + j),
            None => (usize::MAX, fill_at),
        })
        .collect();
    if !map.iter().any(|&(s, _)| s == usize::MAX) {
        constants.clear();
    }
    // A gather that reads one operand in order is a reshape.
    if dyns.len() == 1 && map.len() == dyns[0].len() && map.iter().enumerate().all(|(i, &(s, j))| s == 0 && j == i) {
        return ctx.set(node, out, Value::Dyn(Dyn { src: dyns[0].src, shape }));
    }
    if out == 0 {
        return ctx.push_layer_multi(node, &dyns, LayerKind::Gather { map, constants }, shape);
    }
    let d = ctx.add_layer(node, &dyns, LayerKind::Gather { map, constants }, shape, &format!("output{out}"))?;
    ctx.set(node, out, Value::Dyn(d))
}
