//! HardSwish's exact lowering, `x clamp(x + 3, 0, 6) / 6` as a clamp, one product and one rescale
//! (compiler/src/quantize/builder.rs `hard_swish`): it matches the formula, uses no table, every value it
//! reads is bound to its operands (a corrupted one leaves the system unsatisfied), and its cost per
//! element is pinned.
#[path = "../../compiler/tests/common/mod.rs"]
mod common;
mod support;

use common::*;
use support::{close, run, tolerance, uniform};
use verinfer_circuits::r1cs::model::reads_node_values;
use verinfer_circuits::{assign, check_witness, constraint_breakdown, constraint_count, BackendError};
use verinfer_ir::quantize_input;
use verinfer_verifier::Fr;

#[test]
fn hard_swish_is_exact_sound_and_costs_about_80_constraints_per_element() {
    let n = 64;
    let x = uniform(n, -7.0, 7.0, 11);
    let cal = vec![x.clone(), uniform(n, -7.0, 7.0, 12), uniform(n, -7.0, 7.0, 13)];
    let onnx = model_with_opset(vec![node("HardSwish", "hs", &["x"], &["y"])], vec![], &[1, n], &[1, n], 14);
    let (got, m) = run(&onnx, &cal);
    let want: Vec<f64> = x.iter().map(|&v| v * (v / 6.0 + 0.5).clamp(0.0, 1.0)).collect();
    close(&got, &want, tolerance(&want) / 10.0).unwrap();
    let ops: Vec<&str> = m.graph.nodes.iter().map(|n| n.op.kind()).collect();
    assert!(!ops.contains(&"table"), "{ops:?}");
    assert!(ops.contains(&"clamp") && ops.contains(&"mul"), "{ops:?}");

    // a corrupted value of any node the circuit reads (input, gate, rescale) is caught
    let honest = assign(&m, quantize_input(&m.graph, &x).unwrap(), Fr::from(5u64), [1; 32]).unwrap();
    check_witness(&m, &honest).unwrap();
    for (ni, node) in m.graph.nodes.iter().enumerate() {
        if !reads_node_values(&m.graph, &node.op) {
            continue;
        }
        for i in [0, n / 2, n - 1] {
            let mut bad = honest.clone();
            bad.eval.values[ni][i] += 1;
            assert!(
                matches!(check_witness(&m, &bad), Err(BackendError::Unsatisfied(_))),
                "node {ni} ({}) element {i} corrupted but satisfied",
                node.op.kind()
            );
        }
    }

    // cost on a 16-bit activation (a scaled input, as after a convolution): the clamp's two range
    // checks, one product, one rescale; measured as the difference to the same model without it
    let scaled = |hs: bool| {
        let mut nodes = vec![node("Mul", "scale", &["x", "c"], &[if hs { "h" } else { "y" }])];
        if hs {
            nodes.push(node("HardSwish", "hs", &["h"], &["y"]));
        }
        let onnx = model_with_opset(nodes, vec![init("c", &[], &[0.5])], &[1, n], &[1, n], 14);
        run(&onnx, &cal).1
    };
    let (with, without) = (scaled(true), scaled(false));
    let per = (constraint_count(&with).unwrap() - constraint_count(&without).unwrap()) as f64 / n as f64;
    eprintln!("HardSwish: {per:.1} constraints per element on a 16-bit operand ({:?})", constraint_breakdown(&with));
    assert!((60.0..=85.0).contains(&per), "{per} per element");
}
