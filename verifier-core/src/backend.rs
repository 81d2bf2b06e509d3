//! Verifiers by proof system: the part of a backend the CLI's `verify` and the canister run.
use crate::error::VerifyError;
use crate::key::{PreparedVerifyingKey, VerifyingKey};
use crate::proof::Proof;
use crate::statement::Statement;
use verinfer_protocol::BackendId;

/// A proof system's verifier. Every backend proves the protocol's [`Statement`]; what differs is
/// the key, the proof and the check. Statically dispatched (no trait objects): the canister's
/// Wasm carries only the verifiers it names.
pub trait Verifier {
    /// The backend's name in files and interfaces.
    const ID: BackendId;
    /// A verifying key as its file holds it (with the model hash and statement layout).
    type VerifyingKey;
    /// A verifying key ready to check proofs (what the canister caches).
    type PreparedKey;
    /// A proof.
    type Proof;

    /// Reads a verifying-key file; malformed bytes are an error, never a panic.
    fn decode_key(bytes: &[u8]) -> Result<Self::VerifyingKey, VerifyError>;
    /// Prepares a key for checking (for a backend whose key is regenerated, this is where the
    /// regenerated key is compared with the recorded one).
    fn prepare(key: &Self::VerifyingKey) -> Result<Self::PreparedKey, VerifyError>;
    /// The statement's public inputs in the backend's field, each as 32 big-endian bytes (what
    /// `proof.json` lists).
    fn public_input_bytes(statement: &Statement) -> Result<alloc::vec::Vec<[u8; 32]>, VerifyError>;
    /// Reads a proof.
    fn decode_proof(bytes: &[u8]) -> Result<Self::Proof, VerifyError>;
    /// Checks that `proof` proves `statement` under `key` ([`VerifyError::is_rejection`] tells a
    /// false claim from an unreadable input).
    fn verify(key: &Self::PreparedKey, statement: &Statement, proof: &Self::Proof) -> Result<(), VerifyError>;
}

/// Groth16 over BN254 (arkworks; proofs snarkjs and EVM verifiers accept).
#[derive(Clone, Copy, Debug, Default)]
pub struct Groth16;

impl Verifier for Groth16 {
    const ID: BackendId = BackendId::Groth16;
    type VerifyingKey = VerifyingKey;
    type PreparedKey = PreparedVerifyingKey;
    type Proof = Proof;

    fn decode_key(bytes: &[u8]) -> Result<VerifyingKey, VerifyError> {
        VerifyingKey::from_bytes(bytes)
    }

    fn prepare(key: &VerifyingKey) -> Result<PreparedVerifyingKey, VerifyError> {
        Ok(key.prepare())
    }

    fn public_input_bytes(statement: &Statement) -> Result<alloc::vec::Vec<[u8; 32]>, VerifyError> {
        use crate::statement::PublicInputs;
        Ok(statement.public_inputs()?.iter().map(crate::statement::fr_to_bytes).collect())
    }

    fn decode_proof(bytes: &[u8]) -> Result<Proof, VerifyError> {
        Proof::from_bytes(bytes)
    }

    fn verify(key: &PreparedVerifyingKey, statement: &Statement, proof: &Proof) -> Result<(), VerifyError> {
        crate::verify::verify(key, statement, proof)
    }
}
