//! The verinfer compiler: ONNX -> typed float graph -> calibrated, quantized circuit IR.
//!
//! It links no proving system. [`compile`] is deterministic: the same ONNX bytes, calibration samples,
//! settings and compiler version give a byte-identical [`CompiledModel`] and so the same model hash.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod data;
pub mod error;
pub mod graph;
pub mod import;
pub mod onnx;
mod ops;
mod precision;
pub mod quantize;
pub mod report;
pub mod table;
pub mod width;

pub use error::{CompileError, QuantizationError, UnsupportedKind, UnsupportedOperator};
pub use graph::FloatGraph;
pub use quantize::QuantConfig;
pub use report::Report;
pub use width::Precision;

use rayon::prelude::*;
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use verinfer_ir::{
    argmax, evaluate, quantize_input, CompiledModel, OutputMode, Sampling, SamplingSpec, ARTIFACT_FORMAT,
    ARTIFACT_VERSION,
};

/// Version recorded in artifacts.
pub const COMPILER_VERSION: &str = env!("CARGO_PKG_VERSION");

/// Compile settings.
#[derive(Clone, Debug, PartialEq)]
pub struct CompileOptions {
    /// Quantization widths and headroom. `quant.activation_bits` is used as given only with
    /// [`Precision::Fixed`].
    pub quant: QuantConfig,
    /// How the activation width is chosen (by default, the narrowest that keeps every layer within
    /// 1/256 of its range on the calibration data).
    pub precision: Precision,
    /// What the statement reveals of the output.
    pub output_mode: OutputMode,
    /// How the output index is chosen (argmax, or a seeded draw).
    pub sampling: SamplingSpec,
    /// The graph output to prove (models with several: a classifier's label and probabilities);
    /// `None` proves the first. The others, and whatever only they need, are pruned.
    pub output: Option<String>,
}

impl Default for CompileOptions {
    fn default() -> Self {
        CompileOptions {
            quant: QuantConfig::default(),
            precision: Precision::default(),
            output_mode: OutputMode::Tensor,
            sampling: SamplingSpec::Argmax,
            output: None,
        }
    }
}

/// The compiler's products.
#[derive(Clone, Debug)]
pub struct Compiled {
    /// The artifact.
    pub model: CompiledModel,
    /// The report (constraint count left for the caller).
    pub report: Report,
    /// The float graph, for accuracy checks.
    pub float: FloatGraph,
    /// The other activation widths tried (`report.precision.trials`, in the same order), each
    /// quantization where it succeeded: the CLI counts their constraints.
    pub trials: Vec<Option<CompiledModel>>,
}

/// Imports an ONNX model into the float graph (after folding adjacent linear layers) whose output is
/// the graph output named `output`, by default the first.
pub fn import_onnx(onnx_bytes: &[u8], output: Option<&str>) -> Result<FloatGraph, CompileError> {
    let model = onnx::parse(onnx_bytes, output)?;
    let mut g = import::import(&model, output)?;
    g.fold_linear_chains();
    g.pool_before_activations();
    Ok(g)
}

/// Checks everything about a model that can be refused without calibration data, in the order a
/// person should hear it: the file is ONNX; every operator is supported (every unsupported node is
/// listed at once, as [`CompileError::UnsupportedOperators`]); then the graph's inputs and outputs,
/// opset, attributes and shapes. Callers should run it before they look for calibration data, so that
/// an unsupported model is refused for that reason. [`compile`] makes the same checks in the same order.
pub fn check_supported(onnx_bytes: &[u8], output: Option<&str>) -> Result<(), CompileError> {
    import::import(&onnx::parse(onnx_bytes, output)?, output).map(|_| ())
}

