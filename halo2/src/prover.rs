//! The halo2 prover: setup (parameters and key file), proving a model's evaluation.
use crate::field::Fp;
use crate::keys::{self, KeyError};
use crate::model::{lower, LowerError, Witness};
use crate::statement::public_inputs;
use crate::verifier::{KeyFile, KeyHeader, PreparedKey};
use verinfer_ir::sampling::Draw;
use verinfer_ir::{CompiledModel, Evaluation};
use verinfer_protocol::{BackendId, Statement};

/// Why setup or proving failed.
#[derive(Debug, thiserror::Error)]
pub enum ProveError {
    /// The model or witness has no layout.
    #[error(transparent)]
    Lower(#[from] LowerError),
    /// halo2 or the key refused.
    #[error(transparent)]
    Key(#[from] KeyError),
    /// The model's hash could not be computed.
    #[error("the model: {0}")]
    Model(String),
}

fn model_hash(m: &CompiledModel) -> Result<[u8; 32], ProveError> {
    Ok(m.model_hash().map_err(|e| ProveError::Model(e.to_string()))?.0)
}

/// The key file of `m`: parameters for the smallest `k` that holds its layout (generated
/// deterministically) and the digest of the verifying key they give.
pub fn setup(m: &CompiledModel) -> Result<KeyFile, ProveError> {
    setup_with(m, &mut |k| keys::params(k))
}

/// [`setup`] taking the parameters of size `k` from `params` (a cache: they depend on `k` only).
pub fn setup_with(m: &CompiledModel, params: &mut dyn FnMut(u32) -> keys::Halo2Params) -> Result<KeyFile, ProveError> {
    let hash = model_hash(m)?;
    let layout = lower(m, &hash, None)?;
    let k = crate::k_for(&layout, m.statement_layout().num_public_inputs());
    let params = params(k);
    let vk = keys::verifying_key(&params, &keys::circuit(layout))?;
    let (bytes, digest) = keys::params_bytes(&params)?;
    let header = KeyHeader {
        backend: BackendId::Halo2,
        model_hash: hex::encode(hash),
        layout: m.statement_layout(),
        k,
        params_sha256: hex::encode(digest),
        vk_sha256: hex::encode(keys::vk_digest(&vk)),
    };
    Ok(KeyFile { header, model: m.clone(), params: bytes })
}

/// Proves `statement` for `eval` (the evaluation of the key's model), salted by `salt`, with the
/// seeded draw `draw` for a model that samples;
/// `blinding` seeds the prover's randomness (32 bytes from a secure generator).
pub fn prove(
    key: &PreparedKey,
    m: &CompiledModel,
    eval: &Evaluation,
    (salt, statement, draw): (Fp, &Statement, Option<&Draw>),
    blinding: [u8; 32],
) -> Result<Vec<u8>, ProveError> {
    let hash = model_hash(m)?;
    if hash != key.model_hash {
        return Err(ProveError::Model("the model is not the key's".into()));
    }
    let structure = keys::circuit(lower(m, &hash, None)?);
    let pk = keys::proving_key(&key.params, &structure)?;
    let w = Witness { values: &eval.values, salt, statement, draw };
    let c = keys::circuit(lower(m, &hash, Some(&w))?);
    let instance = public_inputs(statement).map_err(LowerError::Witness)?;
    Ok(keys::prove(&key.params, &pk, &c, &instance, blinding)?)
}
