//! The Groth16 proof wire format: A, B, C compressed (ark-serialize), 128 bytes.
use crate::error::VerifyError;
use alloc::{format, vec::Vec};
use ark_bn254::Bn254;
use ark_serialize::{CanonicalDeserialize, CanonicalSerialize, Compress, Validate};

/// Size of an encoded proof.
pub const PROOF_BYTES: usize = 128;

/// A Groth16 proof over BN254.
#[derive(Clone, Debug, PartialEq)]
pub struct Proof(pub ark_groth16::Proof<Bn254>);

impl Proof {
    /// The 128-byte compressed encoding.
    pub fn to_bytes(&self) -> Result<Vec<u8>, VerifyError> {
        let mut out = Vec::with_capacity(PROOF_BYTES);
        self.0
            .serialize_compressed(&mut out)
            .map_err(|e| VerifyError::Encoding { what: "proof", reason: format!("{e}") })?;
        if out.len() != PROOF_BYTES {
            return Err(VerifyError::Encoding {
                what: "proof",
                reason: format!("{} bytes, a Groth16 proof has {PROOF_BYTES}", out.len()),
            });
        }
        Ok(out)
    }

    /// Decodes and validates (points on the curve and in the prime-order subgroup).
    pub fn from_bytes(bytes: &[u8]) -> Result<Proof, VerifyError> {
        if bytes.len() != PROOF_BYTES {
            return Err(VerifyError::MalformedProof(format!(
                "{} bytes, a Groth16 proof has {PROOF_BYTES}",
                bytes.len()
            )));
        }
        ark_groth16::Proof::<Bn254>::deserialize_with_mode(bytes, Compress::Yes, Validate::Yes)
            .map(Proof)
            .map_err(|e| MalformedProofDisplay(e).into())
    }
}

struct MalformedProofDisplay(ark_serialize::SerializationError);

impl From<MalformedProofDisplay> for VerifyError {
    fn from(e: MalformedProofDisplay) -> Self {
        VerifyError::MalformedProof(format!("not a valid point encoding ({})", e.0))
    }
}
