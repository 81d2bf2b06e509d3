#![no_main]
//! `cargo fuzz run canister_structured`: the body is `verinfer_fuzz_targets::canister::run_structured`.
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| verinfer_fuzz_targets::canister::run_structured(data));
