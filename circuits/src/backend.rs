//! The backend interface: a proof system that lowers the compiled model and proves its statement.
//!
//! Every backend consumes the same [`CompiledModel`] and the same [`ProverWitness`] (the IR's
//! integer semantics, `verinfer_ir::eval`) and proves the protocol's statement; its verifier half
//! ([`Verifier`]) lives in the verifier core, which the canister shares. The CLI reaches a backend
//! through this trait and the proof file's [`verinfer_verifier::BackendId`], never by a string.
use crate::groth16::{self, BackendError, ProvingKey};
use crate::timings::Timings;
use crate::witness::ProverWitness;
use rand::{CryptoRng, RngCore};
use std::collections::BTreeMap;
use std::io::{Seek, Write};
use verinfer_ir::CompiledModel;
use verinfer_verifier::{Groth16, Verifier};

/// A proof system's setup and prover, over its [`Verifier`].
pub trait Backend: Verifier {
    /// The prover's key.
    type ProvingKey;

    /// Circuit-specific setup for `model`, writing the proving key to `out` as it is computed (it
    /// is never whole in memory); returns the verifying key.
    fn setup<W: Write + Seek, R: RngCore + CryptoRng>(
        model: &CompiledModel,
        out: W,
        rng: &mut R,
    ) -> Result<Self::VerifyingKey, BackendError>;

    /// Proves the witness's statement, adding the time of its phases to `timings`.
    fn prove<R: RngCore + CryptoRng>(
        model: &CompiledModel,
        pk: &Self::ProvingKey,
        witness: &ProverWitness,
        rng: &mut R,
        timings: &mut Timings,
    ) -> Result<Self::Proof, BackendError>;

    /// Synthesizes the circuit with the witness and checks every constraint: `Ok(())` or the first
    /// one that fails.
    fn check_witness(model: &CompiledModel, witness: &ProverWitness) -> Result<(), BackendError>;

    /// The circuit's size by part (every gadget kind, and `statement`, `input_commitment`,
    /// `output`, `sampling`), in the backend's unit (R1CS constraints for Groth16).
    fn circuit_size(model: &CompiledModel) -> Result<BTreeMap<String, usize>, BackendError>;
}

impl Backend for Groth16 {
    type ProvingKey = ProvingKey;

    fn setup<W: Write + Seek, R: RngCore + CryptoRng>(
        model: &CompiledModel,
        out: W,
        rng: &mut R,
    ) -> Result<Self::VerifyingKey, BackendError> {
        groth16::setup_to_file(model, out, rng)
    }

    fn prove<R: RngCore + CryptoRng>(
        model: &CompiledModel,
        pk: &ProvingKey,
        witness: &ProverWitness,
        rng: &mut R,
        timings: &mut Timings,
    ) -> Result<Self::Proof, BackendError> {
        groth16::prove_timed(model, pk, witness, rng, timings)
    }

    fn check_witness(model: &CompiledModel, witness: &ProverWitness) -> Result<(), BackendError> {
        groth16::check_witness(model, witness)
    }

    fn circuit_size(model: &CompiledModel) -> Result<BTreeMap<String, usize>, BackendError> {
        groth16::constraint_breakdown(model)
    }
}
