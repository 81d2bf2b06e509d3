//! Groth16 over BN254 for a compiled model: setup, proving, constraint counting, witness checks.
//!
//! The setup is circuit-specific: whoever runs it learns toxic waste that would let them forge proofs
//! for this model, so the party that runs `setup` must be trusted by verifiers (or the keys must come
//! from a multi-party ceremony). `setup` draws from the operating system's randomness.
use crate::qap::Qap;
use crate::r1cs::model::ModelCircuit;
use crate::r1cs::RowSink;
use crate::timings::Timings;
use crate::witness::ProverWitness;
use ark_bn254::{g1::Config as G1Config, g2::Config as G2Config, Bn254, Fr};
use ark_relations::gr1cs::{ConstraintSynthesizer, ConstraintSystem, OptimizationGoal, SynthesisMode};
use ark_serialize::Validate;
use keyfile::{KeyReader, KeyWriter};
use rand::{CryptoRng, RngCore};
use sha2::{Digest, Sha256};
use std::fs::File;
use std::io::{BufReader, Cursor, Read, Seek, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use thiserror::Error;
use verinfer_ir::CompiledModel;
use verinfer_verifier::{Proof, VerifyingKey};

pub mod fixed_base;
pub mod generator;
pub mod keyfile;
pub mod msm;
pub mod prover;
pub mod rows;
pub mod witness_msm;

pub use keyfile::{PK_MAGIC, PK_VERSION};

/// Backend failures.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum BackendError {
    /// Constraint synthesis failed.
    #[error("constraint synthesis failed: {0}")]
    Synthesis(String),
    /// The witness does not satisfy the circuit (a bug, or a tampered witness).
    #[error("the witness does not satisfy the circuit at {0}")]
    Unsatisfied(String),
    /// The proving key file is unreadable or corrupt.
    #[error("malformed proving key: {0}")]
    MalformedProvingKey(String),
    /// The proving key belongs to another model.
    #[error("the proving key is for model {key}, not {model}: run `verinfer setup` again")]
    WrongProvingKey {
        /// Model of the key.
        key: String,
        /// Model being proven.
        model: String,
    },
    /// The proving key file is not the one whose SHA-256 was expected
    /// ([`ProvingKey::expect_file_digest`]): it changed since setup.
    #[error("the proving key file's SHA-256 is {actual}, not the {expected} recorded at setup")]
    KeyDigestMismatch {
        /// SHA-256 expected, hex.
        expected: String,
        /// SHA-256 of the file read, hex.
        actual: String,
    },
    /// The verifying key embedded in the proving key is not the given verifying key: the two keys
    /// come from different setups (or one was substituted).
    #[error("the proving key does not belong to this verifying key: {0}")]
    KeyPairMismatch(String),
    /// A key could not be encoded.
    #[error("could not encode the proving key: {0}")]
    Encoding(String),
    /// The compiled model could not be encoded, so it has no hash to prove against.
    #[error(transparent)]
    Artifact(#[from] verinfer_ir::ArtifactError),
    /// The halo2 backend refused the model, the key or the witness.
    #[error("halo2: {0}")]
    Halo2(String),
}

/// A Groth16 proving key for one model: its header and verifying key, read up front, and where its
/// queries are, read a chunk at a time by each proof ([`keyfile`]).
#[derive(Clone)]
pub struct ProvingKey {
    /// Model the key belongs to.
    pub model_hash: [u8; 32],
    /// The witness map its H query was built for.
    pub qap: Qap,
    /// The Groth16 verifying key embedded in the proving key.
    pub vk: ark_groth16::VerifyingKey<Bn254>,
    source: KeySource,
    validate: Validate,
    file_digest: Option<[u8; 32]>,
}

/// Where a proving key's bytes are.
#[derive(Clone)]
enum KeySource {
    Bytes(Arc<Vec<u8>>),
    File(PathBuf),
}

impl ProvingKey {
    /// Wraps an arkworks key (a ceremony's, or a test's) as a key file in memory.
    pub fn from_ark(model_hash: [u8; 32], pk: &ark_groth16::ProvingKey<Bn254>, qap: Qap) -> Result<Self, BackendError> {
        let mut w = KeyWriter::new(Cursor::new(Vec::new()), &model_hash, qap)?;
        w.item(&pk.vk)?;
        w.item(&pk.beta_g1)?;
        w.item(&pk.delta_g1)?;
        for q in [&pk.a_query, &pk.b_g1_query] {
            w.section(q.len(), |s, n| Ok(q[s..s + n].to_vec()))?;
        }
        w.section(pk.b_g2_query.len(), |s, n| Ok(pk.b_g2_query[s..s + n].to_vec()))?;
        for q in [&pk.h_query, &pk.l_query] {
            w.section(q.len(), |s, n| Ok(q[s..s + n].to_vec()))?;
        }
        Self::from_bytes(&w.finish()?.into_inner())
    }

    /// The key file's bytes (read from disk for a key opened with [`ProvingKey::open`]).
    pub fn to_bytes(&self) -> Result<Vec<u8>, BackendError> {
        match &self.source {
            KeySource::Bytes(b) => Ok(b.to_vec()),
            KeySource::File(p) => {
                std::fs::read(p).map_err(|e| BackendError::MalformedProvingKey(format!("{}: {e}", p.display())))
            }
        }
    }

    /// The key as arkworks' `ProvingKey` (for arkworks' own prover and other tools): every query
    /// read into memory, the checksum checked.
    pub fn to_ark(&self) -> Result<ark_groth16::ProvingKey<Bn254>, BackendError> {
        let mut r = self.reader()?;
        let head = r.head()?;
        let g1 = |r: &mut keyfile::KeyReader<_>| {
            let mut q = Vec::new();
            r.section::<G1Config>(|_, p| {
                q.extend(p);
                Ok(())
            })
            .map(|_| q)
        };
        let a_query = g1(&mut r)?;
        let b_g1_query = g1(&mut r)?;
        let mut b_g2_query = Vec::new();
        r.section::<G2Config>(|_, p| {
            b_g2_query.extend(p);
            Ok(())
        })?;
        let h_query = g1(&mut r)?;
        let l_query = g1(&mut r)?;
        r.finish()?;
        let (vk, beta_g1, delta_g1) = (head.vk, head.beta_g1, head.delta_g1);
        Ok(ark_groth16::ProvingKey { vk, beta_g1, delta_g1, a_query, b_g1_query, b_g2_query, h_query, l_query })
    }

    /// Decodes a key held in memory, checking its header and checksum; points are checked only by
    /// [`ProvingKey::from_bytes_validated`] (the key is also checked against its verifying key,
    /// [`ProvingKey::check_pair`], and the digest recorded at setup by the CLI).
    pub fn from_bytes(bytes: &[u8]) -> Result<ProvingKey, BackendError> {
        Self::decode(bytes, Validate::No)
    }

    /// Decodes a key and validates every point (on the curve, in the prime-order subgroup).
    pub fn from_bytes_validated(bytes: &[u8]) -> Result<ProvingKey, BackendError> {
        Self::decode(bytes, Validate::Yes)
    }

    fn decode(bytes: &[u8], validate: Validate) -> Result<ProvingKey, BackendError> {
        let mut r = KeyReader::new(bytes, validate)?;
        let head = r.head()?;
        // Walk the queries: checks the structure, the checksum and (if asked) every point.
        r.section::<G1Config>(|_, _| Ok(()))?;
        r.section::<G1Config>(|_, _| Ok(()))?;
        r.section::<G2Config>(|_, _| Ok(()))?;
        r.section::<G1Config>(|_, _| Ok(()))?;
        r.section::<G1Config>(|_, _| Ok(()))?;
        let (model_hash, qap) = (r.header.model_hash, r.header.qap);
        r.finish()?;
        let source = KeySource::Bytes(Arc::new(bytes.to_vec()));
        Ok(ProvingKey { model_hash, qap, vk: head.vk, source, validate, file_digest: None })
    }

    /// Opens a key file without reading its queries: each proof streams them and checks the
    /// checksum (and, with `validate`, every point) as it goes.
    pub fn open(path: &Path, validate: bool) -> Result<ProvingKey, BackendError> {
        let file =
            File::open(path).map_err(|e| BackendError::MalformedProvingKey(format!("{}: {e}", path.display())))?;
        let validate = if validate { Validate::Yes } else { Validate::No };
        let mut r = KeyReader::new(BufReader::new(file), validate)?;
        let head = r.head()?;
        Ok(ProvingKey {
            model_hash: r.header.model_hash,
            qap: r.header.qap,
            vk: head.vk,
            source: KeySource::File(path.to_path_buf()),
            validate,
            file_digest: None,
        })
    }

    /// A reader positioned at the start of the key's bytes.
    fn reader(&self) -> Result<KeyReader<Box<dyn Read + Send + '_>>, BackendError> {
        let inner: Box<dyn Read + Send> = match &self.source {
            KeySource::Bytes(b) => Box::new(&b[..]),
            KeySource::File(p) => Box::new(BufReader::with_capacity(
                1 << 20,
                File::open(p).map_err(|e| BackendError::MalformedProvingKey(format!("{}: {e}", p.display())))?,
            )),
        };
        let reader = KeyReader::new(inner, self.validate)?;
        Ok(match self.file_digest {
            Some(d) => reader.expect_file_digest(d),
            None => reader,
        })
    }

    /// The key file, for a key opened with [`ProvingKey::open`].
    pub fn path(&self) -> Option<&Path> {
        match &self.source {
            KeySource::File(p) => Some(p),
            KeySource::Bytes(_) => None,
        }
    }

    /// Makes every proof check, as it streams the key, that the key file's SHA-256 is `digest` (the
    /// one `setup.json` records) instead of only the body's checksum: the two checks in one pass.
    /// A key whose file differs fails with [`BackendError::KeyDigestMismatch`], and no proof is
    /// returned.
    pub fn expect_file_digest(mut self, digest: [u8; 32]) -> Self {
        self.file_digest = Some(digest);
        self
    }

    /// Checks that `vk` is the verifying key embedded in this proving key (same model, same Groth16
    /// key), so that proofs made with it verify under `vk`.
    pub fn check_pair(&self, vk: &VerifyingKey) -> Result<(), BackendError> {
        if self.model_hash != vk.model_hash {
            return Err(BackendError::KeyPairMismatch(format!(
                "the proving key is for model {}, the verifying key for model {}",
                hex(&self.model_hash),
                hex(&vk.model_hash)
            )));
        }
        if self.vk != vk.vk {
            return Err(BackendError::KeyPairMismatch(
                "the Groth16 verifying key embedded in the proving key differs (another setup)".into(),
            ));
        }
        Ok(())
    }
}

