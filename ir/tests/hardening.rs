//! Crafted artifacts must be refused by `validate`, never wrap around in the bounds or the evaluator,
//! and out-of-range inputs must be reported with their real value (issue 12).
use verinfer_ir::error::real;
use verinfer_ir::{evaluate, op, quantize_input, Bits, CircuitIr, EvalError, InputSpec, Node, Op, Scale, TensorId};

fn node(name: &str, op: Op, shape: Vec<usize>, bits: u8) -> Node {
    Node { name: name.into(), op, shape, scale: Scale(0), bits: Bits(bits) }
}

fn graph(nodes: Vec<Node>, input_shape: Vec<usize>) -> CircuitIr {
    let output = TensorId(nodes.len() as u32 - 1);
    CircuitIr { input: InputSpec::new("x", input_shape), nodes, output }
}

/// A linear layer whose true bound is `16 * 2^63 * 2^61 = 2^128` (it wrapped to 0 in `u128`),
/// declared 20 bits wide.
fn overflowing_linear() -> CircuitIr {
    let cols = 16;
    let linear =
        Op::Linear(op::Linear { input: TensorId(0), rows: 1, cols, weights: vec![i64::MIN; cols], bias: vec![0] });
    graph(vec![node("x", Op::Input, vec![1, cols], 62), node("y", linear, vec![1, 1], 20)], vec![1, cols])
}

#[test]
fn a_linear_bound_that_overflows_u128_is_refused() {
    let err = overflowing_linear().validate().unwrap_err();
    assert!(err.contains("declared width 20"), "{err}");
}

#[test]
fn the_evaluator_reports_an_overflowing_accumulator_instead_of_wrapping() {
    let ir = overflowing_linear();
    let input = vec![(1i64 << 61) - 1; 16];
    match evaluate(&ir, &input) {
        Err(EvalError::Malformed(m)) => assert!(m.contains("overflows"), "{m}"),
        other => panic!("expected an overflow error, got {other:?}"),
    }
}

#[test]
fn matmul_and_sum_accumulators_do_not_wrap() {
    let k = 40;
    let x = node("x", Op::Input, vec![1, k], 62);
    let matmul = Op::MatMul(op::MatMul { a: TensorId(0), b: TensorId(0), batch: 1, m: 1, k, n: 1 });
    let ir = graph(vec![x.clone(), node("y", matmul, vec![1, 1], 62)], vec![1, k]);
    assert!(ir.validate().is_err());
    assert!(matches!(evaluate(&ir, &vec![(1i64 << 61) - 1; k]), Err(EvalError::Malformed(_))));
    let sum = Op::Sum(op::Sum { terms: vec![(TensorId(0), i64::MAX); 40] });
    let ir = graph(vec![x, node("y", sum, vec![1, k], 62)], vec![1, k]);
    assert!(ir.validate().is_err());
    assert!(matches!(evaluate(&ir, &vec![(1i64 << 61) - 1; k]), Err(EvalError::Malformed(_))));
}

#[test]
fn shapes_whose_product_overflows_are_refused() {
    let huge = vec![1usize << 40, 1 << 40];
    let ir = graph(vec![node("x", Op::Input, huge.clone(), 8)], huge);
    assert!(ir.validate().unwrap_err().contains("elements"));
    let ir = graph(
        vec![
            node("x", Op::Input, vec![1, 2], 8),
            node("y", Op::Relu(op::Relu { input: TensorId(0) }), vec![usize::MAX, 3], 8),
        ],
        vec![1, 2],
    );
    assert!(ir.validate().unwrap_err().contains("elements"));
}

#[test]
fn a_linear_map_whose_size_overflows_is_refused() {
    let linear =
        Op::Linear(op::Linear { input: TensorId(0), rows: usize::MAX, cols: 2, weights: vec![1, 1], bias: vec![0] });
    let ir = graph(vec![node("x", Op::Input, vec![1, 2], 8), node("y", linear, vec![1, 1], 20)], vec![1, 2]);
    assert!(ir.validate().is_err());
}

#[test]
fn rescale_by_64_bits_or_more_is_zero() {
    for shift in [64u8, 65, 100, 126] {
        for x in [i64::MIN, -1, 0, 1, i64::MAX] {
            assert_eq!(verinfer_ir::rescale_half_up(x, shift), 0, "{x} >> {shift}");
        }
    }
    assert_eq!(verinfer_ir::rescale_half_up(i64::MAX, 63), 1);
    assert_eq!(verinfer_ir::rescale_half_up(i64::MIN, 63), -1);
}

