//! `verinfer compile model.onnx [--calibration data.json] -o build/`
use crate::pipeline::compile_to_dir;
use crate::progress::Step;
use anyhow::{bail, Result};
use std::path::PathBuf;
use verinfer_compiler::{CompileOptions, Precision, QuantConfig};
use verinfer_ir::{OutputMode, SamplingSpec};

/// Arguments of `compile`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// The ONNX model.
    pub model: PathBuf,
    /// Calibration samples ({"input_data": [[...], ...]}); default: calibration.json or input.json
    /// next to the model.
    #[arg(long)]
    pub calibration: Option<PathBuf>,
    /// Output directory.
    #[arg(short, long, default_value = "build")]
    pub out: PathBuf,
    /// Signed width of activations, instead of the one --precision chooses.
    #[arg(long, conflicts_with = "precision")]
    pub activation_bits: Option<u8>,
    /// How the activation width is chosen from the calibration data: `accurate` keeps every layer
    /// within 1/256 of its range and the output within 1% (10 to 16 bits); `fast` keeps the output
    /// within 2% and the argmax on 99% of the samples (8 to 16 bits, fewer constraints).
    /// report.json lists the widths tried, with their accuracy and constraints.
    #[arg(long, value_enum, default_value_t = PrecisionArg::Accurate)]
    pub precision: PrecisionArg,
    /// Largest signed width of the quantized input (default: 32 bits, or 24 when the first layer is
    /// not linear). The compiler picks the coarsest scale at which rounding the input moves the
    /// first linear layer's outputs by at most one step, and the width that scale needs.
    #[arg(long)]
    pub input_bits: Option<u8>,
    /// Minimum signed width of weights (raised per layer where calibration shows it is needed).
    #[arg(long, default_value_t = QuantConfig::default().weight_bits)]
    pub weight_bits: u8,
    /// The graph output to prove, for models with several (a classifier's label and
    /// probabilities); default: the first. The other outputs are pruned.
    #[arg(long)]
    pub output: Option<String>,
    /// Reveal only a commitment to the output tensor instead of its values.
    #[arg(long)]
    pub commit_output: bool,
    /// How the output index is chosen: the first largest logit, or a draw with the seed given at
    /// prove time (from the softmax, or from the softmax of the k largest logits).
    #[arg(long, value_enum, default_value_t = SamplingMode::Argmax)]
    pub sampling: SamplingMode,
    /// Softmax temperature of `categorical` and `top-k` (in the units of the model's logits;
    /// default 1).
    #[arg(long, allow_negative_numbers = true)]
    pub temperature: Option<f64>,
    /// Classes kept by `top-k`.
    #[arg(long)]
    pub top_k: Option<u32>,
}

/// `--precision` values.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum PrecisionArg {
    /// Every layer within 1/256 of its range, the output within 1%.
    Accurate,
    /// The output within 2% of its range and the argmax on 99% of the calibration samples.
    Fast,
}

/// `--sampling` values.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum SamplingMode {
    /// The first largest logit; the seed is not used.
    Argmax,
    /// A draw from softmax(logits / temperature).
    Categorical,
    /// A draw from the softmax of the k largest logits.
    #[value(name = "top-k", alias = "top_k")]
    TopK,
}

impl Args {
    /// The sampling mode the flags ask for.
    pub fn sampling_spec(&self) -> Result<SamplingSpec> {
        let temperature = self.temperature.unwrap_or(1.0);
        Ok(match self.sampling {
            SamplingMode::Argmax => {
                if self.temperature.is_some() || self.top_k.is_some() {
                    bail!("--temperature and --top-k apply to --sampling categorical or top-k, not argmax");
                }
                SamplingSpec::Argmax
            }
            SamplingMode::Categorical => {
                if self.top_k.is_some() {
                    bail!("--top-k needs --sampling top-k");
                }
                SamplingSpec::Categorical { temperature }
            }
            SamplingMode::TopK => {
                let Some(k) = self.top_k else { bail!("--sampling top-k needs --top-k K") };
                SamplingSpec::TopK { k, temperature }
            }
        })
    }
}

