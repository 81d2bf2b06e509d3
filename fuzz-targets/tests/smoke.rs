//! The fuzz targets' smoke run: every target on its committed seeds plus a fixed number of
//! deterministic mutants (a few seconds per target in release mode), and every saved regression
//! input. `VERINFER_FUZZ_MUTANTS=N` overrides the number of mutants (the long run without
//! libFuzzer: `VERINFER_FUZZ_MUTANTS=1000000 VERINFER_FUZZ_SEED=2 cargo test --release -p
//! verinfer-fuzz-targets --test smoke -- <target>`).
use verinfer_fuzz_targets::{read_dir_files, run_caught, seeds, smoke, target, Target, TARGETS};
use verinfer_verifier_canister::types::{Error, Verified};

fn mutants(default: usize) -> usize {
    std::env::var("VERINFER_FUZZ_MUTANTS").ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

fn rng_seed() -> u64 {
    std::env::var("VERINFER_FUZZ_SEED").ok().and_then(|v| v.parse().ok()).unwrap_or(1)
}

fn run(name: &str, default_mutants: usize) {
    let t: Target = target(name).expect("a target");
    assert!(!seeds(name).is_empty(), "{name} has no seeds");
    let start = std::time::Instant::now();
    match smoke(&t, mutants(default_mutants), rng_seed()) {
        Ok(s) => eprintln!("{name}: {} seeds and {} mutants in {:.2?}, no panic", s.seeds, s.mutants, start.elapsed()),
        Err(f) => panic!("{f}"),
    }
}

#[test]
fn onnx_import() {
    run("onnx_import", 300);
}

#[test]
fn compiled_model() {
    run("compiled_model", 1500);
}

#[test]
fn proof_key() {
    run("proof_key", 300);
}

#[test]
fn proof_json() {
    run("proof_json", 1000);
}

#[test]
fn samples() {
    run("samples", 3000);
}

#[test]
fn canister_args() {
    run("canister_args", 150);
}

#[test]
fn canister_structured() {
    run("canister_structured", 60);
}

#[test]
fn every_target_has_a_smoke_test_and_a_cargo_fuzz_binary() {
    let me = include_str!("smoke.rs");
    let fuzz_dir = verinfer_fuzz_targets::crate_dir().join("../fuzz/fuzz_targets");
    for t in TARGETS {
        assert!(me.contains(&format!("run(\"{}\"", t.name)), "no smoke test runs {}", t.name);
        assert!(fuzz_dir.join(format!("{}.rs", t.name)).is_file(), "no fuzz/fuzz_targets/{}.rs", t.name);
    }
}

/// Inputs saved under `regressions/<target>/` for crashes that are fixed must not panic again.
/// (Crashes whose fix is pending are in their own `#[ignore]` tests below.)
#[test]
fn fixed_regressions() {
    for t in TARGETS {
        let dir = verinfer_fuzz_targets::crate_dir().join("regressions").join(t.name);
        for (path, data) in read_dir_files(&dir) {
            if path.file_name().is_some_and(|n| n.to_string_lossy().starts_with("pending-")) {
                continue;
            }
            if let Err(m) = run_caught(t, &data) {
                panic!("{}: {} panics: {m}", t.name, path.display());
            }
        }
    }
}

/// Rewrites the generated seeds (`seeds/{canister_args,canister_structured,proof_key}/`) from
/// `seeds/context/` (the iris MLP's `model.compiled`, `verifying.key` and a `proof.json` made with the
/// CLI). Run after regenerating the context: `cargo test --release -p verinfer-fuzz-targets --test
/// smoke -- --ignored write_generated_seeds`.
#[test]
#[ignore = "writes the committed seeds"]
fn write_generated_seeds() {
    use verinfer_fuzz_targets::canister::{raw_seeds, structured_seeds, verify_args, KEY};
    let dir = verinfer_fuzz_targets::crate_dir().join("seeds");
    let write = |target: &str, seeds: Vec<Vec<u8>>| {
        let d = dir.join(target);
        std::fs::create_dir_all(&d).unwrap();
        for (i, s) in seeds.iter().enumerate() {
            std::fs::write(d.join(format!("{i:02}.bin")), s).unwrap();
        }
    };
    write("canister_args", raw_seeds());
    write("canister_structured", structured_seeds());
    let proof = verify_args().proof.into_vec();
    write("proof_key", vec![[&proof[..], KEY].concat(), proof.clone(), [&[0u8; 128][..], KEY].concat()]);
}

/// The seeds reach the deep end of each target: the fixtures compile with the targets' calibration
/// samples, the artifacts load, the proof files verify (the committed one) or decode, and the
/// committed proof and key verify.
#[test]
fn seeds_are_accepted_inputs() {
    use verinfer_fuzz_targets::{onnx_import, proof_json, proof_key};
    for s in seeds("onnx_import") {
        let g = verinfer_compiler::import_onnx(&s, None).expect("a fixture imports");
        let samples = onnx_import::calibration(g.input.shape.iter().product());
        verinfer_compiler::compile(&s, &samples, &verinfer_compiler::CompileOptions::default())
            .unwrap_or_else(|e| panic!("{} does not compile with the target's calibration: {e}", g.name));
    }
    for s in seeds("compiled_model") {
        verinfer_ir::CompiledModel::from_bytes(&s).expect("a compiled_model seed loads");
    }
    let text = std::str::from_utf8(&seeds("proof_json")[0]).unwrap().to_string();
    verinfer::pipeline::verify_bytes(proof_json::KEY, &text).expect("the committed proof verifies");
    for s in seeds("proof_json") {
        verinfer::proof_file::ProofFile::parse(std::str::from_utf8(&s).unwrap()).unwrap().decode().unwrap();
    }
    let s = &seeds("proof_key")[0];
    let (p, k) = s.split_at(verinfer_verifier::PROOF_BYTES);
    let (p, k) =
        (verinfer_verifier::Proof::from_bytes(p).unwrap(), verinfer_verifier::VerifyingKey::from_bytes(k).unwrap());
    verinfer_verifier::verify(&k.prepare(), proof_key::statement(), &p).expect("the proof_key seed verifies");
    // the canister accepts the committed proof (on a fresh canister: the targets' shared one may
    // have had its model retired by a mutated call of another test)
    let verinfer_ic_harness::Outcome::Reply(r) = verinfer_fuzz_targets::canister::verify_on_fresh_canister() else {
        panic!("the committed proof's verify got no reply")
    };
    let r: Result<Verified, Error> = candid::decode_one(&r).unwrap();
    r.expect("the canister verifies the committed proof");
}
