//! Criterion benchmarks of compile, setup, prove and verify for each fixture.
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use rand::SeedableRng;
use verinfer::pipeline::{
    compile_to_dir, load_model, load_proving_key, prove_sample, read_input, setup_dir, verify_bytes,
};
use verinfer_benches::{fixture, FIXTURES};
use verinfer_compiler::CompileOptions;

fn pipeline(c: &mut Criterion) {
    for name in FIXTURES {
        let tmp = tempfile::tempdir().unwrap();
        let build = tmp.path().join("build");
        let onnx = fixture(name).join("model.onnx");
        let report = compile_to_dir(&onnx, None, &build, &CompileOptions::default()).unwrap();
        let constraints = report.constraints.unwrap_or(1) as u64;
        let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(1);
        setup_dir(&build, &mut rng).unwrap();
        let model = load_model(&build).unwrap();
        let pk = load_proving_key(&build, &model).unwrap();
        let input = read_input(&fixture(name).join("input.json"), &model.graph.input).unwrap();
        let proof = serde_json::to_string(
            &prove_sample(&model, &pk, &input, [1; 32], Default::default(), &mut rng).unwrap().file,
        )
        .unwrap();
        let key = std::fs::read(build.join("verifying.key")).unwrap();

        let mut g = c.benchmark_group(*name);
        g.sample_size(10);
        g.bench_function("compile", |b| {
            b.iter(|| compile_to_dir(&onnx, None, &build, &CompileOptions::default()).unwrap())
        });
        let setup_dir_ = tmp.path().join("setup");
        std::fs::create_dir_all(&setup_dir_).unwrap();
        std::fs::copy(build.join("model.compiled"), setup_dir_.join("model.compiled")).unwrap();
        g.bench_function("setup", |b| b.iter(|| setup_dir(&setup_dir_, &mut rng).unwrap()));
        // Throughput in constraints: criterion reports time per constraint too.
        g.throughput(Throughput::Elements(constraints));
        g.bench_with_input(BenchmarkId::new("prove", constraints), &input, |b, x| {
            b.iter(|| prove_sample(&model, &pk, x, [1; 32], Default::default(), &mut rng).unwrap())
        });
        g.throughput(Throughput::Elements(1));
        g.bench_function("verify", |b| b.iter(|| verify_bytes(&key, &proof).unwrap()));
        g.finish();
    }
}

criterion_group!(benches, pipeline);
criterion_main!(benches);
