//! Groth16 and halo2 prove the same thing: for every fixture, both backends take the same IR
//! witness (the integer evaluator's values), accept it, and real proofs of each verify and state the
//! same output and index.
use halo2_proofs::pasta::EqAffine;
use halo2_proofs::poly::commitment::Params;
use rand::SeedableRng;
use std::collections::BTreeMap;
use std::path::Path;
use verinfer_circuits::{Backend, BackendError};
use verinfer_compiler::{compile, data::read_samples, CompileOptions};
use verinfer_halo2::Halo2;
use verinfer_ir::{quantize_input, CompiledModel, OutputMode};
use verinfer_verifier::{Fr, Groth16, Verifier};
include!("../../fixtures/models.rs");

fn fixture(name: &str, file: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures").join(name).join(file)
}

fn model(name: &str) -> CompiledModel {
    let onnx = std::fs::read(fixture(name, "model.onnx")).unwrap();
    let cal = read_samples(&std::fs::read_to_string(fixture(name, "calibration.json")).unwrap()).unwrap();
    compile(&onnx, &cal, &CompileOptions { output_mode: OutputMode::Tensor, ..CompileOptions::default() })
        .unwrap()
        .model
}

#[test]
fn every_fixture_proves_the_same_output_with_both_backends() {
    let mut params: BTreeMap<u32, Params<EqAffine>> = BTreeMap::new();
    let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(17);
    for name in MODELS {
        let m = model(name);
        let x = read_samples(&std::fs::read_to_string(fixture(name, "input.json")).unwrap()).unwrap().remove(0);
        let q = quantize_input(&m.graph, &x).unwrap();
        let (salt, seed) = (Fr::from(1234u64), [7u8; 32]);
        let g = <Groth16 as Backend>::assign(&m, q.clone(), salt, seed).unwrap();
        let h = <Halo2 as Backend>::assign(&m, q, salt, seed).unwrap();
        // one witness: the integer evaluator's
        assert_eq!(g.eval.values, h.eval.values, "{name}");
        <Groth16 as Backend>::check_witness(&m, &g).unwrap_or_else(|e| panic!("{name} groth16: {e}"));
        <Halo2 as Backend>::check_witness(&m, &h).unwrap_or_else(|e| panic!("{name} halo2: {e}"));
        // the same claim, up to the field the commitments live in
        assert_eq!((&g.statement.output, g.statement.output_index), (&h.statement.output, h.statement.output_index));
        assert_eq!((g.statement.model_hash, g.statement.seed), (h.statement.model_hash, h.statement.seed));
        assert_ne!(g.statement.input_commitment, h.statement.input_commitment, "{name}: Poseidon over two fields");

        // Groth16: setup, prove, verify
        let mut pk_bytes = std::io::Cursor::new(Vec::new());
        let vk = <Groth16 as Backend>::setup(&m, &mut pk_bytes, &mut rng).unwrap();
        let pk = verinfer_circuits::ProvingKey::from_bytes(pk_bytes.get_ref()).unwrap();
        let proof = <Groth16 as Backend>::prove(&m, &pk, &g, &mut rng, &mut Default::default()).unwrap();
        Groth16::verify(&Groth16::prepare(&vk).unwrap(), &g.statement, &proof)
            .unwrap_or_else(|e| panic!("{name}: {e}"));

        // halo2: the key file (parameters shared by size), prove, verify
        let key = verinfer_halo2::prover::setup_with(&m, &mut |k| {
            params.entry(k).or_insert_with(|| verinfer_halo2::keys::params(k)).clone()
        })
        .unwrap();
        let key = Halo2::prepare(&Halo2::decode_key(&key.to_bytes().unwrap()).unwrap()).unwrap();
        let proof = <Halo2 as Backend>::prove(&m, &key, &h, &mut rng, &mut Default::default()).unwrap();
        Halo2::verify(&key, &h.statement, &proof).unwrap_or_else(|e| panic!("{name} halo2: {e}"));
        // and the two proofs are not interchangeable
        assert!(Halo2::verify(&key, &g.statement, &proof).is_err(), "{name}: a Groth16 statement verified with halo2");
    }
}

#[test]
fn a_corrupted_witness_is_refused_by_both_backends() {
    let m = model("digits_cnn");
    let x = read_samples(&std::fs::read_to_string(fixture("digits_cnn", "input.json")).unwrap()).unwrap().remove(0);
    let q = quantize_input(&m.graph, &x).unwrap();
    let mut g = <Groth16 as Backend>::assign(&m, q.clone(), Fr::from(1u64), [0; 32]).unwrap();
    let mut h = <Halo2 as Backend>::assign(&m, q, Fr::from(1u64), [0; 32]).unwrap();
    let last_rescale = m.graph.nodes.iter().rposition(|n| n.op.kind() == "rescale").unwrap();
    g.eval.values[last_rescale][0] += 1;
    h.eval.values[last_rescale][0] += 1;
    assert!(matches!(<Groth16 as Backend>::check_witness(&m, &g), Err(BackendError::Unsatisfied(_))));
    assert!(matches!(<Halo2 as Backend>::check_witness(&m, &h), Err(BackendError::Unsatisfied(_))));
}
