//! End to end on every fixture, and every way a proof must be rejected: seeded and in-process.
use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;
use std::path::{Path, PathBuf};
use verinfer::pipeline::{
    compile_to_dir, load_model, load_proving_key, prove_sample, read_input, setup_dir, verify_bytes, VerifyFailure,
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
    let pk = load_proving_key(&build).unwrap();
    let input = read_input(&fixture(name).join("input.json")).unwrap();
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
        let pk = load_proving_key(&b.build).unwrap();
        let input = read_input(&fixture("digits_mlp").join("input.json")).unwrap();
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
