//! Unsupported or malformed content fails with a message that names the node, its op type and opset.
use onnx_protobuf::{
    tensor_proto::DataType, AttributeProto, GraphProto, Message, ModelProto, NodeProto, OperatorSetIdProto,
    TensorProto, ValueInfoProto,
};
use verinfer_compiler::{compile, CompileOptions};

mod common;
use common::{node, value_info};

fn weights(name: &str, dims: &[i64]) -> TensorProto {
    let mut t = TensorProto::new();
    t.name = name.into();
    t.dims = dims.to_vec();
    t.data_type = DataType::FLOAT as i32;
    t.float_data = (0..dims.iter().product::<i64>()).map(|i| (i % 5) as f32 * 0.1 - 0.2).collect();
    t
}

fn model(nodes: Vec<NodeProto>, inits: Vec<TensorProto>, input: ValueInfoProto, opset: i64) -> Vec<u8> {
    let mut g = GraphProto::new();
    g.name = "t".into();
    g.node = nodes;
    g.initializer = inits;
    g.input.push(input);
    g.output.push(value_info("y", DataType::FLOAT, &[Some(1), Some(2)]));
    let mut m = ModelProto::new();
    m.ir_version = 8;
    let mut os = OperatorSetIdProto::new();
    os.version = opset;
    m.opset_import.push(os);
    m.graph = Some(g).into();
    m.write_to_bytes().unwrap()
}

fn err(bytes: &[u8]) -> String {
    let cal = vec![vec![0.5; 3]];
    compile(bytes, &cal, &CompileOptions::default()).expect_err("compile must fail").to_string()
}

fn x3() -> ValueInfoProto {
    value_info("x", DataType::FLOAT, &[Some(1), Some(3)])
}

#[test]
fn a_working_model_compiles() {
    let m = model(vec![node("Gemm", "dense", &["x", "W"], &["y"])], vec![weights("W", &[3, 2])], x3(), 13);
    compile(&m, &[vec![0.5; 3]], &CompileOptions::default()).unwrap();
}

#[test]
fn unsupported_operator_names_node_op_and_opset() {
    let m = model(vec![node("LSTM", "my_lstm", &["x"], &["y"])], vec![], x3(), 13);
    let e = err(&m);
    for needle in ["my_lstm", "LSTM", "opset 13", "not supported", "Gemm"] {
        assert!(e.contains(needle), "'{needle}' missing from: {e}");
    }
}

#[test]
fn unsupported_attribute_and_values_are_named() {
    let mut n = node("Gemm", "dense", &["x", "W"], &["y"]);
    let mut a = AttributeProto::new();
    a.name = "broadcast".into();
    a.type_ = onnx_protobuf::attribute_proto::AttributeType::INT.into();
    a.i = 1;
    n.attribute.push(a);
    let e = err(&model(vec![n], vec![weights("W", &[3, 2])], x3(), 13));
    assert!(e.contains("dense") && e.contains("attribute 'broadcast'"), "{e}");

    // weights that depend on the input
    let e = err(&model(vec![node("Gemm", "dense", &["x", "x"], &["y"])], vec![], x3(), 13));
    assert!(e.contains("dense") && e.contains("must be a constant"), "{e}");

    // a cast of the input to an integer type
    let mut c = node("Cast", "to_int", &["x"], &["y"]);
    let mut a = AttributeProto::new();
    a.name = "to".into();
    a.type_ = onnx_protobuf::attribute_proto::AttributeType::INT.into();
    a.i = DataType::INT64 as i64;
    c.attribute.push(a);
    let e = err(&model(vec![c], vec![], x3(), 13));
    assert!(e.contains("to_int") && e.contains("int64"), "{e}");

    // a constant divided by an input-dependent tensor
    let e = err(&model(vec![node("Div", "recip", &["one", "x"], &["y"])], vec![weights("one", &[3])], x3(), 13));
    assert!(e.contains("recip") && e.contains("Div") && e.contains("constant divided by"), "{e}");

    // a division by a tensor that is not positive on the calibration data names the node
    let e = err(&model(
        vec![node("Sub", "shift", &["c", "x"], &["d"]), node("Div", "ratio", &["x", "d"], &["y"])],
        vec![weights("c", &[3])],
        x3(),
        13,
    ));
    assert!(e.contains("ratio") && e.contains("positive divisor") && e.contains("smallest divisor"), "{e}");
}

#[test]
fn dynamic_shapes_non_float_inputs_and_old_opsets_are_refused() {
    let gemm = || vec![node("Gemm", "dense", &["x", "W"], &["y"])];
    let e = err(&model(gemm(), vec![weights("W", &[3, 2])], value_info("x", DataType::FLOAT, &[Some(1), None]), 13));
    assert!(e.contains("dynamic dimension at axis 1"), "{e}");
    // a symbolic batch dimension is fine: batch 1
    let ok = model(gemm(), vec![weights("W", &[3, 2])], value_info("x", DataType::FLOAT, &[None, Some(3)]), 13);
    compile(&ok, &[vec![0.5; 3]], &CompileOptions::default()).unwrap();
    let e = err(&model(gemm(), vec![weights("W", &[3, 2])], value_info("x", DataType::INT64, &[Some(1), Some(3)]), 13));
    assert!(e.contains("int64") && e.contains("float"), "{e}");
    let e = err(&model(gemm(), vec![weights("W", &[3, 2])], x3(), 6));
    assert!(e.contains("opset 6"), "{e}");
}

#[test]
fn malformed_files_and_calibration_are_typed_errors() {
    assert!(err(b"\x08\x96\x01 not a model").contains("malformed ONNX"));
    let m = model(vec![node("Gemm", "dense", &["x", "W"], &["y"])], vec![weights("W", &[3, 2])], x3(), 13);
    let e = compile(&m, &[vec![0.5; 4]], &CompileOptions::default()).err().unwrap().to_string();
    assert!(e.contains("sample 0 has 4 values"), "{e}");
    let e = compile(&m, &[vec![f64::NAN; 3]], &CompileOptions::default()).err().unwrap().to_string();
    assert!(e.contains("non-finite"), "{e}");
    // a tensor whose raw data is too short
    let mut w = weights("W", &[3, 2]);
    w.float_data.clear();
    w.raw_data = vec![0; 7];
    let e = err(&model(vec![node("Gemm", "dense", &["x", "W"], &["y"])], vec![w], x3(), 13));
    assert!(e.contains("tensor 'W'") && e.contains("raw_data"), "{e}");
    // an inner dimension mismatch
    let e = err(&model(vec![node("Gemm", "dense", &["x", "W"], &["y"])], vec![weights("W", &[4, 2])], x3(), 13));
    assert!(e.contains("dense") && e.contains("inner dimensions"), "{e}");
}
