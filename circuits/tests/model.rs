//! The whole-model circuit on a real fixture: an honest witness satisfies it; each corrupted part of
//! the witness (an activation, the input, the claimed class, an output value, the commitment) does not.
use std::path::Path;
use verinfer_circuits::r1cs::model::reads_node_values;
use verinfer_circuits::{assign, check_witness, constraint_breakdown, constraint_count, BackendError, ProverWitness};
use verinfer_compiler::{compile, data::read_samples, CompileOptions};
use verinfer_ir::{op, quantize_input, CompiledModel, Op, OutputMode};
use verinfer_verifier::{Fr, OutputClaim};
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

fn honest(m: &CompiledModel, name: &str) -> ProverWitness {
    let x = read_samples(&fixture(name, "input.json")).unwrap().remove(0);
    assign(m, quantize_input(&m.graph, &x).unwrap(), Fr::from(99u64), [3; 32]).unwrap()
}

fn unsatisfied(m: &CompiledModel, w: &ProverWitness) -> bool {
    matches!(check_witness(m, w), Err(BackendError::Unsatisfied(_)))
}

#[test]
fn honest_witnesses_satisfy_every_fixture() {
    for name in MODELS {
        for mode in [OutputMode::Tensor, OutputMode::Commitment] {
            let m = model(name, mode);
            check_witness(&m, &honest(&m, name)).unwrap_or_else(|e| panic!("{name} {mode:?}: {e}"));
        }
    }
}

#[test]
fn corrupted_activations_are_caught_at_every_node() {
    for name in ["iris_mlp", "digits_cnn", "digits_bn_cnn", "digits_mlp_qdq", "digits_mlp_qop"] {
        corrupted_activations_are_caught(name);
    }
}

fn corrupted_activations_are_caught(name: &str) {
    let m = model(name, OutputMode::Tensor);
    let w = honest(&m, name);
    // Every node, the linear ones included: these models' consumers turn each linear output into a
    // witness (a rescale's remainder, a range check's bits), which must then disagree with the
    // combination. (`reads_node_values` tells the ops whose own constraints catch it.)
    for (ni, node) in m.graph.nodes.iter().enumerate() {
        let mut bad = w.clone();
        bad.eval.values[ni][0] += 1;
        let own = if reads_node_values(&m.graph, &node.op) { "its own constraints" } else { "its consumers" };
        assert!(unsatisfied(&m, &bad), "node {ni} ({}) corrupted but satisfied ({own})", node.op.kind());
    }
}

#[test]
fn wrong_claims_are_unsatisfiable() {
    for mode in [OutputMode::Tensor, OutputMode::Commitment] {
        let m = model("digits_mlp", mode);
        let w = honest(&m, "digits_mlp");
        // every other class
        for k in 0..10 {
            if k == w.statement.output_index {
                continue;
            }
            let mut bad = w.clone();
            bad.statement.output_index = k;
            assert!(unsatisfied(&m, &bad), "class {k} provable in {mode:?}");
        }
        // the input commitment
        let mut bad = w.clone();
        bad.statement.input_commitment[31] ^= 1;
        assert!(unsatisfied(&m, &bad));
        // a different salt under the same commitment
        let mut bad = w.clone();
        bad.salt += Fr::from(1u64);
        assert!(unsatisfied(&m, &bad));
        // the revealed output
        let mut bad = w.clone();
        match &mut bad.statement.output {
            OutputClaim::Tensor(v) => v[3] -= 1,
            OutputClaim::Commitment(c) => c[31] ^= 1,
        }
        assert!(unsatisfied(&m, &bad));
        // another model's hash
        let mut bad = w.clone();
        bad.statement.model_hash[0] ^= 1;
        assert!(unsatisfied(&m, &bad));
    }
}

#[test]
fn constraint_counts_are_the_documented_sums() {
    // digits: input 64 x (w_in + 1); Poseidon over the commitment elements; per hidden unit a rescale
    // (16 + k + 1) and a ReLU (1); per logit a rescale, an equality with its public input and the
    // argmax share (17 + 1 + 2) + 2; model-hash limbs 2.
    let m = model("digits_mlp", OutputMode::Tensor);
    let ir = &m.graph;
    let w_in = ir.nodes[0].bits.0 as usize;
    let mut expect = 64 * (w_in + 1) + 2 + 1; // + the commitment equality
    let per = verinfer_circuits::commit::per_element(w_in as u8);
    let elements = 4 + 64usize.div_ceil(per);
    let t = elements + 1;
    expect += 3 * (8 * t + verinfer_circuits::poseidon::params(elements).partial_rounds);
    for n in &ir.nodes {
        match n.op {
            Op::Rescale(op::Rescale { shift, .. }) => expect += n.len() * (n.bits.0 as usize + shift as usize + 1),
            Op::Relu(_) => expect += n.len(),
            _ => {}
        }
    }
    let classes = ir.output_node().len();
    let w_out = ir.output_node().bits.0 as usize;
    expect += classes + classes * (1 + 1 + (w_out + 1) + 1) + 2;
    assert_eq!(constraint_count(&m).unwrap(), expect);
}

#[test]
fn the_breakdown_adds_up_and_puts_each_gadget_where_it_belongs() {
    for name in ["digits_mlp", "digits_cnn"] {
        let m = model(name, OutputMode::Tensor);
        let by = constraint_breakdown(&m).unwrap();
        assert_eq!(by.values().sum::<usize>(), constraint_count(&m).unwrap(), "{name}: {by:?}");
        // the rescales: (width + shift + 1) per element, as the documented sum above
        let rescale: usize = m
            .graph
            .nodes
            .iter()
            .filter_map(|n| match n.op {
                Op::Rescale(op::Rescale { shift, .. }) => Some(n.len() * (n.bits.0 as usize + shift as usize + 1)),
                _ => None,
            })
            .sum();
        assert_eq!(by["rescale"], rescale, "{name}");
        assert_eq!(by["statement"], 2, "the model hash limbs");
        assert!(by["input_commitment"] > 0 && by["sampling"] > 0, "{name}: {by:?}");
        // free gadgets are absent or zero
        for free in ["linear", "conv", "gather"] {
            assert_eq!(by.get(free).copied().unwrap_or(0), 0, "{name}: {free} costs nothing");
        }
    }
}

#[test]
fn proving_a_corrupted_witness_is_refused_not_a_bad_proof() {
    use rand::{rngs::StdRng, SeedableRng};
    let m = model("iris_mlp", OutputMode::Tensor);
    let w = honest(&m, "iris_mlp");
    let (pk, _) = verinfer_circuits::setup(&m, &mut StdRng::seed_from_u64(1)).unwrap();
    verinfer_circuits::prove(&m, &pk, &w, &mut StdRng::seed_from_u64(2)).unwrap();
    let ni = m.graph.nodes.iter().position(|n| matches!(n.op, Op::Rescale(_))).unwrap();
    let mut bad = w.clone();
    bad.eval.values[ni][0] += 1;
    match verinfer_circuits::prove(&m, &pk, &bad, &mut StdRng::seed_from_u64(2)) {
        Err(BackendError::Unsatisfied(at)) => assert!(at.contains("evaluator and the circuit disagree"), "{at}"),
        other => panic!("a corrupted witness gave {:?}", other.map(|_| "a proof")),
    }
}
