//! Keys of the halo2 backend: the public parameters, key generation, proving and verification.
//!
//! There is no trusted setup: the IPA parameters of size `2^k` are derived deterministically from
//! `k` (`Params::new`, a hash to the curve), so anyone can regenerate and compare them (their
//! SHA-256 is recorded in the verifying key). halo2_proofs 0.4.1 cannot serialize its keys, so the
//! verifying key file holds what regenerates the key, the model and the parameters, plus the
//! digest of the key they give (checked on every load): key generation is cheap next to proving.
use crate::circuit::LayoutCircuit;
use crate::field::Fp;
use crate::layout::Layout;
use halo2_proofs::pasta::EqAffine;
use halo2_proofs::plonk::{create_proof, keygen_pk, keygen_vk, verify_proof, ProvingKey, SingleVerifier, VerifyingKey};
use halo2_proofs::poly::commitment::Params;
use halo2_proofs::transcript::{Blake2bRead, Blake2bWrite, Challenge255};
use rand::SeedableRng;
use sha2::{Digest, Sha256};
use std::sync::Arc;

/// IPA parameters over the Vesta curve (whose scalar field is [`Fp`]).
pub type Halo2Params = Params<EqAffine>;

/// Why a key, proof or circuit was refused.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    /// halo2 refused the circuit or the proof.
    #[error("halo2: {0}")]
    Halo2(String),
    /// Bytes that are not what they claim.
    #[error("{0}")]
    Malformed(String),
}

fn h2(e: halo2_proofs::plonk::Error) -> KeyError {
    KeyError::Halo2(format!("{e:?}"))
}

/// The parameters for circuits of `2^k` rows (deterministic; single-threaded this takes about
/// 80 s at `k = 16` on this project's 2-core reference machine).
pub fn params(k: u32) -> Halo2Params {
    Params::new(k)
}

/// The parameters' bytes (`Params::write`) and their SHA-256.
pub fn params_bytes(p: &Halo2Params) -> Result<(Vec<u8>, [u8; 32]), KeyError> {
    let mut out = Vec::new();
    p.write(&mut out).map_err(|e| KeyError::Malformed(format!("writing the parameters: {e}")))?;
    let digest = Sha256::digest(&out).into();
    Ok((out, digest))
}

/// Reads parameters, checking their SHA-256 against `expected` when given.
pub fn read_params(bytes: &[u8], expected: Option<&[u8; 32]>) -> Result<Halo2Params, KeyError> {
    if let Some(want) = expected {
        let got: [u8; 32] = Sha256::digest(bytes).into();
        if &got != want {
            return Err(KeyError::Malformed(format!(
                "the parameters' SHA-256 is {}, the key was made with {}",
                hex::encode(got),
                hex::encode(want)
            )));
        }
    }
    Params::read(&mut &bytes[..]).map_err(|e| KeyError::Malformed(format!("unreadable halo2 parameters: {e}")))
}

/// The circuit of a layout.
pub fn circuit(layout: Layout) -> LayoutCircuit {
    LayoutCircuit { layout: Arc::new(layout) }
}

/// The verifying key of a (value-free) layout's circuit.
pub fn verifying_key(params: &Halo2Params, c: &LayoutCircuit) -> Result<VerifyingKey<EqAffine>, KeyError> {
    keygen_vk(params, c).map_err(h2)
}

/// The proving key.
pub fn proving_key(params: &Halo2Params, c: &LayoutCircuit) -> Result<ProvingKey<EqAffine>, KeyError> {
    keygen_pk(params, verifying_key(params, c)?, c).map_err(h2)
}

/// A digest of a verifying key: SHA-256 of its pinned representation (the domain, every fixed and
/// permutation commitment, the constraint system).
pub fn vk_digest(vk: &VerifyingKey<EqAffine>) -> [u8; 32] {
    Sha256::digest(format!("{:?}", vk.pinned()).as_bytes()).into()
}

/// Proves a layout with values; `seed` feeds the prover's blinding (32 bytes from a secure RNG).
pub fn prove(
    params: &Halo2Params,
    pk: &ProvingKey<EqAffine>,
    c: &LayoutCircuit,
    instance: &[Fp],
    seed: [u8; 32],
) -> Result<Vec<u8>, KeyError> {
    if c.layout.missing > 0 || !c.layout.witness {
        return Err(KeyError::Malformed("the layout has no values to prove".into()));
    }
    let rng = rand::rngs::StdRng::from_seed(seed);
    let mut transcript = Blake2bWrite::<_, EqAffine, Challenge255<_>>::init(Vec::new());
    create_proof(params, pk, std::slice::from_ref(c), &[&[instance]], rng, &mut transcript).map_err(h2)?;
    Ok(transcript.finalize())
}

/// Checks a proof against the instance.
pub fn verify(
    params: &Halo2Params,
    vk: &VerifyingKey<EqAffine>,
    instance: &[Fp],
    proof: &[u8],
) -> Result<(), KeyError> {
    let strategy = SingleVerifier::new(params);
    let mut transcript = Blake2bRead::<_, EqAffine, Challenge255<_>>::init(proof);
    verify_proof(params, vk, strategy, &[&[instance]], &mut transcript).map_err(h2)
}

/// Checks every constraint of a layout with values against the instance (halo2's MockProver):
/// `Ok(())` or the first failures, described.
pub fn check(layout: Layout, instance: Vec<Fp>) -> Result<(), String> {
    let k = crate::k_for(&layout, instance.len());
    let prover =
        halo2_proofs::dev::MockProver::run(k, &circuit(layout), vec![instance]).map_err(|e| format!("{e:?}"))?;
    prover.verify().map_err(|failures| {
        let first: Vec<String> = failures.iter().take(3).map(|f| f.to_string()).collect();
        format!("{} constraint(s) fail, first: {}", failures.len(), first.join("; "))
    })
}
