//! A small transformer block built in the test (LayerNorm, attention with two activation MatMuls,
//! Softmax, a residual Add, GELU, ReduceMean, Gemm): it compiles, agrees with its float model, its
//! honest witness satisfies the circuit, and a corrupted witness at any node does not.
#[path = "../../compiler/tests/common/mod.rs"]
mod common;

use common::*;
use verinfer_circuits::r1cs::model::reads_node_values;
use verinfer_circuits::{assign, check_witness, BackendError};
use verinfer_compiler::{compile, CompileOptions};
use verinfer_ir::quantize_input;
use verinfer_verifier::Fr;

const T: usize = 4; // tokens
const D: usize = 8; // width

fn weights(name: &str, rows: usize, cols: usize, seed: u32) -> onnx_protobuf::TensorProto {
    let v: Vec<f32> = (0..rows * cols)
        .map(|i| (((i as u32).wrapping_mul(2654435761u32) ^ seed).wrapping_mul(40503) % 1000) as f32 / 1000.0 - 0.5)
        .collect();
    init(name, &[rows, cols], &v)
}

fn block() -> Vec<u8> {
    let mut ln = node("LayerNormalization", "ln", &["x", "gamma", "beta"], &["h"]);
    ln.attribute.push(int("axis", -1));
    let mut kt = node("Transpose", "kt", &["k"], &["k_t"]);
    kt.attribute.push(ints("perm", &[0, 2, 1]));
    let mut sm = node("Softmax", "softmax", &["scores_s"], &["attn"]);
    sm.attribute.push(int("axis", -1));
    let mut mean = node("ReduceMean", "pool", &["g", "axes"], &["pooled"]);
    mean.attribute.push(int("keepdims", 0));
    let nodes = vec![
        ln,
        node("MatMul", "q", &["h", "wq"], &["q"]),
        node("MatMul", "k", &["h", "wk"], &["k"]),
        node("MatMul", "v", &["h", "wv"], &["v"]),
        kt,
        node("MatMul", "scores", &["q", "k_t"], &["scores"]),
        node("Mul", "scale", &["scores", "inv_sqrt_d"], &["scores_s"]),
        sm,
        node("MatMul", "mix", &["attn", "v"], &["mixed"]),
        node("Add", "residual", &["x", "mixed"], &["r"]),
        node("Gelu", "gelu", &["r"], &["g"]),
        mean,
        node("Gemm", "head", &["pooled", "wo", "bo"], &["y"]),
    ];
    let mut axes = init("axes", &[1], &[1.0]);
    axes.data_type = onnx_protobuf::tensor_proto::DataType::INT64 as i32;
    axes.float_data.clear();
    axes.int64_data = vec![1];
    let inits = vec![
        init("gamma", &[D], &[1.0, 0.9, 1.1, 1.0, 0.8, 1.2, 1.0, 0.95]),
        init("beta", &[D], &[0.0, 0.1, -0.1, 0.05, 0.0, 0.0, -0.05, 0.1]),
        weights("wq", D, D, 1),
        weights("wk", D, D, 2),
        weights("wv", D, D, 3),
        init("inv_sqrt_d", &[1], &[1.0 / (D as f32).sqrt()]),
        axes,
        weights("wo", D, 3, 4),
        init("bo", &[3], &[0.1, -0.2, 0.05]),
    ];
    model_with_opset(nodes, inits, &[1, T, D], &[1, 3], 20)
}

fn samples(n: usize) -> Vec<Vec<f64>> {
    (0..n)
        .map(|s| (0..T * D).map(|i| (((i * 7 + s * 13) % 17) as f64 - 8.0) / 4.0 + (s as f64 * 0.37).sin()).collect())
        .collect()
}

#[test]
fn transformer_block_compiles_agrees_and_is_sound() {
    let cal = samples(32);
    let c = compile(&block(), &cal, &CompileOptions::default()).unwrap();
    let m = &c.model;
    let kinds: Vec<&str> = m.graph.nodes.iter().map(|n| n.op.kind()).collect();
    for k in ["matmul", "table", "div", "rsqrt", "sum", "mul", "gather", "sum_pool", "max_pool"] {
        assert!(kinds.contains(&k), "no {k} gadget in {kinds:?}");
    }
    // agreement with the float model on held-out inputs
    let test = samples(64).split_off(32);
    let acc = verinfer_compiler::accuracy(m, &c.float, &test);
    assert_eq!(acc.out_of_range, 0);
    assert!(acc.argmax_agreement >= 0.9, "agreement {}", acc.argmax_agreement);
    assert!(acc.max_abs_error < 0.05, "max error {}", acc.max_abs_error);

    let x = &test[0];
    let w = assign(m, quantize_input(&m.graph, x).unwrap(), Fr::from(5u64), [1; 32]).unwrap();
    check_witness(m, &w).unwrap();
    // Corrupt every node whose value is a witness of its own (the others are linear combinations,
    // whose values are checked where a consumer makes them witnesses, or identity clamps).
    let mut tried = 0;
    for (ni, node) in m.graph.nodes.iter().enumerate() {
        if !reads_node_values(&m.graph, &node.op) {
            continue;
        }
        for i in [0, node.len() - 1] {
            let mut bad = w.clone();
            bad.eval.values[ni][i] += 1;
            assert!(
                matches!(check_witness(m, &bad), Err(BackendError::Unsatisfied(_))),
                "node {ni} ({}, '{}') element {i} corrupted but satisfied",
                node.op.kind(),
                node.name
            );
            tried += 1;
        }
    }
    assert!(tried >= 20, "only {tried} corruptions tried");
}
