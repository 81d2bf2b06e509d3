//! The prover's witness: the integer evaluation of the model plus the statement it proves.
use crate::commit::{commit, INPUT_DOMAIN, OUTPUT_DOMAIN};
use ark_bn254::Fr;
use verinfer_ir::{argmax, evaluate, CompiledModel, EvalError, Evaluation, OutputMode};
use verinfer_verifier::{fr_to_bytes, OutputClaim, Statement};

/// Everything the circuit needs to be satisfied.
#[derive(Clone, Debug)]
pub struct ProverWitness {
    /// The quantized input.
    pub input: Vec<i64>,
    /// Every tensor's value.
    pub eval: Evaluation,
    /// The commitment salt.
    pub salt: Fr,
    /// The statement proven.
    pub statement: Statement,
}

/// Evaluates `model` on a quantized input and builds the statement.
pub fn assign(model: &CompiledModel, input: Vec<i64>, salt: Fr, seed: [u8; 32]) -> Result<ProverWitness, EvalError> {
    let ir = &model.graph;
    let eval = evaluate(ir, &input)?;
    let out = eval.output(ir).to_vec();
    let index = argmax(&out).ok_or_else(|| EvalError::Malformed("the output tensor is empty".into()))?;
    let input_commitment = fr_to_bytes(&commit(INPUT_DOMAIN, salt, &input, ir.nodes[0].bits.0));
    let output = match model.output_mode {
        OutputMode::Tensor => OutputClaim::Tensor(out),
        OutputMode::Commitment => {
            OutputClaim::Commitment(fr_to_bytes(&commit(OUTPUT_DOMAIN, salt, &out, ir.output_node().bits.0)))
        }
    };
    let statement =
        Statement { model_hash: model.model_hash().0, input_commitment, seed, output_index: index as u32, output };
    Ok(ProverWitness { input, eval, salt, statement })
}
