//! Every fixture's halo2 layout: the honest witness satisfies it (MockProver), and a corrupted
//! activation does not.
use halo2_proofs::dev::MockProver;
use std::path::Path;
use verinfer_compiler::{compile, data::read_samples, CompileOptions};
use verinfer_halo2::model::{lower, reads_node_values, Witness};
use verinfer_halo2::statement::public_inputs;
use verinfer_halo2::{k_for, keys, witness, Fp};
use verinfer_ir::sampling::Draw;
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
    let (eval, st, _) = honest_draw(m, name);
    (eval, st)
}

fn honest_draw(m: &CompiledModel, name: &str) -> (Evaluation, Statement, Option<Draw>) {
    let x = read_samples(&fixture(name, "input.json")).unwrap().remove(0);
    let eval = evaluate(&m.graph, &quantize_input(&m.graph, &x).unwrap()).unwrap();
    let hash = m.model_hash().unwrap().0;
    let (st, draw) = witness::statement(m, hash, &eval, Fp::from(99), [3; 32]).unwrap();
    (eval, st, draw)
}

fn satisfied(m: &CompiledModel, values: &[Vec<i64>], st: &Statement) -> bool {
    satisfied_with_draw(m, values, st, None)
}

fn satisfied_with_draw(m: &CompiledModel, values: &[Vec<i64>], st: &Statement, draw: Option<&Draw>) -> bool {
    let hash = m.model_hash().unwrap().0;
    let layout = lower(m, &hash, Some(&Witness { values, salt: Fp::from(99), statement: st, draw })).unwrap();
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
            let w = Witness { values: &eval.values, salt: Fp::from(99), statement: &st, draw: None };
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

#[test]
fn a_seeded_draw_is_proven_and_a_wrong_class_or_seed_is_caught() {
    use verinfer_ir::SamplingSpec;
    let onnx = std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures/digits_mlp/model.onnx")).unwrap();
    let cal = read_samples(&fixture("digits_mlp", "calibration.json")).unwrap();
    for sampling in [SamplingSpec::Categorical { temperature: 4.0 }, SamplingSpec::TopK { k: 3, temperature: 2.0 }] {
        let opts = CompileOptions { sampling, ..CompileOptions::default() };
        let m = compile(&onnx, &cal, &opts).unwrap().model;
        let (eval, st, draw) = honest_draw(&m, "digits_mlp");
        let draw = draw.expect("a draw");
        assert!(satisfied_with_draw(&m, &eval.values, &st, Some(&draw)), "{sampling:?}");
        // another class (with its own, consistent claim) or another seed is refused
        let mut other = st.clone();
        other.output_index = (st.output_index + 1) % 10;
        let mut d = draw.clone();
        d.index = other.output_index as usize;
        assert!(!satisfied_with_draw(&m, &eval.values, &other, Some(&d)), "{sampling:?}");
        // a seed that draws another class cannot claim this one
        let hash = m.model_hash().unwrap().0;
        let (other, mut d) = (1..=255u8)
            .map(|b| {
                let mut seed = st.seed;
                seed[31] ^= b;
                witness::statement(&m, hash, &eval, Fp::from(99), seed).unwrap()
            })
            .find(|(s, _)| s.output_index != st.output_index)
            .map(|(s, d)| (s, d.unwrap()))
            .expect("some seed draws another class");
        let mut claim = other.clone();
        claim.output_index = st.output_index;
        d.index = st.output_index as usize;
        assert!(!satisfied_with_draw(&m, &eval.values, &claim, Some(&d)), "{sampling:?}");
        assert!(satisfied_with_draw(&m, &eval.values, &other, Some(&draw_of(&m, &eval, &other))), "{sampling:?}");
        // the layout's shape is the witness's
        let w = Witness { values: &eval.values, salt: Fp::from(99), statement: &st, draw: Some(&draw) };
        assert!(lower(&m, &hash, None).unwrap().rows == lower(&m, &hash, Some(&w)).unwrap().rows);
    }
}

fn draw_of(m: &CompiledModel, eval: &Evaluation, st: &Statement) -> Draw {
    let hash = m.model_hash().unwrap().0;
    witness::statement(m, hash, eval, Fp::from(99), st.seed).unwrap().1.unwrap()
}
