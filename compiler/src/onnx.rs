//! The ONNX edge: the only module that touches `onnx-protobuf`. It turns the protobuf model into plain
//! Rust values ([`OnnxModel`]) so that the schema can be swapped (e.g. for prost-generated code)
//! without touching the operators.
use crate::error::{CompileError, UnsupportedOperator};
use ndarray::{ArrayD, IxDyn};
use onnx_protobuf::{tensor_proto::DataType, Message, ModelProto, TensorProto, TypeProto};
use protobuf::Enum;

/// A decoded model: the main graph of the default domain.
#[derive(Debug)]
pub struct OnnxModel {
    /// Graph name.
    pub name: String,
    /// Version of the default (`ai.onnx`) operator set.
    pub opset: i64,
    /// Nodes in file order.
    pub nodes: Vec<OnnxNode>,
    /// Initializers by name, in file order.
    pub initializers: Vec<(String, OnnxTensor)>,
    /// Graph inputs that are not initializers.
    pub inputs: Vec<ValueInfo>,
    /// Graph output names.
    pub outputs: Vec<String>,
    /// Element type of each initializer and Constant node output ("int8", "uint8", ...), which the
    /// decoded tensors do not keep (quantized models need the zero point's type).
    pub elem_types: std::collections::HashMap<String, &'static str>,
}

/// A graph input.
#[derive(Debug)]
pub struct ValueInfo {
    /// Name.
    pub name: String,
    /// ONNX element type name ("float", "int64", ...).
    pub elem_type: &'static str,
    /// Dimensions: `Some(n)` for a fixed size, `None` for a symbolic or missing one.
    pub dims: Vec<Option<usize>>,
}

/// One node.
#[derive(Clone, Debug)]
pub struct OnnxNode {
    /// Node name (may be empty in the file; then derived from the first output).
    pub name: String,
    /// Operator type.
    pub op_type: String,
    /// Operator domain ("" is the default domain).
    pub domain: String,
    /// Input tensor names ("" for an omitted optional input).
    pub inputs: Vec<String>,
    /// Output tensor names.
    pub outputs: Vec<String>,
    /// Attributes.
    pub attributes: Vec<(String, Attribute)>,
}

/// An attribute value.
#[derive(Clone, Debug)]
pub enum Attribute {
    /// A float.
    Float(f32),
    /// An integer.
    Int(i64),
    /// A string.
    String(String),
    /// Floats.
    Floats(Vec<f32>),
    /// Integers.
    Ints(Vec<i64>),
    /// A tensor.
    Tensor(OnnxTensor),
    /// A kind verinfer does not read (graph, sparse tensor, type, ...).
    Other(&'static str),
}

/// A constant tensor, widened to f64 (floats) or kept as i64 (integers).
#[derive(Clone, Debug, PartialEq)]
pub enum OnnxTensor {
    /// A floating-point tensor.
    Float(ArrayD<f64>),
    /// An integer tensor (shape operands, indices).
    Int(ArrayD<i64>),
}

impl OnnxTensor {
    /// The shape.
    pub fn shape(&self) -> &[usize] {
        match self {
            OnnxTensor::Float(a) => a.shape(),
            OnnxTensor::Int(a) => a.shape(),
        }
    }
}

/// Name of an ONNX element type.
pub fn elem_type_name(t: i32) -> &'static str {
    match DataType::from_i32(t) {
        Some(DataType::FLOAT) => "float",
        Some(DataType::UINT8) => "uint8",
        Some(DataType::INT8) => "int8",
        Some(DataType::UINT16) => "uint16",
        Some(DataType::INT16) => "int16",
        Some(DataType::INT32) => "int32",
        Some(DataType::INT64) => "int64",
        Some(DataType::STRING) => "string",
        Some(DataType::BOOL) => "bool",
        Some(DataType::FLOAT16) => "float16",
        Some(DataType::DOUBLE) => "double",
        Some(DataType::UINT32) => "uint32",
        Some(DataType::UINT64) => "uint64",
        Some(DataType::BFLOAT16) => "bfloat16",
        _ => "unknown",
    }
}

