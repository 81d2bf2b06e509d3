//! Shared helpers of verinfer's benchmarks.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

use std::path::{Path, PathBuf};

/// The bundled fixtures measured by the benchmarks (`fixtures/models.rs`).
pub const FIXTURES: &[&str] = MODELS;
include!("../../fixtures/models.rs");

/// Path of a fixture directory.
pub fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures").join(name)
}

/// Peak resident memory of this process so far, in KiB (Linux `VmHWM`), if known.
pub fn peak_rss_kib() -> Option<u64> {
    let s = std::fs::read_to_string("/proc/self/status").ok()?;
    s.lines().find(|l| l.starts_with("VmHWM:"))?.split_whitespace().nth(1)?.parse().ok()
}

/// The command line of the floor benchmarks (`msm`, `fft`): sizes as powers of two (`default` if
/// none is given) and `--repeat N` (default 3).
pub fn sizes_and_repeat(default: &[u32]) -> (Vec<u32>, usize) {
    let (mut logs, mut repeat) = (Vec::new(), 3);
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--repeat" => repeat = args.next().and_then(|v| v.parse().ok()).unwrap_or(repeat),
            _ => logs.extend(a.parse::<u32>().ok()),
        }
    }
    (if logs.is_empty() { default.to_vec() } else { logs }, repeat)
}
