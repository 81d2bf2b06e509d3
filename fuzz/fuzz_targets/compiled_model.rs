#![no_main]
//! `cargo fuzz run compiled_model`: the body is `verinfer_fuzz_targets::compiled_model::run`.
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| verinfer_fuzz_targets::compiled_model::run(data));
