#![no_main]
//! `cargo fuzz run onnx_import`: the body is `verinfer_fuzz_targets::onnx_import::run`.
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| verinfer_fuzz_targets::onnx_import::run(data));
