//! The halo2 verifier behind the verifier core's [`Verifier`] trait, and its key file.
//!
//! halo2_proofs 0.4.1 cannot serialize a verifying key, so the key file holds what regenerates it:
//!
//! ```text
//! "VIH2" | version u32 LE | header length u32 LE | header (JSON) | model length u32 LE |
//! model (the compiled model's JSON) | parameters (halo2's Params::write)
//! ```
//!
//! The header records the model hash, the statement layout, `k`, and the SHA-256 of the
//! parameters and of the regenerated key ([`crate::keys::vk_digest`]). Preparing a key checks all of
//! them: the model's hash, the parameters' digest, then the key that the model's layout gives.
use crate::field::to_bytes;
use crate::keys::{self, Halo2Params};
use crate::model::lower;
use crate::statement::public_inputs;
use halo2_proofs::pasta::EqAffine;
use halo2_proofs::plonk::VerifyingKey;
use serde::{Deserialize, Serialize};
use verinfer_ir::CompiledModel;
use verinfer_protocol::{BackendId, Statement, StatementLayout};
use verinfer_verifier::{Verifier, VerifyError};

/// The halo2 backend (IPA over the Pasta curves).
#[derive(Clone, Copy, Debug, Default)]
pub struct Halo2;

/// The key file's first bytes.
pub const KEY_MAGIC: &[u8; 4] = b"VIH2";
/// The key file version this build writes and reads.
pub const KEY_VERSION: u32 = 1;
/// The largest proof accepted (a halo2 proof of any circuit this backend builds is a few KB).
pub const MAX_PROOF_BYTES: usize = 1 << 16;

/// What the key file records besides the model and the parameters.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyHeader {
    /// Always "halo2".
    pub backend: BackendId,
    /// SHA-256 of the compiled model, hex.
    pub model_hash: String,
    /// The statements the circuit proves.
    pub layout: StatementLayout,
    /// The circuit has `2^k` rows.
    pub k: u32,
    /// SHA-256 of the parameters' bytes, hex.
    pub params_sha256: String,
    /// [`keys::vk_digest`] of the verifying key, hex.
    pub vk_sha256: String,
}

/// A verifying-key file, read.
#[derive(Clone, Debug)]
pub struct KeyFile {
    /// Its header.
    pub header: KeyHeader,
    /// The model.
    pub model: CompiledModel,
    /// The parameters' bytes.
    pub params: Vec<u8>,
}

/// A key ready to check proofs.
#[derive(Clone, Debug)]
pub struct PreparedKey {
    /// The model's hash.
    pub model_hash: [u8; 32],
    /// The statement layout.
    pub layout: StatementLayout,
    /// The parameters.
    pub params: Halo2Params,
    /// The regenerated verifying key.
    pub vk: VerifyingKey<EqAffine>,
}

fn malformed(what: impl Into<String>) -> VerifyError {
    VerifyError::MalformedKey(what.into())
}

impl KeyFile {
    /// The file's bytes.
    pub fn to_bytes(&self) -> Result<Vec<u8>, VerifyError> {
        let enc = |what: &'static str, e: serde_json::Error| VerifyError::Encoding { what, reason: e.to_string() };
        let header = serde_json::to_vec(&self.header).map_err(|e| enc("the key header", e))?;
        let model = serde_json::to_vec(&self.model).map_err(|e| enc("the model", e))?;
        let mut out = Vec::with_capacity(16 + header.len() + model.len() + self.params.len());
        out.extend_from_slice(KEY_MAGIC);
        out.extend_from_slice(&KEY_VERSION.to_le_bytes());
        for part in [&header, &model] {
            let len = u32::try_from(part.len()).map_err(|_| malformed("a key part exceeds 4 GiB"))?;
            out.extend_from_slice(&len.to_le_bytes());
            out.extend_from_slice(part);
        }
        out.extend_from_slice(&self.params);
        Ok(out)
    }