/// Runs `compile`.
pub fn run(args: &Args, json: bool) -> Result<()> {
    let opts = CompileOptions {
        quant: QuantConfig {
            activation_bits: args.activation_bits.unwrap_or(QuantConfig::default().activation_bits),
            input_bits: args.input_bits,
            weight_bits: args.weight_bits,
            ..QuantConfig::default()
        },
        precision: match (args.activation_bits, args.precision) {
            (Some(_), _) => Precision::Fixed,
            (None, PrecisionArg::Accurate) => Precision::Accurate,
            (None, PrecisionArg::Fast) => Precision::Fast,
        },
        output_mode: if args.commit_output { OutputMode::Commitment } else { OutputMode::Tensor },
        sampling: args.sampling_spec()?,
        output: args.output.clone(),
    };
    let step = Step::start("compiling");
    let report = compile_to_dir(&args.model, args.calibration.as_deref(), &args.out, &opts)?;
    step.finish();
    let value = serde_json::to_value(&report)?;
    // the layer furthest from the float model, relative to its range (report.json has them all)
    let worst = report
        .tensors
        .iter()
        .filter_map(|t| t.max_abs_error.map(|e| (t, e / t.calibrated_max_abs.max(f64::MIN_POSITIVE))))
        .max_by(|a, b| a.1.total_cmp(&b.1))
        .map(|(t, _)| {
            format!(
                "\n  worst layer  '{}' ({}): off by up to {:.4} on a range of {:.4}",
                t.tensor,
                t.gadget,
                t.max_abs_error.unwrap_or(0.0),
                t.calibrated_max_abs
            )
        })
        .unwrap_or_default();
    let warnings: String = report.warnings.iter().map(|w| format!("\n  warning      {w}")).collect();
    let precision = precision_line(&report.precision);
    let text = format!(
        "compiled {} -> {}\n  model hash   {}\n  constraints  {}\n  precision    {precision}\n  agreement    {:.2}% of {} calibration samples (max abs error {:.4}){worst}\n  sampling     {}{warnings}",
        args.model.display(),
        args.out.display(),
        report.model_hash,
        report.constraints.unwrap_or(0),
        report.calibration.argmax_agreement * 100.0,
        report.calibration.samples,
        report.calibration.max_abs_error,
        sampling_line(&report.sampling)
    );
    super::emit(json, &value, &text)
}

/// `accurate: 12-bit activations (also tried: 10 bits, 1,842 constraints, off: ...)`
fn precision_line(p: &verinfer_compiler::width::PrecisionReport) -> String {
    let mode = serde_json::to_value(p.mode).ok().and_then(|v| v.as_str().map(String::from)).unwrap_or_default();
    let others: Vec<String> = p
        .trials
        .iter()
        .skip(1)
        .map(|t| {
            let cost = t.constraints.map(|c| format!(", {c} constraints")).unwrap_or_default();
            let verdict = if t.accepted { "meets the aim" } else { "misses the aim" };
            format!("{} bits{cost}: {verdict}", t.activation_bits)
        })
        .collect();
    let tried = if others.is_empty() { String::new() } else { format!(" (also tried: {})", others.join("; ")) };
    format!("{mode}: {}-bit activations{tried}", p.activation_bits)
}

fn sampling_line(s: &verinfer_compiler::report::SamplingReport) -> String {
    match (s.temperature, s.effective_temperature, s.max_total_variation) {
        (Some(t), Some(te), tv) => format!(
            "{}{}, temperature {t} (implemented as {te:.6}); total variation to the float softmax {}",
            s.mode,
            s.k.map(|k| format!(" k = {k}")).unwrap_or_default(),
            tv.map(|v| format!("at most {v:.4} on the calibration samples")).unwrap_or_else(|| "not measured".into())
        ),
        _ => s.mode.to_string(),
    }
}
