//! The verifying key wire format.
//!
//! ```text
//! magic "VIVK" | version u32 LE | model_hash [32] | output_mode u8 | output_len u32 LE |
//! Groth16 verifying key (ark-serialize, compressed)
//! ```
use crate::error::VerifyError;
use crate::statement::{OutputMode, StatementLayout};
use alloc::{format, string::ToString, vec::Vec};
use ark_bn254::Bn254;
use ark_serialize::{CanonicalDeserialize, CanonicalSerialize, Compress, Validate};

/// First four bytes of a verifying key file.
pub const KEY_MAGIC: &[u8; 4] = b"VIVK";
/// Key format version.
pub const KEY_VERSION: u32 = 1;

/// A model's verifying key with the statement layout it checks.
#[derive(Clone, Debug, PartialEq)]
pub struct VerifyingKey {
    /// Model the key belongs to.
    pub model_hash: [u8; 32],
    /// Shape of the statements.
    pub layout: StatementLayout,
    /// The Groth16 key.
    pub vk: ark_groth16::VerifyingKey<Bn254>,
}

/// A verifying key with its pairing precomputed (do this once, e.g. at registration).
#[derive(Clone, Debug)]
pub struct PreparedVerifyingKey {
    /// Model the key belongs to.
    pub model_hash: [u8; 32],
    /// Shape of the statements.
    pub layout: StatementLayout,
    /// The prepared Groth16 key.
    pub pvk: ark_groth16::PreparedVerifyingKey<Bn254>,
}

impl VerifyingKey {
    /// Encodes the key.
    pub fn to_bytes(&self) -> Result<Vec<u8>, VerifyError> {
        let mut out = Vec::new();
        out.extend_from_slice(KEY_MAGIC);
        out.extend_from_slice(&KEY_VERSION.to_le_bytes());
        out.extend_from_slice(&self.model_hash);
        out.push(match self.layout.output_mode {
            OutputMode::Tensor => 0,
            OutputMode::Commitment => 1,
        });
        out.extend_from_slice(&self.layout.output_len.to_le_bytes());
        self.vk
            .serialize_compressed(&mut out)
            .map_err(|e| VerifyError::Encoding { what: "verifying key", reason: format!("{e}") })?;
        Ok(out)
    }

    /// Decodes and validates a key.
    pub fn from_bytes(bytes: &[u8]) -> Result<VerifyingKey, VerifyError> {
        let bad = |m: &str| VerifyError::MalformedKey(m.to_string());
        if bytes.len() < 45 || &bytes[..4] != KEY_MAGIC {
            return Err(bad("not a verinfer verifying key (bad magic or too short)"));
        }
        let version = u32::from_le_bytes([bytes[4], bytes[5], bytes[6], bytes[7]]);
        if version != KEY_VERSION {
            return Err(VerifyError::MalformedKey(format!(
                "key format version {version}, this build reads {KEY_VERSION}"
            )));
        }
        let mut model_hash = [0u8; 32];
        model_hash.copy_from_slice(&bytes[8..40]);
        let output_mode = match bytes[40] {
            0 => OutputMode::Tensor,
            1 => OutputMode::Commitment,
            m => return Err(VerifyError::MalformedKey(format!("unknown output mode {m}"))),
        };
        let output_len = u32::from_le_bytes([bytes[41], bytes[42], bytes[43], bytes[44]]);
        let mut rest = &bytes[45..];
        let vk = ark_groth16::VerifyingKey::<Bn254>::deserialize_with_mode(&mut rest, Compress::Yes, Validate::Yes)
            .map_err(|e| VerifyError::MalformedKey(format!("invalid Groth16 key encoding ({e})")))?;
        if !rest.is_empty() {
            return Err(VerifyError::MalformedKey(format!("{} trailing bytes", rest.len())));
        }
        let layout = StatementLayout { output_mode, output_len };
        if vk.gamma_abc_g1.len() != layout.num_public_inputs() + 1 {
            return Err(VerifyError::MalformedKey(format!(
                "the key has {} public inputs, its layout says {}",
                vk.gamma_abc_g1.len().saturating_sub(1),
                layout.num_public_inputs()
            )));
        }
        Ok(VerifyingKey { model_hash, layout, vk })
    }

    /// Precomputes the pairing `e(alpha, beta)` and negated G2 points.
    pub fn prepare(&self) -> PreparedVerifyingKey {
        PreparedVerifyingKey {
            model_hash: self.model_hash,
            layout: self.layout,
            pvk: ark_groth16::prepare_verifying_key(&self.vk),
        }
    }
}
