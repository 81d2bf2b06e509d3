//! Issue 12, "refusals that name the cause first": an unsupported model is refused for its operators
//! before anything else (graph inputs and outputs, calibration data), every unsupported node in one
//! message; calibration data in EZKL's convention is read; calibration values the input cannot hold
//! are named by sample, element and value, in readable form.
use onnx_protobuf::{
    attribute_proto::AttributeType, tensor_proto::DataType, AttributeProto, GraphProto, Message, ModelProto, NodeProto,
    OperatorSetIdProto,
};
use verinfer_compiler::{
    check_supported, compile, data, CompileError, CompileOptions, Precision, QuantConfig, UnsupportedKind,
    UnsupportedOperator,
};

mod common;
use common::{init, int, node, one_input_model, value_info};

/// A model of `nodes` with the given graph inputs and outputs and opset imports (domain, version).
fn graph_model(
    nodes: Vec<NodeProto>,
    inputs: &[(&str, DataType, &[i64])],
    outputs: &[(&str, DataType, &[i64])],
    opsets: &[(&str, i64)],
) -> Vec<u8> {
    let vi = |(name, t, dims): &(&str, DataType, &[i64])| {
        value_info(name, *t, &dims.iter().map(|&d| Some(d)).collect::<Vec<_>>())
    };
    let mut g = GraphProto::new();
    g.name = "t".into();
    g.node = nodes;
    g.input = inputs.iter().map(vi).collect();
    g.output = outputs.iter().map(vi).collect();
    let mut m = ModelProto::new();
    m.ir_version = 8;
    for (domain, version) in opsets {
        let mut os = OperatorSetIdProto::new();
        os.domain = domain.to_string();
        os.version = *version;
        m.opset_import.push(os);
    }
    m.graph = Some(g).into();
    m.write_to_bytes().unwrap()
}

fn ml(mut n: NodeProto) -> NodeProto {
    n.domain = "ai.onnx.ml".into();
    n
}

fn floats(name: &str, v: &[f32]) -> AttributeProto {
    let mut a = AttributeProto::new();
    a.name = name.into();
    a.type_ = AttributeType::FLOATS.into();
    a.floats = v.to_vec();
    a
}

fn graph_attr(name: &str, g: GraphProto) -> AttributeProto {
    let mut a = AttributeProto::new();
    a.name = name.into();
    a.type_ = AttributeType::GRAPH.into();
    a.g = Some(g).into();
    a
}

/// What skl2onnx writes for a scikit-learn `make_pipeline(StandardScaler(), LogisticRegression())`
/// on 4 features and 3 classes: Scaler + LinearClassifier (ai.onnx.ml), two graph outputs.
fn sklearn_linear() -> Vec<u8> {
    let mut scaler = ml(node("Scaler", "Scaler", &["input"], &["variable"]));
    scaler.attribute = vec![floats("offset", &[5.8, 3.0, 3.7, 1.2]), floats("scale", &[1.2, 2.3, 0.6, 1.3])];
    let mut clf = ml(node("LinearClassifier", "LinearClassifier", &["variable"], &["label", "probability_tensor"]));
    let mut labels = AttributeProto::new();
    labels.name = "classlabels_ints".into();
    labels.type_ = AttributeType::INTS.into();
    labels.ints = vec![0, 1, 2];
    clf.attribute = vec![
        labels,
        floats("coefficients", &[0.1; 12]),
        floats("intercepts", &[0.0; 3]),
        int("multi_class", 1),
        common::string("post_transform", "SOFTMAX"),
    ];
    let mut norm = ml(node("Normalizer", "Normalizer", &["probability_tensor"], &["probabilities"]));
    norm.attribute = vec![common::string("norm", "L1")];
    graph_model(
        vec![scaler, clf, norm],
        &[("input", DataType::FLOAT, &[1, 4])],
        &[("label", DataType::INT64, &[1]), ("probabilities", DataType::FLOAT, &[1, 3])],
        &[("", 13), ("ai.onnx.ml", 1)],
    )
}

fn unsupported(e: CompileError) -> Vec<UnsupportedOperator> {
    match e {
        CompileError::UnsupportedOperators(ops) => ops,
        e => panic!("not refused for its operators: {e}"),
    }
}

