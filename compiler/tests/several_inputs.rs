//! Models with several graph inputs: the input vector is their concatenation in graph order, each
//! input is a slice of it, and calibration and input files give one list per graph input.
use verinfer_compiler::{check_supported, compile, import_onnx, CompileOptions};
use verinfer_ir::{evaluate, quantize_input};

mod common;
use common::*;

/// y = Gemm(audio) * rate + Gemm(state): two input-dependent branches joined.
fn two_input_model() -> Vec<u8> {
    let dense = node("Gemm", "dense", &["audio", "W"], &["h"]);
    let gate = node("Mul", "gate", &["h", "rate"], &["g"]);
    let mix = node("Gemm", "mix", &["state", "V"], &["s"]);
    let add = node("Add", "add", &["g", "s"], &["y"]);
    let inits = vec![
        init("W", &[4, 3], &[0.5, -0.25, 1.0, 0.75, 0.1, -0.5, -1.0, 0.3, 0.2, 0.6, -0.7, 0.9]),
        init("V", &[2, 3], &[1.0, 0.0, -1.0, 0.5, 0.5, 0.25]),
    ];
    graph_model(
        vec![dense, gate, mix, add],
        inits,
        &[("audio", &[1, 4]), ("rate", &[1, 1]), ("state", &[1, 2])],
        &[("y", &[1, 3])],
        13,
    )
}

fn reference(x: &[f64]) -> Vec<f64> {
    let (audio, rate, state) = (&x[..4], x[4], &x[5..7]);
    let w = [0.5, -0.25, 1.0, 0.75, 0.1, -0.5, -1.0, 0.3, 0.2, 0.6, -0.7, 0.9];
    let v = [1.0, 0.0, -1.0, 0.5, 0.5, 0.25];
    (0..3)
        .map(|j| {
            let h: f64 = (0..4).map(|i| audio[i] * w[i * 3 + j] as f64).sum();
            let s: f64 = (0..2).map(|i| state[i] * v[i * 3 + j] as f64).sum();
            h * rate + s
        })
        .collect()
}

fn samples() -> Vec<Vec<f64>> {
    (0..12)
        .map(|k| {
            let t = k as f64;
            vec![
                (t * 0.7).sin(),
                (t * 1.3).cos(),
                0.5 - t / 12.0,
                (t * 0.4).sin() * 2.0,
                1.0 + t / 24.0,
                t / 6.0 - 1.0,
                0.25,
            ]
        })
        .collect()
}

#[test]
fn inputs_are_concatenated_in_graph_order_and_each_is_its_slice() {
    let g = import_onnx(&two_input_model(), None).unwrap();
    assert_eq!(g.input.shape, vec![7]);
    let names: Vec<&str> = g.input.parts.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names, ["audio", "rate", "state"]);
    for x in samples() {
        let (got, want) = (g.output(&x), reference(&x));
        for (a, b) in got.iter().zip(&want) {
            assert!((a - b).abs() < 1e-6, "{a} vs {b} (f32 weights)");
        }
    }
}

#[test]
fn a_two_input_model_compiles_and_its_circuit_values_match() {
    let xs = samples();
    let c = compile(&two_input_model(), &xs, &CompileOptions::default()).unwrap();
    let ir = &c.model.graph;
    assert_eq!(ir.input.parts.len(), 3, "the artifact records each graph input");
    for x in &xs {
        let e = evaluate(ir, &quantize_input(ir, x).unwrap()).unwrap();
        let out = ir.output_node();
        for (q, want) in e.output(ir).iter().zip(reference(x)) {
            assert!((out.scale.dequantize(*q) - want).abs() < 0.01, "{} vs {want}", out.scale.dequantize(*q));
        }
    }
}

#[test]
fn calibration_may_give_one_list_per_graph_input() {
    let xs = samples();
    // EZKL's convention: per graph input, every sample's values concatenated
    let lens = [4, 1, 2];
    let mut offsets = vec![0];
    offsets.extend(lens.iter().scan(0, |o, l| {
        *o += l;
        Some(*o)
    }));
    let per_input: Vec<Vec<f64>> =
        (0..3).map(|k| xs.iter().flat_map(|x| x[offsets[k]..offsets[k + 1]].to_vec()).collect()).collect();
    let a = compile(&two_input_model(), &xs, &CompileOptions::default()).unwrap();
    let b = compile(&two_input_model(), &per_input, &CompileOptions::default()).unwrap();
    assert_eq!(a.model.model_hash().unwrap(), b.model.model_hash().unwrap());
}

#[test]
fn an_integer_input_among_several_is_refused_naming_it() {
    use onnx_protobuf::{tensor_proto::DataType, Message, ModelProto};
    let mut m = ModelProto::parse_from_bytes(&two_input_model()).unwrap();
    m.graph.as_mut().unwrap().input[1] = value_info("rate", DataType::INT8, &[Some(1), Some(1)]);
    let e = check_supported(&m.write_to_bytes().unwrap(), None).unwrap_err().to_string();
    assert!(e.contains("graph input 'rate'") && e.contains("integer"), "{e}");
}
