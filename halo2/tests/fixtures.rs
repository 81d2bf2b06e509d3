//! Every fixture's halo2 layout: the honest witness satisfies it (MockProver), and a corrupted
//! activation does not.
use halo2_proofs::dev::MockProver;
use std::path::Path;
use verinfer_compiler::{compile, data::read_samples, CompileOptions};
use verinfer_halo2::model::{lower, reads_node_values, Witness};
use verinfer_halo2::statement::public_inputs;
use verinfer_halo2::{k_for, keys, witness, Fp};
use verinfer_ir::{evaluate, quantize_input, CompiledModel, Evaluation, OutputMode};
use verinfer_protocol::Statement;
include!("../../fixtures/models.rs");

fn fixture(name: &str, file: &str) -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures").join(name).join(file)).unwrap()
}

fn model(name: &str, mode: OutputMode) -> CompiledModel {
    let onnx =
        std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures").join(name).join("model.onnx")).unwrap();
    let cal = read_samples(&fixture(name, "calibration.json")).unwrap();
    compile(&onnx, &cal, &CompileOptions { output_mode: mode, ..CompileOptions::default() }).unwrap().model
}

fn honest(m: &CompiledModel, name: &str) -> (Evaluation, Statement) {
    let x = read_samples(&fixture(name, "input.json")).unwrap().remove(0);
    let eval = evaluate(&m.graph, &quantize_input(&m.graph, &x).unwrap()).unwrap();
    let hash = m.model_hash().unwrap().0;
    let st = witness::statement(m, hash, &eval, Fp::from(99), [3; 32]).unwrap();
    (eval, st)
}

fn satisfied(m: &CompiledModel, values: &[Vec<i64>], st: &Statement) -> bool {
    let hash = m.model_hash().unwrap().0;
    let layout = lower(m, &hash, Some(&Witness { values, salt: Fp::from(99), statement: st })).unwrap();
    let public = public_inputs(st).unwrap();
    let k = k_for(&layout, public.len());
    MockProver::run(k, &keys::circuit(layout), vec![public]).unwrap().verify().is_ok()
}

#[test]
fn honest_witnesses_satisfy_every_fixture() {
    for name in MODELS {
        for mode in [OutputMode::Tensor, OutputMode::Commitment] {
            let m = model(name, mode);
            let (eval, st) = honest(&m, name);
            let hash = m.model_hash().unwrap().0;
            let shape = lower(&m, &hash, None).unwrap();
            println!("{name} {mode:?}: {} rows", shape.len());
            assert!(satisfied(&m, &eval.values, &st), "{name} {mode:?}");
            // the key is made from the layout without values, the proof from the one with them:
            // the two must be the same circuit
            let w = Witness { values: &eval.values, salt: Fp::from(99), statement: &st };
            let full = lower(&m, &hash, Some(&w)).unwrap();
            assert!(shape.rows == full.rows, "{name} {mode:?}: the rows depend on the witness");
            assert!(shape.copies == full.copies && shape.public == full.public, "{name} {mode:?}: copies differ");
            assert_eq!(shape.tables, full.tables, "{name} {mode:?}");
        }
    }
}

#[test]
fn a_corrupted_activation_or_claim_is_caught() {
    for name in ["iris_mlp", "digits_cnn", "digits_mlp_qdq", "breast_cancer_sigmoid"] {
        corrupted_activations_are_caught(name);
    }
    let m = model("iris_mlp", OutputMode::Tensor);
    let (eval, st) = honest(&m, "iris_mlp");
    let mut wrong = st.clone();
    wrong.output_index = (st.output_index + 1) % 3;
    assert!(!satisfied(&m, &eval.values, &wrong));
    let mut wrong = st.clone();
    wrong.input_commitment[31] ^= 1;
    assert!(!satisfied(&m, &eval.values, &wrong));
    let mut wrong = st.clone();
    wrong.model_hash[0] ^= 1;
    assert!(!satisfied(&m, &eval.values, &wrong));
}

fn corrupted_activations_are_caught(name: &str) {
    let m = model(name, OutputMode::Tensor);
    let (eval, st) = honest(&m, name);
    let mut checked = 0;
    for (ni, node) in m.graph.nodes.iter().enumerate() {
        if !reads_node_values(&m.graph, &node.op) {
            continue; // no cell holds these values (wiring, a sign limb)
        }
        let mut bad = eval.values.clone();
        bad[ni][0] += 1;
        assert!(!satisfied(&m, &bad, &st), "{name}: node {ni} ({}) corrupted but satisfied", node.op.kind());
        checked += 1;
    }
    assert!(checked * 2 > m.graph.nodes.len(), "{name}: only {checked} nodes checked");
}
