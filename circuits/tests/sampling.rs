//! Seeded sampling on the digits MLP: exactly one class is provable per seed, the native sampler
//! follows the quantized and the float softmax (chi-square and total variation over 2,000 seeds),
//! a temperature near zero is argmax, and top-k never leaves the top k.
use std::path::Path;
use verinfer_circuits::commit::{commit, INPUT_DOMAIN};
use verinfer_circuits::sampling::{low_u64, randomness};
use verinfer_circuits::{assign, check_witness, constraint_count, BackendError, ProverWitness};
use verinfer_compiler::{compile, data::read_samples, CompileOptions, Compiled};
use verinfer_ir::sampling::{draw, float_softmax, probabilities};
use verinfer_ir::{argmax, evaluate, quantize_input, CompiledModel, SamplingSpec};
use verinfer_verifier::{fr_to_bytes, Fr};

fn fixture(file: &str) -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures/digits_mlp").join(file)).unwrap()
}

fn digits(sampling: SamplingSpec) -> Compiled {
    let onnx = std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures/digits_mlp/model.onnx")).unwrap();
    let cal = read_samples(&fixture("calibration.json")).unwrap();
    compile(&onnx, &cal, &CompileOptions { sampling, ..CompileOptions::default() }).unwrap()
}

fn input() -> Vec<f64> {
    read_samples(&fixture("input.json")).unwrap().remove(0)
}

fn seed(i: u64) -> [u8; 32] {
    let mut s = [0u8; 32];
    s[..8].copy_from_slice(&i.to_le_bytes());
    s[31] = 0x5e;
    s
}

fn witness(m: &CompiledModel, x: &[f64], seed: [u8; 32]) -> ProverWitness {
    assign(m, quantize_input(&m.graph, x).unwrap(), Fr::from(42u64), seed).unwrap()
}

fn unsatisfied(m: &CompiledModel, w: &ProverWitness) -> bool {
    matches!(check_witness(m, w), Err(BackendError::Unsatisfied(_)))
}

/// The classes drawn natively (the prover's path: Poseidon randomness, then the integer draw).
fn native_draws(m: &CompiledModel, x: &[f64], seeds: impl Iterator<Item = u64>) -> Vec<usize> {
    let ir = &m.graph;
    let q = quantize_input(ir, x).unwrap();
    let logits = evaluate(ir, &q).unwrap().output(ir).to_vec();
    let c = fr_to_bytes(&commit(INPUT_DOMAIN, Fr::from(42u64), &q, ir.nodes[0].bits.0));
    let h = m.model_hash().unwrap().0;
    seeds.map(|s| draw(&m.sampling, &logits, low_u64(randomness(&seed(s), &c, &h, 0))).unwrap().index).collect()
}

#[test]
fn exactly_one_class_is_provable_for_each_seed() {
    let x = input();
    for spec in [SamplingSpec::Categorical { temperature: 4.0 }, SamplingSpec::TopK { k: 3, temperature: 4.0 }] {
        let m = digits(spec).model;
        // seeds whose draws differ, including one that is not the argmax
        let draws = native_draws(&m, &x, 0..64);
        let other = draws.iter().position(|&d| d != draws[0]).expect("some seed draws another class") as u64;
        for s in [0, other] {
            let w = witness(&m, &x, seed(s));
            assert_eq!(w.statement.output_index as usize, draws[s as usize]);
            check_witness(&m, &w).unwrap_or_else(|e| panic!("{spec:?} seed {s}: {e}"));
            for k in (0..10).filter(|&k| k != w.statement.output_index) {
                let mut bad = w.clone();
                bad.statement.output_index = k;
                assert!(unsatisfied(&m, &bad), "{spec:?} seed {s}: class {k} is provable too");
            }
            // This draw claimed under the other seed, which draws another class: the circuit
            // recomputes u from the public seed.
            let t = if s == 0 { other } else { 0 };
            let mut bad = w.clone();
            bad.statement.seed = seed(t);
            assert!(unsatisfied(&m, &bad), "{spec:?}: seed {s}'s class accepted under seed {t}");
        }
    }
}

