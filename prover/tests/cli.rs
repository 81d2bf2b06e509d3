//! The `verinfer` binary: deterministic compiles, exit codes, errors a person can act on.
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_verinfer"))
}

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures").join(name).canonicalize().unwrap()
}

fn run(cmd: &mut Command) -> Output {
    cmd.output().unwrap()
}

/// Compiles the iris fixture into `build` and runs the (test-only) deterministic setup.
fn compile_and_setup_iris(build: &Path, seed: &str) {
    let o = run(bin().arg("compile").arg(fixture("iris_mlp").join("model.onnx")).arg("-o").arg(build));
    assert!(o.status.success(), "{}", text(&o));
    let o = run(bin().args(["setup", "--insecure-deterministic-seed", seed]).arg(build));
    assert!(o.status.success(), "{}", text(&o));
}

fn text(o: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr))
}

#[test]
fn compile_is_byte_identical_across_working_directories() {
    let a = tempfile::tempdir().unwrap();
    let b = tempfile::tempdir().unwrap();
    // Copy the fixture into two different places and compile with relative paths from each.
    for d in [a.path(), b.path()] {
        std::fs::create_dir_all(d.join("m")).unwrap();
        for f in ["model.onnx", "calibration.json"] {
            std::fs::copy(fixture("digits_mlp").join(f), d.join("m").join(f)).unwrap();
        }
        let o = run(bin().current_dir(d).args(["compile", "m/model.onnx", "-o", "out"]));
        assert!(o.status.success(), "{}", text(&o));
    }
    for f in ["model.compiled", "report.json"] {
        let x = std::fs::read(a.path().join("out").join(f)).unwrap();
        let y = std::fs::read(b.path().join("out").join(f)).unwrap();
        assert!(x == y, "{f} differs between working directories");
    }
    // and the hash in the report is the SHA-256 of model.compiled
    let report: serde_json::Value =
        serde_json::from_slice(&std::fs::read(a.path().join("out/report.json")).unwrap()).unwrap();
    let model =
        verinfer_ir::CompiledModel::from_bytes(&std::fs::read(a.path().join("out/model.compiled")).unwrap()).unwrap();
    assert_eq!(report["model_hash"].as_str().unwrap(), model.model_hash().unwrap().to_hex());
    assert!(report["constraints"].as_u64().unwrap() > 0);
}

#[test]
fn verify_exit_codes_separate_valid_rejected_and_unreadable() {
    let d = tempfile::tempdir().unwrap();
    let build = d.path().join("build");
    let model = fixture("iris_mlp").join("model.onnx");
    assert!(run(bin().args(["compile"]).arg(&model).arg("-o").arg(&build)).status.success());
    let o = run(bin().args(["setup", "--insecure-deterministic-seed", "9"]).arg(&build));
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("insecure"), "the insecure setup warns");
    let proof = d.path().join("proof.json");
    let o = run(bin()
        .arg("prove")
        .arg(&build)
        .arg("--input")
        .arg(fixture("iris_mlp").join("input.json"))
        .args(["--seed", &format!("0x{:0>64}", "ab"), "--salt", "0", "-o"])
        .arg(&proof));
    assert!(o.status.success(), "{}", text(&o));
    assert!(d.path().join("proof.json.opening.json").is_file());

    let o = run(bin().arg("--json").arg("verify").arg(&build).arg(&proof));
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["valid"], true);
    assert_eq!(v["statement"]["seed"].as_str().unwrap(), format!("{:0>64}", "ab"));

    let mut p: serde_json::Value = serde_json::from_slice(&std::fs::read(&proof).unwrap()).unwrap();
    p["statement"]["output_index"] = serde_json::json!((p["statement"]["output_index"].as_u64().unwrap() + 1) % 3);
    p["public_inputs"] = serde_json::json!([]);
    let bad = d.path().join("tampered.json");
    std::fs::write(&bad, p.to_string()).unwrap();
    let o = run(bin().arg("verify").arg(&build).arg(&bad));
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(text(&o).contains("REJECTED"));

    std::fs::write(&bad, "{not json").unwrap();
    let o = run(bin().arg("verify").arg(&build).arg(&bad));
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    let o = run(bin().arg("verify").arg(d.path().join("missing.key")).arg(&proof));
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));

    let o = run(bin().arg("inspect").arg(&build));
    assert!(o.status.success() && text(&o).contains("model_hash"), "{}", text(&o));
}