/// Compiles an ONNX model with calibration samples (flattened inputs: one list per sample, or EZKL's
/// single list of all samples concatenated, see [`data::split_samples`]). The model is checked
/// before the calibration data, as by [`check_supported`].
pub fn compile(onnx_bytes: &[u8], calibration: &[Vec<f64>], opts: &CompileOptions) -> Result<Compiled, CompileError> {
    let float = import_onnx(onnx_bytes, opts.output.as_deref())?;
    let calibration = &data::split_samples(calibration, &float.input).map_err(CompileError::Calibration)?;
    let grids = float.layers.iter().any(|l| matches!(l.kind, graph::LayerKind::RoundClamp { .. }));
    let widths = opts.precision.widths(opts.quant.activation_bits, grids);
    let cal = quantize::calibrate(&float, calibration, &opts.quant)?;
    let hashes = Hashes {
        onnx: hex::encode(Sha256::digest(onnx_bytes)),
        calibration: hex::encode(Sha256::digest(data::write_samples(calibration).as_bytes())),
    };
    let at = |bits: u8| {
        let quant = QuantConfig { activation_bits: bits, ..opts.quant };
        let (model, report) = compile_at(&hashes, &float, calibration, &cal, opts, quant)?;
        let output_error = width::output_error(&report.tensors, &model.graph.output_node().name);
        Ok(width::Measured {
            accuracy: report.calibration.clone(),
            warnings: report.warnings.clone(),
            output_error,
            sampling_tv: report.sampling.max_total_variation,
            value: (model, report),
        })
    };
    let ((model, mut report), chosen, tried) = width::search(opts.precision, &widths, at)?;
    let mut trials = vec![chosen];
    let mut models = Vec::new();
    for (t, m) in tried {
        trials.push(t);
        models.push(m.map(|(model, _)| model));
    }
    report.precision = width::PrecisionReport { mode: opts.precision, activation_bits: model.activation_bits, trials };
    Ok(Compiled { model, report, float, trials: models })
}

/// SHA-256 (hex) of the ONNX file and of the calibration samples, recorded in the artifact.
struct Hashes {
    onnx: String,
    calibration: String,
}

/// The model and its report quantized with `quant` (one activation width).
fn compile_at(
    hashes: &Hashes,
    float: &FloatGraph,
    calibration: &[Vec<f64>],
    cal: &quantize::Calibrated,
    opts: &CompileOptions,
    quant: QuantConfig,
) -> Result<(CompiledModel, Report), CompileError> {
    let (ir, mut tensors) = quantize::quantize_calibrated(float, calibration, cal, &quant)?;
    let out = ir.output_node();
    let sampling = Sampling::from_spec(opts.sampling, out.scale, out.len())?;
    sampling.check(out.scale, out.bits.0, out.len())?;
    let model = CompiledModel {
        format: ARTIFACT_FORMAT.into(),
        format_version: ARTIFACT_VERSION,
        compiler_version: COMPILER_VERSION.into(),
        name: float.name.clone(),
        onnx_sha256: hashes.onnx.clone(),
        calibration_sha256: hashes.calibration.clone(),
        opset: float.opset,
        activation_bits: quant.activation_bits,
        weight_bits: quant.weight_bits,
        sampling,
        output_mode: opts.output_mode,
        graph: ir,
    };
    let sampling_report = report::sampling(&model, float, calibration);
    let (calibration, layer_errors) = compare(&model, float, calibration, Some(&cal.acts));
    for (t, e) in tensors.iter_mut().zip(layer_errors) {
        t.max_abs_error = e;
    }
    let warnings = report::accuracy_warnings(&tensors, &model.graph.output_node().name, quant.activation_bits);
    let mut gadgets = BTreeMap::new();
    for n in &model.graph.nodes {
        *gadgets.entry(n.op.kind()).or_default() += 1;
    }
    let report = Report {
        format: "verinfer-compile-report",
        format_version: report::REPORT_VERSION,
        name: model.name.clone(),
        model_hash: model.model_hash().map_err(|e| CompileError::Internal(e.to_string()))?.to_hex(),
        onnx_sha256: model.onnx_sha256.clone(),
        opset: model.opset,
        operators: float.op_counts.clone(),
        gadgets,
        constraints: None,
        constraints_by_gadget: None,
        activations: None,
        quantization: quant,
        precision: width::PrecisionReport {
            mode: opts.precision,
            activation_bits: quant.activation_bits,
            trials: Vec::new(),
        },
        tensors,
        calibration,
        sampling: sampling_report,
        warnings,
    };
    Ok((model, report))
}