/// Regularized upper incomplete gamma Q(a, x) (Numerical Recipes: series below a + 1, continued
/// fraction above), for the chi-square survival function.
fn gamma_q(a: f64, x: f64) -> f64 {
    fn ln_gamma(z: f64) -> f64 {
        // Lanczos, g = 7, n = 9
        const C: [f64; 9] = [
            0.999_999_999_999_809_9,
            676.520_368_121_885_1,
            -1_259.139_216_722_402_8,
            771.323_428_777_653_1,
            -176.615_029_162_140_6,
            12.507_343_278_686_905,
            -0.138_571_095_265_720_12,
            9.984_369_578_019_572e-6,
            1.505_632_735_149_311_6e-7,
        ];
        let z = z - 1.0;
        let t = z + 7.5;
        let s: f64 = C[0] + (1..9).map(|i| C[i] / (z + i as f64)).sum::<f64>();
        0.5 * (2.0 * std::f64::consts::PI).ln() + (z + 0.5) * t.ln() - t + s.ln()
    }
    if x <= 0.0 {
        return 1.0;
    }
    let lg = ln_gamma(a);
    if x < a + 1.0 {
        let (mut sum, mut del, mut ap) = (1.0 / a, 1.0 / a, a);
        for _ in 0..1000 {
            ap += 1.0;
            del *= x / ap;
            sum += del;
            if del.abs() < sum.abs() * 1e-15 {
                break;
            }
        }
        1.0 - sum * (-x + a * x.ln() - lg).exp()
    } else {
        let tiny = 1e-300;
        let mut b = x + 1.0 - a;
        let mut c = 1.0 / tiny;
        let mut d = 1.0 / b;
        let mut h = d;
        for i in 1..1000 {
            let an = -(i as f64) * (i as f64 - a);
            b += 2.0;
            d = an * d + b;
            if d.abs() < tiny {
                d = tiny;
            }
            c = b + an / c;
            if c.abs() < tiny {
                c = tiny;
            }
            d = 1.0 / d;
            let del = d * c;
            h *= del;
            if (del - 1.0).abs() < 1e-15 {
                break;
            }
        }
        (-x + a * x.ln() - lg).exp() * h
    }
}

fn chi2_sf(stat: f64, df: usize) -> f64 {
    gamma_q(df as f64 / 2.0, stat / 2.0)
}

#[test]
fn chi_square_survival_matches_tables() {
    for (stat, df, p) in [(3.841, 1, 0.05), (18.307, 10, 0.05), (23.209, 10, 0.01), (4.605, 2, 0.1), (0.0, 3, 1.0)] {
        assert!((chi2_sf(stat, df) - p).abs() < 2e-4, "sf({stat}, {df}) = {}", chi2_sf(stat, df));
    }
}

fn total_variation(p: &[f64], q: &[f64]) -> f64 {
    p.iter().zip(q).map(|(a, b)| (a - b).abs()).sum::<f64>() / 2.0
}

#[test]
fn two_thousand_seeds_follow_the_quantized_and_the_float_softmax() {
    let t = 4.0;
    let c = digits(SamplingSpec::Categorical { temperature: t });
    let m = &c.model;
    let x = input();
    let n_draws = 2000usize;
    let draws = native_draws(m, &x, 0..n_draws as u64);
    let mut counts = [0usize; 10];
    for &d in &draws {
        counts[d] += 1;
    }
    let ir = &m.graph;
    let logits = evaluate(ir, &quantize_input(ir, &x).unwrap()).unwrap().output(ir).to_vec();
    let pq = probabilities(&m.sampling, &logits);
    let pf = float_softmax(&c.float.output(&x), t, None);
    let empirical: Vec<f64> = counts.iter().map(|&k| k as f64 / n_draws as f64).collect();

    // Pearson's chi-square against the quantized probabilities, classes with fewer than 5 expected
    // draws pooled into one bin.
    let (mut stat, mut bins) = (0.0, 0usize);
    let (mut pooled_obs, mut pooled_exp) = (0.0, 0.0);
    for (&k, &p) in counts.iter().zip(&pq) {
        let e = p * n_draws as f64;
        if e < 5.0 {
            pooled_obs += k as f64;
            pooled_exp += e;
        } else {
            stat += (k as f64 - e).powi(2) / e;
            bins += 1;
        }
    }
    if pooled_exp > 0.0 {
        stat += (pooled_obs - pooled_exp).powi(2) / pooled_exp;
        bins += 1;
    }
    let p_value = chi2_sf(stat, bins - 1);
    let tv_float = total_variation(&empirical, &pf);
    let tv_exact = total_variation(&pq, &pf);
    println!("counts {counts:?}\nquantized {pq:.4?}\nfloat {pf:.4?}");
    println!("chi-square {stat:.2} on {} df: p = {p_value:.3}; TV(empirical, float) = {tv_float:.4}; TV(quantized, float) = {tv_exact:.6}", bins - 1);
    assert!(bins >= 3, "the distribution should not be degenerate at T = {t}: {pq:?}");
    assert!(p_value > 0.001, "chi-square p = {p_value}");
    assert!(tv_float <= 0.02, "TV to the float softmax {tv_float}");
    // The integer sampler itself is much closer than sampling noise: logit quantization and the
    // exp approximation together move the distribution by well under 1%.
    assert!(tv_exact <= 0.005, "TV(quantized, float) = {tv_exact}");
}

