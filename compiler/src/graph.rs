//! The typed float graph: the model as a DAG of layers with real-valued constants.
//!
//! ONNX operators import into a small set of layer kinds (linear maps, element-wise functions,
//! pooling, products, wiring); reshapes only change shapes, and composite operators (Softmax,
//! LayerNormalization) import as several layers. The float evaluator here exists to calibrate
//! scales and report accuracy; the integer semantics live in `verinfer-ir`.
use serde::Serialize;
use verinfer_ir::{ConvGeometry, InputSpec};

/// A univariate function, implemented in the circuit by a piecewise-linear table.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Func {
    /// `1 / (1 + e^-x)`.
    Sigmoid,
    /// `tanh x`.
    Tanh,
    /// `e^x`.
    Exp,
    /// `e^(x - shift)`: Softmax's exponential on an operand centred on its table's range.
    ExpShifted {
        /// Subtracted from the operand.
        shift: f64,
    },
    /// The error function.
    Erf,
    /// `x Phi(x) = x (1 + erf(x / sqrt 2)) / 2`.
    Gelu,
    /// GELU's tanh approximation.
    GeluTanh,
    /// `max(0, min(1, alpha x + beta))`.
    HardSigmoid {
        /// Slope.
        alpha: f64,
        /// Offset.
        beta: f64,
    },
    /// `x max(0, min(1, x / 6 + 1 / 2))` (ONNX HardSwish, MobileNetV3's activation).
    HardSwish,
    /// `ln x`, saturating to the output's most negative value at `x <= 0`.
    Log,
    /// `x` for `x >= 0`, `alpha x` otherwise.
    LeakyRelu {
        /// Negative slope.
        alpha: f64,
    },
    /// `sqrt(max(x, 0))`.
    Sqrt,
    /// `ln(1 + e^x)`.
    Softplus,
    /// `x^p` for a small integer `p` (on the table's bounded range).
    Pow(i32),
}

impl Func {
    /// The function's value.
    pub fn eval(self, x: f64) -> f64 {
        match self {
            Func::Sigmoid => 1.0 / (1.0 + (-x).exp()),
            Func::Tanh => x.tanh(),
            Func::Exp => x.exp(),
            Func::ExpShifted { shift } => (x - shift).exp(),
            Func::Erf => libm::erf(x),
            Func::Gelu => 0.5 * x * (1.0 + libm::erf(x / std::f64::consts::SQRT_2)),
            Func::GeluTanh => {
                let c = (2.0 / std::f64::consts::PI).sqrt();
                0.5 * x * (1.0 + (c * (x + 0.044715 * x * x * x)).tanh())
            }
            Func::HardSigmoid { alpha, beta } => (alpha * x + beta).clamp(0.0, 1.0),
            Func::HardSwish => x * (x / 6.0 + 0.5).clamp(0.0, 1.0),
            Func::Log => {
                if x > 0.0 {
                    x.ln()
                } else {
                    f64::NEG_INFINITY
                }
            }
            Func::LeakyRelu { alpha } => {
                if x >= 0.0 {
                    x
                } else {
                    alpha * x
                }
            }
            Func::Sqrt => x.max(0.0).sqrt(),
            Func::Softplus => {
                if x > 30.0 {
                    x
                } else {
                    x.exp().ln_1p()
                }
            }
            Func::Pow(p) => x.powi(p),
        }
    }

    /// Whether `f` never decreases (`x <= y` implies `f(x) <= f(y)`), so that it commutes with max
    /// pooling: `max_t f(x_t) = f(max_t x_t)`.
    pub fn nondecreasing(self) -> bool {
        match self {
            Func::Sigmoid
            | Func::Tanh
            | Func::Exp
            | Func::ExpShifted { .. }
            | Func::Erf
            | Func::Log
            | Func::Sqrt
            | Func::Softplus => true,
            Func::HardSigmoid { alpha, .. } | Func::LeakyRelu { alpha } => alpha >= 0.0,
            Func::Gelu | Func::GeluTanh | Func::HardSwish | Func::Pow(_) => false,
        }
    }

