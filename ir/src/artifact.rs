//! The compiled-model artifact (`model.compiled`): versioned, canonical, hashed.
//!
//! Its canonical encoding is compact JSON with fields in declaration order and no maps, so the same
//! model, calibration data and compiler version give byte-identical files on every machine. The model
//! hash is the SHA-256 of that encoding.
use crate::error::ArtifactError;
use crate::graph::CircuitIr;
use crate::sampling::Sampling;
use crate::types::ModelHash;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// The `format` field of every compiled model.
pub const ARTIFACT_FORMAT: &str = "verinfer-compiled-model";
/// The artifact format version this build writes and reads.
pub const ARTIFACT_VERSION: u32 = 1;

/// What the statement reveals of the output tensor (the protocol's definition). Part of the model hash.
pub use verinfer_protocol::OutputMode;
use verinfer_protocol::StatementLayout;

/// A compiled model: the IR plus everything that determined it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CompiledModel {
    /// Always [`ARTIFACT_FORMAT`].
    pub format: String,
    /// Always [`ARTIFACT_VERSION`] for files this build writes.
    pub format_version: u32,
    /// Version of the compiler that wrote it.
    pub compiler_version: String,
    /// Model name (the ONNX graph name).
    pub name: String,
    /// SHA-256 of the ONNX file, hex.
    pub onnx_sha256: String,
    /// SHA-256 of the calibration data as used (canonical JSON of the rows), hex.
    pub calibration_sha256: String,
    /// The default-domain opset the model was imported with.
    pub opset: i64,
    /// Signed width of activations (range-checked tensors).
    pub activation_bits: u8,
    /// Signed width budget of constant weights.
    pub weight_bits: u8,
    /// How the output index is chosen.
    pub sampling: Sampling,
    /// What the statement reveals of the output tensor.
    pub output_mode: OutputMode,
    /// The quantized circuit IR.
    pub graph: CircuitIr,
}

impl CompiledModel {
    /// The layout of the statements this model's proofs make (its public inputs).
    pub fn statement_layout(&self) -> StatementLayout {
        StatementLayout { output_mode: self.output_mode, output_len: self.graph.output_node().len() as u32 }
    }

    /// The canonical encoding: what `model.compiled` holds and what the model hash covers.
    pub fn to_bytes(&self) -> Result<Vec<u8>, ArtifactError> {
        serde_json::to_vec(self).map_err(|e| ArtifactError::Encode(e.to_string()))
    }

    /// Parses and validates an artifact.
    pub fn from_bytes(bytes: &[u8]) -> Result<CompiledModel, ArtifactError> {
        #[derive(Deserialize)]
        struct Header {
            format: String,
            format_version: u32,
        }
        let check = |format: &str, version: u32| {
            if format != ARTIFACT_FORMAT {
                return Err(ArtifactError::Parse(format!("format is '{format}', expected '{ARTIFACT_FORMAT}'")));
            }
            if version != ARTIFACT_VERSION {
                return Err(ArtifactError::Version { found: version, supported: ARTIFACT_VERSION });
            }
            Ok(())
        };
        // One pass over the file (15 MB for a 4M-weight model); the header alone only to explain
        // why a file that is not this version's artifact does not parse.
        let model: CompiledModel = match serde_json::from_slice(bytes) {
            Ok(model) => model,
            Err(e) => {
                let header: Header = serde_json::from_slice(bytes).map_err(|e| ArtifactError::Parse(e.to_string()))?;
                check(&header.format, header.format_version)?;
                return Err(ArtifactError::Parse(e.to_string()));
            }
        };
        check(&model.format, model.format_version)?;
        model.graph.validate().map_err(ArtifactError::Invalid)?;
        let out = model.graph.output_node();
        model.sampling.check(out.scale, out.bits.0, out.len()).map_err(|e| ArtifactError::Invalid(e.to_string()))?;
        Ok(model)
    }

    /// SHA-256 of the canonical encoding (never of a failed or partial encoding).
    pub fn model_hash(&self) -> Result<ModelHash, ArtifactError> {
        Ok(ModelHash(Sha256::digest(self.to_bytes()?).into()))
    }
}
