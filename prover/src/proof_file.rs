//! `proof.json`: a versioned proof with its statement in hex and the output for people to read.
use serde::{Deserialize, Serialize};
use serde_bytes::ByteBuf;
use verinfer_verifier::{BackendId, Groth16, OutputClaim, Proof, Statement, Verifier, VerifyError};
use verinfer_verifier_canister::types as canister;

/// `format` of proof files.
pub const PROOF_FORMAT: &str = "verinfer-proof";
/// Proof file version.
pub const PROOF_VERSION: u32 = 1;

/// The revealed output, hex-encoded for JSON.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OutputJson {
    /// Quantized output values.
    Tensor(Vec<i64>),
    /// Commitment to them, 32 bytes hex.
    Commitment(String),
}

/// The statement, hex-encoded.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StatementJson {
    /// SHA-256 of the compiled model.
    pub model_hash: String,
    /// Input commitment (BN254 scalar, big-endian).
    pub input_commitment: String,
    /// Seed, 32 bytes.
    pub seed: String,
    /// The sampled class.
    pub output_index: u32,
    /// The output tensor or its commitment.
    pub output: OutputJson,
}

/// The output for people: dequantized values.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ReadableOutput {
    /// Sampled class.
    pub index: u32,
    /// Output values as real numbers (absent when only a commitment is public).
    pub values: Option<Vec<f64>>,
    /// Fixed-point scale exponent of the output (value = q / 2^scale).
    pub scale: i8,
}

/// The fields a proof file is recognized by, read before the rest.
#[derive(Deserialize)]
struct Header {
    format: String,
    format_version: u32,
    backend: String,
}

/// A proof file.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ProofFile {
    /// Always [`PROOF_FORMAT`].
    pub format: String,
    /// [`PROOF_VERSION`].
    pub format_version: u32,
    /// Proof system (an unknown name is refused when the file is read).
    pub backend: BackendId,
    /// Model name.
    pub model_name: String,
    /// The statement.
    pub statement: StatementJson,
    /// The public inputs the statement encodes to (BN254 scalars, hex), for other verifiers.
    pub public_inputs: Vec<String>,
    /// The proof, hex (128 bytes).
    pub proof: String,
    /// The output for people.
    pub output: ReadableOutput,
}