/// Whether an element type name is an integer type a graph input may have (its values are read as
/// numbers, like a float input's).
pub fn is_int_input_elem(name: &str) -> bool {
    matches!(name, "int8" | "uint8" | "int16" | "uint16" | "int32")
}

/// Whether an element type name (from [`elem_type_name`]) is a floating-point type verinfer accepts.
pub fn is_float_elem(name: &str) -> bool {
    matches!(name, "float" | "double" | "float16" | "bfloat16")
}

/// Decodes an ONNX file whose graph output `output` (by default the first) is to be proven: every
/// operator that output depends on must be supported (see `check_operators`).
pub fn parse(bytes: &[u8], output: Option<&str>) -> Result<OnnxModel, CompileError> {
    let model = ModelProto::parse_from_bytes(bytes)
        .map_err(|e| CompileError::Onnx(format!("not a valid ONNX protobuf: {e}")))?;
    let graph = model.graph.as_ref().ok_or_else(|| CompileError::Onnx("the model has no graph".into()))?;
    check_operators(&model, output)?;
    let mut opset = None;
    for imp in &model.opset_import {
        match imp.domain.as_str() {
            "" | "ai.onnx" => opset = Some(imp.version),
            _ => {}
        }
    }
    let opset = opset.ok_or_else(|| CompileError::Onnx("the model imports no default-domain opset".into()))?;

    let mut initializers = Vec::new();
    let mut elem_types = std::collections::HashMap::new();
    for t in &graph.initializer {
        initializers.push((t.name.clone(), tensor(t)?));
        elem_types.insert(t.name.clone(), elem_type_name(t.data_type));
    }
    for n in graph.node.iter().filter(|n| n.op_type == "Constant") {
        if let (Some(t), Some(out)) = (n.attribute.iter().find_map(|a| a.t.as_ref()), n.output.first()) {
            elem_types.insert(out.clone(), elem_type_name(t.data_type));
        }
    }
    let init_names: std::collections::BTreeSet<&str> = graph.initializer.iter().map(|t| t.name.as_str()).collect();
    let inputs = graph
        .input
        .iter()
        .filter(|v| !init_names.contains(v.name.as_str()))
        .map(|v| value_info(&v.name, v.type_.as_ref()))
        .collect::<Result<Vec<_>, _>>()?;
    let outputs = graph.output.iter().map(|v| v.name.clone()).collect();
    let nodes = graph
        .node
        .iter()
        .map(|n| {
            let attributes =
                n.attribute.iter().map(|a| Ok((a.name.clone(), attribute(a)?))).collect::<Result<_, CompileError>>()?;
            let name = if n.name.is_empty() { n.output.first().cloned().unwrap_or_default() } else { n.name.clone() };
            Ok(OnnxNode {
                name,
                op_type: n.op_type.clone(),
                domain: n.domain.clone(),
                inputs: n.input.clone(),
                outputs: n.output.clone(),
                attributes,
            })
        })
        .collect::<Result<Vec<_>, CompileError>>()?;
    Ok(OnnxModel { name: graph.name.clone(), opset, nodes, initializers, inputs, outputs, elem_types })
}