fn input_graph(bits: u8, scale: i8) -> CircuitIr {
    CircuitIr {
        input: InputSpec::new("x", vec![1, 3]),
        nodes: vec![Node { name: "x".into(), op: Op::Input, shape: vec![1, 3], scale: Scale(scale), bits: Bits(bits) }],
        output: TensorId(0),
    }
}

#[test]
fn inputs_beyond_i64_keep_their_real_value_and_sign_in_the_error() {
    let ir = input_graph(8, 4);
    for (x, shown) in [(1e30, "1e30"), (-1e30, "-1e30"), (1e308, "1e308"), (-5e19, "-5e19"), (9.0, "9")] {
        let err = quantize_input(&ir, &[0.0, x, 0.0]).unwrap_err();
        let msg = err.to_string();
        assert!(matches!(err, EvalError::InputOutOfRange { index: 1, .. }), "{msg}");
        assert!(msg.contains(&format!("input element 1 is {shown},")), "{msg}");
        // the range in real units: [-128.5, 127.5) / 16
        assert!(msg.contains("[-8.03125, 7.96875)"), "{msg}");
        assert!(!msg.contains("9223372036854775807"), "{msg}");
    }
    // the edges of the range round onto the grid's ends
    assert_eq!(quantize_input(&ir, &[-8.03125, 7.96874, 0.0]).unwrap(), vec![-128, 127, 0]);
    assert!(quantize_input(&ir, &[7.96875, 0.0, 0.0]).is_err());
}

#[test]
fn real_numbers_print_short() {
    assert_eq!(real(1e308), "1e308");
    assert_eq!(real(-2.5e-7), "-2.5e-7");
    assert_eq!(real(0.0), "0");
    assert_eq!(real(2500.75), "2500.75");
    assert_eq!(real(1.234567891e20), "1.23457e20");
    assert_eq!(real(1.0 / 3.0), "0.333333");
}

#[test]
fn an_artifact_of_another_format_or_version_says_so_and_a_good_one_round_trips() {
    use verinfer_ir::{ArtifactError, CompiledModel, OutputMode, Sampling, ARTIFACT_FORMAT, ARTIFACT_VERSION};
    let model = CompiledModel {
        format: ARTIFACT_FORMAT.into(),
        format_version: ARTIFACT_VERSION,
        compiler_version: "test".into(),
        name: "m".into(),
        onnx_sha256: "00".into(),
        calibration_sha256: "00".into(),
        opset: 13,
        activation_bits: 8,
        weight_bits: 8,
        sampling: Sampling::Argmax,
        output_mode: OutputMode::Tensor,
        graph: input_graph(8, 0),
    };
    let bytes = model.to_bytes().unwrap();
    assert_eq!(CompiledModel::from_bytes(&bytes).unwrap(), model);
    let text = String::from_utf8(bytes).unwrap();
    let edit = |from: &str, to: &str| CompiledModel::from_bytes(text.replacen(from, to, 1).as_bytes());
    // another version, even one whose fields no longer parse as this version's
    let newer = format!("\"format_version\":{}", ARTIFACT_VERSION + 1);
    let version = format!("\"format_version\":{ARTIFACT_VERSION}");
    assert!(
        matches!(edit(&version, &newer), Err(ArtifactError::Version { found, .. }) if found == ARTIFACT_VERSION + 1)
    );
    let reshaped = text.replacen(&version, &newer, 1).replacen("\"opset\":13", "\"opset\":\"13\"", 1);
    assert!(matches!(CompiledModel::from_bytes(reshaped.as_bytes()), Err(ArtifactError::Version { .. })));
    // another format
    match edit(ARTIFACT_FORMAT, "something-else") {
        Err(ArtifactError::Parse(m)) => assert!(m.contains("something-else"), "{m}"),
        other => panic!("expected a format error, got {other:?}"),
    }
    // this version, a field of the wrong type: the parser's error
    match edit("\"opset\":13", "\"opset\":\"13\"") {
        Err(ArtifactError::Parse(m)) => assert!(m.contains("expected i64"), "{m}"),
        other => panic!("expected a parse error, got {other:?}"),
    }
    assert!(matches!(CompiledModel::from_bytes(b"not json"), Err(ArtifactError::Parse(_))));
}
