//! End to end on every fixture, and every way a proof must be rejected: seeded and in-process.
use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;
use std::path::{Path, PathBuf};
use verinfer::pipeline::{
    compile_to_dir, load_model, load_proving_key, load_proving_key_with, prove_sample, read_input, setup_dir,
    verify_bytes, KeyError, PointValidation, VerifyFailure,
};
use verinfer::proof_file::{OutputJson, ProofFile};
use verinfer_compiler::CompileOptions;
use verinfer_ir::OutputMode;
use verinfer_verifier::{Fr, VerifyError};
include!("../../fixtures/models.rs");

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures").join(name)
}

struct Built {
    _tmp: tempfile::TempDir,
    build: PathBuf,
    proof: ProofFile,
    key: Vec<u8>,
}

fn build(name: &str, mode: OutputMode, seed: u64) -> Built {
    build_with(name, CompileOptions { output_mode: mode, ..CompileOptions::default() }, seed)
}

fn build_with(name: &str, opts: CompileOptions, seed: u64) -> Built {
    let tmp = tempfile::tempdir().unwrap();
    let build = tmp.path().join("build");
    compile_to_dir(&fixture(name).join("model.onnx"), None, &build, &opts).unwrap();
    let mut rng = ChaCha20Rng::seed_from_u64(seed);
    setup_dir(&build, &mut rng).unwrap();
    let model = load_model(&build).unwrap();
    let pk = load_proving_key(&build, &model).unwrap();
    let input = read_input(&fixture(name).join("input.json"), &model.graph.input).unwrap();
    let out = prove_sample(&model, &pk, &input, [7u8; 32], Fr::from(12345u64), &mut rng).unwrap();
    let key = std::fs::read(build.join("verifying.key")).unwrap();
    Built { _tmp: tmp, build, proof: out.file, key }
}

fn json(p: &ProofFile) -> String {
    serde_json::to_string(p).unwrap()
}

fn expected_argmax(name: &str) -> u32 {
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(fixture(name).join("expected.json")).unwrap()).unwrap();
    v["argmax"].as_u64().unwrap() as u32
}

#[test]
fn every_fixture_compiles_sets_up_proves_and_verifies() {
    for name in MODELS {
        let b = build(name, OutputMode::Tensor, 1);
        let st = verify_bytes(&b.key, &json(&b.proof)).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(st.output_index, expected_argmax(name), "{name}: proven class differs from onnxruntime");
        assert_eq!(st.seed, [7u8; 32]);
        assert!(b.build.join("report.json").is_file());
    }
}

#[test]
fn output_commitment_mode_proves_and_hides_the_tensor() {
    let b = build("iris_mlp", OutputMode::Commitment, 2);
    assert!(matches!(b.proof.statement.output, OutputJson::Commitment(_)));
    assert!(b.proof.output.values.is_none());
    verify_bytes(&b.key, &json(&b.proof)).unwrap();
}

fn rejected(r: Result<verinfer_verifier::Statement, VerifyFailure>) -> VerifyError {
    match r {
        Err(VerifyFailure::Rejected(e)) => e,
        other => panic!("expected a rejection, got {other:?}"),
    }
}

fn could_not_check(r: Result<verinfer_verifier::Statement, VerifyFailure>) -> String {
    match r {
        Err(VerifyFailure::CouldNotCheck(e)) => e,
        other => panic!("expected 'could not check', got {other:?}"),
    }
}

/// Re-encodes public inputs after a statement edit, so that only the statement is wrong.
fn edited(p: &ProofFile, f: impl FnOnce(&mut verinfer::proof_file::StatementJson)) -> String {
    let mut p = p.clone();
    f(&mut p.statement);
    p.public_inputs.clear();
    json(&p)
}

fn flip_hex_nibble(s: &str, at: usize) -> String {
    let mut c: Vec<char> = s.chars().collect();
    c[at] = if c[at] == '0' { '1' } else { '0' };
    c.into_iter().collect()
}

