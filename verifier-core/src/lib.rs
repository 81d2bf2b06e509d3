//! verinfer's verifier core: the statement a proof makes, the wire formats of verifying keys and
//! proofs, and Groth16 verification over BN254.
//!
//! `no_std` with `alloc`, no randomness, no threads: the CLI's `verify` and the verifier canister
//! run exactly this code. Errors keep "could not check" (malformed input) apart from "checked and
//! rejected" ([`VerifyError::is_rejection`]).
#![cfg_attr(not(feature = "std"), no_std)]
#![forbid(unsafe_code)]
#![deny(missing_docs)]

extern crate alloc;

mod backend;
mod error;
mod key;
mod proof;
mod statement;
mod verify;

pub use backend::{Groth16, Verifier};
pub use error::VerifyError;
pub use key::{PreparedVerifyingKey, VerifyingKey, KEY_MAGIC, KEY_VERSION};
pub use proof::{Proof, PROOF_BYTES};
pub use statement::{
    fr_from_bytes, fr_from_bytes_checked, fr_from_i64, fr_to_bytes, limbs, public_input, PublicInputs,
};
pub use verify::verify;
pub use verinfer_protocol::{self as protocol, BackendId, OutputClaim, OutputMode, Slot, Statement, StatementLayout};

/// The scalar field of BN254, in which public inputs live.
pub type Fr = ark_bn254::Fr;
