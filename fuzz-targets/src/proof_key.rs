//! Target `proof_key`: proof and verifying-key bytes through `Proof::from_bytes` and
//! `VerifyingKey::from_bytes`; when both decode, the key is prepared and the proof verified against
//! the fixed statement of `seeds/context/proof.json`.
//!
//! Input layout: the first [`PROOF_BYTES`] bytes are the proof, the rest is the key (the seeds are a
//! real proof followed by its model's `verifying.key`).
use std::sync::OnceLock;
use verinfer::proof_file::ProofFile;
use verinfer_verifier::{verify, Proof, Statement, VerifyingKey, PROOF_BYTES};

/// The statement of the committed proof (iris MLP).
pub fn statement() -> &'static Statement {
    static S: OnceLock<Statement> = OnceLock::new();
    S.get_or_init(|| {
        let text = include_str!("../seeds/context/proof.json");
        ProofFile::parse(text).and_then(|f| f.decode()).expect("the committed proof.json decodes").0
    })
}

/// Decodes a proof and a key from `data` and verifies when both decode.
pub fn run(data: &[u8]) {
    let (proof, key) = data.split_at(data.len().min(PROOF_BYTES));
    let proof = Proof::from_bytes(proof);
    let key = VerifyingKey::from_bytes(key);
    if let Ok(p) = &proof {
        let bytes = p.to_bytes().expect("a decoded proof encodes");
        assert_eq!(Proof::from_bytes(&bytes).as_ref(), Ok(p), "a decoded proof does not round-trip");
    }
    if let Ok(k) = &key {
        let bytes = k.to_bytes().expect("a decoded key encodes");
        assert_eq!(VerifyingKey::from_bytes(&bytes).as_ref(), Ok(k), "a decoded key does not round-trip");
    }
    if let (Ok(proof), Ok(key)) = (proof, key) {
        let _ = verify(&key.prepare(), statement(), &proof);
    }
}
