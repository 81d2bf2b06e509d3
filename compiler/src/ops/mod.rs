//! One file per ONNX operator; this registry is the only place that maps op-type strings to importers.
//! Adding an operator touches its own file and one line here.
use crate::error::{CompileError, UnsupportedKind};
use crate::import::Ctx;
use crate::onnx::OnnxNode;

mod add;
mod and;
mod arg_max;
mod average_pool;
mod batch_normalization;
mod cast;
mod cast_like;
mod clip;
mod compare;
mod concat;
mod constant;
mod constant_of_shape;
mod conv;
mod dequantize_linear;
mod div;
mod elementwise;
mod equal;
mod erf;
mod exp;
mod flatten;
mod gather;
mod gelu;
mod gemm;
mod global_average_pool;
mod greater;
mod greater_or_equal;
mod hard_sigmoid;
mod hard_swish;
mod identity;
mod layer_normalization;
mod layout;
mod leaky_relu;
mod less;
mod less_or_equal;
mod log;
mod logic;
mod matmul;
mod max;
mod max_pool;
mod min;
mod mul;
mod neg;
mod not;
mod or;
mod pad;
mod pow;
mod qdq;
mod qlinear_conv;
mod qlinear_matmul;
mod quantize_linear;
mod reduce;
mod reduce_max;
mod reduce_mean;
mod reduce_sum;
mod relu;
mod reshape;
mod shape;
mod sigmoid;
mod size;
mod slice;
mod softmax;
mod softplus;
mod split;
mod sqrt;
mod squeeze;
mod sub;
mod sum;
mod tanh;
mod transpose;
mod unary;
mod unsqueeze;
mod r#where;
mod window;

/// Imports one node: reads its inputs from the context and binds its outputs.
pub type ImportFn = fn(&OnnxNode, &mut Ctx) -> Result<(), CompileError>;

const REGISTRY: &[(&str, ImportFn)] = &[
    ("Add", add::import),
    ("And", and::import),
    ("ArgMax", arg_max::import),
    ("AveragePool", average_pool::import),
    ("BatchNormalization", batch_normalization::import),
    ("Cast", cast::import),
    ("CastLike", cast_like::import),
    ("Clip", clip::import),
    ("Concat", concat::import),
    ("Constant", constant::import),
    ("ConstantOfShape", constant_of_shape::import),
    ("Conv", conv::import),
    ("DequantizeLinear", dequantize_linear::import),
    ("Div", div::import),
    ("Equal", equal::import),
    ("Erf", erf::import),
    ("Exp", exp::import),
    ("Flatten", flatten::import),
    ("Gather", gather::import),
    ("Gelu", gelu::import),
    ("Gemm", gemm::import),
    ("GlobalAveragePool", global_average_pool::import),
    ("Greater", greater::import),
    ("GreaterOrEqual", greater_or_equal::import),
    ("HardSigmoid", hard_sigmoid::import),
    ("HardSwish", hard_swish::import),
    ("Identity", identity::import),
    ("LayerNormalization", layer_normalization::import),
    ("LeakyRelu", leaky_relu::import),
    ("Less", less::import),
    ("LessOrEqual", less_or_equal::import),
    ("Log", log::import),
    ("MatMul", matmul::import),
    ("Max", max::import),
    ("MaxPool", max_pool::import),
    ("Min", min::import),
    ("Mul", mul::import),
    ("Neg", neg::import),
    ("Not", not::import),
    ("Or", or::import),
    ("Pad", pad::import),
    ("Pow", pow::import),
    ("QLinearConv", qlinear_conv::import),
    ("QLinearMatMul", qlinear_matmul::import),
    ("QuantizeLinear", quantize_linear::import),
    ("ReduceMax", reduce_max::import),
    ("ReduceMean", reduce_mean::import),
    ("ReduceSum", reduce_sum::import),
    ("Relu", relu::import),
    ("Reshape", reshape::import),
    ("Shape", shape::import),
    ("Sigmoid", sigmoid::import),
    ("Size", size::import),
    ("Slice", slice::import),
    ("Softmax", softmax::import),
    ("Softplus", softplus::import),
    ("Split", split::import),
    ("Sqrt", sqrt::import),
    ("Squeeze", squeeze::import),
    ("Sub", sub::import),
    ("Sum", sum::import),
    ("Tanh", tanh::import),
    ("Transpose", transpose::import),
    ("Unsqueeze", unsqueeze::import),
    ("Where", r#where::import),
];

/// The importer of an operator type.
pub fn lookup(op_type: &str) -> Option<ImportFn> {
    REGISTRY.iter().find(|(name, _)| *name == op_type).map(|(_, f)| *f)
}

/// Whether a node of operator `op_type` in `domain` can be imported at all (its attributes and
/// inputs are checked later, by the operator's importer), and if not, why.
pub fn support(domain: &str, op_type: &str) -> Result<(), UnsupportedKind> {
    if !(domain.is_empty() || domain == "ai.onnx") {
        return Err(UnsupportedKind::Domain);
    }
    match op_type {
        _ if lookup(op_type).is_some() => Ok(()),
        "If" | "Loop" | "Scan" => Err(UnsupportedKind::ControlFlow),
        "LSTM" | "GRU" | "RNN" => Err(UnsupportedKind::Recurrent),
        _ => Err(UnsupportedKind::Operator),
    }
}

/// Names of the supported operators.
pub fn supported() -> Vec<&'static str> {
    REGISTRY.iter().map(|(name, _)| *name).collect()
}