    /// Reads a key file; any defect is [`VerifyError::MalformedKey`].
    pub fn from_bytes(bytes: &[u8]) -> Result<KeyFile, VerifyError> {
        let mut rest = bytes;
        let mut take = |n: usize, what: &str| -> Result<&[u8], VerifyError> {
            if rest.len() < n {
                return Err(malformed(format!("the halo2 key ends inside its {what}")));
            }
            let (a, b) = rest.split_at(n);
            rest = b;
            Ok(a)
        };
        if take(4, "magic")? != KEY_MAGIC {
            return Err(malformed("not a verinfer halo2 key (the file does not start with VIH2)"));
        }
        let u32_at = |b: &[u8]| u32::from_le_bytes([b[0], b[1], b[2], b[3]]);
        let version = u32_at(take(4, "version")?);
        if version != KEY_VERSION {
            return Err(malformed(format!("halo2 key version {version}, this build reads {KEY_VERSION}")));
        }
        let header_len = u32_at(take(4, "header length")?) as usize;
        let header: KeyHeader = serde_json::from_slice(take(header_len, "header")?)
            .map_err(|e| malformed(format!("the halo2 key header is not valid: {e}")))?;
        let model_len = u32_at(take(4, "model length")?) as usize;
        // read as `model.compiled` is: format, version, graph bounds and sampling all checked
        let model = CompiledModel::from_bytes(take(model_len, "model")?)
            .map_err(|e| malformed(format!("the halo2 key's model is not valid: {e}")))?;
        if header.backend != BackendId::Halo2 {
            return Err(malformed(format!("the key header names backend {}", header.backend)));
        }
        Ok(KeyFile { header, model, params: rest.to_vec() })
    }

    /// Regenerates the verifying key and checks it against the header.
    pub fn prepare(&self) -> Result<PreparedKey, VerifyError> {
        let h = &self.header;
        let model_hash = self.model.model_hash().map_err(|e| malformed(format!("the key's model: {e}")))?.0;
        if hex::encode(model_hash) != h.model_hash {
            return Err(malformed(format!(
                "the key's model hashes to {}, its header says {}",
                hex::encode(model_hash),
                h.model_hash
            )));
        }
        self.model.graph.validate().map_err(|e| malformed(format!("the key's model is malformed: {e}")))?;
        if self.model.statement_layout() != h.layout {
            return Err(malformed("the key's model and header disagree on the statement layout"));
        }
        let digest = hex_digest(&h.params_sha256, "params_sha256")?;
        let params = keys::read_params(&self.params, Some(&digest)).map_err(|e| malformed(e.to_string()))?;
        if params.k() != h.k {
            return Err(malformed(format!("the parameters are for k = {}, the header says {}", params.k(), h.k)));
        }
        let layout = lower(&self.model, &model_hash, None).map_err(|e| malformed(e.to_string()))?;
        let vk = keys::verifying_key(&params, &keys::circuit(layout)).map_err(|e| malformed(e.to_string()))?;
        if hex::encode(keys::vk_digest(&vk)) != h.vk_sha256 {
            return Err(malformed("the regenerated verifying key differs from the one recorded at setup"));
        }
        Ok(PreparedKey { model_hash, layout: h.layout, params, vk })
    }
}

fn hex_digest(s: &str, what: &str) -> Result<[u8; 32], VerifyError> {
    let v = hex::decode(s).map_err(|_| malformed(format!("{what} is not hex")))?;
    v.try_into().map_err(|_| malformed(format!("{what} is not 32 bytes")))
}

impl Verifier for Halo2 {
    const ID: BackendId = BackendId::Halo2;
    type VerifyingKey = KeyFile;
    type PreparedKey = PreparedKey;
    type Proof = Vec<u8>;

    fn decode_key(bytes: &[u8]) -> Result<KeyFile, VerifyError> {
        KeyFile::from_bytes(bytes)
    }

    fn prepare(key: &KeyFile) -> Result<PreparedKey, VerifyError> {
        key.prepare()
    }

    fn public_input_bytes(statement: &Statement) -> Result<Vec<[u8; 32]>, VerifyError> {
        Ok(public_inputs(statement).map_err(VerifyError::MalformedStatement)?.iter().map(to_bytes).collect())
    }

    fn decode_proof(bytes: &[u8]) -> Result<Vec<u8>, VerifyError> {
        if bytes.is_empty() || bytes.len() > MAX_PROOF_BYTES {
            return Err(VerifyError::MalformedProof(format!(
                "a halo2 proof of {} bytes (expected 1 to {MAX_PROOF_BYTES})",
                bytes.len()
            )));
        }
        Ok(bytes.to_vec())
    }

    fn verify(key: &PreparedKey, statement: &Statement, proof: &Vec<u8>) -> Result<(), VerifyError> {
        if statement.model_hash != key.model_hash {
            return Err(VerifyError::WrongKey {
                key: hex::encode(key.model_hash),
                statement: hex::encode(statement.model_hash),
            });
        }
        if statement.layout() != key.layout {
            return Err(VerifyError::StatementMismatch(format!(
                "the statement has layout {:?}, the key's circuit proves {:?}",
                statement.layout(),
                key.layout
            )));
        }
        let instance = public_inputs(statement).map_err(VerifyError::MalformedStatement)?;
        keys::verify(&key.params, &key.vk, &instance, proof).map_err(|_| VerifyError::Rejected)
    }
}