#[test]
fn a_temperature_near_zero_is_argmax() {
    // T = 1e-4: a one-step logit gap (2^-9) is 28 binary orders of magnitude, so the runner-up keeps
    // at most 2^-28 of the top class's weight; draws equal the argmax whenever the maximum is unique.
    let m = digits(SamplingSpec::Categorical { temperature: 1e-4 }).model;
    let test = read_samples(&fixture("test.json")).unwrap();
    let ir = &m.graph;
    let mut checked = 0;
    for (i, x) in test.iter().enumerate().take(200) {
        let logits = evaluate(ir, &quantize_input(ir, x).unwrap()).unwrap().output(ir).to_vec();
        let best = argmax(&logits).unwrap();
        if logits.iter().filter(|&&v| v == logits[best]).count() > 1 {
            continue;
        }
        let p = probabilities(&m.sampling, &logits);
        assert!(p[best] > 1.0 - 1e-7, "sample {i}: p(argmax) = {}", p[best]);
        for d in native_draws(&m, x, (0..5).map(|s| s + 10 * i as u64)) {
            assert_eq!(d, best, "sample {i}");
        }
        checked += 1;
    }
    assert!(checked >= 190, "only {checked} samples had a unique maximum");
}

#[test]
fn top_k_never_draws_outside_the_top_k() {
    // A high temperature spreads the draw over the top 2 nearly evenly; nothing else is ever drawn.
    let m = digits(SamplingSpec::TopK { k: 2, temperature: 100.0 }).model;
    let test = read_samples(&fixture("test.json")).unwrap();
    let ir = &m.graph;
    let mut hits = [0usize; 2];
    for (i, x) in test.iter().enumerate().take(100) {
        let logits = evaluate(ir, &quantize_input(ir, x).unwrap()).unwrap().output(ir).to_vec();
        let mut order: Vec<usize> = (0..logits.len()).collect();
        order.sort_by(|&a, &b| logits[b].cmp(&logits[a]).then(a.cmp(&b)));
        for d in native_draws(&m, x, (0..20).map(|s| s + 100 * i as u64)) {
            let rank = order.iter().position(|&j| j == d).unwrap();
            assert!(rank < 2, "sample {i}: drew class {d} of rank {rank}");
            hits[rank] += 1;
        }
    }
    assert!(hits[1] > 500, "the runner-up should be drawn about half the time: {hits:?}");
}

#[test]
fn sampling_costs_the_documented_constraints() {
    // categorical over n = 10 logits of w = 16 bits: n (Y + 16) + 2 (184 + bitlen n) + 515 + 384
    // (Poseidon, 7 inputs) in place of the argmax's n (w + 4) + 2.
    let argmax_model = digits(SamplingSpec::Argmax).model;
    let base = constraint_count(&argmax_model).unwrap();
    let out = argmax_model.graph.output_node();
    let (n, w) = (out.len(), out.bits.0 as usize);
    let argmax_cost = n * (w + 4) + 2;
    for spec in [SamplingSpec::Categorical { temperature: 1.0 }, SamplingSpec::TopK { k: 3, temperature: 1.0 }] {
        let m = digits(spec).model;
        let y = m.sampling.softmax().unwrap().exponent_bits(w as u8) as usize;
        let mut cost = n * (y + 16) + 2 * (184 + 4) + 515 + 384;
        if let SamplingSpec::TopK { .. } = spec {
            let l = (128 - (((n as u128) << w) - 1).leading_zeros()) as usize;
            cost += n * (l + 4) + 1;
        }
        assert_eq!(constraint_count(&m).unwrap(), base - argmax_cost + cost, "{spec:?}");
    }
}

#[test]
fn an_artifact_whose_constants_disagree_with_its_temperature_is_refused() {
    let m = digits(SamplingSpec::Categorical { temperature: 0.7 }).model;
    let bytes = m.to_bytes().unwrap();
    assert_eq!(CompiledModel::from_bytes(&bytes).unwrap(), m);
    let c = m.sampling.softmax().unwrap().exp_coef;
    let text = String::from_utf8(bytes).unwrap();
    let edited = text.replace(&format!("\"exp_coef\":{c}"), &format!("\"exp_coef\":{}", c + 1));
    assert_ne!(edited, text);
    let err = CompiledModel::from_bytes(edited.as_bytes()).unwrap_err().to_string();
    assert!(err.contains("do not match temperature 0.7"), "{err}");
    let edited = text.replace("\"temperature\":0.7", "\"temperature\":-0.7");
    let err = CompiledModel::from_bytes(edited.as_bytes()).unwrap_err().to_string();
    assert!(err.contains("temperature -0.7"), "{err}");
}
