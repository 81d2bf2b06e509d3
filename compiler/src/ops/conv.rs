//! ONNX `Conv`: a convolution with constant weights (any `group`, so depthwise too; strides, pads,
//! `auto_pad`, dilations). It stays a structured layer ([`verinfer_ir::ConvGeometry`]): stored by its
//! filters and lowered to one linear combination per output, so it costs no constraints, like Gemm.
use super::window::Window;
use crate::error::CompileError;
use crate::graph::LayerKind;
use crate::import::{Ctx, Value};
use crate::onnx::OnnxNode;

/// Imports a `Conv` node.
pub fn import(node: &OnnxNode, ctx: &mut Ctx) -> Result<(), CompileError> {
    ctx.check_attributes(node, &["auto_pad", "dilations", "group", "kernel_shape", "pads", "strides"])?;
    let x = match ctx.required(node, 0)?.clone() {
        Value::Dyn(d) => d,
        Value::Const(_) => {
            return Err(ctx.err(node, "the input X is constant; fold constant convolutions before export"))
        }
    };
    let w = ctx.const_float(node, 1, "W")?;
    if x.shape.len() < 3 || x.shape[0] != 1 {
        return Err(ctx.err(node, format!("X must be [1, C, spatial...], got {:?}", x.shape)));
    }
    if w.ndim() != x.shape.len() {
        return Err(ctx.err(node, format!("W has rank {} but X has rank {}", w.ndim(), x.shape.len())));
    }
    let c_in = x.shape[1];
    let (m, c_per) = (w.shape()[0], w.shape()[1]);
    let group = node.attr_int("group", 1).map_err(|e| ctx.err(node, e))?;
    if group < 1 || c_in % group as usize != 0 || m % group as usize != 0 || c_per * group as usize != c_in {
        return Err(ctx.err(
            node,
            format!("group {group} does not divide {c_in} input channels and {m} filters of {c_per} channels"),
        ));
    }
    let group = group as usize;
    let kernel: Vec<usize> = w.shape()[2..].to_vec();
    if let Some(ks) = node.attr_ints("kernel_shape").map_err(|e| ctx.err(node, e))? {
        if ks.iter().map(|&k| k as usize).collect::<Vec<_>>() != kernel {
            return Err(ctx.err(node, format!("kernel_shape {ks:?} disagrees with W's shape {:?}", w.shape())));
        }
    }
    let win = Window::resolve(node, ctx, &x.shape[2..], &kernel)?;
    let bias = match ctx.input(node, 2)? {
        None => vec![0.0; m],
        Some(_) => {
            let b = ctx.const_float(node, 2, "B")?;
            if b.len() != m {
                return Err(ctx.err(node, format!("B has {} values for {m} filters", b.len())));
            }
            b.iter().copied().collect()
        }
    };
    let geometry = win.geometry(c_in, m, group);
    geometry.validate().map_err(|e| ctx.err(node, e))?;
    let mut shape = vec![1, m];
    shape.extend(&win.out_shape);
    let weights: Vec<f64> = w.iter().copied().collect();
    ctx.push_layer(node, &x, LayerKind::Conv { geometry, weights, bias }, shape)
}
