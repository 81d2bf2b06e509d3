//! Target `proof_json`: `proof.json` text through `ProofFile::parse` and `decode`, and through
//! `verinfer::pipeline::verify_bytes` with the committed verifying key of its model.
use verinfer::pipeline::verify_bytes;
use verinfer::proof_file::ProofFile;

/// The verifying key the seeds' proofs were made for (iris MLP).
pub const KEY: &[u8] = include_bytes!("../seeds/context/verifying.key");

/// Parses, decodes and verifies `data` as a proof file (non-UTF-8 input is lossily converted).
pub fn run(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    if let Ok(file) = ProofFile::parse(&text) {
        let _ = file.decode();
    }
    let _ = verify_bytes(KEY, &text);
}
