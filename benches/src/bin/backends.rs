//! Groth16 and halo2 side by side on every fixture, in one run: setup, prove and verify time,
//! proof size and circuit size (constraints, rows and k). Each fixture's two backends are measured
//! alternately (prove 3 times each, interleaved) so that both see the same machine load.
//!
//! `cargo run --release -p verinfer-benches --bin backends [-- FIXTURE...]`: a markdown table on
//! stdout (benches/backends/results.md is one run). Canister instructions come from the harness
//! (`cargo test --release -p verinfer-ic-harness --test verifier_canister halo2 -- --nocapture`).
use anyhow::{anyhow, Result};
use rand::SeedableRng;
use std::path::Path;
use std::time::Instant;
use verinfer::pipeline::{
    compile_to_dir, load_halo2_key, load_model, load_proving_key, prove_sample, prove_sample_halo2, read_input,
    setup_dir, setup_dir_halo2, verify_bytes,
};
use verinfer_benches::{fixture, FIXTURES};
use verinfer_circuits::Backend;
use verinfer_compiler::CompileOptions;
use verinfer_halo2::Halo2;
use verinfer_verifier::Verifier;

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

fn timed<T>(f: impl FnOnce() -> Result<T>) -> Result<(T, f64)> {
    let t = Instant::now();
    let v = f()?;
    Ok((v, t.elapsed().as_secs_f64()))
}

fn build(name: &str, dir: &Path) -> Result<()> {
    compile_to_dir(&fixture(name).join("model.onnx"), None, dir, &CompileOptions::default())?;
    Ok(())
}

fn row(name: &str) -> Result<String> {
    let tmp = tempfile::tempdir()?;
    let (g_dir, h_dir) = (tmp.path().join("g"), tmp.path().join("h"));
    build(name, &g_dir)?;
    build(name, &h_dir)?;
    let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(3);
    let (_, g_setup) = timed(|| setup_dir(&g_dir, &mut rng))?;
    let (_, h_setup) = timed(|| setup_dir_halo2(&h_dir))?;
    let model = load_model(&g_dir)?;
    let input = read_input(&fixture(name).join("input.json"), &model.graph.input)?;
    let pk = load_proving_key(&g_dir, &model)?;
    let (h_key, h_load) = timed(|| load_halo2_key(&h_dir, &model))?;
    let (mut g_prove, mut h_prove) = (Vec::new(), Vec::new());
    let (mut g_file, mut h_file) = (None, None);
    for _ in 0..3 {
        let (f, s) = timed(|| prove_sample(&model, &pk, &input, [1; 32], Default::default(), &mut rng))?;
        g_prove.push(s);
        g_file = Some(f.file);
        let (f, s) = timed(|| {
            prove_sample_halo2(&model, &h_key, &input, ([1; 32], Default::default()), &mut Default::default())
        })?;
        h_prove.push(s);
        h_file = Some(f.file);
    }
    let (g_file, h_file) = (g_file.ok_or_else(|| anyhow!("no proof"))?, h_file.ok_or_else(|| anyhow!("no proof"))?);
    let g_key = std::fs::read(g_dir.join("verifying.key"))?;
    let h_key_bytes = std::fs::read(h_dir.join("verifying.key"))?;
    let (g_json, h_json) = (serde_json::to_string(&g_file)?, serde_json::to_string(&h_file)?);
    let verify = |key: &[u8], json: &str| timed(|| verify_bytes(key, json).map_err(|e| anyhow!("{e}")));
    let g_verify = median((0..5).map(|_| verify(&g_key, &g_json).map(|v| v.1)).collect::<Result<_>>()?);
    let h_verify = median((0..5).map(|_| verify(&h_key_bytes, &h_json).map(|v| v.1)).collect::<Result<_>>()?);
    // halo2 with its key prepared once (what the canister caches)
    let (statement, proof) = h_file.decode_as::<Halo2>()?;
    let h_check = median(
        (0..5)
            .map(|_| timed(|| Halo2::verify(&h_key, &statement, &proof).map_err(|e| anyhow!("{e}"))).map(|v| v.1))
            .collect::<Result<_>>()?,
    );
    let constraints = <verinfer_verifier::Groth16 as Backend>::circuit_size(&model)?.values().sum::<usize>();
    let rows = <Halo2 as Backend>::circuit_size(&model)?.values().sum::<usize>();
    let hex_len = |s: &str| s.len() / 2;
    Ok(format!(
        "| {name} | {constraints} | {rows} (k = {k}) | {g_setup:.2} | {h_setup:.2} | {gp:.3} | {hp:.3} | {g_verify_ms:.1} | {h_verify_ms:.0} / {h_check_ms:.1} | {gb} | {hb} |",
        k = h_key.params.k(),
        gp = median(g_prove),
        hp = median(h_prove) + h_load,
        g_verify_ms = g_verify * 1e3,
        h_verify_ms = h_verify * 1e3,
        h_check_ms = h_check * 1e3,
        gb = hex_len(&g_file.proof),
        hb = hex_len(&h_file.proof),
    ))
}

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let names: Vec<&str> = if args.is_empty() { FIXTURES.to_vec() } else { args.iter().map(String::as_str).collect() };
    println!("threads: {}", rayon::current_num_threads());
    println!();
    println!("| model | Groth16 constraints | halo2 rows | Groth16 setup s | halo2 setup s | Groth16 prove s | halo2 prove s | Groth16 verify ms | halo2 verify ms (CLI / key prepared) | Groth16 proof bytes | halo2 proof bytes |");
    println!("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    for name in names {
        println!("{}", row(name)?);
    }
    Ok(())
}
