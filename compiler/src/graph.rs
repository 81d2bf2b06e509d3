//! The typed float graph: the model as a chain of layers with real-valued constants.
//!
//! ONNX operators import into four layer kinds (linear map, element-wise affine map, ReLU, max pool); reshapes
//! only change shapes. The float evaluator here exists to calibrate scales and report accuracy; the
//! integer semantics live in `verinfer-ir`.
use serde::Serialize;

/// What a layer computes.
#[derive(Clone, Debug, PartialEq)]
pub enum LayerKind {
    /// `y = W x + b` over flattened tensors (`rows x cols`, row-major).
    Linear {
        /// Output length.
        rows: usize,
        /// Input length.
        cols: usize,
        /// Row-major weights.
        weights: Vec<f64>,
        /// Bias per output.
        bias: Vec<f64>,
    },
    /// `y_i = mul_i * x_i + add_i`.
    Affine {
        /// Multipliers.
        mul: Vec<f64>,
        /// Offsets.
        add: Vec<f64>,
    },
    /// `y = max(x, 0)`.
    Relu,
    /// `y_i = max_t x[windows[i * size + t]]` (max pooling, padding left out of the windows).
    MaxPool {
        /// Elements per window.
        size: usize,
        /// Input indices, `size` per output.
        windows: Vec<usize>,
    },
}

/// A layer and where it came from.
#[derive(Clone, Debug, PartialEq)]
pub struct Layer {
    /// Output tensor name.
    pub name: String,
    /// The ONNX node(s) it was built from, for messages.
    pub origin: String,
    /// What it computes.
    pub kind: LayerKind,
    /// Output shape.
    pub shape: Vec<usize>,
    /// Input layer (`None` for the graph input).
    pub input: Option<usize>,
}

/// Operator counts, in name order for a deterministic report.
pub type OpCounts = std::collections::BTreeMap<String, usize>;

/// An imported model: one float input and a chain of layers to the output.
#[derive(Clone, Debug)]
pub struct FloatGraph {
    /// Graph name.
    pub name: String,
    /// Default-domain opset.
    pub opset: i64,
    /// Graph input name.
    pub input_name: String,
    /// Graph input shape (batch 1).
    pub input_shape: Vec<usize>,
    /// Layers, input to output; layer `i` reads layer `i - 1` (or the input for `i == 0`).
    pub layers: Vec<Layer>,
    /// Output shape.
    pub output_shape: Vec<usize>,
    /// How many nodes of each ONNX operator the model has.
    pub op_counts: OpCounts,
}

/// A layer's output for one input sample.
pub fn eval_layer(kind: &LayerKind, x: &[f64]) -> Vec<f64> {
    match kind {
        LayerKind::Linear { rows, cols, weights, bias } => (0..*rows)
            .map(|r| weights[r * cols..(r + 1) * cols].iter().zip(x).fold(bias[r], |a, (w, v)| a + w * v))
            .collect(),
        LayerKind::Affine { mul, add } => x.iter().zip(mul.iter().zip(add)).map(|(v, (m, a))| m * v + a).collect(),
        LayerKind::Relu => x.iter().map(|v| v.max(0.0)).collect(),
        LayerKind::MaxPool { size, windows } => {
            windows.chunks(*size).map(|w| w.iter().map(|&j| x[j]).fold(f64::NEG_INFINITY, f64::max)).collect()
        }
    }
}

impl FloatGraph {
    /// Every layer's output for one sample (the last is the model output).
    pub fn eval(&self, x: &[f64]) -> Vec<Vec<f64>> {
        let mut outs: Vec<Vec<f64>> = Vec::with_capacity(self.layers.len());
        for layer in &self.layers {
            let src = outs.last().map(Vec::as_slice).unwrap_or(x);
            let y = eval_layer(&layer.kind, src);
            outs.push(y);
        }
        outs
    }

    /// The model output for one sample.
    pub fn output(&self, x: &[f64]) -> Vec<f64> {
        let outs = self.eval(x);
        outs.last().cloned().unwrap_or_else(|| x.to_vec())
    }

    /// Merges adjacent linear and affine layers (exact in real arithmetic), so that each merged chain
    /// is quantized and rounded once.
    pub fn fold_linear_chains(&mut self) {
        let mut out: Vec<Layer> = Vec::with_capacity(self.layers.len());
        for layer in self.layers.drain(..) {
            let merged = match (out.last().map(|l| &l.kind), &layer.kind) {
                (Some(prev), next) if is_linear(prev) && is_linear(next) => Some(compose(prev, next)),
                _ => None,
            };
            match merged {
                Some(kind) => {
                    let Some(prev) = out.last_mut() else { continue };
                    prev.kind = kind;
                    prev.name = layer.name;
                    prev.origin = format!("{}+{}", prev.origin, layer.origin);
                    prev.shape = layer.shape;
                }
                None => out.push(layer),
            }
        }
        for (i, l) in out.iter_mut().enumerate() {
            l.input = i.checked_sub(1);
        }
        self.layers = out;
    }
}