#[test]
fn each_public_input_changed_is_rejected() {
    let b = build("digits_mlp", OutputMode::Tensor, 3);
    let p = &b.proof;
    // model hash: the key is for another model
    assert!(matches!(
        rejected(verify_bytes(&b.key, &edited(p, |s| s.model_hash = flip_hex_nibble(&s.model_hash, 5)))),
        VerifyError::WrongKey { .. }
    ));
    // input commitment, both seed limbs, the output index: the pairing check fails
    assert_eq!(
        rejected(verify_bytes(&b.key, &edited(p, |s| s.input_commitment = flip_hex_nibble(&s.input_commitment, 63)))),
        VerifyError::Rejected
    );
    assert_eq!(
        rejected(verify_bytes(&b.key, &edited(p, |s| s.seed = flip_hex_nibble(&s.seed, 1)))),
        VerifyError::Rejected
    );
    assert_eq!(
        rejected(verify_bytes(&b.key, &edited(p, |s| s.seed = flip_hex_nibble(&s.seed, 63)))),
        VerifyError::Rejected
    );
    assert_eq!(
        rejected(verify_bytes(&b.key, &edited(p, |s| s.output_index = (s.output_index + 1) % 10))),
        VerifyError::Rejected
    );
    // every output value
    let n = match &p.statement.output {
        OutputJson::Tensor(v) => v.len(),
        OutputJson::Commitment(_) => unreachable!(),
    };
    for i in 0..n {
        let e = rejected(verify_bytes(
            &b.key,
            &edited(p, |s| {
                if let OutputJson::Tensor(v) = &mut s.output {
                    v[i] += 1;
                }
            }),
        ));
        assert_eq!(e, VerifyError::Rejected, "output value {i}");
    }
    // a class index outside the model
    assert!(matches!(
        rejected(verify_bytes(&b.key, &edited(p, |s| s.output_index = 10))),
        VerifyError::StatementMismatch(_)
    ));
    // an output tensor of the wrong length
    assert!(matches!(
        rejected(verify_bytes(
            &b.key,
            &edited(p, |s| if let OutputJson::Tensor(v) = &mut s.output {
                v.pop();
            })
        )),
        VerifyError::StatementMismatch(_)
    ));
    // public_inputs that disagree with the statement
    let mut q = p.clone();
    q.public_inputs[2] = flip_hex_nibble(&q.public_inputs[2], 63);
    assert!(could_not_check(verify_bytes(&b.key, &json(&q))).contains("public_inputs"));
}

#[test]
fn flipped_proof_bytes_are_never_accepted() {
    let b = build("digits_mlp", OutputMode::Tensor, 4);
    let (mut rejected_n, mut malformed_n) = (0, 0);
    for at in (0..256).step_by(7) {
        let mut p = b.proof.clone();
        p.proof = flip_hex_nibble(&p.proof, at);
        match verify_bytes(&b.key, &json(&p)) {
            Err(VerifyFailure::Rejected(VerifyError::Rejected)) => rejected_n += 1,
            Err(VerifyFailure::CouldNotCheck(e)) if e.contains("malformed proof") => malformed_n += 1,
            other => panic!("flipped nibble {at}: {other:?}"),
        }
    }
    assert!(rejected_n > 0 && malformed_n > 0, "both kinds occur: {rejected_n} rejected, {malformed_n} malformed");
}

#[test]
fn another_models_key_or_another_setup_is_rejected() {
    let digits = build("digits_mlp", OutputMode::Tensor, 5);
    let iris = build("iris_mlp", OutputMode::Tensor, 6);
    assert!(matches!(rejected(verify_bytes(&iris.key, &json(&digits.proof))), VerifyError::WrongKey { .. }));
    // same model, independent setup: the statement fits, the proof does not
    let again = build("digits_mlp", OutputMode::Tensor, 7);
    assert_eq!(again.proof.statement.model_hash, digits.proof.statement.model_hash);
    assert_eq!(rejected(verify_bytes(&again.key, &json(&digits.proof))), VerifyError::Rejected);
}

