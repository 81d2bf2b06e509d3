//! Malformed or oversized ONNX content is a typed error, never a panic or an abort: huge dimensions
//! on the graph input, pads and windows that would build maps of terabytes, truncated real models.
use onnx_protobuf::{tensor_proto::DataType, NodeProto};
use verinfer_compiler::{compile, data, CompileError, CompileOptions};

mod common;
use common::{init_int, ints, model_with_opset, node, one_input_model};

/// A one-node-list model (input "x" of `in_dims`, output "y" [1, 3]) with no initializers.
fn model(nodes: Vec<NodeProto>, in_dims: &[i64]) -> Vec<u8> {
    let dims: Vec<usize> = in_dims.iter().map(|&d| d as usize).collect();
    model_with_opset(nodes, vec![], &dims, &[1, 3], 13)
}

fn refused(bytes: &[u8]) -> String {
    compile(bytes, &[vec![0.5; 3]], &CompileOptions::default()).expect_err("must be refused").to_string()
}

#[test]
fn huge_graph_input_dimensions_are_refused() {
    let big = 1i64 << 40;
    // a Transpose of [1, 2^40] used to build a 16 TB index map (abort); [2^40, 2^40] overflowed
    // the element count
    for dims in [vec![1, big], vec![big, big], vec![1, 1 << 31, 1 << 31]] {
        for op in ["Transpose", "Relu", "Concat"] {
            let inputs: &[&str] = if op == "Concat" { &["x", "x"] } else { &["x"] };
            let e = refused(&model(vec![node(op, "n", inputs, &["y"])], &dims));
            assert!(e.contains("graph input 'x'") && e.contains("more than 16777216 elements"), "{e}");
        }
    }
}

#[test]
fn pads_and_windows_that_would_not_fit_in_memory_are_refused() {
    for p in [1i64 << 40, i64::MAX / 2] {
        // pads summing past i64 used to overflow; 2^40 used to allocate a 2^40-entry map
        let pad = one_input_model(
            vec![node("Pad", "pad", &["x", "pads"], &["y"])],
            vec![init_int("pads", &[4], DataType::INT64, &[0, 0, p, p])],
            &[1, 3],
            &[1, 3],
        );
        let e = refused(&pad);
        assert!(e.contains("node 'pad'") && e.contains("more than 16777216 elements"), "{e}");
    }
    // a pooling window of 2^20 positions at 2^20 output positions: 2^40 map entries
    let mut mp = node("MaxPool", "pool", &["x"], &["y"]);
    mp.attribute = vec![ints("kernel_shape", &[1 << 20]), ints("pads", &[1 << 20, 1 << 20])];
    let e = refused(&model(vec![mp], &[1, 1, 3]));
    assert!(e.contains("node 'pool'") && e.contains("positions in all"), "{e}");
    let mut mp = node("MaxPool", "pool", &["x"], &["y"]);
    mp.attribute = vec![ints("kernel_shape", &[2]), ints("pads", &[i64::MAX, 0])];
    let e = refused(&model(vec![mp], &[1, 1, 3]));
    assert!(e.contains("node 'pool'") && e.contains("pad of"), "{e}");
}

#[test]
fn truncated_and_corrupted_fixtures_are_typed_errors() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures/iris_mlp");
    let bytes = std::fs::read(dir.join("model.onnx")).unwrap();
    let cal = data::read_samples(&std::fs::read_to_string(dir.join("input.json")).unwrap()).unwrap();
    compile(&bytes, &cal, &CompileOptions::default()).unwrap();
    for len in 0..bytes.len() {
        // a prefix either fails with a typed error or, cut at a field boundary, still compiles
        let _ = compile(&bytes[..len], &cal, &CompileOptions::default());
    }
    let mut state = 0x2545f4914f6cdd1du64;
    for _ in 0..300 {
        let mut b = bytes.clone();
        for _ in 0..3 {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let i = (state as usize) % b.len();
            b[i] = (state >> 32) as u8;
        }
        if let Err(e) = compile(&b, &cal, &CompileOptions::default()) {
            assert!(!matches!(e, CompileError::Internal(_)), "{e}");
        }
    }
}
