//! The streaming setup and prover are standard Groth16: a key from `setup` proves with arkworks' own
//! prover, a key from arkworks' own setup proves with `prove`, and the key file is read a chunk at a
//! time with its checksum checked before a proof is returned.
mod support;
use ark_bn254::Bn254;
use ark_groth16::Groth16;
use ark_snark::SNARK;
use rand::SeedableRng;
use support::{iris, iris_fixture};
use verinfer_circuits::groth16::keyfile::HEADER_LEN;
use verinfer_circuits::groth16::setup_to_file;
use verinfer_circuits::qap::{CircomReduction, Qap};
use verinfer_circuits::r1cs::model::ModelCircuit;
use verinfer_circuits::{assign, check_witness, prove, setup, BackendError, ProverWitness, ProvingKey};
use verinfer_compiler::data::read_samples;
use verinfer_ir::{quantize_input, CompiledModel};
use verinfer_verifier::{verify, Fr, VerifyingKey};

fn witness(m: &CompiledModel) -> ProverWitness {
    let x = read_samples(&iris_fixture("input.json")).unwrap().remove(0);
    assign(m, quantize_input(&m.graph, &x).unwrap(), Fr::from(5u64), [1; 32]).unwrap()
}

fn rng(n: u64) -> rand_chacha::ChaCha20Rng {
    rand_chacha::ChaCha20Rng::seed_from_u64(n)
}

#[test]
fn a_streaming_setup_key_proves_with_arkworks_own_prover() {
    let m = iris();
    let (pk, vk) = setup(&m, &mut rng(1)).unwrap();
    let ark_pk = pk.to_ark().unwrap();
    assert_eq!(ark_pk.vk, vk.vk);
    let w = witness(&m);
    let circuit = ModelCircuit { model: &m, model_hash: pk.model_hash, witness: Some(&w), tally: None };
    assert_eq!(pk.qap, Qap::Circom);
    let proof = Groth16::<Bn254, CircomReduction>::prove(&ark_pk, circuit, &mut rng(2)).unwrap();
    verify(&vk.prepare(), &w.statement, &verinfer_verifier::Proof(proof)).expect("arkworks' proof verifies");
    let ours = prove(&m, &pk, &w, &mut rng(3)).unwrap();
    verify(&vk.prepare(), &w.statement, &ours).expect("the streaming proof verifies");
}

#[test]
fn an_arkworks_setup_key_proves_with_the_streaming_prover() {
    let m = iris();
    let circuit = ModelCircuit::for_setup(&m).unwrap();
    let (ark_pk, ark_vk) = Groth16::<Bn254>::circuit_specific_setup(circuit, &mut rng(4)).unwrap();
    let model_hash = m.model_hash().unwrap().0;
    let pk = ProvingKey::from_ark(model_hash, &ark_pk, Qap::Libsnark).unwrap();
    let vk = VerifyingKey { model_hash, layout: m.statement_layout(), vk: ark_vk };
    let w = witness(&m);
    let proof = prove(&m, &pk, &w, &mut rng(5)).unwrap();
    verify(&vk.prepare(), &w.statement, &proof).expect("verifies");
    // Another statement does not verify with it.
    let mut other = w.statement.clone();
    other.seed[0] ^= 1;
    assert!(verify(&vk.prepare(), &other, &proof).is_err());
}

#[test]
fn a_witness_that_breaks_a_constraint_gives_a_proof_that_is_rejected() {
    let m = iris();
    let (pk, vk) = setup(&m, &mut rng(6)).unwrap();
    // Move one intermediate value by one, in the first layer whose value is a witness (linear
    // layers are linear combinations of their operands, not witnesses): a constraint breaks.
    let honest = witness(&m);
    let w = (1..honest.eval.values.len())
        .map(|layer| {
            let mut w = honest.clone();
            w.eval.values[layer][0] += 1;
            w
        })
        .find(|w| check_witness(&m, w).is_err())
        .expect("some layer's value is a witness");
    let proof = prove(&m, &pk, &w, &mut rng(7)).unwrap();
    assert!(verify(&vk.prepare(), &w.statement, &proof).is_err(), "an unsatisfied witness must not verify");
}

#[test]
fn a_key_file_is_streamed_and_its_corruption_is_caught_before_a_proof_is_returned() {
    let m = iris();
    let dir = std::env::temp_dir().join(format!("verinfer-stream-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("proving.key");
    let vk = setup_to_file(&m, std::fs::File::create(&path).unwrap(), &mut rng(8)).unwrap();
    let pk = ProvingKey::open(&path, false).unwrap();
    pk.check_pair(&vk).unwrap();
    let w = witness(&m);
    let proof = prove(&m, &pk, &w, &mut rng(9)).unwrap();
    verify(&vk.prepare(), &w.statement, &proof).expect("a proof from the key file verifies");
    // The same bytes in memory are the same key.
    let bytes = std::fs::read(&path).unwrap();
    assert_eq!(ProvingKey::from_bytes(&bytes).unwrap().vk, vk.vk);
    // A length field claiming 2^40 public inputs: refused before anything is allocated for it.
    let mut huge = bytes.clone();
    let at = HEADER_LEN + 64 + 3 * 128; // after alpha_g1, beta_g2, gamma_g2, delta_g2
    huge[at..at + 8].copy_from_slice(&(1u64 << 40).to_le_bytes());
    match ProvingKey::from_bytes(&huge) {
        Err(BackendError::MalformedProvingKey(e)) => assert!(e.contains("public inputs"), "{e}"),
        other => panic!("a huge length was accepted: {:?}", other.map(|_| ())),
    }
    // One byte of a query flipped after the key was opened: the checksum refuses the proof.
    let mut bad = bytes.clone();
    let at = bad.len() - 100;
    bad[at] ^= 1;
    std::fs::write(&path, &bad).unwrap();
    match prove(&m, &pk, &w, &mut rng(10)) {
        Err(BackendError::MalformedProvingKey(e)) => assert!(e.contains("checksum") || e.contains("invalid"), "{e}"),
        other => panic!("a corrupted key file proved: {:?}", other.map(|_| ())),
    }
    // Truncated: refused, never a panic.
    std::fs::write(&path, &bytes[..bytes.len() / 2]).unwrap();
    assert!(matches!(prove(&m, &pk, &w, &mut rng(11)), Err(BackendError::MalformedProvingKey(_))));
    std::fs::remove_dir_all(&dir).unwrap();
}
