//! ONNX's own backend node tests (from the onnx 1.22.0 wheel, copied by `fixtures/onnx_conformance.py`)
//! for the operators verinfer supports. Each case is compiled (graph inputs after the first, the
//! weights, are bound to the test's values; the first input is the calibration sample), its witness is
//! checked against the constraint system, and its dequantized output must be within the tolerance of
//! the expected output. `fixtures/onnx-conformance/manifest.json` says which cases pass and, for the
//! others, the reason (a phrase the compiler's error must contain), so that both stay true.
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use verinfer_circuits::{assign, check_witness};
use verinfer_compiler::onnx::{bind_inputs, parse_tensor, OnnxTensor};
use verinfer_compiler::{compile, CompileOptions, Precision};
use verinfer_ir::{evaluate, quantize_input};
use verinfer_verifier::Fr;

/// Tolerance: `max |got - want| <= TOLERANCE * max(1, max |want|)`.
const TOLERANCE: f64 = 0.01;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures/onnx-conformance")
}

/// A tensor's values as numbers (integer tensors too: quantized inputs and outputs).
fn floats(t: OnnxTensor) -> Vec<f64> {
    match t {
        OnnxTensor::Float(a) => a.iter().copied().collect(),
        OnnxTensor::Int(a) => a.iter().map(|&v| v as f64).collect(),
    }
}

/// Runs one case: the largest output error, or why it cannot run. Every graph output the test data
/// gives is proven on its own (`CompileOptions::output`), except for LayerNormalization's optional
/// Mean and InvStdDev, which are checked through the first output only.
fn run(dir: &Path) -> Result<f64, String> {
    let model = std::fs::read(dir.join("model.onnx")).map_err(|e| e.to_string())?;
    let data = dir.join("test_data_set_0");
    let read = |prefix: &str| -> Vec<Vec<u8>> {
        (0..)
            .map(|i| data.join(format!("{prefix}_{i}.pb")))
            .take_while(|p| p.is_file())
            .map(|p| std::fs::read(p).unwrap())
            .collect()
    };
    let (inputs, outputs) = (read("input"), read("output"));
    if outputs.is_empty() {
        return Err("no outputs".into());
    }
    let model = if inputs.len() > 1 { bind_inputs(&model, &inputs[1..]).map_err(|e| e.to_string())? } else { model };
    let x = floats(parse_tensor(&inputs[0]).map_err(|e| e.to_string())?);
    let names = verinfer_compiler::onnx::parse(&model, None).map_err(|e| e.to_string())?.outputs;
    let checked = if dir.to_string_lossy().contains("layer_normalization") { 1 } else { outputs.len() };
    let mut worst = 0.0f64;
    for (name, output) in names.iter().zip(&outputs).take(checked) {
        let want = floats(parse_tensor(output).map_err(|e| e.to_string())?);
        worst = worst.max(run_output(&model, name, &x, &want)?);
    }
    Ok(worst)
}

/// Proves graph output `name` of `model` on input `x`: its largest error relative to `want`.
fn run_output(model: &[u8], name: &str, x: &[f64], want: &[f64]) -> Result<f64, String> {
    // the operators' semantics at the default 16-bit width, not the width search
    let opts = CompileOptions { output: Some(name.into()), precision: Precision::Fixed, ..CompileOptions::default() };
    let compiled = compile(model, &[x.to_vec()], &opts).map_err(|e| e.to_string())?;
    let m = &compiled.model;
    let q = quantize_input(&m.graph, x).map_err(|e| e.to_string())?;
    let eval = evaluate(&m.graph, &q).map_err(|e| e.to_string())?;
    // the witness must satisfy the circuit (a failure here is a bug, not an unsupported case)
    let w = assign(m, q, Fr::from(1u64), [0; 32]).map_err(|e| e.to_string())?;
    check_witness(m, &w).map_err(|e| format!("BUG: witness rejected: {e}"))?;
    let out = m.graph.output_node();
    let got: Vec<f64> = eval.output(&m.graph).iter().map(|&v| out.scale.dequantize(v)).collect();
    if got.len() != want.len() {
        return Err(format!("BUG: {} outputs, expected {}", got.len(), want.len()));
    }
    let err = got.iter().zip(want).map(|(a, b)| (a - b).abs()).fold(0.0, f64::max);
    let scale = want.iter().fold(1.0f64, |m, v| m.max(v.abs()));
    if err > TOLERANCE * scale {
        return Err(format!("BUG: error {err} above the tolerance {} (output '{name}')", TOLERANCE * scale));
    }
    Ok(err / scale)
}

