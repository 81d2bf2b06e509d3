//! The canonical encoding of every op is pinned: the model hash is the SHA-256 of this JSON, so a
//! change of payload types (or of field names or order) must not change a byte of it.
use std::collections::BTreeSet;
use std::path::Path;
use verinfer_ir::{CompiledModel, Op};

/// One encoded op of every kind, in the form the artifact has had since format version 1.
const EVERY_OP: &[&str] = &[
    r#""Input""#,
    r#"{"Linear":{"input":0,"rows":1,"cols":2,"weights":[3,-4],"bias":[5]}}"#,
    r#"{"Conv":{"input":0,"geometry":{"in_channels":1,"out_channels":1,"group":1,"in_shape":[4],"kernel":[2],"strides":[1],"dilations":[1],"pads":[0],"out_shape":[3]},"weights":[1,2],"bias":[0]}}"#,
    r#"{"Affine":{"input":0,"mul":[2,3],"add":[-1,1]}}"#,
    r#"{"Rescale":{"input":1,"shift":7}}"#,
    r#"{"Relu":{"input":2}}"#,
    r#"{"Clamp":{"input":2,"lo":-128,"hi":127}}"#,
    r#"{"Step":{"input":2}}"#,
    r#"{"ArgMax":{"input":2,"size":2,"windows":[0,1]}}"#,
    r#"{"MaxPool":{"input":2,"size":2,"windows":[0,1]}}"#,
    r#"{"SumPool":{"input":2,"size":2,"windows":[1,0]}}"#,
    r#"{"Sum":{"terms":[[1,2],[3,-1]]}}"#,
    r#"{"Mul":{"a":1,"b":2}}"#,
    r#"{"Gather":{"sources":[1],"map":[[0,1],[4294967295,0]],"constants":[9]}}"#,
    r#"{"MatMul":{"a":1,"b":2,"batch":1,"m":2,"k":3,"n":4}}"#,
    r#"{"Table":{"input":1,"lo_bits":2,"values":[0,1,2]}}"#,
    r#"{"Div":{"num":1,"den":2,"shift":8}}"#,
    r#"{"Sqrt":{"input":1,"exp":4}}"#,
    r#"{"Rsqrt":{"input":1,"exp":20}}"#,
];

#[test]
fn every_op_keeps_its_encoding() {
    let mut kinds = BTreeSet::new();
    for text in EVERY_OP {
        let op: Op = serde_json::from_str(text).unwrap_or_else(|e| panic!("{text}: {e}"));
        assert_eq!(serde_json::to_string(&op).unwrap(), *text);
        kinds.insert(op.kind());
    }
    assert_eq!(kinds.len(), EVERY_OP.len(), "one encoded example per op kind");
}

#[test]
fn frozen_artifacts_reencode_to_the_same_bytes() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures/lowering");
    let mut seen = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "compiled") {
            let bytes = std::fs::read(&path).unwrap();
            let model = CompiledModel::from_bytes(&bytes).unwrap();
            assert!(model.to_bytes().unwrap() == bytes, "{} re-encodes differently", path.display());
            seen += 1;
        }
    }
    assert_eq!(seen, 3);
}
