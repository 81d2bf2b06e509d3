//! Fuzz target bodies for verinfer's input edges, and a deterministic smoke runner.
//!
//! Each target is a `fn(&[u8])` that must not panic on any input: errors are fine, panics (and traps
//! of the verifier canister on well-typed arguments) are findings. `fuzz/fuzz_targets/*.rs` wrap them
//! for cargo-fuzz; `tests/smoke.rs` runs each on its seed corpus (`seeds/<target>/`) plus a fixed
//! number of mutations from [`mutate`], so the workspace tests catch regressions in seconds.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod canister;
pub mod compiled_model;
pub mod mutate;
pub mod onnx_import;
pub mod proof_json;
pub mod proof_key;
pub mod samples;

use std::path::{Path, PathBuf};

/// A fuzz target: its name (also its seed directory and cargo-fuzz binary) and its body.
#[derive(Clone, Copy, Debug)]
pub struct Target {
    /// Name, as in `cargo fuzz run <name>`.
    pub name: &'static str,
    /// The body; must not panic.
    pub run: fn(&[u8]),
}

/// Every target.
pub const TARGETS: &[Target] = &[
    Target { name: "onnx_import", run: onnx_import::run },
    Target { name: "compiled_model", run: compiled_model::run },
    Target { name: "proof_key", run: proof_key::run },
    Target { name: "proof_json", run: proof_json::run },
    Target { name: "samples", run: samples::run },
    Target { name: "canister_args", run: canister::run_raw },
    Target { name: "canister_structured", run: canister::run_structured },
];

/// The target called `name`.
pub fn target(name: &str) -> Option<Target> {
    TARGETS.iter().copied().find(|t| t.name == name)
}

/// This crate's directory (seeds and regressions live under it).
pub fn crate_dir() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The files of a directory, sorted by name (empty if it does not exist).
pub fn read_dir_files(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|rd| rd.filter_map(|e| e.ok().map(|e| e.path())).filter(|p| p.is_file()).collect())
        .unwrap_or_default();
    paths.sort();
    paths.into_iter().filter_map(|p| std::fs::read(&p).ok().map(|b| (p, b))).collect()
}

/// The committed seed corpus of a target (`seeds/<name>/`).
pub fn seeds(name: &str) -> Vec<Vec<u8>> {
    read_dir_files(&crate_dir().join("seeds").join(name)).into_iter().map(|(_, b)| b).collect()
}

/// A panic caught while running a target.
#[derive(Debug)]
pub struct Finding {
    /// The target.
    pub target: &'static str,
    /// The panic message with its location.
    pub message: String,
    /// The input, saved here for `cargo fuzz run <target> <file>` or a regression test.
    pub saved: Option<PathBuf>,
    /// Its length.
    pub len: usize,
}

impl std::fmt::Display for Finding {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: panic on a {}-byte input ({}): {}", self.target, self.len, self.saved_display(), self.message)
    }
}

impl Finding {
    fn saved_display(&self) -> String {
        self.saved.as_ref().map_or("not saved".into(), |p| format!("saved to {}", p.display()))
    }
}

thread_local! {
    static LAST_PANIC: std::cell::RefCell<Option<String>> = const { std::cell::RefCell::new(None) };
}

/// Installs (once) a panic hook that records each panic's message and location for [`run_caught`],
/// then defers to the previous hook.
fn install_hook() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let location = info.location().map(|l| format!("{}:{}:{}", l.file(), l.line(), l.column()));
            let payload = info
                .payload()
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| info.payload().downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "(non-string payload)".into());
            let msg = format!("{payload} at {}", location.unwrap_or_else(|| "unknown location".into()));
            LAST_PANIC.with(|p| *p.borrow_mut() = Some(msg));
            if std::env::var_os("VERINFER_FUZZ_QUIET").is_none() {
                previous(info);
            }
        }));
    });
}

/// Runs `target` on `data`; a panic becomes `Err(message at file:line:col)`.
pub fn run_caught(target: &Target, data: &[u8]) -> Result<(), String> {
    install_hook();
    LAST_PANIC.with(|p| p.borrow_mut().take());
    let run = target.run;
    std::panic::catch_unwind(|| run(data))
        .map_err(|_| LAST_PANIC.with(|p| p.borrow_mut().take()).unwrap_or_else(|| "panic".into()))
}

/// What a smoke run did.
#[derive(Clone, Copy, Debug, Default)]
pub struct SmokeStats {
    /// Seeds run.
    pub seeds: usize,
    /// Mutants run.
    pub mutants: usize,
}

/// Runs `target` on its seeds, then on `mutants` mutants of them drawn with [`mutate::mutate`] from
/// `rng_seed`. The first panic is returned with its input saved under the system temp directory.
pub fn smoke(target: &Target, mutants: usize, rng_seed: u64) -> Result<SmokeStats, Finding> {
    let corpus = seeds(target.name);
    let mut stats = SmokeStats::default();
    let fail = |data: &[u8], message: String| {
        let dir = std::env::temp_dir().join("verinfer-fuzz-findings").join(target.name);
        let path = dir.join(format!("crash-{:016x}", fnv1a(data)));
        let saved = std::fs::create_dir_all(&dir).and_then(|_| std::fs::write(&path, data)).ok().map(|_| path);
        Finding { target: target.name, message, saved, len: data.len() }
    };
    for s in &corpus {
        run_caught(target, s).map_err(|m| fail(s, m))?;
        stats.seeds += 1;
    }
    let mut rng = mutate::XorShift::new(rng_seed ^ fnv1a(target.name.as_bytes()));
    let mut pool: Vec<Vec<u8>> = corpus.clone();
    if pool.is_empty() {
        pool.push(Vec::new());
    }
    for _ in 0..mutants {
        let parent = &pool[rng.below(pool.len())];
        let child = mutate::mutate(&mut rng, parent, &corpus);
        run_caught(target, &child).map_err(|m| fail(&child, m))?;
        stats.mutants += 1;
        // keep a few mutants as parents so that mutations stack up
        if rng.below(8) == 0 && pool.len() < 64 {
            pool.push(child);
        }
    }
    Ok(stats)
}

/// FNV-1a of `data` (names saved inputs; seeds the mutator per target).
pub fn fnv1a(data: &[u8]) -> u64 {
    data.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, &b| (h ^ b as u64).wrapping_mul(0x0100_0000_01b3))
}
