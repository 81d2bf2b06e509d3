//! Times the integer evaluator on a compiled model: `cargo run --release -p verinfer-ir --example
//! evaluate -- build/model.compiled [runs]`. Used to measure what `overflow-checks` costs the IR
//! crate (build once with `CARGO_PROFILE_RELEASE_PACKAGE_VERINFER_IR_OVERFLOW_CHECKS=true` in another
//! target directory and compare the medians).
use std::time::Instant;
use verinfer_ir::{evaluate, CompiledModel};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let path = args.next().ok_or("usage: evaluate MODEL.compiled [RUNS]")?;
    let runs: usize = args.next().map(|r| r.parse()).transpose()?.unwrap_or(50);
    let model = CompiledModel::from_bytes(&std::fs::read(&path)?)?;
    let input = vec![0i64; model.graph.input_len()];
    let mut times: Vec<f64> = (0..runs)
        .map(|_| {
            let t = Instant::now();
            let e = evaluate(&model.graph, &input);
            let secs = t.elapsed().as_secs_f64();
            std::hint::black_box(e).map(|_| secs)
        })
        .collect::<Result<_, _>>()?;
    times.sort_by(f64::total_cmp);
    let t = Instant::now();
    model.graph.validate()?;
    let validate = t.elapsed().as_secs_f64();
    println!(
        "{path}: evaluate median {:.3} ms (min {:.3} ms, {runs} runs); validate {:.3} ms",
        times[runs / 2] * 1e3,
        times[0] * 1e3,
        validate * 1e3
    );
    Ok(())
}
