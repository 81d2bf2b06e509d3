//! `verinfer commit build/ --input input.json --salt HEX`: the input commitment a proof will carry,
//! computed before proving (to request a seed ticket for it).
use crate::pipeline::{load_model, parse_salt, read_input};
use anyhow::{Context, Result};
use std::path::{Path, PathBuf};
use verinfer_circuits::commit::{commit, INPUT_DOMAIN};
use verinfer_ir::CompiledModel;
use verinfer_verifier::{fr_to_bytes, BackendId, Fr};

/// Arguments of `commit`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// Build directory with model.compiled.
    #[arg(default_value = "build")]
    pub dir: PathBuf,
    /// The input ({"input_data": [[...]]}).
    #[arg(long)]
    pub input: PathBuf,
    /// Commitment salt: a BN254 scalar as a hex number of 1 to 64 digits, optional 0x (keep it:
    /// `prove` must be given the same one).
    #[arg(long)]
    pub salt: String,
}

/// Runs `commit`.
pub fn run(args: &Args, json: bool) -> Result<()> {
    let model = load_model(&args.dir)?;
    let salt = parse_salt(&args.salt)?;
    let q = verinfer_ir::quantize_input(&model.graph, &read_input(&args.input, &model.graph.input)?)
        .context("quantizing the input")?;
    let c_bytes = input_commitment(&args.dir, &model, &q, salt)?;
    let c = hex::encode(c_bytes);
    let hash = model.model_hash()?;
    let request_seed = super::canister::candid_text(&verinfer_verifier_canister::types::SeedRequest {
        model_hash: serde_bytes::ByteBuf::from(hash.0.to_vec()),
        input_commitment: serde_bytes::ByteBuf::from(c_bytes.to_vec()),
        event: None,
        consumer: None,
    })?;
    let value =
        serde_json::json!({ "model_hash": hash.to_hex(), "input_commitment": c, "request_seed_args": request_seed });
    let text = format!("model_hash       {hash}\ninput_commitment {c}\nrequest_seed     {request_seed}");
    super::emit(json, &value, &text)
}

/// The commitment to quantized input `q` with `salt`, in the field of the build directory's
/// backend (Groth16's before any setup): what a proof of this input will carry.
pub fn input_commitment(dir: &Path, model: &CompiledModel, q: &[i64], salt: Fr) -> Result<[u8; 32]> {
    let bits = model.graph.nodes[0].bits.0;
    let backend = crate::pipeline::setup_backend(dir).unwrap_or(BackendId::Groth16);
    Ok(match backend {
        BackendId::Groth16 => fr_to_bytes(&commit(INPUT_DOMAIN, salt, q, bits)),
        BackendId::Halo2 => {
            let salt = verinfer_circuits::backend::pasta_salt(&salt)?;
            verinfer_halo2::statement::commit(INPUT_DOMAIN, salt, q, bits)
        }
    })
}
