//! Unsupported or malformed content fails with a message that names the node, its op type and opset.
use onnx_protobuf::{
    tensor_proto::DataType, AttributeProto, GraphProto, Message, ModelProto, NodeProto, OperatorSetIdProto,
    TensorProto, ValueInfoProto,
};
use verinfer_compiler::{compile, CompileError, CompileOptions, Precision, QuantConfig};

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
    assert!(e.contains("ratio") && e.contains("divisor reaches") && e.contains("Fix:"), "{e}");
}

/// The calibration error of `bytes` compiled on `cal` with `quant`, as its typed fields.
fn quantization_error(
    bytes: &[u8],
    cal: &[Vec<f64>],
    quant: QuantConfig,
) -> (String, String, f64, f64, String, String, String) {
    let opts = CompileOptions { quant, precision: Precision::Fixed, ..CompileOptions::default() };
    match compile(bytes, cal, &opts).expect_err("compile must fail") {
        CompileError::Quantization(q) => (q.tensor, q.node, q.min, q.max, q.problem, q.limit, q.fix),
        e => panic!("not a quantization error: {e}"),
    }
}

#[test]
fn calibration_errors_name_node_tensor_range_limit_and_fix() {
    let x2 = || value_info("x", DataType::FLOAT, &[Some(1), Some(2)]);
    let out2 = |nodes, inits| model(nodes, inits, x2(), 13);

    // a divisor that is not positive on the calibration data: the divisor's range is quoted
    let c = {
        let mut t = weights("c", &[2]);
        t.float_data = vec![0.25, 0.25];
        t
    };
    let bytes =
        out2(vec![node("Sub", "shift", &["c", "x"], &["d"]), node("Div", "ratio", &["x", "d"], &["y"])], vec![c]);
    let (tensor, node_name, min, max, problem, limit, fix) =
        quantization_error(&bytes, &[vec![0.5, 1.0], vec![0.1, 0.2]], QuantConfig::default());
    assert_eq!((tensor.as_str(), node_name.as_str()), ("y", "ratio"));
    // d = 0.25 - x over the samples: [-0.75, 0.15]
    assert!((min + 0.75).abs() < 1e-6 && (max - 0.15).abs() < 1e-6, "[{min}, {max}]");
    assert!(problem.contains("divisor") && limit.contains("at least one quantization step") && fix.contains("epsilon"));

    // a product wider than the field allows: 40-bit activations squared
    let bytes = out2(vec![node("Mul", "square", &["x", "x"], &["y"])], vec![]);
    let wide = QuantConfig { activation_bits: 40, input_bits: Some(40), ..QuantConfig::default() };
    let (tensor, node_name, min, max, problem, limit, fix) = quantization_error(&bytes, &[vec![0.5, -3.0]], wide);
    assert_eq!((tensor.as_str(), node_name.as_str()), ("y", "square"));
    assert_eq!((min, max), (0.25, 9.0));
    assert!(problem.contains("needs") && problem.contains("bits"), "{problem}");
    assert!(limit.contains("62 bits") && fix.contains("--activation-bits"), "{limit} / {fix}");

    // weights too fine for the accumulator: y = r_0 + 1e-7 r_1 with r_0 near 0 and r_1 near 1000,
    // on a 40-bit operand (the input, through a ReLU, keeps its full width): the accumulator's
    // 62 bits leave the large weight 22 bits, the small one rounds to nothing and the output (at
    // most 0.0031) loses the 1e-4 it contributes, 3% of its range
    let mut w = weights("W", &[2, 1]);
    w.float_data = vec![1.0, 1e-7];
    let bytes = {
        let mut g = GraphProto::new();
        g.name = "t".into();
        g.node = vec![node("Relu", "relu", &["x"], &["r"]), node("Gemm", "dense", &["r", "W"], &["y"])];
        g.initializer = vec![w];
        g.input.push(x2());
        g.output.push(value_info("y", DataType::FLOAT, &[Some(1), Some(1)]));
        let mut m = ModelProto::new();
        m.ir_version = 8;
        let mut os = OperatorSetIdProto::new();
        os.version = 13;
        m.opset_import.push(os);
        m.graph = Some(g).into();
        m.write_to_bytes().unwrap()
    };
    let cal: Vec<Vec<f64>> = (0..4).map(|i| vec![0.001 * i as f64, 999.7 - i as f64 * 0.37]).collect();
    let (tensor, node_name, _, max, problem, limit, fix) =
        quantization_error(&bytes, &cal, QuantConfig { input_bits: Some(40), ..QuantConfig::default() });
    // the layer's own range: y is at most 0.003 + 1e-7 * 998.6
    assert_eq!((tensor.as_str(), node_name.as_str()), ("y", "dense"));
    assert!(max > 0.0030 && max < 0.0032, "{max}");
    assert!(
        problem.contains("rounding the weights") && problem.contains("% of the layer's largest value"),
        "{problem}"
    );
    assert!(limit.contains("1/256 of the range") && fix.contains("--input-bits"), "{limit} / {fix}");
    // the same model compiles at the default input width
    let opts = CompileOptions::default();
    compile(&bytes, &cal, &opts).unwrap();
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