/// Cases whose input file exceeds this many bytes (over about 16,000 values) run only in the ignored
/// test below: with dense linear maps they take 20-60 s each on 2 cores.
const LARGE_INPUT_BYTES: u64 = 64 * 1024;

fn is_large(name: &str) -> bool {
    std::fs::metadata(root().join(name).join("test_data_set_0/input_0.pb")).is_ok_and(|m| m.len() > LARGE_INPUT_BYTES)
}

#[test]
fn onnx_node_tests_pass_or_fail_as_the_manifest_says() {
    check_cases(false);
}

#[test]
#[ignore = "the five 3-D pooling cases with 32^3 inputs (about 2.5 minutes); run with --ignored"]
fn large_onnx_node_tests_pass_or_fail_as_the_manifest_says() {
    check_cases(true);
}

fn check_cases(large: bool) {
    let cases: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(root().join("cases.json")).unwrap()).unwrap();
    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(root().join("manifest.json")).unwrap_or("{}".into())).unwrap();
    let mut per_op: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    let mut problems = Vec::new();
    let mut worst = 0.0f64;
    for c in cases["cases"].as_array().unwrap() {
        let (name, op) = (c["case"].as_str().unwrap(), c["op"].as_str().unwrap());
        if is_large(name) != large {
            continue;
        }
        let t = std::time::Instant::now();
        let outcome = if c["copied"].as_bool().unwrap() {
            run(&root().join(name))
        } else {
            Err(format!("test data not copied ({} bytes)", c["bytes"]))
        };
        if std::env::var_os("VERINFER_CONFORMANCE_TIMES").is_some() {
            eprintln!("{name}: {:.2} s", t.elapsed().as_secs_f64());
        }
        if let Some(path) = std::env::var_os("VERINFER_CONFORMANCE_OUTCOMES") {
            // one JSON line per case, for fixtures/onnx_manifest.py to rewrite manifest.json
            let line = match &outcome {
                Ok(e) => serde_json::json!({"case": name, "pass": true, "error": e}),
                Err(r) => serde_json::json!({"case": name, "pass": false, "reason": r}),
            };
            let mut f = std::fs::OpenOptions::new().create(true).append(true).open(path).unwrap();
            std::io::Write::write_all(&mut f, format!("{line}\n").as_bytes()).unwrap();
        }
        let entry = per_op.entry(op.to_string()).or_default();
        entry.1 += 1;
        let expect = &manifest["cases"][name];
        match (&outcome, expect) {
            (Ok(e), serde_json::Value::String(s)) if s == "pass" => {
                entry.0 += 1;
                worst = worst.max(*e);
            }
            (Err(reason), serde_json::Value::Object(o)) if !reason.contains("BUG") => {
                let want = o.get("unsupported").and_then(|v| v.as_str()).unwrap_or("?");
                if !reason.contains(want) {
                    problems.push(format!("{name}: fails with '{reason}', manifest says '{want}'"));
                }
            }
            _ => problems.push(format!("{name}: outcome {outcome:?}, manifest {expect}")),
        }
    }
    let total: (usize, usize) = per_op.values().fold((0, 0), |a, b| (a.0 + b.0, a.1 + b.1));
    for (op, (pass, all)) in &per_op {
        eprintln!("{op:<20} {pass:>3} / {all}");
    }
    eprintln!(
        "{:<20} {:>3} / {} (largest relative error {worst:.2e}, tolerance {TOLERANCE})",
        "total", total.0, total.1
    );
    assert!(problems.is_empty(), "{} cases disagree with the manifest:\n{}", problems.len(), problems.join("\n"));
}
