//! Target `samples`: input and calibration JSON through `verinfer_compiler::data::read_samples`, each
//! sample through `verinfer_ir::quantize_input` for the committed iris model, as given and resized to
//! the model's input length.
use std::sync::OnceLock;
use verinfer_compiler::data::read_samples;
use verinfer_ir::{quantize_input, CompiledModel};

/// The committed compiled model the samples are quantized for (iris MLP, 4 inputs).
pub fn model() -> &'static CompiledModel {
    static M: OnceLock<CompiledModel> = OnceLock::new();
    M.get_or_init(|| {
        CompiledModel::from_bytes(include_bytes!("../seeds/context/model.compiled"))
            .expect("the committed model.compiled loads")
    })
}

/// Reads `data` as an input file and quantizes every sample.
pub fn run(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let Ok(samples) = read_samples(&text) else { return };
    let ir = &model().graph;
    for s in samples.iter().take(64) {
        let _ = quantize_input(ir, s);
        let mut fitted = s.clone();
        fitted.resize(ir.input_len(), 0.5);
        let _ = quantize_input(ir, &fitted);
    }
}