#[test]
fn prove_rejects_bad_inputs_with_a_message() {
    let d = tempfile::tempdir().unwrap();
    let build = d.path().join("build");
    compile_and_setup_iris(&build, "1");
    let input = d.path().join("in.json");
    for (content, needle) in [
        (r#"{"input_data": [[1, 2, 3]]}"#, "the model input [1, 4] has 4"),
        (r#"{"input_data": [[1e9, 2, 3, 4]]}"#, "outside the calibrated range"),
        (r#"{"data": [[1, 2, 3, 4]]}"#, "input_data"),
    ] {
        std::fs::write(&input, content).unwrap();
        let o = run(bin().arg("prove").arg(&build).arg("--input").arg(&input).arg("-o").arg(d.path().join("p.json")));
        assert_eq!(o.status.code(), Some(1));
        assert!(text(&o).contains(needle), "{content}: {}", text(&o));
        assert!(!d.path().join("p.json").exists(), "nothing written on failure");
    }
    std::fs::write(&input, r#"{"input_data": [[5.1, 3.5, 1.4, 0.2]]}"#).unwrap();
    let o = run(bin().arg("prove").arg(&build).arg("--input").arg(&input).args(["--seed", "zz"]));
    assert_eq!(o.status.code(), Some(1));
    assert!(text(&o).contains("not hexadecimal"), "{}", text(&o));
}

#[test]
fn demo_runs_with_no_arguments_but_a_directory() {
    let d = tempfile::tempdir().unwrap();
    let o = run(bin().args(["--json", "demo", "--out"]).arg(d.path()));
    assert!(o.status.success(), "{}", text(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    // The class is drawn with the canister's seed from softmax(logits): it has positive probability
    // under the integer sampler (0.9999 for onnxruntime's argmax on this input).
    assert!(v["probability"].as_f64().unwrap() > 0.0);
    assert!(v["output_class"].as_u64().unwrap() < 10);
    assert_eq!(v["seed"].as_str().unwrap().len(), 64);
    let steps: Vec<&str> = v["steps"].as_array().unwrap().iter().map(|s| s["step"].as_str().unwrap()).collect();
    assert_eq!(steps, ["compile", "ceremony", "register", "seed", "prove", "verify", "canister"]);
    assert!(v["canister"]["verify_instructions"].as_u64().unwrap() < 120_000_000);
    // The keys come from the ceremony: two contributors and the beacon, recorded in setup.json.
    let record: serde_json::Value =
        serde_json::from_slice(&std::fs::read(d.path().join("build/setup.json")).unwrap()).unwrap();
    assert_eq!(record["kind"], "ceremony");
    assert_eq!(record["ceremony"]["contributions"].as_array().unwrap().len(), 3);
    assert!(record["ceremony"]["beacon"].is_object());
}

#[test]
fn failed_compile_exits_non_zero_and_writes_nothing() {
    let d = tempfile::tempdir().unwrap();
    std::fs::write(d.path().join("model.onnx"), b"\x08\x96\x01 not a model").unwrap();
    std::fs::write(d.path().join("calibration.json"), r#"{"input_data": [[1, 2]]}"#).unwrap();
    let o = run(bin().current_dir(d.path()).args(["compile", "model.onnx", "-o", "out"]));
    assert_eq!(o.status.code(), Some(1));
    let t = text(&o);
    assert!(t.contains("malformed ONNX") && t.lines().any(|l| l.starts_with("error:")), "{t}");
    assert!(!d.path().join("out").join("model.compiled").exists());
    assert!(!d.path().join("out").join("report.json").exists());
    // no calibration data at all
    std::fs::remove_file(d.path().join("calibration.json")).unwrap();
    std::fs::copy(fixture("iris_mlp").join("model.onnx"), d.path().join("model.onnx")).unwrap();
    let o = run(bin().current_dir(d.path()).args(["compile", "model.onnx", "-o", "out"]));
    assert_eq!(o.status.code(), Some(1));
    assert!(text(&o).contains("--calibration"), "{}", text(&o));
}

#[test]
fn canister_args_are_valid_candid_for_the_canister_types() {
    use verinfer_verifier_canister::types::{RegisterArgs, VerifyArgs};
    let d = tempfile::tempdir().unwrap();
    let build = d.path().join("build");
    compile_and_setup_iris(&build, "3");
    let proof = d.path().join("proof.json");
    let o = run(bin()
        .arg("prove")
        .arg(&build)
        .arg("--input")
        .arg(fixture("iris_mlp").join("input.json"))
        .arg("-o")
        .arg(&proof));
    assert!(o.status.success(), "{}", text(&o));

    // `commit` predicts the input commitment of a proof made with the same salt.
    let p2 = d.path().join("p2.json");
    let o = run(bin()
        .arg("prove")
        .arg(&build)
        .arg("--input")
        .arg(fixture("iris_mlp").join("input.json"))
        .args(["--salt", "2a", "-o"])
        .arg(&p2));
    assert!(o.status.success(), "{}", text(&o));
    let o = run(bin()
        .arg("--json")
        .arg("commit")
        .arg(&build)
        .arg("--input")
        .arg(fixture("iris_mlp").join("input.json"))
        .args(["--salt", "2a"]));
    assert!(o.status.success(), "{}", text(&o));
    let c: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let p: serde_json::Value = serde_json::from_slice(&std::fs::read(&p2).unwrap()).unwrap();
    assert_eq!(c["input_commitment"], p["statement"]["input_commitment"]);
    let rs = candid_parser::parse_idl_args(c["request_seed_args"].as_str().unwrap()).unwrap();
    let req: verinfer_verifier_canister::types::SeedRequest = candid::decode_one(&rs.to_bytes().unwrap()).unwrap();
    assert_eq!(hex::encode(req.model_hash), p["statement"]["model_hash"].as_str().unwrap());
    assert_eq!(hex::encode(req.input_commitment), p["statement"]["input_commitment"].as_str().unwrap());
    assert_eq!((req.event, req.consumer), (None, None));

    let o = run(bin().args(["canister", "register-args"]).arg(&build).args(["--version", "2.1"]));
    assert!(o.status.success(), "{}", text(&o));
    let args = candid_parser::parse_idl_args(String::from_utf8_lossy(&o.stdout).trim()).unwrap();
    let reg: RegisterArgs = candid::decode_one(&args.to_bytes().unwrap()).unwrap();
    assert_eq!(reg.verifying_key.as_slice(), std::fs::read(build.join("verifying.key")).unwrap().as_slice());
    assert_eq!(reg.version, "2.1");
    assert_eq!(reg.setup, Some(verinfer_verifier_canister::types::SetupProvenance::single_party()));

    let o = run(bin().args(["canister", "verify-args"]).arg(&proof).args(["--ticket", "4"]));
    assert!(o.status.success(), "{}", text(&o));
    let args = candid_parser::parse_idl_args(String::from_utf8_lossy(&o.stdout).trim()).unwrap();
    let v: VerifyArgs = candid::decode_one(&args.to_bytes().unwrap()).unwrap();
    assert_eq!(v.ticket, Some(4));
    assert_eq!(v.proof.len(), 128);
}

#[test]
fn sampling_flags_compile_into_the_model_hash_and_bad_ones_are_refused() {
    let d = tempfile::tempdir().unwrap();
    let onnx = fixture("iris_mlp").join("model.onnx");
    let compile =
        |out: &str, extra: &[&str]| run(bin().arg("compile").arg(&onnx).arg("-o").arg(d.path().join(out)).args(extra));
    let mut hashes = Vec::new();
    for (out, extra) in [
        ("argmax", &[][..]),
        ("cat1", &["--sampling", "categorical", "--temperature", "1"][..]),
        ("cat05", &["--sampling", "categorical", "--temperature", "0.5"][..]),
        ("top2", &["--sampling", "top-k", "--top-k", "2", "--temperature", "0.5"][..]),
    ] {
        let o = compile(out, extra);
        assert!(o.status.success(), "{out}: {}", text(&o));
        let report: serde_json::Value =
            serde_json::from_slice(&std::fs::read(d.path().join(out).join("report.json")).unwrap()).unwrap();
        hashes.push(report["model_hash"].as_str().unwrap().to_string());
        if out != "argmax" {
            assert!(report["sampling"]["max_total_variation"].as_f64().unwrap() < 0.01, "{out}: {report}");
            assert!(text(&o).contains("temperature"), "{}", text(&o));
        }
    }
    hashes.sort();
    hashes.dedup();
    assert_eq!(hashes.len(), 4, "each sampling mode is a different model");

    for (extra, want) in [
        (&["--sampling", "top-k"][..], "--top-k"),
        (&["--sampling", "top-k", "--top-k", "3"][..], "k = 3"),
        (&["--sampling", "top-k", "--top-k", "0"][..], "top_k k = 0 must be between 1 and"),
        (&["--sampling", "categorical", "--temperature", "0"][..], "temperature 0"),
        (&["--sampling", "categorical", "--temperature", "-1"][..], "temperature -1"),
        (&["--temperature", "2"][..], "not argmax"),
        (&["--sampling", "softmax"][..], "softmax"),
    ] {
        let o = compile("bad", extra);
        assert!(matches!(o.status.code(), Some(1 | 2)), "{extra:?}: {}", text(&o));
        assert!(text(&o).contains(want), "{extra:?}: {}", text(&o));
        assert!(!text(&o).contains("panicked"), "{}", text(&o));
        assert!(!d.path().join("bad").join("model.compiled").exists());
    }
}

#[test]
fn precision_modes_choose_a_width_and_report_the_widths_tried() {
    let d = tempfile::tempdir().unwrap();
    let onnx = fixture("digits_mlp").join("model.onnx");
    let compile =
        |out: &str, extra: &[&str]| run(bin().arg("compile").arg(&onnx).arg("-o").arg(d.path().join(out)).args(extra));
    let report = |out: &str| -> serde_json::Value {
        serde_json::from_slice(&std::fs::read(d.path().join(out).join("report.json")).unwrap()).unwrap()
    };
    let mut chosen = Vec::new();
    for (out, extra) in
        [("accurate", &[][..]), ("fast", &["--precision", "fast"][..]), ("fixed", &["--activation-bits", "16"][..])]
    {
        let o = compile(out, extra);
        assert!(o.status.success(), "{out}: {}", text(&o));
        let r = report(out);
        let p = &r["precision"];
        let bits = p["activation_bits"].as_u64().unwrap();
        assert_eq!(r["quantization"]["activation_bits"].as_u64(), Some(bits), "{out}");
        let trials = p["trials"].as_array().unwrap();
        // the first trial is the width chosen, with the circuit's constraints
        assert_eq!(trials[0]["activation_bits"].as_u64(), Some(bits), "{out}: {p}");
        assert_eq!(trials[0]["constraints"], r["constraints"], "{out}: {p}");
        for t in &trials[1..] {
            // a narrower width was tried and missed the aim, or a wider one met it
            let (b, ok) = (t["activation_bits"].as_u64().unwrap(), t["accepted"].as_bool().unwrap());
            assert!((b < bits && !ok) || (b > bits && ok), "{out}: {p}");
            assert!(t["constraints"].as_u64().unwrap() > 0, "{out}: {p}");
        }
        assert!(text(&o).contains(&format!("{bits}-bit activations")), "{}", text(&o));
        chosen.push((bits, r["constraints"].as_u64().unwrap(), trials.len()));
    }
    let [(accurate, c_acc, _), (fast, c_fast, _), (fixed, c_fixed, tried)] = chosen[..] else { unreachable!() };
    assert_eq!((fixed, tried), (16, 1), "--activation-bits fixes the width");
    assert!(fast <= accurate && accurate < 16, "fast {fast}, accurate {accurate}");
    assert!(c_fast <= c_acc && c_acc < c_fixed, "constraints: fast {c_fast}, accurate {c_acc}, 16 bits {c_fixed}");
    assert!(report("accurate")["warnings"].as_array().is_none_or(|w| w.is_empty()));

    let o = compile("bad", &["--precision", "fast", "--activation-bits", "8"]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(text(&o).contains("cannot be used with"), "{}", text(&o));
    let o = compile("bad", &["--precision", "exact"]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(text(&o).contains("accurate") && text(&o).contains("fast"), "{}", text(&o));
    assert!(!d.path().join("bad").join("model.compiled").exists());
}

/// Proves the iris fixture with the binary; returns the command's output.
fn prove_iris(build: &Path, extra: &[&str], out: &Path) -> Output {
    run(bin()
        .arg("prove")
        .arg(build)
        .arg("--input")
        .arg(fixture("iris_mlp").join("input.json"))
        .args(extra)
        .arg("-o")
        .arg(out))
}

#[test]
fn seeds_and_salts_must_be_well_formed() {
    let d = tempfile::tempdir().unwrap();
    let build = d.path().join("build");
    compile_and_setup_iris(&build, "4");
    let out = d.path().join("p.json");
    let seed64 = "5".repeat(64);
    for (extra, needle) in [
        (&["--seed", ""][..], "seed is empty"),
        (&["--seed", "0x"][..], "seed is empty"),
        (&["--seed", "abcd"][..], "exactly 64"),
        (&["--seed", &"a".repeat(63)][..], "exactly 64"),
        (&["--seed", &"a".repeat(65)][..], "exactly 64"),
        (&["--seed", &format!("{}g", "a".repeat(63))][..], "not hexadecimal"),
        (&["--seed", &seed64, "--salt", ""][..], "salt is empty"),
        (&["--seed", &seed64, "--salt", "0x"][..], "salt is empty"),
        (&["--seed", &seed64, "--salt", "xyz"][..], "not hexadecimal"),
        (&["--seed", &seed64, "--salt", &"1".repeat(65)][..], "at most 64"),
        (&["--seed", &seed64, "--salt", &"f".repeat(64)][..], "below the BN254 scalar modulus"),
    ] {
        let o = prove_iris(&build, extra, &out);
        assert_eq!(o.status.code(), Some(1), "{extra:?}: {}", text(&o));
        assert!(text(&o).contains(needle), "{extra:?}: {}", text(&o));
        assert!(!out.exists(), "{extra:?}: nothing written");
    }
    let o = run(bin()
        .arg("commit")
        .arg(&build)
        .arg("--input")
        .arg(fixture("iris_mlp").join("input.json"))
        .args(["--salt", ""]));
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(text(&o).contains("salt is empty"), "{}", text(&o));
    // A salt is a number: odd lengths and 0x are fine, and mean the same scalar.
    let o = prove_iris(&build, &["--json", "--seed", &format!("0X{seed64}"), "--salt", "0x02a"], &out);
    assert!(o.status.success(), "{}", text(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["statement"]["seed"], seed64.as_str());
    assert_eq!(iris_commitment(&build, "2a"), v["statement"]["input_commitment"]);
}

/// `commit --salt SALT` of the iris fixture's input: the input commitment, as JSON.
fn iris_commitment(build: &Path, salt: &str) -> serde_json::Value {
    let o = run(bin()
        .args(["--json", "commit"])
        .arg(build)
        .arg("--input")
        .arg(fixture("iris_mlp").join("input.json"))
        .args(["--salt", salt]));
    assert!(o.status.success(), "{}", text(&o));
    let c: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    c["input_commitment"].clone()
}

#[test]
fn prove_refuses_a_missing_output_directory() {
    let d = tempfile::tempdir().unwrap();
    let build = d.path().join("build");
    compile_and_setup_iris(&build, "5");
    let out = d.path().join("no").join("such").join("p.json");
    let o = prove_iris(&build, &[], &out);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(text(&o).contains("does not exist"), "{}", text(&o));
    assert!(!d.path().join("no").exists(), "no directory created");
    // compile -o DIR still creates its build directory
    assert!(build.join("model.compiled").is_file());
}

#[test]
fn prove_refuses_a_proving_key_from_another_setup() {
    let d = tempfile::tempdir().unwrap();
    let (a, b) = (d.path().join("a"), d.path().join("b"));
    compile_and_setup_iris(&a, "6");
    compile_and_setup_iris(&b, "7");
    let record: serde_json::Value = serde_json::from_slice(&std::fs::read(a.join("setup.json")).unwrap()).unwrap();
    assert_eq!(record["provenance"], "INSECURE deterministic seed");
    std::fs::copy(b.join("proving.key"), a.join("proving.key")).unwrap();
    let out = d.path().join("p.json");
    let o = prove_iris(&a, &[], &out);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    let t = text(&o);
    assert!(t.contains(&a.join("proving.key").display().to_string()), "{t}");
    assert!(t.contains(&a.join("verifying.key").display().to_string()), "{t}");
    assert!(t.contains("does not belong to"), "{t}");
    assert!(!out.exists());
    // the right key proves, with point validation on request
    let o = run(bin().args(["setup", "--insecure-deterministic-seed", "6"]).arg(&a));
    assert!(o.status.success(), "{}", text(&o));
    let o = prove_iris(&a, &["--validate-proving-key"], &out);
    assert!(o.status.success(), "{}", text(&o));
}

#[test]
fn verify_names_the_readable_field_that_disagrees() {
    let d = tempfile::tempdir().unwrap();
    let build = d.path().join("build");
    compile_and_setup_iris(&build, "8");
    let proof = d.path().join("proof.json");
    assert!(prove_iris(&build, &[], &proof).status.success());
    let original: serde_json::Value = serde_json::from_slice(&std::fs::read(&proof).unwrap()).unwrap();
    let bad = d.path().join("bad.json");
    type Edit = fn(&mut serde_json::Value);
    let edits: [(&str, Edit); 5] = [
        ("output.index", |p| {
            p["output"]["index"] = serde_json::json!((p["output"]["index"].as_u64().unwrap() + 1) % 3)
        }),
        ("output.values[2]", |p| {
            p["output"]["values"][2] = serde_json::json!(p["output"]["values"][2].as_f64().unwrap() + 1.0)
        }),
        ("output.values", |p| p["output"]["values"] = serde_json::Value::Null),
        ("model_name", |p| p["model_name"] = serde_json::json!("another_model")),
        ("output.scale", |p| p["output"]["scale"] = serde_json::json!(p["output"]["scale"].as_i64().unwrap() + 1)),
    ];
    for (field, edit) in edits {
        let mut p = original.clone();
        edit(&mut p);
        std::fs::write(&bad, p.to_string()).unwrap();
        let o = run(bin().arg("verify").arg(&build).arg(&bad));
        assert_eq!(o.status.code(), Some(1), "{field}: {}", text(&o));
        assert!(text(&o).contains(&format!("REJECTED: {field} disagrees")), "{field}: {}", text(&o));
        let o = run(bin().arg("--json").arg("verify").arg(&build).arg(&bad));
        let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        assert_eq!(v["field"], field);
    }
    let o = run(bin().arg("verify").arg(&build).arg(&proof));
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
}

#[test]
fn temperature_and_top_k_errors_print_their_sentence_once() {
    let d = tempfile::tempdir().unwrap();
    let onnx = fixture("iris_mlp").join("model.onnx");
    for (extra, sentence) in [
        (&["--sampling", "categorical", "--temperature", "0"][..], "temperature 0 is not a positive finite number"),
        (&["--sampling", "top-k", "--top-k", "0"][..], "top_k k = 0 must be between 1 and"),
    ] {
        let o = run(bin().arg("compile").arg(&onnx).arg("-o").arg(d.path().join("out")).args(extra));
        assert_eq!(o.status.code(), Some(1), "{extra:?}: {}", text(&o));
        let stderr = String::from_utf8_lossy(&o.stderr);
        assert_eq!(stderr.matches(sentence).count(), 1, "{extra:?}: {stderr}");
    }
}

#[test]
fn an_unsupported_operator_is_named_before_missing_calibration_data() {
    // The iris MLP with its Relu renamed Loop (same length: still a valid protobuf), and no
    // calibration data beside it: the operator is the reason, not the missing data.
    let d = tempfile::tempdir().unwrap();
    let onnx = std::fs::read(fixture("iris_mlp").join("model.onnx")).unwrap();
    let at = onnx.windows(4).position(|w| w == b"Relu").expect("the fixture has a Relu");
    let mut patched = onnx.clone();
    patched[at..at + 4].copy_from_slice(b"Loop");
    std::fs::write(d.path().join("model.onnx"), patched).unwrap();
    let o = run(bin().current_dir(d.path()).args(["compile", "model.onnx", "-o", "out"]));
    assert_eq!(o.status.code(), Some(1));
    let t = text(&o);
    assert!(t.contains("Loop") && t.contains("control flow"), "{t}");
    assert!(!t.contains("calibration"), "{t}");
}

#[test]
fn a_model_with_two_inputs_and_two_outputs_proves_the_chosen_output() {
    // fixtures/two_inputs: features [1, 6] and scale [1, 1] in; label and probabilities out
    let d = tempfile::tempdir().unwrap();
    let build = d.path().join("build");
    let model = fixture("two_inputs").join("model.onnx");
    let o = run(bin().arg("compile").arg(&model).args(["--output", "probabilities", "-o"]).arg(&build));
    assert!(o.status.success(), "{}", text(&o));
    let o = run(bin().args(["setup", "--insecure-deterministic-seed", "15"]).arg(&build));
    assert!(o.status.success(), "{}", text(&o));
    // input.json gives one list per graph input
    let proof = d.path().join("proof.json");
    let input = fixture("two_inputs").join("input.json");
    let o = run(bin().arg("prove").arg(&build).arg("--input").arg(&input).arg("-o").arg(&proof));
    assert!(o.status.success(), "{}", text(&o));
    let o = run(bin().arg("verify").arg(&build).arg(&proof));
    assert!(o.status.success(), "{}", text(&o));
    let p: serde_json::Value = serde_json::from_slice(&std::fs::read(&proof).unwrap()).unwrap();
    let expected: serde_json::Value =
        serde_json::from_slice(&std::fs::read(fixture("two_inputs").join("expected.json")).unwrap()).unwrap();
    let (got, want) = (p["output"]["values"].as_array().unwrap(), expected["probabilities"].as_array().unwrap());
    assert_eq!(got.len(), 4);
    for (a, b) in got.iter().zip(want) {
        assert!((a.as_f64().unwrap() - b.as_f64().unwrap()).abs() < 0.01, "{a} vs {b}");
    }
    assert_eq!(p["output"]["index"], expected["label"], "the argmax of the probabilities is onnxruntime's label");
    // the committed input is both graph inputs, concatenated (6 features, then the scale)
    let opening: serde_json::Value =
        serde_json::from_slice(&std::fs::read(format!("{}.opening.json", proof.display())).unwrap()).unwrap();
    assert_eq!(opening["quantized_input"].as_array().unwrap().len(), 7);
    // inspect names both graph inputs in order and the proven output
    let o = run(bin().arg("inspect").arg(&build));
    let t = text(&o);
    assert!(o.status.success() && t.contains("probabilities"), "{t}");
    let (features, scale) = (t.find("\"features\""), t.find("\"scale\""));
    assert!(features.is_some() && features < scale, "{t}");
    // an unknown output is refused, naming the outputs the model has
    let o = run(bin().arg("compile").arg(&model).args(["--output", "logits", "-o"]).arg(d.path().join("x")));
    assert!(!o.status.success() && text(&o).contains("'label', 'probabilities'"), "{}", text(&o));
    // a one-list input for a two-input model is refused, naming both conventions
    let bad = d.path().join("bad.json");
    std::fs::write(&bad, r#"{"input_data": [[1, 2, 3, 4, 5, 6]]}"#).unwrap();
    let o = run(bin().arg("prove").arg(&build).arg("--input").arg(&bad).arg("-o").arg(d.path().join("q.json")));
    assert!(!o.status.success() && text(&o).contains("one list per graph input"), "{}", text(&o));
}

#[test]
fn prove_timings_name_every_phase_in_text_and_json() {
    let d = tempfile::tempdir().unwrap();
    let build = d.path().join("build");
    compile_and_setup_iris(&build, "6");
    let out = d.path().join("p.json");
    let phases = ["load model", "load key", "witness", "constraints", "fft", "key read", "msm a", "msm h", "write"];
    let o = prove_iris(&build, &["--timings"], &out);
    assert!(o.status.success(), "{}", text(&o));
    let t = String::from_utf8_lossy(&o.stdout).to_string();
    for p in phases.iter().chain(&["wall"]) {
        assert!(t.lines().any(|l| l.trim_start().starts_with(p) && l.trim_end().ends_with('%')), "{p} missing:\n{t}");
    }
    let o = prove_iris(&build, &["--json", "--timings"], &out);
    assert!(o.status.success(), "{}", text(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let timings = v["timings"].as_object().unwrap();
    for p in phases {
        let s = timings[p].as_f64().unwrap_or_else(|| panic!("{p} missing: {timings:?}"));
        assert!(s >= 0.0 && s < v["seconds"].as_f64().unwrap() + 60.0, "{p}: {s}");
    }
    // the wall time covers proving (`seconds`) and the MSMs, which never overlap one another
    let wall = v["timings_wall"].as_f64().unwrap();
    let msms: f64 = ["msm a", "msm b1", "msm b2", "msm h", "msm l"].iter().map(|p| timings[*p].as_f64().unwrap()).sum();
    assert!(wall >= v["seconds"].as_f64().unwrap() && wall >= msms, "{wall} {v}");
    // without the flag, no breakdown
    let o = prove_iris(&build, &["--json"], &out);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert!(v.get("timings").is_none());
}

#[test]
fn prove_batch_writes_one_verifiable_proof_per_line_and_stops_at_a_bad_key() {
    let d = tempfile::tempdir().unwrap();
    let build = d.path().join("build");
    compile_and_setup_iris(&build, "8");
    let input: serde_json::Value =
        serde_json::from_slice(&std::fs::read(fixture("iris_mlp").join("input.json")).unwrap()).unwrap();
    let values = input["input_data"][0].clone();
    let seed = "3c".repeat(32);
    let lines = [
        serde_json::json!({ "input_data": [values.clone()], "id": "first", "seed": seed, "salt": "2a" }).to_string(),
        String::new(),
        values.to_string(),
        serde_json::json!({ "input_data": [values] }).to_string(),
    ];
    let batch = d.path().join("inputs.jsonl");
    std::fs::write(&batch, lines.join("\n")).unwrap();
    let out = d.path().join("proofs");
    let o = run(bin().args(["--json", "prove"]).arg(&build).arg("--batch").arg(&batch).arg("-o").arg(&out));
    assert!(o.status.success(), "{}", text(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!((v["inputs"].as_u64(), v["proved"].as_u64(), v["failed"].as_u64()), (Some(3), Some(3), Some(0)));
    let ids: Vec<_> = v["results"].as_array().unwrap().iter().map(|r| r["id"].as_str().unwrap().to_string()).collect();
    assert_eq!(ids, ["first", "3", "4"]);
    for id in &ids {
        let proof = out.join(format!("{id}.json"));
        let o = run(bin().arg("verify").arg(build.join("verifying.key")).arg(&proof));
        assert!(o.status.success(), "{id}: {}", text(&o));
        assert!(out.join(format!("{id}.json.opening.json")).is_file());
    }
    // the line's seed and salt are the proof's: the commitment matches `commit --salt 2a`
    let first: serde_json::Value = serde_json::from_slice(&std::fs::read(out.join("first.json")).unwrap()).unwrap();
    assert_eq!(first["statement"]["seed"], seed.as_str());
    assert_eq!(iris_commitment(&build, "2a"), first["statement"]["input_commitment"]);
    let third: serde_json::Value = serde_json::from_slice(&std::fs::read(out.join("3.json")).unwrap()).unwrap();
    assert_ne!(third["statement"]["input_commitment"], first["statement"]["input_commitment"], "random salt");

    // A proving key that is not the file setup recorded stops the batch: no proof is written.
    let record_path = build.join("setup.json");
    let mut record: serde_json::Value = serde_json::from_slice(&std::fs::read(&record_path).unwrap()).unwrap();
    record["proving_key_sha256"] = "00".repeat(32).into();
    std::fs::write(&record_path, record.to_string()).unwrap();
    let out2 = d.path().join("proofs2");
    let o = run(bin().arg("prove").arg(&build).arg("--batch").arg(&batch).args(["--jobs", "1", "-o"]).arg(&out2));
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    let t = text(&o);
    assert!(t.contains("is not the file setup wrote") && t.contains("batch stopped"), "{t}");
    assert!(t.contains("3 of 3 inputs were not proved"), "{t}");
    assert_eq!(std::fs::read_dir(&out2).unwrap().count(), 0, "nothing written");

    // A bad line is refused before any proof, naming the file and the line.
    std::fs::write(&batch, format!("{}\n[1, 2]\n", lines[2])).unwrap();
    let o = run(bin().arg("prove").arg(&build).arg("--batch").arg(&batch).arg("-o").arg(d.path().join("p3")));
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(text(&o).contains("inputs.jsonl: line 2: sample 0 has 2 values"), "{}", text(&o));
    assert!(!d.path().join("p3").exists());
    // --batch excludes --input, --seed, --salt and --timings
    let o = run(bin().arg("prove").arg(&build).arg("--batch").arg(&batch).args(["--seed", &seed]));
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
}

#[test]
fn report_gives_the_layers_constraints_per_activation() {
    let d = tempfile::tempdir().unwrap();
    let build = d.path().join("build");
    let o = run(bin().arg("compile").arg(fixture("digits_mlp").join("model.onnx")).arg("-o").arg(&build));
    assert!(o.status.success(), "{}", text(&o));
    let r: serde_json::Value = serde_json::from_slice(&std::fs::read(build.join("report.json")).unwrap()).unwrap();
    let by = r["constraints_by_gadget"].as_object().unwrap();
    let statement: u64 = ["input", "input_commitment", "output", "sampling", "statement"]
        .iter()
        .map(|k| by.get(*k).and_then(|v| v.as_u64()).unwrap_or(0))
        .sum();
    let a = &r["activations"];
    assert_eq!(a["constraints"].as_u64().unwrap() + statement, r["constraints"].as_u64().unwrap(), "{a}");
    // digits_mlp is 64-32-10 (two Gemm layers, each rescaled): 42 activations
    assert_eq!(a["count"], 42, "{a}");
    let per = a["per_activation"].as_f64().unwrap();
    assert!((per - a["constraints"].as_f64().unwrap() / 42.0).abs() < 1e-9, "{a}");
}

#[test]
fn halo2_setup_prove_and_verify_follow_the_build_directory() {
    let d = tempfile::tempdir().unwrap();
    let build = d.path().join("build");
    assert!(run(bin().arg("compile").arg(fixture("iris_mlp").join("model.onnx")).arg("-o").arg(&build))
        .status
        .success());
    // a Groth16 setup first: switching to halo2 removes its proving key
    assert!(run(bin().args(["setup", "--insecure-deterministic-seed", "3"]).arg(&build)).status.success());
    let o = run(bin().args(["setup", "--backend", "halo2", "--insecure-deterministic-seed", "3"]).arg(&build));
    assert!(!o.status.success() && text(&o).contains("halo2 has no setup secret"), "{}", text(&o));
    let o = run(bin().args(["setup", "--backend", "plonk"]).arg(&build));
    assert!(!o.status.success() && text(&o).contains("supported: groth16 halo2"), "{}", text(&o));
    let o = run(bin().args(["--json", "setup", "--backend", "halo2"]).arg(&build));
    assert!(o.status.success(), "{}", text(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!((v["backend"].as_str(), v["kind"].as_str()), (Some("halo2"), Some("transparent")));
    assert!(!build.join("proving.key").exists());

    let proof = d.path().join("proof.json");
    let input = fixture("iris_mlp").join("input.json");
    let o = run(bin().arg("prove").arg(&build).arg("--input").arg(&input).args(["--salt", "2a", "-o"]).arg(&proof));
    assert!(o.status.success(), "{}", text(&o));
    let p: serde_json::Value = serde_json::from_slice(&std::fs::read(&proof).unwrap()).unwrap();
    assert_eq!(p["backend"], "halo2");
    // `commit` gives the commitment the proof carries (in the Pasta field)
    let o = run(bin().arg("--json").arg("commit").arg(&build).arg("--input").arg(&input).args(["--salt", "2a"]));
    let c: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(c["input_commitment"], p["statement"]["input_commitment"]);

    let o = run(bin().arg("verify").arg(&build).arg(&proof));
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let mut bad = p.clone();
    bad["statement"]["output_index"] = serde_json::json!((p["statement"]["output_index"].as_u64().unwrap() + 1) % 3);
    bad["public_inputs"] = serde_json::json!([]);
    let bad_path = d.path().join("tampered.json");
    std::fs::write(&bad_path, bad.to_string()).unwrap();
    let o = run(bin().arg("verify").arg(&build).arg(&bad_path));
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    // a halo2 proof against a Groth16 key is unreadable, not valid
    let g = d.path().join("g");
    compile_and_setup_iris(&g, "4");
    let o = run(bin().arg("verify").arg(&g).arg(&proof));
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    // batch proving is Groth16's only, and says so
    let batch = d.path().join("batch.jsonl");
    std::fs::write(&batch, "[5.1, 3.5, 1.4, 0.2]\n").unwrap();
    let o = run(bin().arg("prove").arg(&build).arg("--batch").arg(&batch).arg("-o").arg(d.path().join("out")));
    assert!(!o.status.success() && text(&o).contains("groth16 keys only"), "{}", text(&o));
}
