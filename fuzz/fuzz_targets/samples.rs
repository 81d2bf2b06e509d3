#![no_main]
//! `cargo fuzz run samples`: the body is `verinfer_fuzz_targets::samples::run`.
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| verinfer_fuzz_targets::samples::run(data));
