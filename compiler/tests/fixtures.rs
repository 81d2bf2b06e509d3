//! The compiler on the bundled fixtures: float evaluation matches onnxruntime, quantized argmax agrees
//! with the float model, compiles are deterministic, and unsupported content is named.
use std::path::{Path, PathBuf};
use verinfer_compiler::{compile, data::read_samples, import_onnx, CompileOptions};
include!("../../fixtures/models.rs");

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures").join(name)
}

struct TestSplit {
    inputs: Vec<Vec<f64>>,
    labels: Vec<usize>,
    ort_logits: Vec<Vec<f64>>,
}

fn test_split(name: &str) -> TestSplit {
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(fixture(name).join("test.json")).unwrap()).unwrap();
    let rows = |k: &str| -> Vec<Vec<f64>> { serde_json::from_value(v[k].clone()).unwrap() };
    TestSplit {
        inputs: rows("input_data"),
        labels: serde_json::from_value(v["labels"].clone()).unwrap(),
        ort_logits: rows("ort_logits"),
    }
}

fn compile_fixture(name: &str) -> verinfer_compiler::Compiled {
    let onnx = std::fs::read(fixture(name).join("model.onnx")).unwrap();
    let cal = read_samples(&std::fs::read_to_string(fixture(name).join("calibration.json")).unwrap()).unwrap();
    compile(&onnx, &cal, &CompileOptions::default()).unwrap()
}

#[test]
fn float_graph_matches_onnxruntime() {
    for name in MODELS {
        let g = import_onnx(&std::fs::read(fixture(name).join("model.onnx")).unwrap(), None).unwrap();
        let t = test_split(name);
        for (x, want) in t.inputs.iter().zip(&t.ort_logits) {
            let got = g.output(x);
            assert_eq!(got.len(), want.len());
            for (a, b) in got.iter().zip(want) {
                assert!((a - b).abs() < 1e-3 * (1.0 + b.abs()), "{name}: float {a} vs onnxruntime {b}");
            }
        }
    }
}

#[test]
fn quantized_argmax_agrees_with_float_on_test_splits() {
    for (name, need) in [
        ("digits_mlp", 0.99),
        ("breast_cancer_mlp", 0.98),
        ("iris_mlp", 0.97),
        ("digits_cnn", 0.99),
        ("digits_bn_cnn", 0.99),
        ("digits_transformer", 0.99),
        ("digits_mlp_qdq", 0.99),
        ("digits_mlp_qop", 0.99),
        ("digits_cnn_qdq", 0.99),
        ("digits_cnn_qop", 0.99),
    ] {
        let c = compile_fixture(name);
        let t = test_split(name);
        let acc = verinfer_compiler::accuracy(&c.model, &c.float, &t.inputs);
        let label_acc = {
            let ir = &c.model.graph;
            let hits = t.inputs.iter().zip(&t.labels).filter(|(x, &l)| {
                let q = verinfer_ir::quantize_input(ir, x).unwrap();
                verinfer_ir::argmax(verinfer_ir::evaluate(ir, &q).unwrap().output(ir)) == Some(l)
            });
            hits.count() as f64 / t.labels.len() as f64
        };
        eprintln!(
            "{name}: agreement {:.4}, max abs error {:.4}, label accuracy {label_acc:.4}",
            acc.argmax_agreement, acc.max_abs_error
        );
        assert_eq!(acc.out_of_range, 0, "{name}: test inputs outside the calibrated range");
        assert!(acc.argmax_agreement >= need, "{name}: agreement {} < {need}", acc.argmax_agreement);
    }
}