#[test]
fn truncated_or_garbage_files_cannot_be_checked() {
    let b = build("iris_mlp", OutputMode::Tensor, 8);
    let proof = json(&b.proof);
    assert!(could_not_check(verify_bytes(&b.key, &proof[..proof.len() / 2])).contains("malformed proof"));
    assert!(could_not_check(verify_bytes(&b.key, "garbage")).contains("malformed proof"));
    let mut short = b.proof.clone();
    short.proof.truncate(200);
    assert!(could_not_check(verify_bytes(&b.key, &json(&short))).contains("malformed proof"));
    assert!(could_not_check(verify_bytes(&b.key[..b.key.len() - 10], &proof)).contains("malformed verifying key"));
    assert!(could_not_check(verify_bytes(b"garbage garbage garbage garbage garbage garbage", &proof))
        .contains("malformed verifying key"));
    // A flipped key byte either breaks the encoding or lands on another valid point: never accepted.
    let mut malformed = 0;
    for at in (45..b.key.len()).step_by(13) {
        let mut bad_key = b.key.clone();
        bad_key[at] ^= 0x04;
        match verify_bytes(&bad_key, &proof) {
            Err(VerifyFailure::CouldNotCheck(e)) if e.contains("malformed verifying key") => malformed += 1,
            Err(VerifyFailure::Rejected(VerifyError::Rejected)) => {}
            other => panic!("key byte {at} flipped: {other:?}"),
        }
    }
    assert!(malformed > 0);
    // A non-canonical commitment cannot be encoded as a public input.
    let e = could_not_check(verify_bytes(&b.key, &edited(&b.proof, |s| s.input_commitment = "ff".repeat(32))));
    assert!(e.contains("malformed statement"), "{e}");
    // A corrupted proving key is refused before proving.
    let mut pk = std::fs::read(b.build.join("proving.key")).unwrap();
    let m = pk.len() / 2;
    pk[m] ^= 1;
    let err = verinfer_circuits::ProvingKey::from_bytes(&pk).err().expect("corruption detected");
    assert!(matches!(err, verinfer_circuits::BackendError::MalformedProvingKey(_)));
    assert!(verinfer_circuits::ProvingKey::from_bytes(&pk[..100]).is_err());
}

#[test]
fn seeded_draws_prove_and_verify_and_are_bound_to_their_seed() {
    use verinfer_ir::SamplingSpec;
    for sampling in [SamplingSpec::Categorical { temperature: 4.0 }, SamplingSpec::TopK { k: 3, temperature: 4.0 }] {
        let b = build_with("digits_mlp", CompileOptions { sampling, ..CompileOptions::default() }, 5);
        let model = load_model(&b.build).unwrap();
        let pk = load_proving_key(&b.build, &model).unwrap();
        let input = read_input(&fixture("digits_mlp").join("input.json"), &model.graph.input).unwrap();
        let mut rng = ChaCha20Rng::seed_from_u64(6);
        let prove = |seed: [u8; 32], rng: &mut ChaCha20Rng| {
            prove_sample(&model, &pk, &input, seed, Fr::from(12345u64), rng).unwrap().file
        };
        // seeds until two different classes are drawn (about 1 in 5 seeds leaves the argmax at T = 4)
        let first = prove([0; 32], &mut rng);
        let mut other = None;
        for i in 1..40u8 {
            let p = prove([i; 32], &mut rng);
            if p.output.index != first.output.index {
                other = Some(p);
                break;
            }
        }
        let other = other.expect("a seed that draws another class");
        for p in [&first, &other] {
            let st = verify_bytes(&b.key, &json(p)).unwrap_or_else(|e| panic!("{sampling:?}: {e}"));
            assert_eq!(st.output_index, p.output.index);
        }
        // the first proof presented with the other seed, or with the other class: rejected
        let bad = edited(&first, |s| s.seed = other.statement.seed.clone());
        assert_eq!(rejected(verify_bytes(&b.key, &bad)), VerifyError::Rejected);
        let bad = edited(&first, |s| s.output_index = other.output.index);
        assert_eq!(rejected(verify_bytes(&b.key, &bad)), VerifyError::Rejected);
    }
}

/// Compiles `name` once and sets it up twice (two independent setups of the same model).
fn two_setups(name: &str) -> (tempfile::TempDir, PathBuf, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let (a, b) = (tmp.path().join("a"), tmp.path().join("b"));
    compile_to_dir(&fixture(name).join("model.onnx"), None, &a, &CompileOptions::default()).unwrap();
    std::fs::create_dir_all(&b).unwrap();
    std::fs::copy(a.join("model.compiled"), b.join("model.compiled")).unwrap();
    setup_dir(&a, &mut ChaCha20Rng::seed_from_u64(21)).unwrap();
    setup_dir(&b, &mut ChaCha20Rng::seed_from_u64(22)).unwrap();
    (tmp, a, b)
}

fn key_error(r: anyhow::Result<verinfer_circuits::ProvingKey>) -> (KeyError, String) {
    let e = match r {
        Err(e) => e,
        Ok(_) => panic!("the proving key was accepted"),
    };
    let line = format!("{e:#}");
    match e.downcast::<KeyError>() {
        Ok(k) => (k, line),
        Err(e) => panic!("expected a KeyError, got {e:#}"),
    }
}

