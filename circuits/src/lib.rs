//! verinfer's circuits: gadgets and the Groth16 (R1CS over BN254) backend that lowers the circuit IR.
//!
//! - [`poseidon`]: circomlib-compatible Poseidon (native), [`commit`]: tensor commitments;
//! - [`r1cs`]: one file per gadget (range check, rescale, ReLU, linear, argmax, Poseidon) and the
//!   model circuit;
//! - [`sampling`]: the randomness of a seeded draw (native);
//! - [`witness`]: the prover's witness from the IR's integer semantics;
//! - [`backend`]: the [`Backend`] interface (setup, prove, check a witness, circuit size) the CLI
//!   uses, over the verifier core's `Verifier`;
//! - [`groth16`]: its Groth16 implementation: setup, proving, constraint counts;
//! - [`timings`]: where a proof's time goes.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod backend;
pub mod commit;
pub mod groth16;
pub mod poseidon;
pub mod qap;
pub mod r1cs;
pub mod sampling;
pub mod timings;
pub mod witness;

pub use backend::Backend;
pub use groth16::{
    assignment, check_witness, constraint_breakdown, constraint_count, prove, prove_timed, setup, BackendError,
    ProvingKey,
};
pub use r1cs::lowering_version;
pub use timings::Timings;
pub use verinfer_verifier::{BackendId, Groth16, Verifier};
pub use witness::{assign, ProverWitness};
