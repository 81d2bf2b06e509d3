//! Both witness maps prove the same circuit: a key built for snarkjs's reduction (as a ceremony's
//! `.zkey` is) proves with `Qap::Circom`, and the flag in the key file decides which map is used.
mod support;
use ark_bn254::Bn254;
use ark_groth16::Groth16;
use ark_snark::SNARK;
use rand::SeedableRng;
use support::{iris, iris_fixture};
use verinfer_circuits::groth16::{constraint_count, matrices};
use verinfer_circuits::qap::{CircomReduction, Qap};
use verinfer_circuits::r1cs::model::ModelCircuit;
use verinfer_circuits::{assign, prove, ProvingKey};
use verinfer_compiler::data::read_samples;
use verinfer_ir::{quantize_input, CompiledModel};
use verinfer_verifier::{verify, Fr, VerifyingKey};

fn circom_setup(m: &CompiledModel) -> (ProvingKey, VerifyingKey) {
    let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(7);
    let circuit = ModelCircuit::for_setup(m).unwrap();
    let (pk, vk) = Groth16::<Bn254, CircomReduction>::circuit_specific_setup(circuit, &mut rng).unwrap();
    let model_hash = m.model_hash().unwrap().0;
    (
        ProvingKey::from_ark(model_hash, &pk, Qap::Circom).unwrap(),
        VerifyingKey { model_hash, layout: m.statement_layout(), vk },
    )
}

#[test]
fn a_circom_style_key_proves_with_the_circom_map_and_not_with_arkworks_own() {
    let m = iris();
    let (mut pk, vk) = circom_setup(&m);
    let x = read_samples(&iris_fixture("input.json")).unwrap().remove(0);
    let w = assign(&m, quantize_input(&m.graph, &x).unwrap(), Fr::from(5u64), [1; 32]).unwrap();
    let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(8);
    let proof = prove(&m, &pk, &w, &mut rng).unwrap();
    let statement = w.statement.clone();
    verify(&vk.prepare(), &statement, &proof).expect("a Circom-map proof verifies");

    // The same key read as an arkworks key: the H query does not match the witness map.
    pk.qap = Qap::Libsnark;
    let wrong = prove(&m, &pk, &w, &mut rng).unwrap();
    assert!(verify(&vk.prepare(), &statement, &wrong).is_err(), "the wrong witness map must not verify");
}

#[test]
fn the_witness_map_survives_the_key_file() {
    let m = iris();
    let (pk, _) = circom_setup(&m);
    let back = ProvingKey::from_bytes(&pk.to_bytes().unwrap()).unwrap();
    assert_eq!(back.qap, Qap::Circom);
    let (own, _) = verinfer_circuits::setup(&m, &mut rand_chacha::ChaCha20Rng::seed_from_u64(9)).unwrap();
    assert_eq!(ProvingKey::from_bytes(&own.to_bytes().unwrap()).unwrap().qap, Qap::Circom, "setup's own keys");
    let circuit = ModelCircuit::for_setup(&m).unwrap();
    let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(10);
    let (ark_pk, _) = Groth16::<Bn254>::circuit_specific_setup(circuit, &mut rng).unwrap();
    let plain = ProvingKey::from_ark(own.model_hash, &ark_pk, Qap::Libsnark).unwrap();
    assert_eq!(ProvingKey::from_bytes(&plain.to_bytes().unwrap()).unwrap().qap, Qap::Libsnark);
    let mut bytes = pk.to_bytes().unwrap();
    bytes[40] = 7;
    assert!(ProvingKey::from_bytes(&bytes).is_err(), "an unknown witness map is refused");
}

#[test]
fn the_matrices_are_the_circuit_groth16_sees() {
    let m = iris();
    let r1cs = matrices(&m).unwrap();
    assert_eq!(r1cs.a.len(), constraint_count(&m).unwrap());
    assert_eq!((r1cs.b.len(), r1cs.c.len()), (r1cs.a.len(), r1cs.a.len()));
    assert_eq!(r1cs.num_instance, m.statement_layout().num_public_inputs() + 1);
    let vars = r1cs.num_instance + r1cs.num_witness;
    for row in r1cs.a.iter().chain(&r1cs.b).chain(&r1cs.c) {
        assert!(row.iter().all(|&(_, i)| i < vars));
    }
}