/// Refuses the model if a node that the proven graph output (`output`, by default the first)
/// depends on has an operator verinfer does not support (control flow, recurrent layers, another
/// domain, an unknown operator), listing every such node with its op type, domain and the model's
/// opset of that domain. Runs before anything else is read, so that such a model is refused for that
/// reason and not for one that follows from it (a Cast feeding an `If`, missing calibration data).
/// Nodes the proven output does not depend on are not imported, so they are not checked either.
fn check_operators(model: &ModelProto, output: Option<&str>) -> Result<(), CompileError> {
    let Some(graph) = model.graph.as_ref() else { return Ok(()) };
    let proven = output.or_else(|| graph.output.first().map(|v| v.name.as_str()));
    let mut needed: std::collections::HashSet<&str> = proven.into_iter().collect();
    let mut live = vec![false; graph.node.len()];
    for (i, n) in graph.node.iter().enumerate().rev() {
        if n.output.iter().any(|o| needed.contains(o.as_str())) {
            live[i] = true;
            needed.extend(n.input.iter().filter(|s| !s.is_empty()).map(String::as_str));
        }
    }
    let opset_of = |domain: &str| {
        let canonical = |d: &str| if d == "ai.onnx" { "" } else { d }.to_string();
        let want = canonical(domain);
        model.opset_import.iter().filter(|imp| canonical(&imp.domain) == want).map(|imp| imp.version).last()
    };
    let unsupported: Vec<UnsupportedOperator> = graph
        .node
        .iter()
        .zip(&live)
        .filter(|(_, l)| **l)
        .filter_map(|(n, _)| {
            let kind = crate::ops::support(&n.domain, &n.op_type).err()?;
            Some(UnsupportedOperator {
                node: if n.name.is_empty() { n.output.first().cloned().unwrap_or_default() } else { n.name.clone() },
                op_type: n.op_type.clone(),
                domain: n.domain.clone(),
                opset: opset_of(&n.domain),
                kind,
            })
        })
        .collect();
    if unsupported.is_empty() {
        Ok(())
    } else {
        Err(CompileError::UnsupportedOperators(unsupported))
    }
}

fn value_info(name: &str, t: Option<&TypeProto>) -> Result<ValueInfo, CompileError> {
    use onnx_protobuf::tensor_shape_proto::dimension::Value as Dim;
    use onnx_protobuf::type_proto::Value;
    let Some(TypeProto { value: Some(Value::TensorType(tt)), .. }) = t else {
        return Err(CompileError::Unsupported(format!("graph input '{name}' is not a tensor")));
    };
    let dims = match tt.shape.as_ref() {
        Some(s) => s
            .dim
            .iter()
            .map(|d| match d.value {
                Some(Dim::DimValue(v)) if v > 0 => Some(v as usize),
                _ => None,
            })
            .collect(),
        None => return Err(CompileError::Unsupported(format!("graph input '{name}' has no shape"))),
    };
    Ok(ValueInfo { name: name.to_string(), elem_type: elem_type_name(tt.elem_type), dims })
}

fn attribute(a: &onnx_protobuf::AttributeProto) -> Result<Attribute, CompileError> {
    use onnx_protobuf::attribute_proto::AttributeType as T;
    Ok(match a.type_.enum_value() {
        Ok(T::FLOAT) => Attribute::Float(a.f),
        Ok(T::INT) => Attribute::Int(a.i),
        Ok(T::STRING) => Attribute::String(String::from_utf8_lossy(&a.s).into_owned()),
        Ok(T::FLOATS) => Attribute::Floats(a.floats.clone()),
        Ok(T::INTS) => Attribute::Ints(a.ints.clone()),
        Ok(T::TENSOR) => match a.t.as_ref() {
            Some(t) => Attribute::Tensor(tensor(t)?),
            None => Attribute::Other("empty tensor"),
        },
        Ok(T::GRAPH) | Ok(T::GRAPHS) => Attribute::Other("graph"),
        Ok(T::SPARSE_TENSOR) | Ok(T::SPARSE_TENSORS) => Attribute::Other("sparse tensor"),
        Ok(T::TYPE_PROTO) | Ok(T::TYPE_PROTOS) => Attribute::Other("type"),
        Ok(T::STRINGS) => Attribute::Other("strings"),
        Ok(T::TENSORS) => Attribute::Other("tensors"),
        Ok(T::UNDEFINED) | Err(_) => Attribute::Other("undefined"),
    })
}

fn f16_to_f64(h: u16) -> f64 {
    let sign = if h & 0x8000 != 0 { -1.0 } else { 1.0 };
    let exp = ((h >> 10) & 0x1f) as i32;
    let frac = (h & 0x3ff) as f64;
    sign * match exp {
        0 => frac * (-24f64).exp2(),
        31 => {
            if frac == 0.0 {
                f64::INFINITY
            } else {
                f64::NAN
            }
        }
        e => (1.0 + frac / 1024.0) * ((e - 15) as f64).exp2(),
    }
}

