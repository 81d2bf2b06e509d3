//! Artifact file names, declared once.

/// The compiled model in a build directory.
pub const MODEL: &str = "model.compiled";
/// The compile report in a build directory.
pub const REPORT: &str = "report.json";
/// The Groth16 proving key in a build directory.
pub const PROVING_KEY: &str = "proving.key";
/// The verifying key in a build directory.
pub const VERIFYING_KEY: &str = "verifying.key";
/// The setup record in a build directory (provenance and the SHA-256 of both key files).
pub const SETUP: &str = "setup.json";
/// Default proof file name.
pub const PROOF: &str = "proof.json";
/// Suffix of the opening file written next to a proof (salt and quantized input: keep it private).
pub const OPENING_SUFFIX: &str = ".opening.json";
/// Default directory of `prove --batch`'s proofs.
pub const PROOFS_DIR: &str = "proofs";
