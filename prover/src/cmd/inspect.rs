//! `verinfer inspect PATH`: a build directory, a proof file or a verifying key.
use crate::artifacts;
use crate::fsutil::{read, read_string};
use crate::pipeline::load_model;
use crate::proof_file::ProofFile;
use anyhow::{bail, Result};
use std::collections::BTreeMap;
use std::path::PathBuf;
use verinfer_verifier::VerifyingKey;

/// Arguments of `inspect`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// A build directory, proof.json or verifying.key.
    #[arg(default_value = "build")]
    pub path: PathBuf,
}

/// The setup record (kind, who could forge, the ceremony), or null before `setup`.
fn setup_provenance(dir: &std::path::Path) -> Result<serde_json::Value> {
    let path = dir.join(artifacts::SETUP);
    if !path.is_file() {
        return Ok(serde_json::Value::Null);
    }
    let r = crate::pipeline::read_setup_record(&path)?;
    let trust = match r.kind {
        crate::pipeline::SetupKind::SingleParty => "whoever ran setup could forge proofs for this model",
        crate::pipeline::SetupKind::Ceremony => {
            "sound if one phase-1 and one phase-2 contributor destroyed their secret; re-check with `verinfer ceremony verify FINAL.zkey --ptau FILE.ptau BUILD`"
        }
        crate::pipeline::SetupKind::Transparent => "nobody can forge: halo2 has no setup secret",
    };
    Ok(serde_json::json!({
        "backend": r.backend, "kind": r.kind, "provenance": r.provenance, "trust": trust, "ceremony": r.ceremony
    }))
}

/// Runs `inspect`.
pub fn run(args: &Args, json: bool) -> Result<()> {
    let p = &args.path;
    let value = if p.is_dir() {
        let model = load_model(p)?;
        let ir = &model.graph;
        let mut gadgets = BTreeMap::new();
        for n in &ir.nodes {
            *gadgets.entry(n.op.kind()).or_insert(0usize) += 1;
        }
        serde_json::json!({
            "kind": "build directory",
            "model": model.name,
            "model_hash": model.model_hash()?.to_hex(),
            "format_version": model.format_version,
            "compiler_version": model.compiler_version,
            "onnx_sha256": model.onnx_sha256,
            "input_shape": ir.input.shape,
            "graph_inputs": ir.input.graph_inputs().iter().map(|p| serde_json::json!({"name": p.name, "shape": p.shape})).collect::<Vec<_>>(),
            "output": ir.output_node().name,
            "output_len": ir.output_node().len(),
            "output_mode": model.output_mode,
            "sampling": model.sampling,
            "sampling_description": model.sampling.describe(),
            "effective_temperature": model.sampling.softmax().map(|s| s.effective_temperature(ir.output_node().scale)),
            "gadgets": gadgets,
            "has_proving_key": p.join(artifacts::PROVING_KEY).is_file(),
            "has_verifying_key": p.join(artifacts::VERIFYING_KEY).is_file(),
            "setup": setup_provenance(p)?,
        })
    } else if p.extension().is_some_and(|e| e == "json") {
        let f = ProofFile::parse(&read_string(p)?)?;
        serde_json::json!({ "kind": "proof", "model": f.model_name, "backend": f.backend, "statement": f.statement, "output": f.output })
    } else {
        let bytes = read(p)?;
        if !bytes.starts_with(verinfer_verifier::KEY_MAGIC) {
            bail!("{}: not a build directory, proof file or verifying key", p.display());
        }
        let k = VerifyingKey::from_bytes(&bytes)?;
        serde_json::json!({ "kind": "verifying key", "model_hash": hex::encode(k.model_hash), "layout": k.layout, "bytes": bytes.len() })
    };
    let text = serde_json::to_string_pretty(&value)?;
    super::emit(json, &value, &text)
}
