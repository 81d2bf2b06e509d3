//! Shared by the operator property tests: compile a model, check its honest witness, read the
//! circuit's dequantized output.
#![allow(dead_code)]
use proptest::prelude::*;
use verinfer_circuits::{assign, check_witness};
use verinfer_compiler::{compile, CompileOptions, Precision};
use verinfer_ir::{evaluate, quantize_input, CompiledModel};
use verinfer_verifier::Fr;

/// A xorshift64 stream from a seed.
fn stream(seed: u64) -> impl FnMut() -> u64 {
    let mut s = seed | 1;
    move || {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        s
    }
}

/// Values `k / 8` with `k` in `[-spread, spread]` from a seed (exact at any input scale of 3 or
/// more fractional bits).
pub fn grid_values(n: usize, spread: i64, seed: u64) -> Vec<f64> {
    let mut next = stream(seed);
    (0..n).map(|_| ((next() % (2 * spread as u64 + 1)) as i64 - spread) as f64 / 8.0).collect()
}

/// Uniform values in `[lo, hi)` from a seed.
pub fn uniform(n: usize, lo: f64, hi: f64, seed: u64) -> Vec<f64> {
    let mut next = stream(seed);
    (0..n).map(|_| lo + (hi - lo) * ((next() >> 11) as f64 / (1u64 << 53) as f64)).collect()
}

/// Compiles `model` calibrated on `xs` with 16-bit activations (these tests pin operator
/// semantics and costs at one width, not the width search), checks that the honest witness of `xs[0]` satisfies the
/// constraint system and returns the circuit's dequantized output for it, with the compiled model.
pub fn run(model: &[u8], xs: &[Vec<f64>]) -> (Vec<f64>, CompiledModel) {
    let opts = CompileOptions { precision: Precision::Fixed, ..CompileOptions::default() };
    let c = compile(model, xs, &opts).unwrap();
    let m = c.model;
    let q = quantize_input(&m.graph, &xs[0]).unwrap();
    let eval = evaluate(&m.graph, &q).unwrap();
    let w = assign(&m, q, Fr::from(1u64), [0; 32]).unwrap();
    check_witness(&m, &w).unwrap();
    let out = m.graph.output_node();
    let got = eval.output(&m.graph).iter().map(|&v| out.scale.dequantize(v)).collect();
    (got, m)
}

/// Element-wise `|got - want| <= tol`.
pub fn close(got: &[f64], want: &[f64], tol: f64) -> Result<(), TestCaseError> {
    prop_assert_eq!(got.len(), want.len());
    for (i, (g, w)) in got.iter().zip(want).enumerate() {
        prop_assert!((g - w).abs() <= tol, "element {}: got {}, want {} (tolerance {})", i, g, w, tol);
    }
    Ok(())
}

/// The conformance tolerance: `0.01 * max(1, max |want|)`.
pub fn tolerance(want: &[f64]) -> f64 {
    0.01 * want.iter().fold(1.0f64, |m, v| m.max(v.abs()))
}

/// A file of the iris_mlp fixture.
pub fn iris_fixture(file: &str) -> String {
    std::fs::read_to_string(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures/iris_mlp").join(file))
        .unwrap()
}

/// The iris_mlp fixture compiled with its calibration samples and the default options.
pub fn iris() -> CompiledModel {
    let onnx = std::fs::read(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures/iris_mlp/model.onnx"))
        .unwrap();
    let cal = verinfer_compiler::data::read_samples(&iris_fixture("calibration.json")).unwrap();
    compile(&onnx, &cal, &CompileOptions::default()).unwrap().model
}