/// Circuit-specific setup, with the proving key in memory (see [`setup_to_file`] for large circuits).
pub fn setup<R: RngCore + CryptoRng>(
    model: &CompiledModel,
    rng: &mut R,
) -> Result<(ProvingKey, VerifyingKey), BackendError> {
    let model_hash = model.model_hash()?.0;
    let (vk, out) = generator::setup_streaming(setup_system(model)?, &model_hash, Cursor::new(Vec::new()), rng)?;
    let pk = ProvingKey::from_bytes(&out.into_inner())?;
    Ok((pk, VerifyingKey { model_hash, layout: model.statement_layout(), vk }))
}

/// Circuit-specific setup writing the proving key to `out` as it is computed: the key is never in
/// memory. Returns the verifying key.
pub fn setup_to_file<W: Write + Seek, R: RngCore + CryptoRng>(
    model: &CompiledModel,
    out: W,
    rng: &mut R,
) -> Result<VerifyingKey, BackendError> {
    let model_hash = model.model_hash()?.0;
    let (vk, _) = generator::setup_streaming(setup_system(model)?, &model_hash, out, rng)?;
    Ok(VerifyingKey { model_hash, layout: model.statement_layout(), vk })
}

/// Proves the witness's statement, streaming the proving key.
pub fn prove<R: RngCore + CryptoRng>(
    model: &CompiledModel,
    pk: &ProvingKey,
    witness: &ProverWitness,
    rng: &mut R,
) -> Result<Proof, BackendError> {
    prove_timed(model, pk, witness, rng, &mut Timings::default())
}

