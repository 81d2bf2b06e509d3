//! Verification: the single code path shared by the CLI and the canister.
use crate::error::VerifyError;
use crate::key::PreparedVerifyingKey;
use crate::proof::Proof;
use crate::statement::{PublicInputs, Statement};
use alloc::format;
use ark_bn254::Bn254;
use ark_ec::VariableBaseMSM;

fn hex32(b: &[u8; 32]) -> alloc::string::String {
    hex::encode(b)
}

/// Checks that `proof` proves `statement` under `key`.
///
/// `Err` with [`VerifyError::is_rejection`] true means the claim was checked and is false (wrong
/// model, wrong statement shape, or a proof that does not verify); other errors mean an input
/// could not be read.
pub fn verify(key: &PreparedVerifyingKey, statement: &Statement, proof: &Proof) -> Result<(), VerifyError> {
    if key.model_hash != statement.model_hash {
        return Err(VerifyError::WrongKey { key: hex32(&key.model_hash), statement: hex32(&statement.model_hash) });
    }
    let layout = statement.layout();
    if layout.output_mode != key.layout.output_mode
        || (layout.output_mode == crate::OutputMode::Tensor && layout.output_len != key.layout.output_len)
    {
        return Err(VerifyError::StatementMismatch(format!(
            "the key proves {:?} outputs of length {}, the statement has {:?} of length {}",
            key.layout.output_mode, key.layout.output_len, layout.output_mode, layout.output_len
        )));
    }
    if statement.output_index >= key.layout.output_len.max(1) {
        return Err(VerifyError::StatementMismatch(format!(
            "output index {} is outside the model's {} classes",
            statement.output_index, key.layout.output_len
        )));
    }
    let inputs = statement.public_inputs()?;
    if inputs.len() + 1 != key.pvk.vk.gamma_abc_g1.len() {
        return Err(VerifyError::StatementMismatch(format!(
            "{} public inputs, the key expects {}",
            inputs.len(),
            key.pvk.vk.gamma_abc_g1.len() - 1
        )));
    }
    // One multi-scalar multiplication for all public inputs (cheaper than one scalar
    // multiplication each, which is what dominates verification in a canister).
    let bases = &key.pvk.vk.gamma_abc_g1;
    let msm = <ark_bn254::G1Projective as VariableBaseMSM>::msm(&bases[1..], &inputs).map_err(|_| {
        VerifyError::StatementMismatch(format!("{} public inputs for {} key points", inputs.len(), bases.len() - 1))
    })?;
    let prepared = msm + bases[0];
    match ark_groth16::Groth16::<Bn254>::verify_proof_with_prepared_inputs(&key.pvk, &proof.0, &prepared) {
        Ok(true) => Ok(()),
        Ok(false) => Err(VerifyError::Rejected),
        Err(e) => Err(VerifyError::MalformedProof(format!("{e}"))),
    }
}