#[test]
fn a_proving_key_edited_after_setup_gives_no_proof() {
    use verinfer_circuits::groth16::{key_file_digest, keyfile::HEADER_LEN};
    let b = build("iris_mlp", OutputMode::Tensor, 8);
    let model = load_model(&b.build).unwrap();
    let input = read_input(&fixture("iris_mlp").join("input.json"), &model.graph.input).unwrap();
    let path = b.build.join("proving.key");
    let original = std::fs::read(&path).unwrap();
    // A point of a query changed, and the body's own checksum made to match: only the file's
    // SHA-256 recorded in setup.json tells, and it is checked as the proof streams the key.
    let mut edited = original.clone();
    let at = HEADER_LEN + (edited.len() - HEADER_LEN) * 3 / 4;
    edited[at] ^= 1;
    let body = key_file_digest(&edited[HEADER_LEN..]);
    edited[HEADER_LEN - 32..HEADER_LEN].copy_from_slice(&body);
    for bytes in [edited, {
        let mut e = original.clone();
        e[at] ^= 1;
        e
    }] {
        std::fs::write(&path, &bytes).unwrap();
        // The key pair still matches, so loading cannot tell.
        let pk = load_proving_key(&b.build, &model).unwrap();
        let mut rng = ChaCha20Rng::seed_from_u64(9);
        let e = prove_sample(&model, &pk, &input, [7u8; 32], Fr::from(1u64), &mut rng).err().expect("no proof");
        let line = format!("{e:#}");
        match e.downcast::<KeyError>() {
            Ok(KeyError::DigestMismatch { file, actual, .. }) => {
                assert_eq!(file, path);
                assert_eq!(actual, hex::encode(key_file_digest(&bytes)));
            }
            other => panic!("expected a digest mismatch, got {other:?}"),
        }
        assert!(line.contains("setup.json"), "{line}");
    }
    // The file setup wrote proves.
    std::fs::write(&path, &original).unwrap();
    let pk = load_proving_key(&b.build, &model).unwrap();
    prove_sample(&model, &pk, &input, [7u8; 32], Fr::from(1u64), &mut ChaCha20Rng::seed_from_u64(9)).unwrap();
}

#[test]
fn a_proving_key_from_another_setup_is_refused_before_proving() {
    let (_tmp, a, b) = two_setups("iris_mlp");
    let model = load_model(&a).unwrap();
    let load_proving_key = |dir: &std::path::Path| load_proving_key(dir, &model);
    load_proving_key(&a).unwrap();
    // B's proving key in A: its embedded verifying key is not A's verifying.key.
    std::fs::copy(b.join("proving.key"), a.join("proving.key")).unwrap();
    let (e, line) = key_error(load_proving_key(&a));
    assert!(matches!(e, KeyError::Mismatch { .. }), "{e:?}");
    assert!(line.contains(&a.join("proving.key").display().to_string()), "{line}");
    assert!(line.contains(&a.join("verifying.key").display().to_string()), "{line}");
    // ... with B's setup record too: still the mismatch, named first.
    std::fs::copy(b.join("setup.json"), a.join("setup.json")).unwrap();
    assert!(matches!(key_error(load_proving_key(&a)).0, KeyError::Mismatch { .. }));
    // Both of B's keys under A's record: a consistent pair, but not the files A's setup wrote.
    std::fs::copy(b.join("verifying.key"), a.join("verifying.key")).unwrap();
    std::fs::copy(b.join("setup.json"), a.join("setup.json")).unwrap();
    load_proving_key(&a).unwrap();
    setup_dir(&b, &mut ChaCha20Rng::seed_from_u64(23)).unwrap();
    std::fs::copy(b.join("setup.json"), a.join("setup.json")).unwrap();
    let (e, line) = key_error(load_proving_key(&a));
    assert!(matches!(e, KeyError::DigestMismatch { .. }), "{e:?}");
    assert!(line.contains("setup.json"), "{line}");
    // No record: refused rather than trusted.
    std::fs::remove_file(a.join("setup.json")).unwrap();
    assert!(matches!(key_error(load_proving_key(&a)).0, KeyError::MissingRecord { .. }));
    // A pair from the library check alone.
    let pk = verinfer_circuits::ProvingKey::from_bytes(&std::fs::read(b.join("proving.key")).unwrap()).unwrap();
    let vk = verinfer_verifier::VerifyingKey::from_bytes(&std::fs::read(a.join("verifying.key")).unwrap()).unwrap();
    assert!(matches!(pk.check_pair(&vk), Err(verinfer_circuits::BackendError::KeyPairMismatch(_))));
}

