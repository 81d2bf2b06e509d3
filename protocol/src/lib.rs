//! verinfer's protocol: what a proof states, in which order its public inputs come, the domain tags
//! of its commitments and randomness, and which proof system made it.
//!
//! One definition of each, read by the compiler (the artifact's [`OutputMode`]), the circuits, the
//! verifier core, the CLI and the canister. Field-agnostic: how a [`Slot`] becomes a field element
//! is a backend's encoding (BN254 scalars for Groth16: `verinfer_verifier::public_input`).
//! `no_std` with `alloc`, serde only, so that the canister and the IR can both depend on it.
#![no_std]
#![forbid(unsafe_code)]
#![deny(missing_docs)]

extern crate alloc;

mod backend;
mod statement;
pub mod tags;

pub use backend::{BackendId, UnknownBackend};
pub use statement::{Half, OutputClaim, OutputMode, Slot, Statement, StatementLayout};