    /// Name for reports.
    pub fn name(self) -> &'static str {
        match self {
            Func::Sigmoid => "sigmoid",
            Func::Tanh => "tanh",
            Func::Exp | Func::ExpShifted { .. } => "exp",
            Func::Erf => "erf",
            Func::Gelu => "gelu",
            Func::GeluTanh => "gelu_tanh",
            Func::HardSigmoid { .. } => "hard_sigmoid",
            Func::HardSwish => "hard_swish",
            Func::Log => "log",
            Func::LeakyRelu { .. } => "leaky_relu",
            Func::Sqrt => "sqrt",
            Func::Softplus => "softplus",
            Func::Pow(_) => "pow",
        }
    }
}

/// What a layer computes. Single-operand kinds read `inputs[0]`.
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
    /// A convolution with constant filters (see [`ConvGeometry`]), stored by its filters.
    Conv {
        /// Channels, kernel, strides, dilations, pads.
        geometry: ConvGeometry,
        /// Filters, `out_channels x in_channels/group x kernel` row-major.
        weights: Vec<f64>,
        /// Bias per output channel, or per output.
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
    /// `y = 1` if `x >= 0`, else `0` (comparisons, on a difference).
    Step,
    /// `y = min(max(x, lo), hi)` (Clip), exact at the operand's scale.
    Clamp {
        /// Lower bound (may be -infinity).
        lo: f64,
        /// Upper bound (may be +infinity).
        hi: f64,
    },
    /// `y_i` = position in its window of the first largest of `x[windows[i * size + t]]`.
    ArgMax {
        /// Elements per window.
        size: usize,
        /// Input indices, `size` per output.
        windows: Vec<usize>,
    },
    /// `y_i = max_t x[windows[i * size + t]]` (max pooling, padding left out of the windows).
    MaxPool {
        /// Elements per window.
        size: usize,
        /// Input indices, `size` per output.
        windows: Vec<usize>,
    },
    /// `y_i = sum_t x[windows[i * size + t]]` (reductions).
    SumPool {
        /// Elements per window.
        size: usize,
        /// Input indices, `size` per output.
        windows: Vec<usize>,
    },
    /// `y_i = sum_t coeffs[t] * inputs[t][i]`.
    Sum {
        /// One multiplier per operand.
        coeffs: Vec<f64>,
    },
    /// `y_i = a_i * b_i` (two operands).
    Mul,
    /// `y_i = inputs[map_i.0][map_i.1]`, or `constants[map_i.1]` where `map_i.0 == usize::MAX`.
    Gather {
        /// Per output: (operand, element).
        map: Vec<(usize, usize)>,
        /// Constant elements.
        constants: Vec<f64>,
    },
    /// Batched matrix product of two operands (`[batch, m, k] x [batch, k, n]`).
    MatMul {
        /// Products.
        batch: usize,
        /// Rows.
        m: usize,
        /// Inner dimension.
        k: usize,
        /// Columns.
        n: usize,
    },
    /// A univariate function.
    Func(Func),
    /// `y_i = a_i / b_i` (two operands).
    Div,
    /// `y_i = 1 / sqrt(x_i)`.
    Rsqrt,
    /// `y_i = clamp(round(x_i), lo, hi)` (round half to even): the integer grid of a QuantizeLinear
    /// output, whose scale and zero point are an affine layer before it.
    RoundClamp {
        /// Smallest grid value (-128 for int8, 0 for uint8).
        lo: i64,
        /// Largest grid value.
        hi: i64,
    },
}

impl LayerKind {
    /// Name for reports.
    pub fn name(&self) -> &'static str {
        match self {
            LayerKind::Linear { .. } => "linear",
            LayerKind::Conv { .. } => "conv",
            LayerKind::Affine { .. } => "affine",
            LayerKind::Relu => "relu",
            LayerKind::Step => "step",
            LayerKind::Clamp { .. } => "clamp",
            LayerKind::ArgMax { .. } => "argmax",
            LayerKind::MaxPool { .. } => "max_pool",
            LayerKind::SumPool { .. } => "sum_pool",
            LayerKind::Sum { .. } => "sum",
            LayerKind::Mul => "mul",
            LayerKind::Gather { .. } => "gather",
            LayerKind::MatMul { .. } => "matmul",
            LayerKind::Func(f) => f.name(),
            LayerKind::Div => "div",
            LayerKind::Rsqrt => "rsqrt",
            LayerKind::RoundClamp { .. } => "round_clamp",
        }
    }
}

