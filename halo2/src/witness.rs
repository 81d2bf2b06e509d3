//! The statement a halo2 proof makes, from the IR's evaluation: the protocol's statement with the
//! Pasta encoding's commitments.
use crate::field::Fp;
use crate::model::LowerError;
use crate::statement::{commit, low_u64, randomness_inputs};
use verinfer_ir::sampling::{draw, Draw};
use verinfer_ir::{argmax, CompiledModel, Evaluation, OutputMode};
use verinfer_protocol::tags::{INPUT_DOMAIN, OUTPUT_DOMAIN};
use verinfer_protocol::{OutputClaim, Statement};

/// The statement of `eval` (the evaluation of `m` on `eval.values[0]`), with commitments salted by
/// `salt`, and the seeded draw (every intermediate value) when `m` samples with `seed`.
pub fn statement(
    m: &CompiledModel,
    model_hash: [u8; 32],
    eval: &Evaluation,
    salt: Fp,
    seed: [u8; 32],
) -> Result<(Statement, Option<Draw>), LowerError> {
    let ir = &m.graph;
    let input = eval.values.first().ok_or_else(|| LowerError::Witness("no input values".into()))?;
    let out = eval.output(ir);
    let input_commitment = commit(INPUT_DOMAIN, salt, input, ir.nodes[0].bits.0);
    let draw = if m.sampling.is_random() {
        let c = crate::field::from_bytes(&input_commitment).unwrap_or_default();
        let u = crate::poseidon::hash(&randomness_inputs(&seed, c, &model_hash, 0));
        Some(draw(&m.sampling, out, low_u64(u)).ok_or_else(|| LowerError::Witness("no draw".into()))?)
    } else {
        None
    };
    let index = match &draw {
        Some(d) => d.index,
        None => argmax(out).ok_or_else(|| LowerError::Witness("the output tensor is empty".into()))?,
    };
    let output = match m.output_mode {
        OutputMode::Tensor => OutputClaim::Tensor(out.to_vec()),
        OutputMode::Commitment => OutputClaim::Commitment(commit(OUTPUT_DOMAIN, salt, out, ir.output_node().bits.0)),
    };
    let statement = Statement { model_hash, input_commitment, seed, output_index: index as u32, output };
    Ok((statement, draw))
}
