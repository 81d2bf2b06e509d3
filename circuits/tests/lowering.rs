//! The R1CS lowering is pinned: frozen circuit IRs (fixtures/lowering, never regenerated) and the
//! SHA-256 of the constraint matrices verinfer writes for them. The IR cannot change, so a new
//! digest means a gadget's constraints changed; proving keys made before would then produce
//! proofs that do not verify. When this test fails, give the changed gadget kind the next version in
//! `LOWERING_CHANGES` (circuits/src/r1cs/mod.rs), so that `prove` refuses those keys, and pin the
//! new digests and versions here.
use ark_serialize::CanonicalSerialize;
use sha2::{Digest, Sha256};
use std::path::Path;
use verinfer_circuits::groth16::{matrices, Matrices};
use verinfer_circuits::lowering_version;
use verinfer_ir::CompiledModel;

/// (frozen model, lowering version, SHA-256 of its matrices)
const PINNED: &[(&str, u32, &str)] = &[
    ("digits_cnn", 2, "2bb24130b05685215b104c2851a3531ba899c277f9560cb4b02cdd3441a7f989"),
    ("digits_transformer", 2, "a995258c0f13380b06244c6e04d4de89e3ecbaa2c83061aba275067ecf43e6d9"),
    ("breast_cancer_sigmoid", 1, "618ebb87e86799255ec8ba339c4885f62ff24bf9f404221d650fecc9b481a17d"),
];

fn digest(m: &Matrices) -> String {
    let mut h = Sha256::new();
    h.update((m.num_instance as u64).to_le_bytes());
    h.update((m.num_witness as u64).to_le_bytes());
    for matrix in [&m.a, &m.b, &m.c] {
        h.update((matrix.len() as u64).to_le_bytes());
        for row in matrix {
            h.update((row.len() as u64).to_le_bytes());
            for (coeff, var) in row {
                let mut bytes = Vec::with_capacity(32);
                coeff.serialize_compressed(&mut bytes).unwrap();
                h.update(&bytes);
                h.update((*var as u64).to_le_bytes());
            }
        }
    }
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

#[test]
fn the_constraints_of_frozen_models_are_pinned_with_their_lowering_version() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures/lowering");
    let mut changed = Vec::new();
    for &(name, version, pinned) in PINNED {
        let model = CompiledModel::from_bytes(&std::fs::read(dir.join(format!("{name}.compiled"))).unwrap()).unwrap();
        let got = digest(&matrices(&model).unwrap());
        let v = lowering_version(&model.graph);
        if got != pinned || v != version {
            changed.push(format!("{name}: lowering {v} (pinned {version}), matrices {got} (pinned {pinned})"));
        }
    }
    assert!(
        changed.is_empty(),
        "the constraints changed: give the changed gadget kinds the next version in LOWERING_CHANGES, then pin:\n{}",
        changed.join("\n")
    );
}
