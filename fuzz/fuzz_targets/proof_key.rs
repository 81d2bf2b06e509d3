#![no_main]
//! `cargo fuzz run proof_key`: the body is `verinfer_fuzz_targets::proof_key::run`.
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| verinfer_fuzz_targets::proof_key::run(data));
