//! `verinfer._verinfer`: the functions behind the Python package `verinfer` (python/verinfer/),
//! each a thin call into the library the CLI runs, so both give the same artifacts, proofs and
//! error messages. Long calls release the GIL.
use pyo3::exceptions::PyException;
use pyo3::prelude::*;
use std::path::{Path, PathBuf};
use verinfer::cmd::commit::input_commitment;
use verinfer::cmd::prove::{opening_json, prove_in_dir, seed_and_salt};
use verinfer::pipeline::{self, PointValidation, VerifyFailure};
use verinfer_compiler::CompileOptions;
use verinfer_verifier::{BackendId, OutputMode};

pyo3::create_exception!(_verinfer, VerinferError, PyException, "A verinfer operation failed; the message says why.");

/// The error and its causes on one line, outermost first (as the CLI prints them).
fn error(e: anyhow::Error) -> PyErr {
    VerinferError::new_err(format!("{e:#}"))
}

fn run<T: Send>(py: Python<'_>, f: impl FnOnce() -> anyhow::Result<T> + Send) -> PyResult<T> {
    py.detach(f).map_err(error)
}

/// Compiles `onnx` with calibration `samples` (one row of input values each; `None`: the
/// calibration.json or input.json next to the model) into the directory `out`.
#[pyfunction]
#[pyo3(signature = (onnx, samples, out, commit_output = false))]
fn compile(
    py: Python<'_>,
    onnx: PathBuf,
    samples: Option<Vec<Vec<f64>>>,
    out: PathBuf,
    commit_output: bool,
) -> PyResult<String> {
    let opts = CompileOptions {
        output_mode: if commit_output { OutputMode::Commitment } else { OutputMode::Tensor },
        ..CompileOptions::default()
    };
    run(py, || {
        match samples {
            Some(rows) => {
                let bytes = verinfer::fsutil::read(&onnx)?;
                pipeline::compile_samples_to_dir(&onnx, &bytes, &rows, &out, &opts)?
            }
            None => pipeline::compile_to_dir(&onnx, None, &out, &opts)?,
        };
        Ok(out.display().to_string())
    })
}

/// Generates the keys of a build directory: `backend` "groth16" (a local trusted setup) or
/// "halo2" (no trusted setup). Returns setup.json's content as JSON text.
#[pyfunction]
#[pyo3(signature = (build, backend = "groth16"))]
fn setup(py: Python<'_>, build: PathBuf, backend: &str) -> PyResult<String> {
    let backend: BackendId = backend
        .parse()
        .map_err(|e: verinfer_verifier::protocol::UnknownBackend| VerinferError::new_err(e.to_string()))?;
    run(py, || {
        match backend {
            BackendId::Groth16 => pipeline::setup_dir_os(&build)?,
            BackendId::Halo2 => pipeline::setup_dir_halo2(&build)?,
        };
        verinfer::fsutil::read_string(&build.join(verinfer::artifacts::SETUP))
    })
}

/// The quantized input and the salt of a call (a random salt when `salt` is `None`).
fn quantized(build: &Path, x: &[f64]) -> anyhow::Result<(verinfer_ir::CompiledModel, Vec<i64>)> {
    let model = pipeline::load_model(build)?;
    let q = verinfer_ir::quantize_input(&model.graph, x)?;
    Ok((model, q))
}

/// The input commitment (64 hex digits) a proof of `x` with `salt` (a hex number) will carry.
#[pyfunction]
fn commit(py: Python<'_>, build: PathBuf, x: Vec<f64>, salt: String) -> PyResult<String> {
    run(py, || {
        let (model, q) = quantized(&build, &x)?;
        Ok(hex::encode(input_commitment(&build, &model, &q, pipeline::parse_salt(&salt)?)?))
    })
}

/// Proves the model of `build` on `x`. Returns (proof.json's content as JSON text, the opening as
/// JSON text: the salt and the quantized input).
#[pyfunction]
#[pyo3(signature = (build, x, seed = None, salt = None))]
fn prove(
    py: Python<'_>,
    build: PathBuf,
    x: Vec<f64>,
    seed: Option<String>,
    salt: Option<String>,
) -> PyResult<(String, String)> {
    run(py, || {
        let model = pipeline::load_model(&build)?;
        let (seed, salt) = seed_and_salt(seed.as_deref(), salt.as_deref())?;
        let mut timings = Default::default();
        let proved = prove_in_dir(&build, &model, &x, (seed, salt), PointValidation::No, &mut timings)?;
        let opening = opening_json(&salt, &proved.quantized_input);
        Ok((serde_json::to_string(&proved.file)?, opening.to_string()))
    })
}

/// Verifies proof-file text against the build directory's key and model: `True` when the proof
/// holds, `False` when it was checked and does not (or its readable fields disagree with it);
/// raises when it could not be checked (unreadable key or proof).
#[pyfunction]
fn verify(py: Python<'_>, build: PathBuf, proof: String) -> PyResult<bool> {
    match py.detach(|| pipeline::verify_in_dir(&build, &proof)) {
        Ok(_) => Ok(true),
        Err(VerifyFailure::Rejected(_) | VerifyFailure::Inconsistent { .. }) => Ok(false),
        Err(e @ VerifyFailure::CouldNotCheck(_)) => Err(VerinferError::new_err(e.to_string())),
    }
}

/// The extension module.
#[pymodule]
fn _verinfer(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("VerinferError", m.py().get_type::<VerinferError>())?;
    m.add_function(wrap_pyfunction!(compile, m)?)?;
    m.add_function(wrap_pyfunction!(setup, m)?)?;
    m.add_function(wrap_pyfunction!(commit, m)?)?;
    m.add_function(wrap_pyfunction!(prove, m)?)?;
    m.add_function(wrap_pyfunction!(verify, m)?)?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}