impl LayerKind {
    /// The constants of a linear layer (weights or multipliers) and its bias, `None` for other kinds.
    pub fn constants(&self) -> Option<(&[f64], &[f64])> {
        match self {
            LayerKind::Linear { weights, bias, .. } | LayerKind::Conv { weights, bias, .. } => Some((weights, bias)),
            LayerKind::Affine { mul, add } => Some((mul, add)),
            _ => None,
        }
    }

    /// The same linear layer with other constants (see [`LayerKind::constants`]).
    pub fn with_constants(&self, consts: Vec<f64>, bias: Vec<f64>) -> Option<LayerKind> {
        Some(match self {
            LayerKind::Linear { rows, cols, .. } => {
                LayerKind::Linear { rows: *rows, cols: *cols, weights: consts, bias }
            }
            LayerKind::Conv { geometry, .. } => LayerKind::Conv { geometry: geometry.clone(), weights: consts, bias },
            LayerKind::Affine { .. } => LayerKind::Affine { mul: consts, add: bias },
            _ => return None,
        })
    }

    /// Weights per output (a row of a linear layer, a filter of a convolution, 1 for an affine
    /// layer); 0 for other kinds. [`LayerKind::constants`] holds the rows one after another.
    pub fn row_len(&self) -> usize {
        match self {
            LayerKind::Linear { cols, .. } => *cols,
            LayerKind::Conv { geometry, weights, .. } => weights.len() / geometry.out_channels.max(1),
            LayerKind::Affine { .. } => 1,
            _ => 0,
        }
    }

    /// Multiply-accumulates of one evaluation of a linear layer (0 for other kinds).
    pub fn macs(&self) -> usize {
        match self {
            LayerKind::Linear { rows, cols, .. } => rows * cols,
            LayerKind::Conv { geometry, .. } => geometry.macs(),
            LayerKind::Affine { mul, .. } => mul.len(),
            _ => 0,
        }
    }
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
    /// Operand layers in order (`None` is the graph input). Every operand precedes the layer.
    pub inputs: Vec<Option<usize>>,
}

/// Operator counts, in name order for a deterministic report.
pub type OpCounts = std::collections::BTreeMap<String, usize>;

/// An imported model: one float input and a DAG of layers whose last layer is the output.
#[derive(Clone, Debug)]
pub struct FloatGraph {
    /// Graph name.
    pub name: String,
    /// Default-domain opset.
    pub opset: i64,
    /// The graph input(s): one, or several concatenated (batch 1).
    pub input: InputSpec,
    /// Layers in evaluation order; the last is the model output.
    pub layers: Vec<Layer>,
    /// Output shape.
    pub output_shape: Vec<usize>,
    /// How many nodes of each ONNX operator the model has.
    pub op_counts: OpCounts,
}