/// [`prove`], adding the wall time of its phases to `timings`: `constraints` (evaluating `A z`,
/// `B z`, `C z` row by row), `fft` (the H coefficients), then the MSM of each of the key's queries
/// and the time spent reading the key as it streams ([`prover::prove_streaming`]).
pub fn prove_timed<R: RngCore + CryptoRng>(
    model: &CompiledModel,
    pk: &ProvingKey,
    witness: &ProverWitness,
    rng: &mut R,
    timings: &mut Timings,
) -> Result<Proof, BackendError> {
    // The witness was assigned for `model` and carries its hash: no need to re-serialize the model.
    let hash = witness.statement.model_hash;
    if pk.model_hash != hash {
        return Err(BackendError::WrongProvingKey { key: hex(&pk.model_hash), model: hex(&hash) });
    }
    let (rows, z) = timings.time("constraints", || synthesize(model, witness))?;
    let h = timings.time("fft", || prover::witness_map(rows, &z.instance, pk.qap))?;
    prover::prove_streaming(pk.reader()?, &z, &h, rng, timings).map(Proof)
}

/// Synthesizes the circuit with the witness, evaluating each constraint as it is written: returns
/// `A z`, `B z`, `C z` and `z`.
fn synthesize(model: &CompiledModel, witness: &ProverWitness) -> Result<(RowSink, rows::Assignment), BackendError> {
    let circuit = ModelCircuit { model, model_hash: witness.statement.model_hash, witness: Some(witness), tally: None };
    let synthesis = |e: ark_relations::gr1cs::SynthesisError| BackendError::Synthesis(e.to_string());
    let cs = ConstraintSystem::<Fr>::new_ref();
    cs.set_mode(SynthesisMode::Prove { construct_matrices: false, generate_lc_assignments: false });
    RowSink::install(&cs).map_err(synthesis)?;
    circuit.generate_constraints(cs.clone()).map_err(synthesis)?;
    let rows = RowSink::take(&cs).map_err(synthesis)?;
    if let Some(k) = rows.first_unsatisfied {
        return Err(BackendError::Unsatisfied(format!(
            "constraint {k} (the witness breaks it: the integer evaluator and the circuit disagree)"
        )));
    }
    Ok((rows, rows::Assignment::take(&cs)?))
}

