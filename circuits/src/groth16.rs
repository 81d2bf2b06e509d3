//! Groth16 over BN254 for a compiled model: setup, proving, constraint counting, witness checks.
//!
//! The setup is circuit-specific: whoever runs it learns toxic waste that would let them forge proofs
//! for this model, so the party that runs `setup` must be trusted by verifiers (or the keys must come
//! from a multi-party ceremony). `setup` draws from the operating system's randomness.
use crate::qap::{CircomReduction, Qap};
use crate::r1cs::model::ModelCircuit;
use crate::witness::ProverWitness;
use ark_bn254::{Bn254, Fr};
use ark_groth16::Groth16;
use ark_relations::gr1cs::{ConstraintSynthesizer, ConstraintSystem, OptimizationGoal, SynthesisMode};
use ark_serialize::{CanonicalDeserialize, CanonicalSerialize, Compress, Validate};
use ark_snark::SNARK;
use rand::{CryptoRng, RngCore};
use sha2::{Digest, Sha256};
use thiserror::Error;
use verinfer_ir::CompiledModel;
use verinfer_verifier::{OutputMode, Proof, StatementLayout, VerifyingKey};

/// First four bytes of a proving key file.
pub const PK_MAGIC: &[u8; 4] = b"VIPK";
/// Proving key format version: 2 records the key's [`Qap`] after the model hash; version 1 files
/// (arkworks setups only) are still read.
pub const PK_VERSION: u32 = 2;

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
}

/// A Groth16 proving key for one model.
#[derive(Clone)]
pub struct ProvingKey {
    /// Model the key belongs to.
    pub model_hash: [u8; 32],
    /// The key.
    pub pk: ark_groth16::ProvingKey<Bn254>,
    /// The witness map its H query was built for.
    pub qap: Qap,
}

impl ProvingKey {
    /// `magic | version u32 LE | model_hash | qap u8 | sha256(body) | body` (body: uncompressed
    /// ark-serialize).
    pub fn to_bytes(&self) -> Result<Vec<u8>, BackendError> {
        let mut body = Vec::with_capacity(self.pk.uncompressed_size());
        self.pk.serialize_uncompressed(&mut body).map_err(|e| BackendError::Encoding(e.to_string()))?;
        let mut out = Vec::with_capacity(body.len() + 73);
        out.extend_from_slice(PK_MAGIC);
        out.extend_from_slice(&PK_VERSION.to_le_bytes());
        out.extend_from_slice(&self.model_hash);
        out.push(self.qap.to_byte());
        out.extend_from_slice(&Sha256::digest(&body));
        out.extend_from_slice(&body);
        Ok(out)
    }

    /// Decodes a key without point validation: the checksum catches corruption, and the key is checked
    /// against its verifying key ([`ProvingKey::check_pair`]) and the digest recorded at setup by the
    /// CLI. Points are validated by [`ProvingKey::from_bytes_validated`], which costs several proofs.
    pub fn from_bytes(bytes: &[u8]) -> Result<ProvingKey, BackendError> {
        Self::decode(bytes, Validate::No)
    }

    /// Decodes a key and validates every point (on the curve, in the prime-order subgroup).
    pub fn from_bytes_validated(bytes: &[u8]) -> Result<ProvingKey, BackendError> {
        Self::decode(bytes, Validate::Yes)
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
        if self.pk.vk != vk.vk {
            return Err(BackendError::KeyPairMismatch(
                "the Groth16 verifying key embedded in the proving key differs (another setup)".into(),
            ));
        }
        Ok(())
    }