#[test]
fn int8_fixtures_reproduce_onnxruntime_grid_values() {
    // The int8 models' outputs are DequantizeLinear of int8 logits: the circuit must land on
    // onnxruntime's grid point for nearly every output. Values that pass through a float operator
    // between two quantizations (a Relu or MaxPool on dequantized values) are held at an activation
    // scale there, so a value within that scale's step of a rounding tie can land one grid step away.
    for (name, max_off) in
        [("digits_mlp_qdq", 0.005), ("digits_mlp_qop", 0.01), ("digits_cnn_qdq", 0.005), ("digits_cnn_qop", 0.03)]
    {
        let c = compile_fixture(name);
        let t = test_split(name);
        let ir = &c.model.graph;
        let out = ir.output_node();
        let (mut off, mut total, mut step) = (0usize, 0usize, f64::INFINITY);
        // the grid step: the smallest change of one output across samples (a float bias added
        // after the last DequantizeLinear shifts each output's grid but not its step)
        for j in 0..t.ort_logits[0].len() {
            let mut v: Vec<f64> = t.ort_logits.iter().map(|r| r[j]).collect();
            v.sort_by(f64::total_cmp);
            for w in v.windows(2) {
                if w[1] - w[0] > 1e-6 {
                    step = step.min(w[1] - w[0]);
                }
            }
        }
        for (x, want) in t.inputs.iter().zip(&t.ort_logits) {
            let e = verinfer_ir::evaluate(ir, &verinfer_ir::quantize_input(ir, x).unwrap()).unwrap();
            for (g, w) in e.output(ir).iter().zip(want) {
                let d = (out.scale.dequantize(*g) - w).abs();
                total += 1;
                if d > 0.25 * step {
                    off += 1;
                    assert!(d < 1.25 * step, "{name}: {d} is more than one grid step ({step}) from onnxruntime");
                }
            }
        }
        eprintln!("{name}: {off} of {total} outputs one grid step ({step:.4}) from onnxruntime");
        assert!(off as f64 <= max_off * total as f64, "{name}: {off} of {total} outputs off");
    }
}

#[test]
fn report_gives_each_layer_its_largest_error_against_the_float_model() {
    let c = compile_fixture("digits_bn_cnn");
    let (ir, float, tensors) = (&c.model.graph, &c.float, &c.report.tensors);
    assert_eq!(tensors.len(), ir.nodes.len());
    let cal =
        read_samples(&std::fs::read_to_string(fixture("digits_bn_cnn").join("calibration.json")).unwrap()).unwrap();
    // recompute every float layer's error independently
    let mut checked = 0;
    for (li, layer) in float.layers.iter().enumerate() {
        let ni = ir.nodes.iter().position(|n| n.name == layer.name).expect("each float layer has its IR node");
        let s = ir.nodes[ni].scale;
        let mut worst = 0.0f64;
        for x in &cal {
            let e = verinfer_ir::evaluate(ir, &verinfer_ir::quantize_input(ir, x).unwrap()).unwrap();
            let acts = float.eval(x);
            for (g, w) in e.values[ni].iter().zip(&acts[li]) {
                worst = worst.max((s.dequantize(*g) - w).abs());
            }
        }
        let reported = tensors[ni].max_abs_error.expect("a float layer's tensor reports its error");
        assert_eq!(reported, worst, "layer '{}'", layer.name);
        checked += 1;
    }
    assert!(checked >= 5, "{checked} layers");
    // the quantizer's intermediates (accumulators) have no float counterpart
    assert!(tensors.iter().any(|t| t.tensor.ends_with("::acc") && t.max_abs_error.is_none()));
    // the output's entry is the calibration error of the whole model; the input's is its rounding
    let out = tensors.iter().find(|t| t.tensor == ir.output_node().name).unwrap();
    assert_eq!(out.max_abs_error, Some(c.report.calibration.max_abs_error));
    assert!(tensors[0].max_abs_error.is_some_and(|e| e <= (-(ir.nodes[0].scale.0 as f64)).exp2() / 2.0 + 1e-12));
    // and report.json carries it
    let json = serde_json::to_value(&c.report).unwrap();
    assert!(json["tensors"].as_array().unwrap().iter().any(|t| t["max_abs_error"].is_number()));
}

#[test]
fn a_sigmoid_head_on_raw_features_keeps_its_probability_within_one_percent() {
    // breast_cancer_sigmoid: raw features up to ~3200 with the standardization folded into the first
    // Gemm, Tanh hidden layers, a Sigmoid probability. Every layer must stay within 1/256 of its
    // range, and the probability within 0.01 of onnxruntime's on every test sample.
    let c = compile_fixture("breast_cancer_sigmoid");
    let t = test_split("breast_cancer_sigmoid");
    let ir = &c.model.graph;
    let out = ir.output_node();
    let mut worst = 0.0f64;
    for (x, want) in t.inputs.iter().zip(&t.ort_logits) {
        let q = verinfer_ir::quantize_input(ir, x).unwrap();
        let got = out.scale.dequantize(verinfer_ir::evaluate(ir, &q).unwrap().output(ir)[0]);
        assert_eq!(got > 0.5, want[0] > 0.5, "decision differs: {got} vs onnxruntime {}", want[0]);
        worst = worst.max((got - want[0]).abs());
    }
    eprintln!("breast_cancer_sigmoid: largest probability error {worst:.5}");
    assert!(worst <= 0.01, "probability off by {worst}");
    for tq in c.report.tensors.iter().filter(|tq| tq.max_abs_error.is_some()) {
        let (err, range) = (tq.max_abs_error.unwrap(), tq.calibrated_max_abs);
        assert!(err <= range / 256.0 + 1e-12, "{}: error {err} of range {range}", tq.tensor);
    }
}

