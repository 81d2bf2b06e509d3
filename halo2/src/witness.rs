//! The statement a halo2 proof makes, from the IR's evaluation: the protocol's statement with the
//! Pasta encoding's commitments.
use crate::field::Fp;
use crate::model::LowerError;
use crate::statement::commit;
use verinfer_ir::{argmax, CompiledModel, Evaluation, OutputMode};
use verinfer_protocol::tags::{INPUT_DOMAIN, OUTPUT_DOMAIN};
use verinfer_protocol::{OutputClaim, Statement};

/// The statement of `eval` (the evaluation of `m` on `eval.values[0]`), with commitments salted by
/// `salt` and `seed` recorded. Argmax sampling only (see [`LowerError::Unsupported`]).
pub fn statement(
    m: &CompiledModel,
    model_hash: [u8; 32],
    eval: &Evaluation,
    salt: Fp,
    seed: [u8; 32],
) -> Result<Statement, LowerError> {
    if m.sampling.is_random() {
        return Err(LowerError::Unsupported("seeded sampling"));
    }
    let ir = &m.graph;
    let input = eval.values.first().ok_or_else(|| LowerError::Witness("no input values".into()))?;
    let out = eval.output(ir);
    let index = argmax(out).ok_or_else(|| LowerError::Witness("the output tensor is empty".into()))?;
    let output = match m.output_mode {
        OutputMode::Tensor => OutputClaim::Tensor(out.to_vec()),
        OutputMode::Commitment => OutputClaim::Commitment(commit(OUTPUT_DOMAIN, salt, out, ir.output_node().bits.0)),
    };
    Ok(Statement {
        model_hash,
        input_commitment: commit(INPUT_DOMAIN, salt, input, ir.nodes[0].bits.0),
        seed,
        output_index: index as u32,
        output,
    })
}