/// Decodes a tensor from `raw_data` or the typed fields.
pub fn tensor(t: &TensorProto) -> Result<OnnxTensor, CompileError> {
    let what = |msg: &str| CompileError::Onnx(format!("tensor '{}': {msg}", t.name));
    if t.data_location.enum_value() == Ok(onnx_protobuf::tensor_proto::DataLocation::EXTERNAL)
        || !t.external_data.is_empty()
    {
        return Err(CompileError::Unsupported(format!(
            "tensor '{}' keeps its data in an external file; save the model with its weights inside",
            t.name
        )));
    }
    let dims: Vec<usize> =
        t.dims.iter().map(|&d| usize::try_from(d).map_err(|_| what("negative dimension"))).collect::<Result<_, _>>()?;
    let n: usize = dims.iter().try_fold(1usize, |a, &d| a.checked_mul(d)).ok_or_else(|| what("too many elements"))?;
    let raw = &t.raw_data;
    let chunks = |w: usize| -> Result<std::slice::ChunksExact<'_, u8>, CompileError> {
        if raw.len() != n * w {
            return Err(what(&format!("raw_data has {} bytes, expected {}", raw.len(), n * w)));
        }
        Ok(raw.chunks_exact(w))
    };
    let float = |v: Vec<f64>| -> Result<OnnxTensor, CompileError> {
        if v.len() != n {
            return Err(what(&format!("has {} values for shape {:?}", v.len(), dims)));
        }
        ArrayD::from_shape_vec(IxDyn(&dims), v).map(OnnxTensor::Float).map_err(|e| what(&e.to_string()))
    };
    let int = |v: Vec<i64>| -> Result<OnnxTensor, CompileError> {
        if v.len() != n {
            return Err(what(&format!("has {} values for shape {:?}", v.len(), dims)));
        }
        ArrayD::from_shape_vec(IxDyn(&dims), v).map(OnnxTensor::Int).map_err(|e| what(&e.to_string()))
    };
    let le = |c: &[u8]| -> [u8; 8] {
        let mut b = [0u8; 8];
        b[..c.len()].copy_from_slice(c);
        b
    };
    match DataType::from_i32(t.data_type) {
        Some(DataType::FLOAT) => float(if raw.is_empty() {
            t.float_data.iter().map(|&v| v as f64).collect()
        } else {
            chunks(4)?.map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]) as f64).collect()
        }),
        Some(DataType::DOUBLE) => float(if raw.is_empty() { t.double_data.clone() } else { chunks(8)?.map(|c| f64::from_le_bytes(le(c))).collect() }),
        Some(DataType::FLOAT16) => float(if raw.is_empty() {
            t.int32_data.iter().map(|&v| f16_to_f64(v as u16)).collect()
        } else {
            chunks(2)?.map(|c| f16_to_f64(u16::from_le_bytes([c[0], c[1]]))).collect()
        }),
        Some(DataType::BFLOAT16) => float(if raw.is_empty() {
            t.int32_data.iter().map(|&v| f32::from_bits((v as u32) << 16) as f64).collect()
        } else {
            chunks(2)?.map(|c| f32::from_bits((u16::from_le_bytes([c[0], c[1]]) as u32) << 16) as f64).collect()
        }),
        Some(DataType::INT64) => int(if raw.is_empty() { t.int64_data.clone() } else { chunks(8)?.map(|c| i64::from_le_bytes(le(c))).collect() }),
        Some(DataType::INT32) => int(if raw.is_empty() {
            t.int32_data.iter().map(|&v| v as i64).collect()
        } else {
            chunks(4)?.map(|c| i32::from_le_bytes([c[0], c[1], c[2], c[3]]) as i64).collect()
        }),
        Some(DataType::INT8) => int(if raw.is_empty() { t.int32_data.iter().map(|&v| v as i64).collect() } else { raw.iter().map(|&b| b as i8 as i64).collect() }),
        Some(DataType::UINT8) => int(if raw.is_empty() { t.int32_data.iter().map(|&v| v as i64).collect() } else { raw.iter().map(|&b| b as i64).collect() }),
        Some(DataType::INT16) => int(if raw.is_empty() {
            t.int32_data.iter().map(|&v| v as i64).collect()
        } else {
            chunks(2)?.map(|c| i16::from_le_bytes([c[0], c[1]]) as i64).collect()
        }),
        Some(DataType::UINT16) => int(if raw.is_empty() {
            t.int32_data.iter().map(|&v| v as i64).collect()
        } else {
            chunks(2)?.map(|c| u16::from_le_bytes([c[0], c[1]]) as i64).collect()
        }),
        Some(DataType::BOOL) => int(if raw.is_empty() { t.int32_data.iter().map(|&v| (v != 0) as i64).collect() } else { raw.iter().map(|&b| (b != 0) as i64).collect() }),
        _ => Err(CompileError::Unsupported(format!(
            "tensor '{}' has element type {}, which verinfer does not read (float, double, float16, bfloat16, int8/16/32/64, uint8/16, bool are supported)",
            t.name,
            elem_type_name(t.data_type)
        ))),
    }
}

