//! Helpers shared by the CLI's integration tests: the binary, fixtures, command output, and the
//! pinned JavaScript tools (`scripts/install-npm.sh`).
#![allow(dead_code)] // each test file uses its own subset
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The `verinfer` binary under test.
pub fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_verinfer"))
}

/// The repository's root.
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..").canonicalize().unwrap()
}

/// A fixture directory or file.
pub fn fixture(name: &str) -> PathBuf {
    root().join("fixtures").join(name)
}

/// A command's stdout and stderr.
pub fn text(o: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr))
}

/// Runs a command that must succeed; returns its output text.
pub fn ok(cmd: &mut Command) -> String {
    let o = cmd.output().unwrap();
    assert!(o.status.success(), "{cmd:?} failed:\n{}", text(&o));
    text(&o)
}

/// Runs a command that must succeed; returns its stdout only.
pub fn stdout(cmd: &mut Command) -> String {
    let o = cmd.output().unwrap();
    assert!(o.status.success(), "{cmd:?} failed:\n{}", text(&o));
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// Runs a command that must fail; returns its error text.
pub fn fails(cmd: &mut Command) -> String {
    let o = cmd.output().unwrap();
    assert!(!o.status.success(), "{cmd:?} should have failed:\n{}", text(&o));
    text(&o)
}

/// The folder `scripts/install-npm.sh` installed the pinned JavaScript tools into:
/// `$VERINFER_NPM_TOOLS`, else its default `~/.cache/verinfer/npm`. Fails the test, saying how to
/// install them, when they are missing.
pub fn npm_tools() -> PathBuf {
    let dir = std::env::var_os("VERINFER_NPM_TOOLS")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(std::env::var_os("HOME").unwrap_or_default()).join(".cache/verinfer/npm"));
    assert!(
        dir.join("node_modules/.bin/snarkjs").is_file(),
        "the pinned JavaScript tools are not in {}: run scripts/install-npm.sh (needs node and npm) or set \
         VERINFER_NPM_TOOLS",
        dir.display()
    );
    dir
}

/// snarkjs 0.7.6: `$VERINFER_SNARKJS`, else the one in [`npm_tools`].
pub fn snarkjs() -> Command {
    let path = match std::env::var_os("VERINFER_SNARKJS") {
        Some(p) => PathBuf::from(p),
        None => npm_tools().join("node_modules/.bin/snarkjs"),
    };
    assert!(path.is_file(), "snarkjs not found at {}", path.display());
    Command::new(path)
}

/// `node` running one of the scripts `scripts/install-npm.sh` copies beside the tools.
pub fn node_script(name: &str) -> Command {
    let mut cmd = Command::new("node");
    cmd.arg(npm_tools().join(name));
    cmd
}
