#![no_main]
//! `cargo fuzz run proof_json`: the body is `verinfer_fuzz_targets::proof_json::run`.
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| verinfer_fuzz_targets::proof_json::run(data));
