//! How closely a compiled model follows onnxruntime on a fixture's test split: the fraction of test
//! samples whose circuit argmax (the integer evaluation the proof attests) equals onnxruntime's, the
//! largest output difference, and the samples the integer semantics rejected (a value outside its
//! calibrated range). Prints one JSON object.
//!
//! `cargo run --release -p verinfer-benches --bin agreement -- BUILD_DIR fixtures/NAME/test.json`
//!
//! `test.json` holds `input_data` (one flat list per sample) and `ort_logits` (onnxruntime's output
//! per sample), as fixtures/gen.py and fixtures/gen_real.py write it.
use anyhow::{anyhow, Context, Result};
use std::path::PathBuf;
use verinfer::pipeline::load_model;
use verinfer_compiler::data::read_samples;
use verinfer_ir::{argmax, evaluate, quantize_input};

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [build, test] = args.as_slice() else {
        return Err(anyhow!("usage: agreement BUILD_DIR TEST_JSON"));
    };
    let model = load_model(&PathBuf::from(build))?;
    let text = std::fs::read_to_string(test).with_context(|| format!("reading {test}"))?;
    let inputs = read_samples(&text).map_err(|e| anyhow!("{test}: {e}"))?;
    let json: serde_json::Value = serde_json::from_str(&text)?;
    let want: Vec<Vec<f64>> = serde_json::from_value(json["ort_logits"].clone()).context("ort_logits")?;
    if want.len() != inputs.len() {
        return Err(anyhow!("{test}: {} inputs but {} ort_logits", inputs.len(), want.len()));
    }
    let ir = &model.graph;
    let out = ir.output_node();
    let (mut agree, mut rejected, mut worst) = (0usize, 0usize, 0.0f64);
    for (x, w) in inputs.iter().zip(&want) {
        let Ok(eval) = quantize_input(ir, x).and_then(|q| evaluate(ir, &q)) else {
            rejected += 1;
            continue;
        };
        let got: Vec<f64> = eval.output(ir).iter().map(|&v| out.scale.dequantize(v)).collect();
        worst = got.iter().zip(w).fold(worst, |m, (a, b)| m.max((a - b).abs()));
        let ort = w.iter().enumerate().max_by(|a, b| a.1.total_cmp(b.1)).map(|(i, _)| i);
        agree += usize::from(argmax(eval.output(ir)) == ort);
    }
    let n = inputs.len();
    let report = serde_json::json!({
        "samples": n,
        "argmax_agreement": agree as f64 / n.max(1) as f64,
        "max_abs_error": worst,
        "rejected": rejected,
    });
    println!("{report}");
    Ok(())
}
