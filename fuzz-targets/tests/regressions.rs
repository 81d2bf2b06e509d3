//! Crashes found by fuzzing, one named test each. A crash whose fix is pending is saved as
//! `regressions/<target>/pending-*` with an ignored test; when the fix lands, drop the `pending-`
//! prefix (the smoke test's `fixed_regressions` then replays it) and the `#[ignore]`.
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
/// product of the known target dimensions overflowed `usize` in `resolve` (compiler/src/ops/reshape.rs;
/// a panic with overflow checks, a silent wrap in release builds). Fixed: the product is checked.
/// The smoke test's `fixed_regressions` replays it too; this test names it.
#[test]
fn onnx_import_reshape_target_shape_product_overflow() {
    replay("onnx_import", "reshape-shape-product-overflow.onnx");
}
