//! `verinfer compile model.onnx [--calibration data.json] -o build/`
use crate::pipeline::compile_to_dir;
use crate::progress::Step;
use anyhow::Result;
use std::path::PathBuf;
use verinfer_compiler::{CompileOptions, QuantConfig};
use verinfer_ir::OutputMode;

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
    /// Signed width of activations.
    #[arg(long, default_value_t = QuantConfig::default().activation_bits)]
    pub activation_bits: u8,
    /// Signed width of the quantized input.
    #[arg(long, default_value_t = QuantConfig::default().input_bits)]
    pub input_bits: u8,
    /// Minimum signed width of weights (raised per layer where calibration shows it is needed).
    #[arg(long, default_value_t = QuantConfig::default().weight_bits)]
    pub weight_bits: u8,
    /// Reveal only a commitment to the output tensor instead of its values.
    #[arg(long)]
    pub commit_output: bool,
}

/// Runs `compile`.
pub fn run(args: &Args, json: bool) -> Result<()> {
    let opts = CompileOptions {
        quant: QuantConfig {
            activation_bits: args.activation_bits,
            input_bits: args.input_bits,
            weight_bits: args.weight_bits,
            ..QuantConfig::default()
        },
        output_mode: if args.commit_output { OutputMode::Commitment } else { OutputMode::Tensor },
    };
    let step = Step::start("compiling");
    let report = compile_to_dir(&args.model, args.calibration.as_deref(), &args.out, &opts)?;
    step.finish();
    let value = serde_json::to_value(&report)?;
    let text = format!(
        "compiled {} -> {}\n  model hash   {}\n  constraints  {}\n  agreement    {:.2}% of {} calibration samples (max abs error {:.4})",
        args.model.display(),
        args.out.display(),
        report.model_hash,
        report.constraints.unwrap_or(0),
        report.calibration.argmax_agreement * 100.0,
        report.calibration.samples,
        report.calibration.max_abs_error
    );
    super::emit(json, &value, &text);
    Ok(())
}