#[test]
fn setup_records_both_key_digests_and_the_provenance() {
    let (_tmp, a, _b) = two_setups("iris_mlp");
    let record = verinfer::pipeline::read_setup_record(&a.join("setup.json")).unwrap();
    let digest = |f: &str| hex::encode(verinfer_circuits::groth16::key_file_digest(&std::fs::read(a.join(f)).unwrap()));
    assert_eq!(record.proving_key_sha256, digest("proving.key"));
    assert_eq!(record.verifying_key_sha256, digest("verifying.key"));
    assert_eq!(record.model_hash, load_model(&a).unwrap().model_hash().unwrap().to_hex());
    assert_eq!(record.provenance, "single-party setup, randomness supplied by the calling program");
    // Point validation accepts an honest key.
    assert_eq!(record.lowering, 1, "iris_mlp uses no gadget changed since the first lowering");
    let pk = load_proving_key_with(&a, &load_model(&a).unwrap(), PointValidation::Yes).unwrap();
    assert_eq!(pk.to_bytes().unwrap(), std::fs::read(a.join("proving.key")).unwrap());
}

/// Rewrites `setup.json`'s `lowering` (None: removes it, as records before version 3 lack it).
fn set_lowering(dir: &std::path::Path, lowering: Option<u32>) {
    let path = dir.join("setup.json");
    let mut record: serde_json::Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    let fields = record.as_object_mut().unwrap();
    match lowering {
        Some(v) => fields.insert("lowering".into(), v.into()),
        None => fields.remove("lowering"),
    };
    std::fs::write(&path, serde_json::to_vec(&record).unwrap()).unwrap();
}

#[test]
fn keys_made_for_other_constraints_are_refused_before_proving() {
    // digits_cnn pools 2x2 windows, whose constraints changed in lowering 2: keys set up before
    // (records without `lowering`) no longer fit its circuit
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("build");
    compile_to_dir(&fixture("digits_cnn").join("model.onnx"), None, &dir, &CompileOptions::default()).unwrap();
    setup_dir(&dir, &mut ChaCha20Rng::seed_from_u64(3)).unwrap();
    let model = load_model(&dir).unwrap();
    let record = verinfer::pipeline::read_setup_record(&dir.join("setup.json")).unwrap();
    assert_eq!(record.lowering, 2);
    load_proving_key(&dir, &model).unwrap();
    for (lowering, recorded) in [(None, 1), (Some(1), 1), (Some(3), 3)] {
        set_lowering(&dir, lowering);
        let (e, line) = key_error(load_proving_key(&dir, &model));
        assert!(matches!(e, KeyError::StaleLowering { recorded: r, current: 2, .. } if r == recorded), "{e:?}");
        assert!(line.contains("verinfer setup"), "{line}");
    }
    // a model using no changed gadget keeps its old keys
    let (_tmp, a, _b) = two_setups("iris_mlp");
    set_lowering(&a, None);
    load_proving_key(&a, &load_model(&a).unwrap()).unwrap();
}

#[test]
fn the_proof_field_accepts_0x_like_the_statement_fields() {
    let b = build("iris_mlp", OutputMode::Tensor, 9);
    let mut p = b.proof.clone();
    p.proof = format!("0x{}", p.proof);
    p.statement.seed = format!("0x{}", p.statement.seed);
    p.public_inputs = p.public_inputs.iter().map(|s| format!("0x{s}")).collect();
    verify_bytes(&b.key, &json(&p)).unwrap();
    p.proof = format!("0x{}", p.proof);
    assert!(could_not_check(verify_bytes(&b.key, &json(&p))).contains("not hex"));
}