/// A layer's output for one input sample, given its operands' values.
pub fn eval_layer(kind: &LayerKind, xs: &[&[f64]]) -> Vec<f64> {
    let x = xs.first().copied().unwrap_or(&[]);
    match kind {
        LayerKind::Linear { rows, cols, weights, bias } => (0..*rows)
            .map(|r| weights[r * cols..(r + 1) * cols].iter().zip(x).fold(bias[r], |a, (w, v)| a + w * v))
            .collect(),
        LayerKind::Conv { geometry: g, weights, bias } => {
            g.apply(&g.taps(), weights, x, |i| g.bias_at(bias, i), |a, w, v| a + w * v)
        }
        LayerKind::Affine { mul, add } => x.iter().zip(mul.iter().zip(add)).map(|(v, (m, a))| m * v + a).collect(),
        LayerKind::Relu => x.iter().map(|v| v.max(0.0)).collect(),
        LayerKind::Step => x.iter().map(|&v| if v >= 0.0 { 1.0 } else { 0.0 }).collect(),
        // ONNX: min(max(x, lo), hi), so hi wins when lo > hi
        LayerKind::Clamp { lo, hi } => x.iter().map(|&v| v.max(*lo).min(*hi)).collect(),
        LayerKind::ArgMax { size, windows } => windows
            .chunks(*size)
            .map(|w| {
                let mut best = 0;
                for (t, &j) in w.iter().enumerate() {
                    if x[j] > x[w[best]] {
                        best = t;
                    }
                }
                best as f64
            })
            .collect(),
        LayerKind::MaxPool { size, windows } => {
            windows.chunks(*size).map(|w| w.iter().map(|&j| x[j]).fold(f64::NEG_INFINITY, f64::max)).collect()
        }
        LayerKind::SumPool { size, windows } => windows.chunks(*size).map(|w| w.iter().map(|&j| x[j]).sum()).collect(),
        LayerKind::Sum { coeffs } => {
            let mut y = vec![0.0; x.len()];
            for (src, c) in xs.iter().zip(coeffs) {
                for (a, v) in y.iter_mut().zip(src.iter()) {
                    *a += c * v;
                }
            }
            y
        }
        LayerKind::Mul => x.iter().zip(xs.get(1).copied().unwrap_or(&[])).map(|(a, b)| a * b).collect(),
        LayerKind::Div => x.iter().zip(xs.get(1).copied().unwrap_or(&[])).map(|(a, b)| a / b).collect(),
        LayerKind::Gather { map, constants } => {
            map.iter().map(|&(s, j)| if s == usize::MAX { constants[j] } else { xs[s][j] }).collect()
        }
        LayerKind::MatMul { batch, m, k, n } => {
            let b = xs.get(1).copied().unwrap_or(&[]);
            let mut y = Vec::with_capacity(batch * m * n);
            for t in 0..*batch {
                for i in 0..*m {
                    for j in 0..*n {
                        y.push((0..*k).map(|l| x[(t * m + i) * k + l] * b[(t * k + l) * n + j]).sum());
                    }
                }
            }
            y
        }
        LayerKind::Func(f) => x.iter().map(|&v| f.eval(v)).collect(),
        LayerKind::Rsqrt => x.iter().map(|&v| 1.0 / v.sqrt()).collect(),
        LayerKind::RoundClamp { lo, hi } => {
            x.iter().map(|&v| v.round_ties_even().clamp(*lo as f64, (*hi).max(*lo) as f64)).collect()
        }
    }
}

impl FloatGraph {
    /// Every layer's output for one sample (the last is the model output).
    pub fn eval(&self, x: &[f64]) -> Vec<Vec<f64>> {
        let mut outs: Vec<Vec<f64>> = Vec::with_capacity(self.layers.len());
        for layer in &self.layers {
            let srcs: Vec<&[f64]> =
                layer.inputs.iter().map(|s| s.and_then(|i| outs.get(i)).map(Vec::as_slice).unwrap_or(x)).collect();
            let y = eval_layer(&layer.kind, &srcs);
            outs.push(y);
        }
        outs
    }

    /// The model output for one sample.
    pub fn output(&self, x: &[f64]) -> Vec<f64> {
        let outs = self.eval(x);
        outs.last().cloned().unwrap_or_else(|| x.to_vec())
    }

    /// How many layers read each layer's output.
    pub fn uses(&self) -> (usize, Vec<usize>) {
        let mut uses = vec![0; self.layers.len()];
        let mut input = 0;
        for l in &self.layers {
            for s in &l.inputs {
                match s {
                    Some(i) => uses[*i] += 1,
                    None => input += 1,
                }
            }
        }
        (input, uses)
    }

    /// Merges linear and affine layers into the linear or affine layer that is their only reader
    /// (exact in real arithmetic), so that each merged chain is quantized and rounded once.
    pub fn fold_linear_chains(&mut self) {
        let (_, uses) = self.uses();
        let n = self.layers.len();
        let mut slots: Vec<Option<Layer>> = self.layers.drain(..).map(Some).collect();
        for j in 0..n {
            let Some(next) = slots[j].as_ref() else { continue };
            let [Some(i)] = next.inputs.as_slice() else { continue };
            let i = *i;
            let foldable = is_linear(&next.kind)
                && uses[i] == 1
                && slots[i].as_ref().is_some_and(|l| is_linear(&l.kind) && l.inputs.len() == 1);
            let merged = match (foldable, &slots[i]) {
                (true, Some(prev)) => compose(&prev.kind, &next.kind),
                _ => None,
            };
            let Some(kind) = merged else { continue };
            let Some(prev) = slots[i].take() else { continue };
            let Some(next) = slots[j].as_mut() else { continue };
            next.kind = kind;
            next.origin = format!("{}+{}", prev.origin, next.origin);
            next.inputs = prev.inputs;
        }
        self.layers = compact(slots);
    }

