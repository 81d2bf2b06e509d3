//! Shared by the int8 operators (QuantizeLinear, DequantizeLinear, QLinearMatMul, QLinearConv): the
//! quantization parameters of a tensor and the two maps between the real line and an integer grid.
//!
//! - Dequantize, `(q - zero) * scale`, is an affine layer (free in R1CS; it usually folds into the
//!   next linear layer). Of a constant (weights, biases), it is folded at compile time.
//! - Quantize, `clamp(round(x / scale) + zero, lo, hi)`, is an affine layer `x / scale + zero`
//!   rescaled to the integer grid (scale 2^0, rounded once, half up) and a clamp gadget. The grid
//!   is the tensor's element type: int8 [-128, 127], uint8 [0, 255], int16, uint16. onnxruntime's
//!   QOperator models rely on the saturation: a ReLU fused into a QLinearConv is its lower clamp.
//!
//! ONNX rounds half to even; the circuit rounds half up, so a value exactly halfway between two
//! grid points can land one step higher than in onnxruntime.
use super::layout::axis as resolve_axis;
use crate::error::CompileError;
use crate::graph::LayerKind;
use crate::import::{Ctx, Dyn};
use crate::onnx::OnnxNode;

/// The integer range of a quantized element type.
pub fn grid(elem: &str) -> Option<(i64, i64)> {
    Some(match elem {
        "int8" => (-128, 127),
        "uint8" => (0, 255),
        "int16" => (-32768, 32767),
        "uint16" => (0, 65535),
        "int32" => (i32::MIN as i64, i32::MAX as i64),
        _ => return None,
    })
}

/// Scale and zero point of a tensor, one per element (per-tensor and per-axis parameters expanded),
/// and its grid.
#[derive(Clone, Debug)]
pub struct QParams {
    /// Scale per element.
    pub scale: Vec<f64>,
    /// Zero point per element.
    pub zero: Vec<f64>,
    /// Grid of the quantized type.
    pub grid: (i64, i64),
}

/// Reads the scale (input `si`) and optional zero point (input `zi`) of a tensor of `shape`,
/// quantized along `axis` (`None`: per-tensor only). `default_elem` is the quantized type when no
/// zero point gives it.
pub fn params(
    node: &OnnxNode,
    ctx: &Ctx,
    si: usize,
    zi: usize,
    shape: &[usize],
    axis: Option<i64>,
    default_elem: &str,
) -> Result<QParams, CompileError> {
    let scale = ctx.const_float(node, si, "the scale")?;
    let (zero, elem) = match ctx.input(node, zi)? {
        None => (None, default_elem.to_string()),
        Some(_) => {
            let z = ctx
                .const_int(node, zi, "the zero point")
                .or_else(|_| ctx.const_float(node, zi, "the zero point").map(|a| a.mapv(|v| v.round() as i64)))?;
            let elem = ctx.elem_type(node, zi).unwrap_or(default_elem);
            (Some(z), elem.to_string())
        }
    };
    let grid = grid(&elem).ok_or_else(|| {
        ctx.err(node, format!("quantized type {elem} is not supported (int8, uint8, int16, uint16, int32 are)"))
    })?;
    if scale.iter().any(|&s| !(s.is_finite() && s > 0.0)) {
        return Err(ctx.err(node, "the scale must be positive and finite"));
    }
    let n: usize = shape.iter().product();
    let per_axis = scale.len() > 1 || zero.as_ref().is_some_and(|z| z.len() > 1);
    let (scale_v, zero_v): (Vec<f64>, Vec<f64>) = if !per_axis {
        let s = scale.iter().next().copied().unwrap_or(1.0);
        let z = zero.as_ref().and_then(|z| z.iter().next().copied()).unwrap_or(0) as f64;
        (vec![s; n], vec![z; n])
    } else {
        let a = axis.ok_or_else(|| ctx.err(node, "per-axis scales are not allowed here (a scalar is expected)"))?;
        let a = resolve_axis(ctx, node, a, shape.len())?;
        let len = shape[a];
        if scale.ndim() != 1 || scale.len() != len || zero.as_ref().is_some_and(|z| z.ndim() != 1 || z.len() != len) {
            return Err(ctx.err(
                node,
                format!(
                    "per-axis scale {:?} and zero point do not match axis {a} of {shape:?} (blocked quantization is not supported)",
                    scale.shape()
                ),
            ));
        }
        let inner: usize = shape[a + 1..].iter().product();
        let at = |i: usize| (i / inner) % len;
        let s: Vec<f64> = scale.iter().copied().collect();
        let z: Vec<f64> = match &zero {
            Some(z) => z.iter().map(|&v| v as f64).collect(),
            None => vec![0.0; len],
        };
        ((0..n).map(|i| s[at(i)]).collect(), (0..n).map(|i| z[at(i)]).collect())
    };
    if zero_v.iter().any(|&z| z < grid.0 as f64 || z > grid.1 as f64) {
        return Err(ctx.err(node, format!("a zero point lies outside the {elem} range")));
    }
    Ok(QParams { scale: scale_v, zero: zero_v, grid })
}

/// `(q - zero) * scale` of an input-dependent tensor: an affine layer.
pub fn dequantize(ctx: &mut Ctx, node: &OnnxNode, x: &Dyn, p: &QParams, suffix: &str) -> Result<Dyn, CompileError> {
    let add = p.scale.iter().zip(&p.zero).map(|(s, z)| -s * z).collect();
    ctx.add_layer(node, &[x], LayerKind::Affine { mul: p.scale.clone(), add }, x.shape.clone(), suffix)
}

/// `clamp(round(x / scale) + zero, lo, hi)` of an input-dependent tensor: an affine layer and the
/// grid's rounding and saturation. `suffix` names the result ("" binds nothing; the caller does).
pub fn quantize(ctx: &mut Ctx, node: &OnnxNode, x: &Dyn, p: &QParams, suffix: &str) -> Result<Dyn, CompileError> {
    let mul = p.scale.iter().map(|s| 1.0 / s).collect();
    let pre = ctx.add_layer(
        node,
        &[x],
        LayerKind::Affine { mul, add: p.zero.clone() },
        x.shape.clone(),
        &join(suffix, "scaled"),
    )?;
    let (lo, hi) = p.grid;
    ctx.add_layer(node, &[&pre], LayerKind::RoundClamp { lo, hi }, x.shape.clone(), suffix)
}

fn join(a: &str, b: &str) -> String {
    if a.is_empty() {
        b.to_string()
    } else {
        format!("{a}::{b}")
    }
}

/// `(q - zero) * scale` of a constant.
pub fn dequantize_const(q: &ndarray::ArrayD<i64>, p: &QParams) -> ndarray::ArrayD<f64> {
    let mut out = q.mapv(|v| v as f64);
    for (i, v) in out.iter_mut().enumerate() {
        *v = (*v - p.zero[i]) * p.scale[i];
    }
    out
}

/// The name of an inner tensor of a composite operator.
pub fn inner_name(node: &OnnxNode, what: &str) -> String {
    format!("{}::{what}", node.outputs.first().cloned().unwrap_or_else(|| node.name.clone()))
}
