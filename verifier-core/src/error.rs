//! Verification errors.
use alloc::string::String;

/// Why a proof was not accepted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum VerifyError {
    /// The verifying key bytes are not a valid verinfer key.
    #[error("malformed verifying key: {0}")]
    MalformedKey(String),
    /// The proof bytes are not a valid Groth16 proof.
    #[error("malformed proof: {0}")]
    MalformedProof(String),
    /// The statement cannot be encoded (a value outside the field, for example).
    #[error("malformed statement: {0}")]
    MalformedStatement(String),
    /// The key belongs to another model than the statement names.
    #[error("wrong key: the key is for model {key}, the statement names model {statement}")]
    WrongKey {
        /// Model hash of the key, hex.
        key: String,
        /// Model hash in the statement, hex.
        statement: String,
    },
    /// The statement does not have the shape the key's circuit proves.
    #[error("statement mismatch: {0}")]
    StatementMismatch(String),
    /// The proof is well-formed but does not prove this statement.
    #[error("proof rejected: it does not prove this statement under this key")]
    Rejected,
    /// A key or proof could not be encoded (the serializer failed; not an input defect).
    #[error("could not encode {what}: {reason}")]
    Encoding {
        /// What was being encoded.
        what: &'static str,
        /// The serializer's error.
        reason: String,
    },
}

impl VerifyError {
    /// True when the inputs were checked and found not to prove the claim (as opposed to inputs that
    /// could not be read).
    pub fn is_rejection(&self) -> bool {
        matches!(self, VerifyError::WrongKey { .. } | VerifyError::StatementMismatch(_) | VerifyError::Rejected)
    }
}
