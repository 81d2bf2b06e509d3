//! The prover's witness: the integer evaluation of the model, the seeded draw, and the statement.
use crate::commit::{commit, INPUT_DOMAIN, OUTPUT_DOMAIN};
use crate::sampling::{low_u64, randomness};
use ark_bn254::Fr;
use verinfer_ir::sampling::{draw, Draw};
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
    /// The seeded draw (every intermediate value), unless the model samples by argmax.
    pub draw: Option<Draw>,
}

/// Evaluates `model` on a quantized input and builds the statement.
pub fn assign(model: &CompiledModel, input: Vec<i64>, salt: Fr, seed: [u8; 32]) -> Result<ProverWitness, EvalError> {
    let ir = &model.graph;
    let eval = evaluate(ir, &input)?;
    let out = eval.output(ir).to_vec();
    if out.is_empty() {
        return Err(EvalError::Malformed("the output tensor is empty".into()));
    }
    let input_commitment = fr_to_bytes(&commit(INPUT_DOMAIN, salt, &input, ir.nodes[0].bits.0));
    let model_hash = model.model_hash().map_err(|e| EvalError::Malformed(e.to_string()))?.0;
    let draw = if model.sampling.is_random() {
        let r = low_u64(randomness(&seed, &input_commitment, &model_hash, 0));
        draw(&model.sampling, &out, r)
    } else {
        None
    };
    let index = match &draw {
        Some(d) => d.index,
        None => argmax(&out).unwrap_or(0),
    };
    let output = match model.output_mode {
        OutputMode::Tensor => OutputClaim::Tensor(out),
        OutputMode::Commitment => {
            OutputClaim::Commitment(fr_to_bytes(&commit(OUTPUT_DOMAIN, salt, &out, ir.output_node().bits.0)))
        }
    };
    let statement = Statement { model_hash, input_commitment, seed, output_index: index as u32, output };
    Ok(ProverWitness { input, eval, salt, statement, draw })
}