/// The whole assignment in arkworks' variable order (the constant one, the public inputs in
/// statement order, the witnesses): the values of a snarkjs `.wtns` for the wires of
/// `export r1cs`, whose wire ids are these indices.
pub fn assignment(model: &CompiledModel, witness: &ProverWitness) -> Result<Vec<Fr>, BackendError> {
    let (_, z) = synthesize(model, witness)?;
    Ok(z.instance.into_iter().chain(z.witness).collect())
}

/// A circuit's R1CS as Groth16 sees it (after inlining), with arkworks' variable order: index 0 is
/// the constant one, `1..num_instance` the public inputs in statement order, then the witnesses.
pub struct Matrices {
    /// Instance variables, the constant one included.
    pub num_instance: usize,
    /// Witness variables.
    pub num_witness: usize,
    /// Rows of `(coefficient, variable index)`, one per constraint.
    pub a: Vec<Vec<(Fr, usize)>>,
    /// See `a`.
    pub b: Vec<Vec<(Fr, usize)>>,
    /// See `a`.
    pub c: Vec<Vec<(Fr, usize)>>,
}

/// Synthesizes a model's circuit as `setup` does and returns its constraint matrices.
pub fn matrices(model: &CompiledModel) -> Result<Matrices, BackendError> {
    let cs = setup_system(model)?;
    let synthesis = |e: ark_relations::gr1cs::SynthesisError| BackendError::Synthesis(e.to_string());
    let mut all = cs.to_matrices().map_err(synthesis)?;
    let mut abc = all
        .remove(ark_relations::gr1cs::R1CS_PREDICATE_LABEL)
        .ok_or_else(|| BackendError::Synthesis("the circuit has no R1CS constraints".into()))?;
    if abc.len() != 3 {
        return Err(BackendError::Synthesis(format!("expected 3 R1CS matrices, found {}", abc.len())));
    }
    let c = abc.pop().unwrap_or_default();
    let b = abc.pop().unwrap_or_default();
    let a = abc.pop().unwrap_or_default();
    Ok(Matrices { num_instance: cs.num_instance_variables(), num_witness: cs.num_witness_variables(), a, b, c })
}