#[test]
fn readable_output_that_disagrees_with_the_statement_is_rejected() {
    let b = build("iris_mlp", OutputMode::Tensor, 10);
    verify_bytes(&b.key, &json(&b.proof)).unwrap();
    let field = |r: Result<verinfer_verifier::Statement, VerifyFailure>| match r {
        Err(VerifyFailure::Inconsistent { field, .. }) => field,
        other => panic!("expected an inconsistent field, got {other:?}"),
    };
    let mut p = b.proof.clone();
    p.output.index = (p.output.index + 1) % 3;
    assert_eq!(field(verify_bytes(&b.key, &json(&p))), "output.index");
    let mut p = b.proof.clone();
    if let Some(v) = p.output.values.as_mut() {
        v[1] += 0.5;
    }
    assert_eq!(field(verify_bytes(&b.key, &json(&p))), "output.values[1]");
    let mut p = b.proof.clone();
    p.output.values.as_mut().map(Vec::pop);
    assert_eq!(field(verify_bytes(&b.key, &json(&p))), "output.values");
    let mut p = b.proof.clone();
    p.output.values = None;
    assert_eq!(field(verify_bytes(&b.key, &json(&p))), "output.values");
    // A scale that disagrees with the values; with the model, the scale itself.
    let mut p = b.proof.clone();
    p.output.scale += 1;
    assert!(field(verify_bytes(&b.key, &json(&p))).starts_with("output.values["));
    let model = load_model(&b.build).unwrap();
    let for_model = |p: &ProofFile| verinfer::pipeline::verify_bytes_for_model(&b.key, &json(p), Some(&model));
    for_model(&b.proof).unwrap();
    // Values rewritten at the wrong scale consistently: only the model can tell.
    if let Some(v) = p.output.values.as_mut() {
        v.iter_mut().for_each(|x| *x /= 2.0);
    }
    verify_bytes(&b.key, &json(&p)).unwrap();
    assert_eq!(field(for_model(&p)), "output.scale");
    let mut p = b.proof.clone();
    p.model_name = "another_model".into();
    verify_bytes(&b.key, &json(&p)).unwrap();
    assert_eq!(field(for_model(&p)), "model_name");
    // Commitment mode: values are not proven, so none may be shown.
    let c = build("iris_mlp", OutputMode::Commitment, 11);
    verify_bytes(&c.key, &json(&c.proof)).unwrap();
    let mut p = c.proof.clone();
    p.output.values = Some(vec![0.0; 3]);
    assert_eq!(field(verify_bytes(&c.key, &json(&p))), "output.values");
}

/// Issue 12, item 3: the load-time cost of validating every point of a proving key, against
/// loading it unvalidated and against one proof. `cargo test --release -p verinfer --test e2e
/// measure_proving_key_validation -- --ignored --nocapture` (MEASURE_MODEL picks the fixture).
#[test]
#[ignore]
fn measure_proving_key_validation() {
    let name = std::env::var("MEASURE_MODEL").unwrap_or_else(|_| "digits_mlp".into());
    let b = build(&name, OutputMode::Tensor, 12);
    let bytes = std::fs::read(b.build.join("proving.key")).unwrap();
    let model = load_model(&b.build).unwrap();
    let input = read_input(&fixture(&name).join("input.json"), &model.graph.input).unwrap();
    let median = |f: &mut dyn FnMut()| {
        let mut t: Vec<f64> = (0..7)
            .map(|_| {
                let s = std::time::Instant::now();
                f();
                s.elapsed().as_secs_f64() * 1e3
            })
            .collect();
        t.sort_by(f64::total_cmp);
        t[3]
    };
    let no = median(&mut || {
        verinfer_circuits::ProvingKey::from_bytes(&bytes).unwrap();
    });
    let yes = median(&mut || {
        verinfer_circuits::ProvingKey::from_bytes_validated(&bytes).unwrap();
    });
    let model = load_model(&b.build).unwrap();
    let checked = median(&mut || {
        load_proving_key(&b.build, &model).unwrap();
    });
    let pk = verinfer_circuits::ProvingKey::from_bytes(&bytes).unwrap();
    let mut rng = ChaCha20Rng::seed_from_u64(1);
    let prove = median(&mut || {
        prove_sample(&model, &pk, &input, [7; 32], Fr::from(1u64), &mut rng).unwrap();
    });
    println!(
        "{name}: proving key {} KiB, {} threads; load (ms, median of 7): Validate::No {no:.1}, Validate::Yes {yes:.1}, \
         load_proving_key (vk + digests) {checked:.1}; one prove {prove:.1}; validation adds {:.1} ms = {:.0}% of a prove",
        bytes.len() / 1024,
        rayon::current_num_threads(),
        yes - no,
        (yes - no) / prove * 100.0
    );
}
