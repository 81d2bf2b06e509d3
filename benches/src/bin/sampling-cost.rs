//! What seeded sampling costs: constraints of the sampler over 10 and 1,000 classes (argmax,
//! categorical, top-k), and the prove time of the digits MLP with a draw against the same model
//! with argmax, measured in the same run (interleaved, medians).
//!
//! `cargo run --release -p verinfer-benches --bin sampling-cost`
use anyhow::Result;
use ark_relations::gr1cs::{ConstraintSystem, OptimizationGoal, SynthesisMode};
use rand::SeedableRng;
use std::time::Instant;
use verinfer::pipeline::{compile_to_dir, load_model, load_proving_key, prove_sample, read_input, setup_dir};
use verinfer_benches::fixture;
use verinfer_circuits::r1cs::poseidon::{hash, Wire};
use verinfer_circuits::r1cs::{argmax::argmax, sampling::sample, witness, Lc, Signal};
use verinfer_compiler::CompileOptions;
use verinfer_ir::{Sampling, SamplingSpec, Scale};
use verinfer_verifier::Fr;

/// Constraints of the output-selection gadget alone over `n` logits of 16 bits at scale 2^9 (the
/// digits MLP's), Poseidon randomness included for the seeded modes.
fn sampler_constraints(n: usize, spec: SamplingSpec) -> Result<usize> {
    let cs = ConstraintSystem::<Fr>::new_ref();
    cs.set_optimization_goal(OptimizationGoal::Constraints);
    cs.set_mode(SynthesisMode::Setup);
    let outs: Vec<Signal> = (0..n)
        .map(|_| Ok(Signal { lc: Lc::from(witness(&cs, None)?), value: None, bits: None }))
        .collect::<Result<_, ark_relations::gr1cs::SynthesisError>>()?;
    let index = Lc::from(witness(&cs, None)?);
    let sampling = Sampling::from_spec(spec, Scale(9), n)?;
    let before = cs.num_constraints();
    if sampling.is_random() {
        let inputs: Vec<Wire> =
            (0..7).map(|_| Ok(Wire { lc: Lc::from(witness(&cs, None)?), value: None })).collect::<Result<_>>()?;
        let u = hash(&cs, &inputs)?;
        sample(&cs, &outs, 16, &sampling, &u, index, None, None)?;
    } else {
        argmax(&cs, &outs, index, None, 16)?;
    }
    Ok(cs.num_constraints() - before)
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

fn main() -> Result<()> {
    println!("| sampler (16-bit logits) | 10 classes | 1,000 classes | per class (1,000) |");
    println!("|---|---:|---:|---:|");
    for (name, spec) in [
        ("argmax", SamplingSpec::Argmax),
        ("categorical", SamplingSpec::Categorical { temperature: 1.0 }),
        ("top-k (k = 5)", SamplingSpec::TopK { k: 5, temperature: 1.0 }),
    ] {
        let a = sampler_constraints(10, spec)?;
        let b = sampler_constraints(1000, spec)?;
        println!("| {name} | {a} | {b} | {:.1} |", b as f64 / 1000.0);
    }

    // Prove time of the digits MLP: argmax against categorical, interleaved in the same run.
    let tmp = tempfile::tempdir()?;
    let onnx = fixture("digits_mlp").join("model.onnx");
    let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(1);
    let mut builds = Vec::new();
    for (name, spec) in
        [("argmax", SamplingSpec::Argmax), ("categorical", SamplingSpec::Categorical { temperature: 1.0 })]
    {
        let dir = tmp.path().join(name);
        let report =
            compile_to_dir(&onnx, None, &dir, &CompileOptions { sampling: spec, ..CompileOptions::default() })?;
        setup_dir(&dir, &mut rng)?;
        let model = load_model(&dir)?;
        let pk = load_proving_key(&dir, &model)?;
        builds.push((name, report.constraints.unwrap_or(0), model, pk, Vec::new()));
    }
    let input = read_input(&fixture("digits_mlp").join("input.json"), &builds[0].2.graph.input)?;
    for round in 0..15 {
        for (_, _, model, pk, times) in builds.iter_mut() {
            let t = Instant::now();
            prove_sample(model, pk, &input, [round as u8; 32], Default::default(), &mut rng)?;
            times.push(t.elapsed().as_secs_f64());
        }
    }
    println!();
    println!("| digits MLP | constraints | prove s (median of 15) |");
    println!("|---|---:|---:|");
    let medians: Vec<f64> = builds.iter().map(|b| median(b.4.clone())).collect();
    for ((name, constraints, ..), m) in builds.iter().zip(&medians) {
        println!("| {name} | {constraints} | {m:.3} |");
    }
    println!(
        "\ncategorical / argmax: {:.2}x constraints, {:.2}x prove time ({} threads)",
        builds[1].1 as f64 / builds[0].1 as f64,
        medians[1] / medians[0],
        rayon::current_num_threads()
    );
    Ok(())
}