/// SHA-256 of a key file's bytes: the digest `verinfer setup` records for each key file.
pub fn key_file_digest(bytes: &[u8]) -> [u8; 32] {
    Sha256::digest(bytes).into()
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// Number of R1CS constraints of a model's circuit (as Groth16 sees them), counted without storing
/// them ([`crate::r1cs::Counter`]).
pub fn constraint_count(model: &CompiledModel) -> Result<usize, BackendError> {
    Ok(constraint_breakdown(model)?.values().sum())
}

/// The constraints each part of the circuit adds: every IR gadget kind, and `statement`,
/// `input_commitment`, `output` and `sampling` (see [`crate::r1cs::model::Tally`]). They add up to
/// [`constraint_count`].
pub fn constraint_breakdown(model: &CompiledModel) -> Result<std::collections::BTreeMap<String, usize>, BackendError> {
    let synthesis = |e: ark_relations::gr1cs::SynthesisError| BackendError::Synthesis(e.to_string());
    let tally = crate::r1cs::model::Tally::default();
    let cs = ConstraintSystem::<Fr>::new_ref();
    cs.set_optimization_goal(OptimizationGoal::Constraints);
    cs.set_mode(SynthesisMode::Setup);
    crate::r1cs::Counter::install(&cs).map_err(synthesis)?;
    let circuit = ModelCircuit { tally: Some(&tally), ..ModelCircuit::for_setup(model)? };
    circuit.generate_constraints(cs).map_err(synthesis)?;
    Ok(tally.into_inner().into_iter().map(|(k, v)| (k.to_string(), v)).collect())
}

/// The circuit synthesized and inlined as Groth16's setup does it (no witness).
fn setup_system(model: &CompiledModel) -> Result<ark_relations::gr1cs::ConstraintSystemRef<Fr>, BackendError> {
    let cs = ConstraintSystem::<Fr>::new_ref();
    cs.set_optimization_goal(OptimizationGoal::Constraints);
    cs.set_mode(SynthesisMode::Setup);
    ModelCircuit::for_setup(model)?
        .generate_constraints(cs.clone())
        .map_err(|e| BackendError::Synthesis(e.to_string()))?;
    cs.finalize();
    Ok(cs)
}

/// Synthesizes with the witness and checks every constraint: `Ok(())` or the first failing one.
pub fn check_witness(model: &CompiledModel, witness: &ProverWitness) -> Result<(), BackendError> {
    let cs = ConstraintSystem::<Fr>::new_ref();
    cs.set_mode(SynthesisMode::Prove { construct_matrices: true, generate_lc_assignments: false });
    ModelCircuit::for_proving(model, witness)?
        .generate_constraints(cs.clone())
        .map_err(|e| BackendError::Synthesis(e.to_string()))?;
    match cs.which_is_unsatisfied().map_err(|e| BackendError::Synthesis(e.to_string()))? {
        None => Ok(()),
        Some(at) => Err(BackendError::Unsatisfied(at)),
    }
}
