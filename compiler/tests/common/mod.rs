//! Builders of small ONNX models for the compiler's tests.
#![allow(dead_code)]
use onnx_protobuf::{
    attribute_proto::AttributeType, tensor_proto::DataType, tensor_shape_proto, type_proto, AttributeProto, GraphProto,
    Message, ModelProto, NodeProto, OperatorSetIdProto, TensorProto, TensorShapeProto, TypeProto, ValueInfoProto,
};

pub fn value_info(name: &str, elem: DataType, dims: &[Option<i64>]) -> ValueInfoProto {
    let mut shape = TensorShapeProto::new();
    for d in dims {
        let mut dim = tensor_shape_proto::Dimension::new();
        dim.value = Some(match d {
            Some(v) => tensor_shape_proto::dimension::Value::DimValue(*v),
            None => tensor_shape_proto::dimension::Value::DimParam("N".into()),
        });
        shape.dim.push(dim);
    }
    let mut tt = type_proto::Tensor::new();
    tt.elem_type = elem as i32;
    tt.shape = Some(shape).into();
    let mut t = TypeProto::new();
    t.value = Some(type_proto::Value::TensorType(tt));
    let mut v = ValueInfoProto::new();
    v.name = name.into();
    v.type_ = Some(t).into();
    v
}

pub fn node(op: &str, name: &str, inputs: &[&str], outputs: &[&str]) -> NodeProto {
    let mut n = NodeProto::new();
    n.op_type = op.into();
    n.name = name.into();
    n.input = inputs.iter().map(|s| s.to_string()).collect();
    n.output = outputs.iter().map(|s| s.to_string()).collect();
    n
}

/// An integer-list attribute.
pub fn ints(name: &str, v: &[i64]) -> AttributeProto {
    let mut a = AttributeProto::new();
    a.name = name.into();
    a.type_ = AttributeType::INTS.into();
    a.ints = v.to_vec();
    a
}

/// An integer attribute.
pub fn int(name: &str, v: i64) -> AttributeProto {
    let mut a = AttributeProto::new();
    a.name = name.into();
    a.type_ = AttributeType::INT.into();
    a.i = v;
    a
}

/// A float attribute.
pub fn float(name: &str, v: f32) -> AttributeProto {
    let mut a = AttributeProto::new();
    a.name = name.into();
    a.type_ = AttributeType::FLOAT.into();
    a.f = v;
    a
}

/// A string attribute.
pub fn string(name: &str, v: &str) -> AttributeProto {
    let mut a = AttributeProto::new();
    a.name = name.into();
    a.type_ = AttributeType::STRING.into();
    a.s = v.as_bytes().to_vec();
    a
}

/// A float initializer with the given values.
pub fn init(name: &str, dims: &[usize], values: &[f32]) -> TensorProto {
    let mut t = TensorProto::new();
    t.name = name.into();
    t.dims = dims.iter().map(|&d| d as i64).collect();
    t.data_type = DataType::FLOAT as i32;
    t.float_data = values.to_vec();
    t
}

/// A one-input model (input "x", output "y", opset 13) of the given nodes and initializers.
pub fn one_input_model(
    nodes: Vec<NodeProto>,
    inits: Vec<TensorProto>,
    in_dims: &[usize],
    out_dims: &[usize],
) -> Vec<u8> {
    model_with_opset(nodes, inits, in_dims, out_dims, 13)
}

/// [`one_input_model`] at another default-domain opset.
pub fn model_with_opset(
    nodes: Vec<NodeProto>,
    inits: Vec<TensorProto>,
    in_dims: &[usize],
    out_dims: &[usize],
    opset: i64,
) -> Vec<u8> {
    graph_model(nodes, inits, &[("x", in_dims)], &[("y", out_dims)], opset)
}

/// A float model with graph inputs and outputs of the given names and shapes.
pub fn graph_model(
    nodes: Vec<NodeProto>,
    inits: Vec<TensorProto>,
    inputs: &[(&str, &[usize])],
    outputs: &[(&str, &[usize])],
    opset: i64,
) -> Vec<u8> {
    let mut g = GraphProto::new();
    g.name = "t".into();
    g.node = nodes;
    g.initializer = inits;
    let dims = |d: &[usize]| d.iter().map(|&v| Some(v as i64)).collect::<Vec<_>>();
    g.input = inputs.iter().map(|(n, d)| value_info(n, DataType::FLOAT, &dims(d))).collect();
    g.output = outputs.iter().map(|(n, d)| value_info(n, DataType::FLOAT, &dims(d))).collect();
    let mut m = ModelProto::new();
    m.ir_version = 8;
    let mut os = OperatorSetIdProto::new();
    os.version = opset;
    m.opset_import.push(os);
    m.graph = Some(g).into();
    m.write_to_bytes().unwrap()
}

/// An integer initializer of element type `elem` (int8, uint8, int32, ...), values in `int32_data`.
pub fn init_int(name: &str, dims: &[usize], elem: DataType, values: &[i64]) -> TensorProto {
    let mut t = TensorProto::new();
    t.name = name.into();
    t.dims = dims.iter().map(|&d| d as i64).collect();
    t.data_type = elem as i32;
    if elem == DataType::INT64 {
        t.int64_data = values.to_vec();
    } else {
        t.int32_data = values.iter().map(|&v| v as i32).collect();
    }
    t
}