fn is_linear(k: &LayerKind) -> bool {
    matches!(k, LayerKind::Linear { .. } | LayerKind::Affine { .. })
}

fn as_dense(k: &LayerKind) -> (usize, usize, Vec<f64>, Vec<f64>) {
    match k {
        LayerKind::Relu | LayerKind::MaxPool { .. } => (0, 0, Vec::new(), Vec::new()), // never composed (see `is_linear`)
        LayerKind::Linear { rows, cols, weights, bias } => (*rows, *cols, weights.clone(), bias.clone()),
        LayerKind::Affine { mul, add } => {
            let n = mul.len();
            let mut w = vec![0.0; n * n];
            for i in 0..n {
                w[i * n + i] = mul[i];
            }
            (n, n, w, add.clone())
        }
    }
}

/// `second(first(x))` as one layer.
fn compose(first: &LayerKind, second: &LayerKind) -> LayerKind {
    if let (LayerKind::Affine { mul: m1, add: a1 }, LayerKind::Affine { mul: m2, add: a2 }) = (first, second) {
        return LayerKind::Affine {
            mul: m1.iter().zip(m2).map(|(a, b)| a * b).collect(),
            add: a1.iter().zip(m2.iter().zip(a2)).map(|(a, (m, c))| m * a + c).collect(),
        };
    }
    let (r1, c1, w1, b1) = as_dense(first);
    let (r2, _c2, w2, b2) = as_dense(second);
    let mut w = vec![0.0; r2 * c1];
    let mut b = b2.clone();
    for i in 0..r2 {
        for k in 0..r1 {
            let a = w2[i * r1 + k];
            if a == 0.0 {
                continue;
            }
            b[i] += a * b1[k];
            let row = &w1[k * c1..(k + 1) * c1];
            for (dst, &v) in w[i * c1..(i + 1) * c1].iter_mut().zip(row) {
                *dst += a * v;
            }
        }
    }
    LayerKind::Linear { rows: r2, cols: c1, weights: w, bias: b }
}

/// One layer as the report shows it.
#[derive(Clone, Debug, Serialize)]
pub struct LayerSummary {
    /// Output tensor.
    pub name: String,
    /// Source nodes.
    pub origin: String,
    /// Layer kind.
    pub kind: &'static str,
    /// Output shape.
    pub shape: Vec<usize>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn graph(layers: Vec<LayerKind>) -> FloatGraph {
        FloatGraph {
            name: "t".into(),
            opset: 13,
            input_name: "x".into(),
            input_shape: vec![1, 2],
            layers: layers
                .into_iter()
                .enumerate()
                .map(|(i, kind)| Layer {
                    name: format!("t{i}"),
                    origin: format!("n{i}"),
                    kind,
                    shape: vec![1, 2],
                    input: i.checked_sub(1),
                })
                .collect(),
            output_shape: vec![1, 2],
            op_counts: OpCounts::new(),
        }
    }

    #[test]
    fn folding_preserves_the_function() {
        let mut g = graph(vec![
            LayerKind::Affine { mul: vec![0.5, -2.0], add: vec![1.0, 3.0] },
            LayerKind::Linear { rows: 2, cols: 2, weights: vec![1.0, 2.0, -1.0, 0.5], bias: vec![0.25, -0.75] },
            LayerKind::Affine { mul: vec![3.0, 1.0], add: vec![0.0, -1.0] },
            LayerKind::Relu,
            LayerKind::Affine { mul: vec![2.0, 2.0], add: vec![1.0, 1.0] },
            LayerKind::Affine { mul: vec![-1.0, 0.5], add: vec![0.0, 2.0] },
        ]);
        let xs = [[1.0, 2.0], [-3.0, 0.5], [0.0, 0.0]];
        let before: Vec<_> = xs.iter().map(|x| g.output(x)).collect();
        g.fold_linear_chains();
        assert_eq!(g.layers.len(), 3, "two linear chains around one relu");
        for (x, want) in xs.iter().zip(before) {
            for (a, b) in g.output(x).iter().zip(want) {
                assert!((a - b).abs() < 1e-12);
            }
        }
    }
}