#[test]
fn onnx_ml_model_is_refused_for_its_operators_before_outputs_and_calibration() {
    let bytes = sklearn_linear();
    // before calibration data is asked for (the CLI calls this first) ...
    let e = check_supported(&bytes, None).expect_err("must be refused");
    let msg = e.to_string();
    let ops = unsupported(e);
    let want = |node: &str| UnsupportedOperator {
        node: node.into(),
        op_type: node.into(),
        domain: "ai.onnx.ml".into(),
        opset: Some(1),
        kind: UnsupportedKind::Domain,
    };
    // the label (the first output, proven by default) needs the Scaler and the LinearClassifier
    assert_eq!(ops, vec![want("Scaler"), want("LinearClassifier")]);
    // the probabilities need the Normalizer too
    let probs = unsupported(check_supported(&bytes, Some("probabilities")).expect_err("must be refused"));
    assert_eq!(probs, vec![want("Scaler"), want("LinearClassifier"), want("Normalizer")]);
    for needle in [
        "2 nodes use unsupported operators",
        "node 'Scaler' (Scaler, domain ai.onnx.ml, opset 1)",
        "node 'LinearClassifier' (LinearClassifier, domain ai.onnx.ml, opset 1)",
        "ONNX-ML",
        "default ONNX domain",
    ] {
        assert!(msg.contains(needle), "'{needle}' missing from: {msg}");
    }
    assert!(!msg.contains("graph outputs"), "{msg}");
    // ... and in compile, without and with calibration data: not "no samples", not "2 graph outputs"
    for cal in [vec![], vec![vec![1.0; 4]]] {
        let ops = unsupported(compile(&bytes, &cal, &CompileOptions::default()).expect_err("must be refused"));
        assert_eq!(ops.len(), 2);
    }
}

#[test]
fn control_flow_and_recurrent_layers_are_named_before_graph_inputs() {
    // x [1, 2, 3] (a sequence of 2 steps of 3 features), h0 and c0 as graph inputs: 3 graph inputs;
    // a Cast to bool feeds an If; LSTM, GRU, RNN, Loop and Scan
    let mut cast = node("Cast", "to_bool", &["flag"], &["cond"]);
    cast.attribute.push(int("to", DataType::BOOL as i64));
    let branch = |name: &str| {
        let mut g = GraphProto::new();
        g.name = name.into();
        g.node = vec![node("Identity", &format!("{name}_id"), &["x"], &[&format!("{name}_out")])];
        g.output.push(value_info(&format!("{name}_out"), DataType::FLOAT, &[Some(1), Some(2), Some(3)]));
        g
    };
    let mut iff = node("If", "choose", &["cond"], &["chosen"]);
    iff.attribute = vec![graph_attr("then_branch", branch("then")), graph_attr("else_branch", branch("else"))];
    let mut lstm = node("LSTM", "encoder", &["chosen", "W", "R", "", "", "h0", "c0"], &["", "h"]);
    lstm.attribute.push(int("hidden_size", 4));
    let gru = node("GRU", "gru", &["chosen", "W2", "R2"], &["", "g"]);
    let rnn = node("RNN", "", &["chosen", "W3", "R3"], &["", "r"]);
    let mut lp = node("Loop", "repeat", &["", "", "h"], &["looped"]);
    lp.attribute.push(graph_attr("body", branch("body")));
    let mut scan = node("Scan", "scan", &["g"], &["scanned"]);
    scan.attribute = vec![graph_attr("body", branch("scan_body")), int("num_scan_inputs", 1)];
    let sum = node("Sum", "join", &["looped", "scanned", "r"], &["y"]);
    let bytes = graph_model(
        vec![cast, iff, lstm, gru, rnn, lp, scan, sum],
        &[
            ("x", DataType::FLOAT, &[1, 2, 3]),
            ("flag", DataType::FLOAT, &[1]),
            ("h0", DataType::FLOAT, &[1, 1, 4]),
            ("c0", DataType::FLOAT, &[1, 1, 4]),
        ],
        &[("y", DataType::FLOAT, &[1, 4])],
        &[("", 14)],
    );
    let e = check_supported(&bytes, None).expect_err("must be refused");
    let msg = e.to_string();
    for needle in [
        "6 nodes use unsupported operators",
        "node 'choose' (If, domain ai.onnx, opset 14): control flow (If) is not supported",
        "node 'encoder' (LSTM, domain ai.onnx, opset 14): recurrent layers (LSTM) are not supported",
        "node 'gru' (GRU, domain ai.onnx, opset 14): recurrent layers (GRU) are not supported",
        // a node without a name is named after its first output
        "recurrent layers (RNN) are not supported",
        "node 'repeat' (Loop, domain ai.onnx, opset 14): control flow (Loop) is not supported",
        "node 'scan' (Scan, domain ai.onnx, opset 14): control flow (Scan) is not supported",
    ] {
        assert!(msg.contains(needle), "'{needle}' missing from: {msg}");
    }
    assert!(!msg.contains("graph inputs") && !msg.contains("bool"), "{msg}");
    let kinds: Vec<(String, UnsupportedKind)> = unsupported(e).into_iter().map(|o| (o.op_type, o.kind)).collect();
    use UnsupportedKind::{ControlFlow, Recurrent};
    let want = [
        ("If", ControlFlow),
        ("LSTM", Recurrent),
        ("GRU", Recurrent),
        ("RNN", Recurrent),
        ("Loop", ControlFlow),
        ("Scan", ControlFlow),
    ];
    assert_eq!(kinds, want.map(|(o, k)| (o.to_string(), k)));
    let ops = unsupported(compile(&bytes, &[vec![0.5; 6]], &CompileOptions::default()).unwrap_err());
    assert_eq!(ops.len(), 6);
}