/// Hex digits with an optional `0x` (or `0X`) prefix: every hex field of a proof file reads this way.
fn unhex(s: &str) -> Result<Vec<u8>, hex::FromHexError> {
    hex::decode(s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")).unwrap_or(s))
}

fn h32(s: &str, what: &str) -> Result<[u8; 32], VerifyError> {
    let v = unhex(s).map_err(|_| VerifyError::MalformedStatement(format!("{what} is not hex")))?;
    v.try_into().map_err(|_| VerifyError::MalformedStatement(format!("{what} must be 32 bytes")))
}

impl StatementJson {
    /// From a statement.
    pub fn from_statement(s: &Statement) -> Self {
        StatementJson {
            model_hash: hex::encode(s.model_hash),
            input_commitment: hex::encode(s.input_commitment),
            seed: hex::encode(s.seed),
            output_index: s.output_index,
            output: match &s.output {
                OutputClaim::Tensor(v) => OutputJson::Tensor(v.clone()),
                OutputClaim::Commitment(c) => OutputJson::Commitment(hex::encode(c)),
            },
        }
    }

    /// To a statement.
    pub fn to_statement(&self) -> Result<Statement, VerifyError> {
        Ok(Statement {
            model_hash: h32(&self.model_hash, "model_hash")?,
            input_commitment: h32(&self.input_commitment, "input_commitment")?,
            seed: h32(&self.seed, "seed")?,
            output_index: self.output_index,
            output: match &self.output {
                OutputJson::Tensor(v) => OutputClaim::Tensor(v.clone()),
                OutputJson::Commitment(c) => OutputClaim::Commitment(h32(c, "output commitment")?),
            },
        })
    }
}

impl ProofFile {
    /// The verifier canister's `verify` arguments for this file, byte for byte: every hex field is
    /// decoded and nothing is parsed or re-encoded, so a tampered file reaches the canister as it is.
    pub fn canister_args(&self, ticket: Option<u64>) -> Result<canister::VerifyArgs, VerifyError> {
        let s = &self.statement;
        let b = |h: &str, what: &str| {
            unhex(h).map(ByteBuf::from).map_err(|_| VerifyError::MalformedStatement(format!("{what} is not hex")))
        };
        Ok(canister::VerifyArgs {
            proof: unhex(&self.proof)
                .map(ByteBuf::from)
                .map_err(|_| VerifyError::MalformedProof("proof is not hex".into()))?,
            statement: canister::Statement {
                model_hash: b(&s.model_hash, "model_hash")?,
                input_commitment: b(&s.input_commitment, "input_commitment")?,
                seed: b(&s.seed, "seed")?,
                output_index: s.output_index,
                output: match &s.output {
                    OutputJson::Tensor(v) => canister::Output::Tensor(v.clone()),
                    OutputJson::Commitment(c) => canister::Output::Commitment(b(c, "output commitment")?),
                },
            },
            ticket,
        })
    }

    /// Builds the file for a proven Groth16 statement.
    pub fn new(
        model_name: &str,
        statement: &Statement,
        proof: &Proof,
        output: ReadableOutput,
    ) -> Result<ProofFile, VerifyError> {
        ProofFile::new_for::<Groth16>(model_name, statement, &proof.to_bytes()?, output)
    }

    /// Builds the file for a statement proven with backend `V` (`proof` in its encoding).
    pub fn new_for<V: Verifier>(
        model_name: &str,
        statement: &Statement,
        proof: &[u8],
        output: ReadableOutput,
    ) -> Result<ProofFile, VerifyError> {
        Ok(ProofFile {
            format: PROOF_FORMAT.into(),
            format_version: PROOF_VERSION,
            backend: V::ID,
            model_name: model_name.into(),
            statement: StatementJson::from_statement(statement),
            public_inputs: V::public_input_bytes(statement)?.iter().map(hex::encode).collect(),
            proof: hex::encode(proof),
            output,
        })
    }

    /// Parses a proof file; any defect is a [`VerifyError`] of the "malformed" kind.
    pub fn parse(text: &str) -> Result<ProofFile, VerifyError> {
        // The header first, so that another format, version or backend is named as such rather
        // than as a shape the full parse does not know.
        let header: Header = serde_json::from_str(text).map_err(|e| {
            VerifyError::MalformedProof(format!("proof file is not valid JSON of the expected shape: {e}"))
        })?;
        if header.format != PROOF_FORMAT {
            return Err(VerifyError::MalformedProof(format!(
                "format is '{}', expected '{PROOF_FORMAT}'",
                header.format
            )));
        }
        if header.format_version != PROOF_VERSION {
            return Err(VerifyError::MalformedProof(format!(
                "proof file version {}, this build reads {PROOF_VERSION}",
                header.format_version
            )));
        }
        header.backend.parse::<BackendId>().map_err(|e| VerifyError::MalformedProof(e.to_string()))?;
        serde_json::from_str(text).map_err(|e| {
            VerifyError::MalformedProof(format!("proof file is not valid JSON of the expected shape: {e}"))
        })
    }

    /// The decoded statement and proof; `public_inputs`, if present, must match the statement.
    pub fn decode(&self) -> Result<(Statement, Proof), VerifyError> {
        self.decode_as::<Groth16>()
    }

    /// [`ProofFile::decode`] for backend `V`: the file must name it.
    pub fn decode_as<V: Verifier>(&self) -> Result<(Statement, V::Proof), VerifyError> {
        if self.backend != V::ID {
            return Err(VerifyError::MalformedProof(format!("this is a {} proof, not {}", self.backend, V::ID)));
        }
        let statement = self.statement.to_statement()?;
        let bytes = unhex(&self.proof).map_err(|_| VerifyError::MalformedProof("proof is not hex".into()))?;
        let proof = V::decode_proof(&bytes)?;
        // `public_inputs` is the statement in the backend's field
        if !self.public_inputs.is_empty() {
            let expected: Vec<Vec<u8>> = V::public_input_bytes(&statement)?.iter().map(|b| b.to_vec()).collect();
            let given = self
                .public_inputs
                .iter()
                .map(|s| unhex(s))
                .collect::<Result<Vec<_>, _>>()
                .map_err(|_| VerifyError::MalformedStatement("public_inputs are not hex".into()))?;
            if given != expected {
                return Err(VerifyError::MalformedStatement("public_inputs do not encode the statement".into()));
            }
        }
        Ok((statement, proof))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PROOF: &str = include_str!("../../fuzz-targets/seeds/context/proof.json");

    #[test]
    fn the_backend_is_read_by_name_and_an_unknown_one_is_named() {
        let f = ProofFile::parse(PROOF).unwrap();
        assert_eq!(f.backend, BackendId::Groth16);
        assert!(serde_json::to_string(&f).unwrap().contains("\"backend\":\"groth16\""));
        f.decode_as::<Groth16>().unwrap();
        let plonk = PROOF.replacen("\"groth16\"", "\"plonk\"", 1);
        let e = ProofFile::parse(&plonk).unwrap_err().to_string();
        assert!(e.ends_with("backend 'plonk' is not supported by this build (supported: groth16 halo2)"), "{e}");
        assert!(!e.contains("not valid JSON"), "{e}");
        // the version is checked before the backend
        let v2 = plonk.replacen("\"format_version\": 1", "\"format_version\": 2", 1);
        assert_ne!(v2, plonk, "the seed file spells its version as expected");
        assert!(ProofFile::parse(&v2).unwrap_err().to_string().contains("proof file version 2"));
    }
}
