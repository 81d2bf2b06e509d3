//! A Groth16 setup nobody has to trust: phase 1 from a snarkjs Powers of Tau file (`.ptau`), then a
//! multi-party phase 2 in snarkjs's `.zkey` format, so that every step can be checked with snarkjs
//! 0.7.6, a tool verinfer did not write.
//!
//! - [`binfile`]: the iden3 binary container shared by `.r1cs`, `.ptau` and `.zkey`.
//! - [`point`]: point and scalar encodings (affine Montgomery little-endian in files, big-endian
//!   uncompressed for hashing).
//! - [`r1cs`], [`ptau`], [`zkey`]: the three file formats.
//! - [`rng`]: ffjavascript's ChaCha stream and its `fromRng` maps, bit-exact, so that transcripts,
//!   contributions and beacons derive the same points as snarkjs.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod binfile;
pub mod format_error;
pub mod phase2;
pub mod point;
pub mod ptau;
pub mod r1cs;
pub mod rng;
pub mod wtns;
pub mod zkey;

pub use format_error::FormatError;