    /// Moves max pooling in front of what it reads when that has no other reader and commutes
    /// with the maximum, so that the activation (and, once quantized, the rescale before it) runs
    /// on the pooled elements only:
    /// - an element-wise, never-decreasing activation: `pool(f(x)) = f(pool(x))`; the pooling
    ///   takes the activation's place (named `<pool>::pre`), the activation the pooling's;
    /// - a constant-free single-operand `Gather` (the Transposes around channel-last pooling): it
    ///   is folded into the pooling's windows and dropped.
    ///
    /// Exact in real arithmetic, like [`FloatGraph::fold_linear_chains`].
    pub fn pool_before_activations(&mut self) {
        let (_, uses) = self.uses();
        let mut dead = vec![false; self.layers.len()];
        for j in 0..self.layers.len() {
            let mut p = j; // where the pooling is now
            while matches!(self.layers[p].kind, LayerKind::MaxPool { .. }) {
                let [Some(i)] = self.layers[p].inputs.as_slice() else { break };
                let i = *i;
                if uses[i] != 1 {
                    break;
                }
                if self.fold_gather_into_pool(p, i) {
                    dead[i] = true;
                } else if self.layers[i].inputs.len() == 1 && is_nondecreasing(&self.layers[i].kind) {
                    self.swap_pool_and_activation(p, i);
                    p = i;
                } else {
                    break;
                }
            }
        }
        let slots = self.layers.drain(..).zip(dead).map(|(l, d)| (!d).then_some(l)).collect();
        self.layers = compact(slots);
    }

    /// Reads the pooling at `p` through the gather at `i` (its operand) if that is a constant-free
    /// map of one operand; `false` (and nothing changed) otherwise.
    fn fold_gather_into_pool(&mut self, p: usize, i: usize) -> bool {
        let gather = &self.layers[i];
        let LayerKind::Gather { map, .. } = &gather.kind else { return false };
        if gather.inputs.len() != 1 || map.iter().any(|&(k, _)| k != 0) {
            return false;
        }
        let (map, source) = (map.clone(), gather.inputs.clone());
        let LayerKind::MaxPool { windows, .. } = &mut self.layers[p].kind else { return false };
        let Some(read) = windows.iter().map(|&w| map.get(w).map(|&(_, e)| e)).collect::<Option<Vec<_>>>() else {
            return false;
        };
        *windows = read;
        self.layers[p].inputs = source;
        true
    }

    /// Swaps the pooling at `p` and the activation at `i` it reads (module docs of
    /// [`FloatGraph::pool_before_activations`]).
    fn swap_pool_and_activation(&mut self, p: usize, i: usize) {
        let act = self.layers[i].clone();
        let pool = self.layers[p].clone();
        self.layers[i] = Layer {
            name: format!("{}::pre", pool.name),
            origin: pool.origin,
            kind: pool.kind,
            shape: pool.shape.clone(),
            inputs: act.inputs,
        };
        self.layers[p] =
            Layer { name: pool.name, origin: act.origin, kind: act.kind, shape: pool.shape, inputs: vec![Some(i)] };
    }
}

/// The layers left in `slots`, with operand indices renumbered.
fn compact(slots: Vec<Option<Layer>>) -> Vec<Layer> {
    let mut index = vec![usize::MAX; slots.len()];
    let mut out = Vec::with_capacity(slots.len());
    for (old, slot) in slots.into_iter().enumerate() {
        if let Some(mut l) = slot {
            l.inputs = l.inputs.iter().map(|s| s.map(|i| index[i])).collect();
            index[old] = out.len();
            out.push(l);
        }
    }
    out
}

/// Whether `k` is element-wise and never decreasing (commutes with max pooling).
fn is_nondecreasing(k: &LayerKind) -> bool {
    match k {
        LayerKind::Relu | LayerKind::Clamp { .. } => true,
        LayerKind::Func(f) => f.nondecreasing(),
        _ => false,
    }
}

fn is_linear(k: &LayerKind) -> bool {
    matches!(k, LayerKind::Linear { .. } | LayerKind::Affine { .. } | LayerKind::Conv { .. })
}

fn as_dense(k: &LayerKind) -> Option<(usize, usize, Vec<f64>, Vec<f64>)> {
    match k {
        LayerKind::Linear { rows, cols, weights, bias } => Some((*rows, *cols, weights.clone(), bias.clone())),
        LayerKind::Affine { mul, add } => {
            let n = mul.len();
            let mut w = vec![0.0; n * n];
            for i in 0..n {
                w[i * n + i] = mul[i];
            }
            Some((n, n, w, add.clone()))
        }
        _ => None, // convolutions stay structured
    }
}