#[test]
fn a_cast_to_bool_feeding_an_if_is_refused_for_the_if() {
    // one graph input: the first failure used to be the Cast ("cast to bool is not supported")
    let mut cast = node("Cast", "to_bool", &["s"], &["cond"]);
    cast.attribute.push(int("to", DataType::BOOL as i64));
    let branch = |name: &str| {
        let mut g = GraphProto::new();
        g.name = name.into();
        g.node = vec![node("Identity", &format!("{name}_id"), &["x"], &[&format!("{name}_out")])];
        g.output.push(value_info(&format!("{name}_out"), DataType::FLOAT, &[Some(1), Some(3)]));
        g
    };
    let mut iff = node("If", "gate", &["cond"], &["y"]);
    iff.attribute = vec![graph_attr("then_branch", branch("then")), graph_attr("else_branch", branch("else"))];
    let bytes = one_input_model(vec![node("ReduceSum", "s", &["x"], &["s"]), cast, iff], vec![], &[1, 3], &[1, 3]);
    let msg = compile(&bytes, &[vec![0.5; 3]], &CompileOptions::default()).unwrap_err().to_string();
    assert!(msg.starts_with("node 'gate' (If, domain ai.onnx, opset 13): control flow (If) is not supported"), "{msg}");
}

#[test]
fn an_unknown_operator_keeps_the_supported_list_and_the_conformance_phrase() {
    let bytes = one_input_model(vec![node("Acosh", "acosh", &["x"], &["y"])], vec![], &[1, 3], &[1, 3]);
    let msg = check_supported(&bytes, None).unwrap_err().to_string();
    assert!(
        msg.starts_with("node 'acosh' (Acosh, domain ai.onnx, opset 13): operator Acosh is not supported"),
        "{msg}"
    );
    assert!(msg.contains("; supported operators: Add, And,") && !msg.contains("ONNX-ML"), "{msg}");
    // a supported model passes the check
    let ok = one_input_model(
        vec![node("Gemm", "dense", &["x", "W"], &["y"])],
        vec![init("W", &[3, 2], &[0.1; 6])],
        &[1, 3],
        &[1, 2],
    );
    check_supported(&ok, None).unwrap();
}

