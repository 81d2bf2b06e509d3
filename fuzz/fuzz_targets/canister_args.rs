#![no_main]
//! `cargo fuzz run canister_args`: the body is `verinfer_fuzz_targets::canister::run_raw`.
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| verinfer_fuzz_targets::canister::run_raw(data));
