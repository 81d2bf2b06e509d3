//! Real halo2 proofs of a fixture: setup, prove, verify through the verifier core's trait; a
//! tampered proof, another statement and a tampered key are refused.
use std::path::Path;
use verinfer_compiler::{compile, data::read_samples, CompileOptions};
use verinfer_halo2::prover::{prove, setup};
use verinfer_halo2::verifier::KeyFile;
use verinfer_halo2::{witness, Fp, Halo2};
use verinfer_ir::{evaluate, quantize_input, OutputMode};
use verinfer_verifier::{Verifier, VerifyError};

fn fixture(name: &str, file: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures").join(name).join(file)
}

#[test]
fn a_fixture_proves_and_verifies_and_tampering_is_refused() {
    let name = "iris_mlp";
    let onnx = std::fs::read(fixture(name, "model.onnx")).unwrap();
    let cal = read_samples(&std::fs::read_to_string(fixture(name, "calibration.json")).unwrap()).unwrap();
    let m = compile(&onnx, &cal, &CompileOptions { output_mode: OutputMode::Tensor, ..CompileOptions::default() })
        .unwrap()
        .model;
    let key_file = setup(&m).unwrap();
    let bytes = key_file.to_bytes().unwrap();
    let key = Halo2::prepare(&Halo2::decode_key(&bytes).unwrap()).unwrap();

    let x = read_samples(&std::fs::read_to_string(fixture(name, "input.json")).unwrap()).unwrap().remove(0);
    let eval = evaluate(&m.graph, &quantize_input(&m.graph, &x).unwrap()).unwrap();
    let hash = m.model_hash().unwrap().0;
    let (st, draw) = witness::statement(&m, hash, &eval, Fp::from(7), [5; 32]).unwrap();
    let proof = prove(&key, &m, &eval, (Fp::from(7), &st, draw.as_ref()), [9; 32]).unwrap();
    println!("k = {}, proof {} bytes", key_file.header.k, proof.len());
    let proof = Halo2::decode_proof(&proof).unwrap();
    Halo2::verify(&key, &st, &proof).unwrap();

    // another statement: the index, an output value, the seed
    let mut other = st.clone();
    other.output_index ^= 1;
    assert_eq!(Halo2::verify(&key, &other, &proof), Err(VerifyError::Rejected));
    let mut other = st.clone();
    other.seed[0] ^= 1;
    assert_eq!(Halo2::verify(&key, &other, &proof), Err(VerifyError::Rejected));
    // every 97th byte of the proof flipped
    for i in (0..proof.len()).step_by(97) {
        let mut bad = proof.clone();
        bad[i] ^= 1;
        assert!(Halo2::verify(&key, &st, &bad).is_err(), "byte {i} flipped but accepted");
    }
    assert!(Halo2::verify(&key, &st, &proof[..proof.len() / 2].to_vec()).is_err());
    assert!(Halo2::decode_proof(&[]).is_err());

    // a key whose recorded digest, parameters or model do not match is refused on load
    let mut bad = KeyFile::from_bytes(&bytes).unwrap();
    bad.header.vk_sha256 = "00".repeat(32);
    assert!(matches!(bad.prepare(), Err(VerifyError::MalformedKey(_))));
    let mut bad = KeyFile::from_bytes(&bytes).unwrap();
    let n = bad.params.len();
    bad.params[n - 5] ^= 1;
    assert!(matches!(bad.prepare(), Err(VerifyError::MalformedKey(_))));
    let mut bad = KeyFile::from_bytes(&bytes).unwrap();
    bad.model.graph.nodes[1].name.push('x');
    assert!(matches!(bad.prepare(), Err(VerifyError::MalformedKey(_))));
    for cut in [0, 3, 10, bytes.len() / 2] {
        assert!(
            KeyFile::from_bytes(&bytes[..cut]).is_err()
                || KeyFile::from_bytes(&bytes[..cut]).unwrap().prepare().is_err()
        );
    }
}

#[test]
fn a_seeded_draw_proves_and_verifies_and_another_seed_is_refused() {
    let name = "digits_mlp";
    let onnx = std::fs::read(fixture(name, "model.onnx")).unwrap();
    let cal = read_samples(&std::fs::read_to_string(fixture(name, "calibration.json")).unwrap()).unwrap();
    let sampling = verinfer_ir::SamplingSpec::TopK { k: 4, temperature: 2.0 };
    let m = compile(&onnx, &cal, &CompileOptions { sampling, ..CompileOptions::default() }).unwrap().model;
    let file = setup(&m).unwrap();
    let key = Halo2::prepare(&Halo2::decode_key(&file.to_bytes().unwrap()).unwrap()).unwrap();
    // a key whose model breaks the sampler's bounds is refused when read (a 254-bit fraction
    // would let a range check wrap the field)
    let mut bad = file.clone();
    if let verinfer_ir::Sampling::TopK { softmax, .. } = &mut bad.model.sampling {
        softmax.exp_frac_bits = 254;
    }
    assert!(matches!(KeyFile::from_bytes(&bad.to_bytes().unwrap()), Err(VerifyError::MalformedKey(_))));
    let x = read_samples(&std::fs::read_to_string(fixture(name, "input.json")).unwrap()).unwrap().remove(0);
    let eval = evaluate(&m.graph, &quantize_input(&m.graph, &x).unwrap()).unwrap();
    let hash = m.model_hash().unwrap().0;
    let (st, draw) = witness::statement(&m, hash, &eval, Fp::from(3), [8; 32]).unwrap();
    assert!(draw.is_some());
    let proof = prove(&key, &m, &eval, (Fp::from(3), &st, draw.as_ref()), [1; 32]).unwrap();
    Halo2::verify(&key, &st, &proof).unwrap();
    let mut other = st.clone();
    other.seed[0] ^= 1;
    assert_eq!(Halo2::verify(&key, &other, &proof), Err(VerifyError::Rejected));
}