/// Float-vs-quantized agreement of `model` on `samples`.
pub fn accuracy(model: &CompiledModel, float: &FloatGraph, samples: &[Vec<f64>]) -> report::Accuracy {
    compare(model, float, samples, None).0
}

/// Float-vs-quantized agreement of `model` on `samples`, and per IR node that holds a tensor of the
/// float model (the input, and every layer's output: the node of the same name), the largest
/// absolute difference between its dequantized values and the float ones. `float_acts`, when
/// given, holds the float model's layer outputs for every sample (from calibration).
fn compare(
    model: &CompiledModel,
    float: &FloatGraph,
    samples: &[Vec<f64>],
    float_acts: Option<&[Vec<Vec<f64>>]>,
) -> (report::Accuracy, Vec<Option<f64>>) {
    let ir = &model.graph;
    let out_scale = ir.output_node().scale;
    let node_of: std::collections::HashMap<&str, usize> =
        ir.nodes.iter().enumerate().map(|(i, n)| (n.name.as_str(), i)).collect();
    // (float layer, IR node) pairs of the same tensor
    let pairs: Vec<(usize, usize)> = float
        .layers
        .iter()
        .enumerate()
        .filter_map(|(li, l)| node_of.get(l.name.as_str()).map(|&ni| (li, ni)))
        .filter(|&(li, ni)| float.layers[li].shape.iter().product::<usize>() == ir.nodes[ni].len())
        .collect();
    // per sample (in parallel): None when the input is out of range, else the error per IR node
    // of `pairs` (and the input), whether the argmax agrees, and the largest output error
    let per_sample: Vec<Option<(Vec<f64>, bool, f64)>> = samples
        .par_iter()
        .enumerate()
        .map(|(k, x)| {
            let computed;
            let acts = match float_acts.and_then(|a| a.get(k)) {
                Some(a) => a,
                None => {
                    computed = float.eval(x);
                    &computed
                }
            };
            let q = quantize_input(ir, x).and_then(|q| evaluate(ir, &q)).ok()?;
            let s_in = ir.nodes[0].scale;
            let mut errs = Vec::with_capacity(pairs.len() + 1);
            errs.push(q.values[0].iter().zip(x).map(|(&g, &w)| (s_in.dequantize(g) - w).abs()).fold(0.0, f64::max));
            for &(li, ni) in &pairs {
                let s = ir.nodes[ni].scale;
                errs.push(
                    q.values[ni].iter().zip(&acts[li]).map(|(&g, &w)| (s.dequantize(g) - w).abs()).fold(0.0, f64::max),
                );
            }
            let want = acts.last().map_or(x.as_slice(), |a| a.as_slice());
            let got = q.output(ir);
            let float_arg = want.iter().enumerate().fold(None::<(usize, f64)>, |b, (i, &v)| match b {
                Some((_, bv)) if bv >= v => b,
                _ => Some((i, v)),
            });
            let agrees = argmax(got) == float_arg.map(|(i, _)| i);
            let out_err = got.iter().zip(want).map(|(&g, &w)| (out_scale.dequantize(g) - w).abs()).fold(0.0, f64::max);
            Some((errs, agrees, out_err))
        })
        .collect();
    let mut layer_err: Vec<Option<f64>> = vec![None; ir.nodes.len()];
    let (mut agree, mut out_of_range, mut max_err) = (0usize, 0usize, 0.0f64);
    for r in per_sample {
        let Some((errs, agrees, out_err)) = r else {
            out_of_range += 1;
            continue;
        };
        let nodes = std::iter::once(0).chain(pairs.iter().map(|&(_, ni)| ni));
        for (ni, e) in nodes.zip(errs) {
            layer_err[ni] = Some(layer_err[ni].map_or(e, |m: f64| m.max(e)));
        }
        agree += usize::from(agrees);
        max_err = max_err.max(out_err);
    }
    let acc = report::Accuracy {
        samples: samples.len(),
        argmax_agreement: if samples.is_empty() { 0.0 } else { agree as f64 / samples.len() as f64 },
        max_abs_error: max_err,
        out_of_range,
    };
    (acc, layer_err)
}
