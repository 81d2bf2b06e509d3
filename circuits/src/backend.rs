//! The backend interface: a proof system that lowers the compiled model and proves its statement.
//!
//! Every backend consumes the same [`CompiledModel`] and the same [`ProverWitness`] (the IR's
//! integer semantics, `verinfer_ir::eval`) and proves the protocol's statement; its verifier half
//! ([`Verifier`]) lives in the verifier core, which the canister shares. The CLI reaches a backend
//! through this trait and the proof file's [`verinfer_verifier::BackendId`], never by a string.
use crate::groth16::{self, BackendError, ProvingKey};
use crate::timings::Timings;
use crate::witness::ProverWitness;
use ark_bn254::Fr;
use rand::{CryptoRng, RngCore};
use std::collections::BTreeMap;
use std::io::{Seek, Write};
use verinfer_halo2::verifier::{KeyFile, PreparedKey};
use verinfer_halo2::Halo2;
use verinfer_ir::{CompiledModel, EvalError};
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

    /// The witness of `input` (quantized): the IR's evaluation and the statement in this
    /// backend's encoding (its commitments salted by `salt`, the draw seeded by `seed`).
    fn assign(model: &CompiledModel, input: Vec<i64>, salt: Fr, seed: [u8; 32]) -> Result<ProverWitness, EvalError>;

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
    /// `output`, `sampling`), in the backend's unit (R1CS constraints for Groth16, rows for halo2).
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

    fn assign(model: &CompiledModel, input: Vec<i64>, salt: Fr, seed: [u8; 32]) -> Result<ProverWitness, EvalError> {
        crate::witness::assign(model, input, salt, seed)
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

/// The salt as a Pasta element: the same integer (a BN254 scalar is below the Pasta modulus).
pub fn pasta_salt(salt: &Fr) -> Result<verinfer_halo2::Fp, BackendError> {
    verinfer_halo2::field::from_bytes(&verinfer_verifier::fr_to_bytes(salt))
        .ok_or_else(|| BackendError::Halo2("the salt is not a Pasta field element".into()))
}

fn halo2_error(e: impl std::fmt::Display) -> BackendError {
    BackendError::Halo2(e.to_string())
}

/// halo2 (IPA over the Pasta curves): the "proving key" is the prepared verifying-key file (the
/// model and the parameters), from which each proof regenerates halo2's keys.
impl Backend for Halo2 {
    type ProvingKey = PreparedKey;

    /// Writes the key file (the model, the parameters generated from `k`, the key's digest) to
    /// `out`; `rng` is not used (there is no secret).
    fn setup<W: Write + Seek, R: RngCore + CryptoRng>(
        model: &CompiledModel,
        mut out: W,
        _rng: &mut R,
    ) -> Result<KeyFile, BackendError> {
        let key = verinfer_halo2::prover::setup(model).map_err(halo2_error)?;
        out.write_all(&key.to_bytes().map_err(halo2_error)?).map_err(halo2_error)?;
        out.flush().map_err(halo2_error)?;
        Ok(key)
    }

    fn assign(model: &CompiledModel, input: Vec<i64>, salt: Fr, seed: [u8; 32]) -> Result<ProverWitness, EvalError> {
        let eval = verinfer_ir::evaluate(&model.graph, &input)?;
        let hash = model.model_hash().map_err(|e| EvalError::Malformed(e.to_string()))?.0;
        let pasta = pasta_salt(&salt).map_err(|e| EvalError::Malformed(e.to_string()))?;
        let (statement, draw) = verinfer_halo2::witness::statement(model, hash, &eval, pasta, seed)
            .map_err(|e| EvalError::Malformed(e.to_string()))?;
        Ok(ProverWitness { input, eval, salt, statement, draw })
    }

    fn prove<R: RngCore + CryptoRng>(
        model: &CompiledModel,
        pk: &PreparedKey,
        witness: &ProverWitness,
        rng: &mut R,
        timings: &mut Timings,
    ) -> Result<Vec<u8>, BackendError> {
        let mut blinding = [0u8; 32];
        rng.fill_bytes(&mut blinding);
        let salt = pasta_salt(&witness.salt)?;
        timings.time("prove", || {
            let draw = witness.draw.as_ref();
            verinfer_halo2::prover::prove(pk, model, &witness.eval, (salt, &witness.statement, draw), blinding)
                .map_err(halo2_error)
        })
    }

    fn check_witness(model: &CompiledModel, witness: &ProverWitness) -> Result<(), BackendError> {
        let hash = model.model_hash()?.0;
        let w = verinfer_halo2::model::Witness {
            values: &witness.eval.values,
            salt: pasta_salt(&witness.salt)?,
            statement: &witness.statement,
            draw: witness.draw.as_ref(),
        };
        let layout = verinfer_halo2::model::lower(model, &hash, Some(&w)).map_err(halo2_error)?;
        let public = verinfer_halo2::statement::public_inputs(&witness.statement).map_err(BackendError::Halo2)?;
        verinfer_halo2::keys::check(layout, public).map_err(BackendError::Unsatisfied)
    }

    fn circuit_size(model: &CompiledModel) -> Result<BTreeMap<String, usize>, BackendError> {
        let hash = model.model_hash()?.0;
        let layout = verinfer_halo2::model::lower(model, &hash, None).map_err(halo2_error)?;
        Ok(layout.parts.iter().map(|(k, v)| (k.to_string(), *v)).collect())
    }
}