    fn decode(bytes: &[u8], validate: Validate) -> Result<ProvingKey, BackendError> {
        let bad = |m: String| BackendError::MalformedProvingKey(m);
        if bytes.len() < 72 || &bytes[..4] != PK_MAGIC {
            return Err(bad("not a verinfer proving key (bad magic or too short)".into()));
        }
        let version = u32::from_le_bytes([bytes[4], bytes[5], bytes[6], bytes[7]]);
        let model_hash: [u8; 32] = bytes[8..40].try_into().map_err(|_| bad("truncated".into()))?;
        let (qap, rest) = match version {
            1 => (Qap::Libsnark, &bytes[40..]),
            2 if bytes.len() >= 73 => {
                let qap = Qap::from_byte(bytes[40]).ok_or_else(|| bad(format!("unknown witness map {}", bytes[40])))?;
                (qap, &bytes[41..])
            }
            2 => return Err(bad("truncated header".into())),
            _ => return Err(bad(format!("format version {version}, this build reads 1 and {PK_VERSION}"))),
        };
        let (digest, body) = rest.split_at(32);
        if Sha256::digest(body).as_slice() != digest {
            return Err(bad("checksum mismatch: the file is truncated or corrupted".into()));
        }
        let mut rest = body;
        let pk = ark_groth16::ProvingKey::<Bn254>::deserialize_with_mode(&mut rest, Compress::No, validate)
            .map_err(|e| bad(format!("invalid encoding ({e})")))?;
        if !rest.is_empty() {
            return Err(bad(format!("{} trailing bytes", rest.len())));
        }
        Ok(ProvingKey { model_hash, pk, qap })
    }
}

/// The statement layout of a model.
pub fn layout(model: &CompiledModel) -> StatementLayout {
    StatementLayout {
        output_mode: match model.output_mode {
            verinfer_ir::OutputMode::Tensor => OutputMode::Tensor,
            verinfer_ir::OutputMode::Commitment => OutputMode::Commitment,
        },
        output_len: model.graph.output_node().len() as u32,
    }
}

/// Circuit-specific setup.
pub fn setup<R: RngCore + CryptoRng>(
    model: &CompiledModel,
    rng: &mut R,
) -> Result<(ProvingKey, VerifyingKey), BackendError> {
    let circuit = ModelCircuit::for_setup(model)?;
    let (pk, vk) =
        Groth16::<Bn254>::circuit_specific_setup(circuit, rng).map_err(|e| BackendError::Synthesis(e.to_string()))?;
    let model_hash = model.model_hash()?.0;
    Ok((ProvingKey { model_hash, pk, qap: Qap::Libsnark }, VerifyingKey { model_hash, layout: layout(model), vk }))
}

/// Proves the witness's statement.
pub fn prove<R: RngCore + CryptoRng>(
    model: &CompiledModel,
    pk: &ProvingKey,
    witness: &ProverWitness,
    rng: &mut R,
) -> Result<Proof, BackendError> {
    let hash = model.model_hash()?.0;
    if pk.model_hash != hash {
        return Err(BackendError::WrongProvingKey { key: hex(&pk.model_hash), model: hex(&hash) });
    }
    // The hash is already computed: build the circuit with it rather than re-serializing the model.
    let circuit = ModelCircuit { model, model_hash: hash, witness: Some(witness), tally: None };
    let proof = match pk.qap {
        Qap::Libsnark => Groth16::<Bn254>::prove(&pk.pk, circuit, rng),
        Qap::Circom => Groth16::<Bn254, CircomReduction>::prove(&pk.pk, circuit, rng),
    };
    proof.map(Proof).map_err(|e| BackendError::Synthesis(e.to_string()))
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

/// Number of R1CS constraints of a model's circuit (as Groth16 sees them, after inlining).
pub fn constraint_count(model: &CompiledModel) -> Result<usize, BackendError> {
    Ok(setup_system(model)?.num_constraints())
}

/// The constraints each part of the circuit adds: every IR gadget kind, and `statement`,
/// `input_commitment`, `output` and `sampling` (see [`crate::r1cs::model::Tally`]). They add up to
/// [`constraint_count`].
pub fn constraint_breakdown(model: &CompiledModel) -> Result<std::collections::BTreeMap<String, usize>, BackendError> {
    let tally = crate::r1cs::model::Tally::default();
    let cs = ConstraintSystem::<Fr>::new_ref();
    cs.set_optimization_goal(OptimizationGoal::Constraints);
    cs.set_mode(SynthesisMode::Setup);
    let circuit = ModelCircuit { tally: Some(&tally), ..ModelCircuit::for_setup(model)? };
    circuit.generate_constraints(cs).map_err(|e| BackendError::Synthesis(e.to_string()))?;
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