/// Decodes a serialized `TensorProto` (the `.pb` files of ONNX's test data).
pub fn parse_tensor(bytes: &[u8]) -> Result<OnnxTensor, CompileError> {
    let t = TensorProto::parse_from_bytes(bytes).map_err(|e| CompileError::Onnx(format!("not a TensorProto: {e}")))?;
    tensor(&t)
}

/// Turns the graph inputs after the first into initializers with the given serialized
/// `TensorProto` values (in input order): a model whose weights arrive as inputs, as in ONNX's node
/// tests, specialized to those weights. Returns the new model bytes.
pub fn bind_inputs(model: &[u8], values: &[Vec<u8>]) -> Result<Vec<u8>, CompileError> {
    let mut m = ModelProto::parse_from_bytes(model)
        .map_err(|e| CompileError::Onnx(format!("not a valid ONNX protobuf: {e}")))?;
    let graph = m.graph.as_mut().ok_or_else(|| CompileError::Onnx("the model has no graph".into()))?;
    let init_names: std::collections::BTreeSet<String> = graph.initializer.iter().map(|t| t.name.clone()).collect();
    let free: Vec<String> = graph.input.iter().map(|v| v.name.clone()).filter(|n| !init_names.contains(n)).collect();
    if free.len() != values.len() + 1 {
        return Err(CompileError::Onnx(format!(
            "{} graph inputs, {} values to bind after the first",
            free.len(),
            values.len()
        )));
    }
    for (name, bytes) in free[1..].iter().zip(values) {
        let mut t =
            TensorProto::parse_from_bytes(bytes).map_err(|e| CompileError::Onnx(format!("not a TensorProto: {e}")))?;
        t.name = name.clone();
        graph.initializer.push(t);
    }
    graph.input.retain(|v| init_names.contains(&v.name) || v.name == free[0]);
    m.write_to_bytes().map_err(|e| CompileError::Onnx(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn half_floats_decode() {
        assert_eq!(f16_to_f64(0x3c00), 1.0);
        assert_eq!(f16_to_f64(0xc000), -2.0);
        assert_eq!(f16_to_f64(0x3555), 0.333251953125);
    }

    #[test]
    fn garbage_is_a_typed_error() {
        assert!(matches!(parse(b"\xff\xff\xff definitely not onnx", None), Err(CompileError::Onnx(_))));
    }

    #[test]
    fn raw_and_typed_float_fields_agree() {
        let mut a = TensorProto::new();
        a.name = "a".into();
        a.dims = vec![2];
        a.data_type = DataType::FLOAT as i32;
        a.float_data = vec![1.5, -2.0];
        let mut b = a.clone();
        b.float_data.clear();
        b.raw_data = [1.5f32.to_le_bytes(), (-2.0f32).to_le_bytes()].concat();
        assert_eq!(tensor(&a).unwrap(), tensor(&b).unwrap());
        b.raw_data.pop();
        assert!(tensor(&b).is_err());
    }
}
