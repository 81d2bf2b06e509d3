//! Target `onnx_import`: ONNX bytes through the importer and the whole compiler.
//!
//! The seeds are the fixtures' `model.onnx`. Calibration uses the first samples of a fixture's
//! `calibration.json` of the graph input's length (4, 30 or 64 values), else synthetic samples.
use std::sync::OnceLock;
use verinfer_compiler::{compile, data::read_samples, import_onnx, CompileOptions};

/// Largest graph (sum of every tensor's elements) compiled; bigger imports stop after the import,
/// so that a mutated dimension costs an error path, not minutes of calibration.
pub const MAX_ELEMENTS: usize = 1 << 18;
/// Calibration samples per compile.
pub const SAMPLES: usize = 8;

fn fixture_samples() -> &'static [Vec<f64>] {
    static S: OnceLock<Vec<Vec<f64>>> = OnceLock::new();
    S.get_or_init(|| {
        let files = [
            include_str!("../../fixtures/iris_mlp/calibration.json"),
            include_str!("../../fixtures/breast_cancer_mlp/calibration.json"),
            include_str!("../../fixtures/digits_mlp/calibration.json"),
        ];
        files.iter().flat_map(|f| read_samples(f).unwrap_or_default().into_iter().take(SAMPLES)).collect()
    })
}

/// Calibration samples of `len` values: a fixture's if one has that input length, else synthetic.
pub fn calibration(len: usize) -> Vec<Vec<f64>> {
    let real: Vec<Vec<f64>> = fixture_samples().iter().filter(|s| s.len() == len).cloned().collect();
    if !real.is_empty() {
        return real;
    }
    (0..SAMPLES).map(|k| (0..len).map(|i| ((i * 7 + k * 13) % 17) as f64 / 8.0 - 1.0).collect()).collect()
}

fn elements(shape: &[usize]) -> usize {
    shape.iter().try_fold(1usize, |a, &d| a.checked_mul(d)).unwrap_or(usize::MAX)
}

/// Imports `data` as an ONNX model and, if it imports and is small, compiles it with calibration
/// samples of its input's length.
pub fn run(data: &[u8]) {
    let Ok(graph) = import_onnx(data, None) else { return };
    let total = graph
        .layers
        .iter()
        .map(|l| elements(&l.shape))
        .fold(elements(&graph.input.shape), |a: usize, b| a.saturating_add(b));
    if total > MAX_ELEMENTS {
        return;
    }
    let samples = calibration(elements(&graph.input.shape));
    let _ = compile(data, &samples, &CompileOptions::default());
}
