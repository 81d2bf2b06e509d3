//! Crashes found by fuzzing whose fix (in another crate) is pending. Each input is saved under
//! `regressions/<target>/pending-*`; when the fix lands, drop the `pending-` prefix (the smoke test's
//! `fixed_regressions` then replays it) and the `#[ignore]` here.
//!
//! Some findings are integer overflows: they panic only with overflow checks on (cargo-fuzz builds,
//! `cargo test` without `--release`); release builds wrap silently instead, which is the bug.
use verinfer_fuzz_targets::{crate_dir, run_caught, target};

fn replay(name: &str, file: &str) {
    let data = std::fs::read(crate_dir().join("regressions").join(name).join(file)).expect("the saved input");
    if let Err(m) = run_caught(&target(name).expect("a target"), &data) {
        panic!("{name} panics on regressions/{name}/{file}: {m}");
    }
}

/// A mutated `digits_transformer` whose Reshape target shape holds a dimension near 2^60: the
/// product of the known target dimensions overflows `usize` in `resolve`
/// (compiler/src/ops/reshape.rs:36, "attempt to multiply with overflow"; it wraps in release builds).
#[test]
#[ignore = "crash found by fuzzing: Reshape target shape product overflows usize in compiler/src/ops/reshape.rs resolve, fix pending"]
fn onnx_import_reshape_target_shape_product_overflow() {
    replay("onnx_import", "pending-reshape-shape-product-overflow.onnx");
}