/// The one value per channel of `v` (`channels` blocks of `positions`), if it is constant per channel.
fn per_channel(v: &[f64], channels: usize) -> Option<Vec<f64>> {
    let positions = v.len() / channels.max(1);
    let out: Vec<f64> = v.chunks(positions.max(1)).map(|c| c[0]).collect();
    let constant = v.len() == channels * positions && v.chunks(positions).all(|c| c.iter().all(|&x| x == c[0]));
    constant.then_some(out)
}

/// `second(first(x))` as one layer, or `None` where the merge would not be cheap: a convolution
/// merges only with an affine map whose multipliers are constant per channel (BatchNorm after it,
/// a dequantization or normalization before it).
fn compose(first: &LayerKind, second: &LayerKind) -> Option<LayerKind> {
    match (first, second) {
        (LayerKind::Affine { mul: m1, add: a1 }, LayerKind::Affine { mul: m2, add: a2 }) => Some(LayerKind::Affine {
            mul: m1.iter().zip(m2).map(|(a, b)| a * b).collect(),
            add: a1.iter().zip(m2.iter().zip(a2)).map(|(a, (m, c))| m * a + c).collect(),
        }),
        (LayerKind::Conv { geometry: g, weights, bias }, LayerKind::Affine { mul, add }) => {
            let (m, a) = (per_channel(mul, g.out_channels)?, per_channel(add, g.out_channels)?);
            let filter = g.weights_len() / g.out_channels;
            let per = bias.len() / g.out_channels;
            Some(LayerKind::Conv {
                geometry: g.clone(),
                weights: weights.iter().enumerate().map(|(i, w)| w * m[i / filter]).collect(),
                bias: bias.iter().enumerate().map(|(i, b)| m[i / per] * b + a[i / per]).collect(),
            })
        }
        (LayerKind::Affine { mul, add }, LayerKind::Conv { geometry: g, weights, bias }) => {
            // W (m x + a) + b = (W m) x + (W a + b): the shift is a convolution of the constant `a`,
            // which padding taps do not reach, so it may differ per output
            let m = per_channel(mul, g.in_channels)?;
            let (c_per, k_len) = (g.channels_per_group(), g.kernel_len());
            let m_per = g.out_channels / g.group;
            let channel = |i: usize| (i / (c_per * k_len)) / m_per * c_per + (i / k_len) % c_per;
            let shift = g.apply(&g.taps(), weights, add, |i| g.bias_at(bias, i), |acc, w, v| acc + w * v);
            let bias = per_channel(&shift, g.out_channels).unwrap_or(shift);
            Some(LayerKind::Conv {
                geometry: g.clone(),
                weights: weights.iter().enumerate().map(|(i, w)| w * m[channel(i)]).collect(),
                bias,
            })
        }
        _ => compose_dense(first, second),
    }
}

