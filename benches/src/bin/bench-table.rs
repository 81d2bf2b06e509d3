//! Prints one table for every fixture: constraints, setup s, prove s, verify ms, proof bytes, peak
//! memory. Each fixture runs in a child process so that peak memory is its own. The last row is the
//! digits MLP with a seeded categorical draw (temperature 1) instead of argmax.
//!
//! `cargo run --release -p verinfer-benches --bin bench-table [-- --markdown]`
use anyhow::{anyhow, Result};
use rand::SeedableRng;
use std::time::Instant;
use verinfer::pipeline::{
    compile_to_dir, load_model, load_proving_key, prove_sample, read_input, setup_dir, verify_bytes,
};
use verinfer_benches::{fixture, peak_rss_kib, FIXTURES};
use verinfer_compiler::CompileOptions;
use verinfer_ir::SamplingSpec;

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

fn measure(row: &str) -> Result<serde_json::Value> {
    // "name" or "name+categorical" (a seeded draw at temperature 1 instead of argmax)
    let (name, opts) = match row.split_once('+') {
        Some((name, "categorical")) => (
            name,
            CompileOptions { sampling: SamplingSpec::Categorical { temperature: 1.0 }, ..CompileOptions::default() },
        ),
        Some((_, other)) => return Err(anyhow!("unknown row variant '{other}'")),
        None => (row, CompileOptions::default()),
    };
    let tmp = tempfile::tempdir()?;
    let build = tmp.path().join("build");
    let t = Instant::now();
    let report = compile_to_dir(&fixture(name).join("model.onnx"), None, &build, &opts)?;
    let compile_s = t.elapsed().as_secs_f64();
    let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(1);
    let setup_s = median(
        (0..3)
            .map(|_| {
                let t = Instant::now();
                setup_dir(&build, &mut rng).map(|_| t.elapsed().as_secs_f64())
            })
            .collect::<Result<Vec<_>>>()?,
    );
    let model = load_model(&build)?;
    let pk = load_proving_key(&build, &model)?;
    let input = read_input(&fixture(name).join("input.json"), &model.graph.input)?;
    let mut proof = None;
    let prove_s = median(
        (0..7)
            .map(|_| {
                let t = Instant::now();
                let p = prove_sample(&model, &pk, &input, [1; 32], Default::default(), &mut rng)?;
                let s = t.elapsed().as_secs_f64();
                proof = Some(p.file);
                Ok(s)
            })
            .collect::<Result<Vec<_>>>()?,
    );
    let proof = proof.ok_or_else(|| anyhow!("no proof"))?;
    let json = serde_json::to_string(&proof)?;
    let key = std::fs::read(build.join("verifying.key"))?;
    let verify_ms = median(
        (0..21)
            .map(|_| {
                let t = Instant::now();
                verify_bytes(&key, &json).map(|_| t.elapsed().as_secs_f64() * 1e3).map_err(|e| anyhow!("{e}"))
            })
            .collect::<Result<Vec<_>>>()?,
    );
    let constraints = report.constraints.unwrap_or(0);
    Ok(serde_json::json!({
        "model": row, "constraints": constraints, "compile_s": compile_s, "setup_s": setup_s, "prove_s": prove_s,
        "prove_us_per_constraint": prove_s * 1e6 / constraints.max(1) as f64, "verify_ms": verify_ms,
        "proof_bytes": hex::decode(&proof.proof)?.len(), "peak_rss_mib": peak_rss_kib().unwrap_or(0) as f64 / 1024.0,
        "threads": rayon::current_num_threads(),
    }))
}

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().collect();
    if let Some(i) = args.iter().position(|a| a == "--one") {
        let name = args.get(i + 1).ok_or_else(|| anyhow!("--one NAME"))?;
        println!("{}", measure(name)?);
        return Ok(());
    }
    let markdown = args.iter().any(|a| a == "--markdown");
    let exe = std::env::current_exe()?;
    println!(
        "| model | constraints | setup s | prove s | prove us/constraint | verify ms | proof bytes | peak memory MiB |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|---:|");
    let rows = FIXTURES.iter().map(|s| s.to_string()).chain(["digits_mlp+categorical".to_string()]);
    for name in rows {
        let out = std::process::Command::new(&exe).args(["--one", &name]).output()?;
        if !out.status.success() {
            return Err(anyhow!("{name}: {}", String::from_utf8_lossy(&out.stderr)));
        }
        let r: serde_json::Value = serde_json::from_slice(&out.stdout)?;
        println!(
            "| {} | {} | {:.3} | {:.3} | {:.1} | {:.2} | {} | {:.0} |",
            r["model"].as_str().unwrap_or(""),
            r["constraints"],
            r["setup_s"].as_f64().unwrap_or(0.0),
            r["prove_s"].as_f64().unwrap_or(0.0),
            r["prove_us_per_constraint"].as_f64().unwrap_or(0.0),
            r["verify_ms"].as_f64().unwrap_or(0.0),
            r["proof_bytes"],
            r["peak_rss_mib"].as_f64().unwrap_or(0.0)
        );
    }
    if !markdown {
        eprintln!("(medians: setup of 3 runs, prove of 7, verify of 21; {} threads)", rayon::current_num_threads());
    }
    Ok(())
}
