//! Target `compiled_model`: `model.compiled` bytes through `CompiledModel::from_bytes`, then, for an
//! artifact that loads, validation, a reload of its canonical encoding, input
//! quantization and the integer evaluator on a zero input.
use verinfer_ir::{evaluate, quantize_input, CompiledModel};

/// Largest IR (sum of every node's elements) evaluated.
pub const MAX_ELEMENTS: usize = 1 << 18;

/// Loads `data` as a compiled model and exercises what `prove` does with one.
pub fn run(data: &[u8]) {
    let Ok(model) = CompiledModel::from_bytes(data) else { return };
    let ir = &model.graph;
    // from_bytes validated it: validation again must agree
    assert_eq!(ir.validate(), Ok(()), "a loaded artifact fails validation");
    // its canonical encoding (what the model hash covers) must load again
    let canonical = serde_json::to_vec(&model).expect("a loaded artifact serializes");
    if let Err(e) = CompiledModel::from_bytes(&canonical) {
        panic!("the canonical encoding of a loaded artifact does not load: {e}");
    }
    // shapes are multiplied here with overflow checks, so that only the code under test can panic
    let total = ir.nodes.iter().map(|n| elements(&n.shape)).fold(0usize, usize::saturating_add);
    let input_len = elements(&ir.input.shape);
    if total > MAX_ELEMENTS || input_len > MAX_ELEMENTS {
        return;
    }
    let _ = quantize_input(ir, &vec![0.0f64; input_len]);
    let _ = evaluate(ir, &vec![0i64; input_len]);
}

fn elements(shape: &[usize]) -> usize {
    shape.iter().try_fold(1usize, |a, &d| a.checked_mul(d)).unwrap_or(usize::MAX)
}