/// `second(first(x))` for linear and affine layers, as one dense linear layer.
fn compose_dense(first: &LayerKind, second: &LayerKind) -> Option<LayerKind> {
    let (r1, c1, w1, b1) = as_dense(first)?;
    let (r2, _c2, w2, b2) = as_dense(second)?;
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
    Some(LayerKind::Linear { rows: r2, cols: c1, weights: w, bias: b })
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
            input: InputSpec::new("x", vec![1, 2]),
            layers: layers
                .into_iter()
                .enumerate()
                .map(|(i, kind)| Layer {
                    name: format!("t{i}"),
                    origin: format!("n{i}"),
                    kind,
                    shape: vec![1, 2],
                    inputs: vec![i.checked_sub(1)],
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
        assert_eq!(g.layers[2].inputs, vec![Some(1)]);
        for (x, want) in xs.iter().zip(before) {
            for (a, b) in g.output(x).iter().zip(want) {
                assert!((a - b).abs() < 1e-12);
            }
        }
    }

    /// x[4] -> Affine -> act -> Gather (swap halves) -> MaxPool (pairs) -> Affine[2].
    fn pooled(act: LayerKind) -> FloatGraph {
        let mut g = graph(vec![
            LayerKind::Affine { mul: vec![1.5, -2.0, 0.5, 3.0], add: vec![0.25, -1.0, 0.0, 0.5] },
            act,
            LayerKind::Gather { map: vec![(0, 2), (0, 3), (0, 0), (0, 1)], constants: vec![] },
            LayerKind::MaxPool { size: 2, windows: vec![0, 1, 3, 2] },
            LayerKind::Affine { mul: vec![2.0, -1.0], add: vec![0.0, 1.0] },
        ]);
        g.input = InputSpec::new("x", vec![1, 4]);
        for (l, len) in g.layers.iter_mut().zip([4, 4, 4, 2, 2]) {
            l.shape = vec![1, len];
        }
        g.output_shape = vec![1, 2];
        g
    }

    const SAMPLES: [[f64; 4]; 4] = [[1.0, 2.0, -3.0, 0.5], [-1.0, -2.0, 3.0, -0.5], [0.0; 4], [4.0, -4.0, 0.1, -0.1]];

    #[test]
    fn pooling_moves_in_front_of_never_decreasing_activations_and_transposes() {
        for act in [
            LayerKind::Relu,
            LayerKind::Func(Func::LeakyRelu { alpha: 0.2 }),
            LayerKind::Func(Func::Sigmoid),
            LayerKind::Clamp { lo: -1.0, hi: 1.0 },
        ] {
            let mut g = pooled(act.clone());
            let before: Vec<_> = SAMPLES.iter().map(|x| g.output(x)).collect();
            g.pool_before_activations();
            let kinds: Vec<&str> = g.layers.iter().map(|l| l.kind.name()).collect();
            assert_eq!(kinds, ["affine", "max_pool", act.name(), "affine"], "{act:?}");
            assert_eq!(g.layers[1].kind, LayerKind::MaxPool { size: 2, windows: vec![2, 3, 1, 0] });
            assert_eq!((g.layers[1].name.as_str(), g.layers[2].name.as_str()), ("t3::pre", "t3"));
            assert_eq!(g.layers[1].inputs, vec![Some(0)]);
            assert_eq!(g.layers[3].inputs, vec![Some(2)]);
            for (x, want) in SAMPLES.iter().zip(before) {
                assert_eq!(g.output(x), want, "{act:?} on {x:?}");
            }
        }
    }

    #[test]
    fn pooling_stays_behind_other_activations_and_shared_ones() {
        // HardSwish decreases below -1.5: max(f(x)) != f(max(x)); the transpose is still folded
        let mut g = pooled(LayerKind::Func(Func::HardSwish));
        let before: Vec<_> = SAMPLES.iter().map(|x| g.output(x)).collect();
        g.pool_before_activations();
        let kinds: Vec<&str> = g.layers.iter().map(|l| l.kind.name()).collect();
        assert_eq!(kinds, ["affine", "hard_swish", "max_pool", "affine"]);
        for (x, want) in SAMPLES.iter().zip(before) {
            assert_eq!(g.output(x), want);
        }
        // a ReLU that another layer also reads stays where it is
        let mut g = pooled(LayerKind::Relu);
        g.layers.push(Layer {
            name: "t5".into(),
            origin: "n5".into(),
            kind: LayerKind::SumPool { size: 4, windows: vec![0, 1, 2, 3] },
            shape: vec![1, 1],
            inputs: vec![Some(1)],
        });
        g.pool_before_activations();
        let kinds: Vec<&str> = g.layers.iter().map(|l| l.kind.name()).collect();
        assert_eq!(kinds, ["affine", "relu", "max_pool", "affine", "sum_pool"]);
        assert_eq!(g.layers[1].kind, LayerKind::Relu);
    }

    #[test]
    fn folding_leaves_shared_layers_alone() {
        // x -> A -> B, and Sum(A, B): A has two readers, so B must not absorb it.
        let mut g = graph(vec![
            LayerKind::Affine { mul: vec![2.0, 3.0], add: vec![1.0, 0.0] },
            LayerKind::Affine { mul: vec![0.5, 0.5], add: vec![0.0, 1.0] },
            LayerKind::Sum { coeffs: vec![1.0, -1.0] },
        ]);
        g.layers[2].inputs = vec![Some(0), Some(1)];
        let x = [1.5, -2.0];
        let before = g.output(&x);
        g.fold_linear_chains();
        assert_eq!(g.layers.len(), 3);
        assert_eq!(g.output(&x), before);
    }
}