#[test]
fn nodes_no_output_depends_on_are_not_checked() {
    // a dead LSTM (as before: dead branches are not imported)
    let bytes = one_input_model(
        vec![node("Relu", "relu", &["x"], &["y"]), node("LSTM", "dead", &["x", "W", "R"], &["", "h"])],
        vec![],
        &[1, 3],
        &[1, 3],
    );
    check_supported(&bytes, None).unwrap();
    compile(&bytes, &[vec![0.5; 3]], &CompileOptions::default()).unwrap();
}

fn gemm3() -> Vec<u8> {
    let w: Vec<f32> = (0..6).map(|i| i as f32 * 0.1 - 0.2).collect();
    one_input_model(vec![node("Gemm", "dense", &["x", "W"], &["y"])], vec![init("W", &[3, 2], &w)], &[1, 3], &[1, 2])
}

#[test]
fn ezkl_calibration_with_samples_concatenated_compiles_like_one_list_per_sample() {
    let bytes = gemm3();
    let per_sample = data::read_samples(r#"{"input_data": [[0.5, -1.0, 2.0], [1.5, 0.25, -0.75]]}"#).unwrap();
    let ezkl = data::read_samples(r#"{"input_data": [[0.5, -1.0, 2.0, 1.5, 0.25, -0.75]]}"#).unwrap();
    let opts = CompileOptions::default();
    let a = compile(&bytes, &per_sample, &opts).unwrap();
    let b = compile(&bytes, &ezkl, &opts).unwrap();
    assert_eq!(b.report.calibration.samples, 2);
    // the same samples: the same artifact and model hash
    assert_eq!(a.model.model_hash().unwrap(), b.model.model_hash().unwrap());
    assert_eq!(a.model.to_bytes().unwrap(), b.model.to_bytes().unwrap());
    // a length that is neither the input size nor a multiple of it names both and both conventions
    let msg = compile(&bytes, &[vec![0.5; 7]], &opts).unwrap_err().to_string();
    for needle in
        ["sample 0 has 7 values", "[1, 3] has 3", "one inner list of 3 values per sample", "EZKL", "multiple of 3"]
    {
        assert!(msg.contains(needle), "'{needle}' missing from: {msg}");
    }
}

/// The longest run of digits in `s`.
fn longest_digit_run(s: &str) -> usize {
    s.split(|c: char| !c.is_ascii_digit()).map(str::len).max().unwrap_or(0)
}

#[test]
fn calibration_values_the_input_cannot_hold_are_named_readably() {
    let bytes = gemm3();
    let cal = vec![vec![0.5, 0.25, 1.0], vec![0.5, 1e308, 1.0]];
    let e = compile(&bytes, &cal, &CompileOptions::default()).unwrap_err();
    let msg = e.to_string();
    assert!(msg.contains("sample 1, element 1 is 1e308"), "{msg}");
    assert!(msg.contains("32-bit input") && msg.contains("|x| <= "), "{msg}");
    assert!(longest_digit_run(&msg) <= 6, "{msg}");
    match e {
        CompileError::CalibrationValue { sample, element, value, limit, input_bits } => {
            assert_eq!((sample, element, value, input_bits), (1, 1, 1e308, 32));
            assert!(limit > 1e20 && limit < 1e308, "{limit}");
        }
        e => panic!("not a calibration value error: {e}"),
    }
    // a range too wide for a later layer: the quoted range is readable too
    let square = one_input_model(vec![node("Mul", "square", &["x", "x"], &["y"])], vec![], &[1, 3], &[1, 3]);
    let wide = CompileOptions {
        quant: QuantConfig { activation_bits: 40, input_bits: Some(40), ..QuantConfig::default() },
        precision: Precision::Fixed,
        ..CompileOptions::default()
    };
    let msg = compile(&square, &[vec![0.5, 1e20, -1.0]], &wide).unwrap_err().to_string();
    assert!(msg.contains("calibration saw values in [0.25, 1e40]"), "{msg}");
    assert!(longest_digit_run(&msg) <= 6, "{msg}");
    let msg = compile(&bytes, &[vec![0.5, f64::INFINITY, 1.0]], &CompileOptions::default()).unwrap_err().to_string();
    assert!(msg.contains("sample 0, element 1") && msg.contains("non-finite"), "{msg}");
}