#[test]
fn compile_warns_where_a_layer_or_the_output_misses_the_accuracy_aim() {
    // the default settings keep iris within the aims: no warning
    let c = compile_fixture("iris_mlp");
    assert!(c.report.warnings.is_empty(), "{:?}", c.report.warnings);
    // 6-bit activations cannot: the first layer off by more than 1/256 is named with its fix, and
    // so is the output
    let onnx = std::fs::read(fixture("iris_mlp").join("model.onnx")).unwrap();
    let cal = read_samples(&std::fs::read_to_string(fixture("iris_mlp").join("calibration.json")).unwrap()).unwrap();
    let quant = verinfer_compiler::QuantConfig { activation_bits: 6, ..Default::default() };
    let opts = CompileOptions { quant, precision: verinfer_compiler::Precision::Fixed, ..CompileOptions::default() };
    let c = compile(&onnx, &cal, &opts).unwrap();
    let w = &c.report.warnings;
    assert_eq!(w.len(), 2, "{w:?}");
    assert!(
        w[0].starts_with("layer '") && w[0].contains("more than 1/256") && w[0].contains("--activation-bits"),
        "{w:?}"
    );
    assert!(w[1].starts_with("the output '") && w[1].contains("more than 1%"), "{w:?}");
    let json = serde_json::to_value(&c.report).unwrap();
    assert_eq!(json["warnings"].as_array().map(Vec::len), Some(2));
}

/// The benchmark fixtures of fixtures/gen_real.py (PyTorch exports: channel-last convolutions with
/// Transposes and a Shape/Gather/Unsqueeze/Concat/Reshape flatten, depthwise convolutions with
/// squeeze-and-excite and HardSwish, a fused-QKV Split transformer, a 4M-weight MLP).
const REAL_MODELS: &[&str] = &["audio_cnn", "mobilenet_v3s", "transformer", "dense_4m", "cifar_cnn"];

#[test]
fn real_exports_import_as_onnxruntime_computes_them() {
    for name in REAL_MODELS {
        let g = import_onnx(&std::fs::read(fixture(name).join("model.onnx")).unwrap(), None).unwrap();
        if *name == "audio_cnn" {
            // what the fixture is for: channel-last convolutions and a shape-computed flatten
            let ops = &g.op_counts;
            assert!(ops.get("Transpose").is_some_and(|n| *n >= 12) && ops.contains_key("Shape"), "{ops:?}");
        }
        let t = test_split(name);
        for (x, want) in t.inputs.iter().zip(&t.ort_logits).take(4) {
            let got = g.output(x);
            assert_eq!(got.len(), want.len(), "{name}");
            for (a, b) in got.iter().zip(want) {
                assert!((a - b).abs() < 1e-3 * (1.0 + b.abs()), "{name}: float {a} vs onnxruntime {b}");
            }
        }
    }
}

#[test]
fn the_exported_transformer_with_split_keeps_onnxruntime_s_classes() {
    let c = compile_fixture("transformer");
    let t = test_split("transformer");
    let ir = &c.model.graph;
    let agree = t
        .inputs
        .iter()
        .zip(&t.ort_logits)
        .filter(|(x, want)| {
            let q = verinfer_ir::quantize_input(ir, x).unwrap();
            let best = want.iter().enumerate().max_by(|a, b| a.1.total_cmp(b.1)).map(|(i, _)| i);
            verinfer_ir::argmax(verinfer_ir::evaluate(ir, &q).unwrap().output(ir)) == best
        })
        .count();
    assert!(agree as f64 >= 0.99 * t.inputs.len() as f64, "{agree} of {}", t.inputs.len());
    assert!(c.float.op_counts.get("Split").is_some_and(|n| *n == 2), "{:?}", c.float.op_counts);
}
