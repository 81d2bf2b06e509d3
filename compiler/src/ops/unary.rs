//! Shared by the element-wise function operators (Sigmoid, Tanh, Exp, Erf, Gelu, HardSigmoid,
//! LeakyRelu, Clip, Sqrt, Softplus): a table layer, or the folded value of a constant.
use crate::error::CompileError;
use crate::graph::{Func, LayerKind};
use crate::import::{Ctx, Value};
use crate::onnx::{OnnxNode, OnnxTensor};

/// Binds output 0 of `node` to `f` of input 0.
pub fn import(node: &OnnxNode, ctx: &mut Ctx, f: Func) -> Result<(), CompileError> {
    match ctx.required(node, 0)?.clone() {
        Value::Dyn(d) => {
            let shape = d.shape.clone();
            ctx.push_layer(node, &d, LayerKind::Func(f), shape)
        }
        Value::Const(_) => {
            let c = ctx.const_float(node, 0, "X")?;
            ctx.set(node, 0, Value::Const(OnnxTensor::Float(c.mapv(|v| f.eval(v)))))
        }
    }
}
