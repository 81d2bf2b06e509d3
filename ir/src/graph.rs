//! The gadget-level circuit IR: a straight-line list of integer tensor operations.
//!
//! Every tensor is a flat vector of integers with a shape (for people), a [`Scale`] and a signed
//! [`Bits`] width. For range-checked tensors (the input and every `Rescale` output) the width is
//! enforced by the circuit; for the others it is a static bound that [`CircuitIr::validate`] re-derives
//! from the operands, so that no value can wrap around the proof system's field.
use crate::conv::ConvGeometry;
use crate::types::{Bits, Scale};
use serde::{Deserialize, Serialize};

/// The largest signed width a tensor may have. Values are held in `i64`; the BN254 scalar field has
/// 254 bits, so every width allowed here is far from wrapping.
pub const MAX_BITS: u8 = 62;

/// Index of a node (and of the tensor it produces) in [`CircuitIr::nodes`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct TensorId(pub u32);

impl TensorId {
    /// As an index.
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

/// The model input as the circuit sees it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct InputSpec {
    /// Name of the ONNX graph input (the names joined by `+` for several).
    pub name: String,
    /// Shape, batch 1 included (`[total]` for several inputs).
    pub shape: Vec<usize>,
    /// For a model with several graph inputs, each of them in graph order: the input vector is
    /// their concatenation, each flattened row-major. Empty for a model with one input.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub parts: Vec<InputSpec>,
}

impl InputSpec {
    /// A single graph input.
    pub fn new(name: impl Into<String>, shape: Vec<usize>) -> Self {
        InputSpec { name: name.into(), shape, parts: Vec::new() }
    }

    /// Several graph inputs, concatenated in order.
    pub fn concat(mut parts: Vec<InputSpec>) -> Self {
        if parts.len() == 1 {
            return parts.remove(0);
        }
        let total = parts.iter().map(|p| p.shape.iter().product::<usize>()).sum();
        let name = parts.iter().map(|p| p.name.as_str()).collect::<Vec<_>>().join("+");
        InputSpec { name, shape: vec![total], parts }
    }

    /// The graph inputs in order (the input itself when it is the only one).
    pub fn graph_inputs(&self) -> Vec<&InputSpec> {
        if self.parts.is_empty() {
            vec![self]
        } else {
            self.parts.iter().collect()
        }
    }
}

/// One gadget-level operation. Exhaustive on purpose: a backend that misses an op fails to
/// compile instead of failing at prove time.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Op {
    /// The quantized model input; range-checked to the node's width.
    Input,
    /// `y = W x + b` over flattened tensors with constant integer weights (`rows x cols`, row-major).
    /// Exact: no rounding. Costs no constraints in R1CS.
    Linear {
        /// Operand.
        input: TensorId,
        /// Output length.
        rows: usize,
        /// Operand length.
        cols: usize,
        /// Row-major weights.
        weights: Vec<i64>,
        /// One bias per output.
        bias: Vec<i64>,
    },
    /// A convolution with constant integer filters over a `[channels, spatial...]` operand (see
    /// [`ConvGeometry`]): `y[f, o] = bias[f] + sum_{c, k} weights[f, c, k] x[c', tap(o, k)]`, padding
    /// taps reading 0. Exact; costs no constraints. Stored and evaluated in O(weights) and O(MACs).
    Conv {
        /// Operand.
        input: TensorId,
        /// Channels, kernel, strides, dilations, pads.
        geometry: ConvGeometry,
        /// Filters, `out_channels x in_channels/group x kernel` row-major.
        weights: Vec<i64>,
        /// One bias per output channel, or one per output (a shift folded in before padding).
        bias: Vec<i64>,
    },
    /// Element-wise `y_i = mul_i * x_i + add_i` with constant integers (broadcasts resolved).
    Affine {
        /// Operand.
        input: TensorId,
        /// Per-element multipliers.
        mul: Vec<i64>,
        /// Per-element offsets.
        add: Vec<i64>,
    },
    /// `y = floor((x + 2^(shift-1)) / 2^shift)` (round half up), range-checked to the node's width.
    Rescale {
        /// Operand.
        input: TensorId,
        /// Power of two to divide by.
        shift: u8,
    },
    /// `y = max(x, 0)`.
    Relu {
        /// Operand.
        input: TensorId,
    },
    /// `y = min(max(x, lo), hi)` with `lo <= hi`: the saturation of an integer grid (int8 and uint8
    /// tensors of quantized models). The output width is that of `[lo, hi]`.
    Clamp {
        /// Operand.
        input: TensorId,
        /// Smallest output.
        lo: i64,
        /// Largest output.
        hi: i64,
    },
    /// `y = 1` if `x >= 0`, else `0`: the sign bit of the operand's range check (comparisons:
    /// Less, Greater and their OrEqual forms are this on a difference).
    Step {
        /// Operand.
        input: TensorId,
    },
    /// `y_i` = the position (0-based, within the window) of the first largest of the `size` operand
    /// elements `x[windows[i * size + t]]` (ArgMax; numpy's rule on ties).
    ArgMax {
        /// Operand.
        input: TensorId,
        /// Elements per window.
        size: usize,
        /// Operand indices, `size` per output element.
        windows: Vec<u32>,
    },
    /// `y_i = max_t x[windows[i * size + t]]`: the largest of `size` operand elements per output
    /// (max pooling; padding is simply left out of the windows).
    MaxPool {
        /// Operand.
        input: TensorId,
        /// Elements per window.
        size: usize,
        /// Operand indices, `size` per output element.
        windows: Vec<u32>,
    },
    /// `y_i = sum_t x[windows[i * size + t]]`: sum pooling and reductions (ReduceSum, the mean of
    /// LayerNorm). Exact; costs no constraints.
    SumPool {
        /// Operand.
        input: TensorId,
        /// Elements per window.
        size: usize,
        /// Operand indices, `size` per output element.
        windows: Vec<u32>,
    },
    /// Element-wise `y_i = sum_t c_t * x_t[i]` over tensors of one length (residual Add, Sub, scale
    /// alignment). Exact; costs no constraints.
    Sum {
        /// Operands and their constant multipliers.
        terms: Vec<(TensorId, i64)>,
    },
    /// Element-wise product `y_i = a_i * b_i` of two tensors of one length. One constraint each.
    Mul {
        /// Left operand.
        a: TensorId,
        /// Right operand.
        b: TensorId,
    },
    /// Wiring: `y_i = sources[map_i.0][map_i.1]`, or the constant `constants[map_i.1]` where
    /// `map_i.0 == u32::MAX`
    /// (Transpose, Concat, Slice, Gather, Pad, broadcasts). Costs no constraints.
    Gather {
        /// Operands.
        sources: Vec<TensorId>,
        /// Per output element: (operand position in `sources`, element index).
        map: Vec<(u32, u32)>,
        /// Constant elements (padding values, constant operands of a Concat).
        constants: Vec<i64>,
    },
    /// Batched matrix product of two tensors: `y[t, i, j] = sum_l a[t, i, l] * b[t, l, j]` with `a`
    /// of shape `[batch, m, k]` and `b` of shape `[batch, k, n]` (row-major, broadcasts resolved).
    /// `k` constraints per output.
    MatMul {
        /// Left operand.
        a: TensorId,
        /// Right operand.
        b: TensorId,
        /// Number of matrix products.
        batch: usize,
        /// Rows of `a`.
        m: usize,
        /// Inner dimension.
        k: usize,
        /// Columns of `b`.
        n: usize,
    },
    /// A univariate function as a piecewise-linear table over the operand's `w`-bit range
    /// (see [`crate::func::table_eval`]): knots every `2^lo_bits` steps, `2^(w - lo_bits) + 1`
    /// values, interpolation rounded half up. The output is range-checked to the node's width.
    Table {
        /// Operand.
        input: TensorId,
        /// Low bits interpolated between knots.
        lo_bits: u8,
        /// The function's value at each knot, at the output scale.
        values: Vec<i64>,
    },
    /// Element-wise division rounded half up: `y = floor((2 num 2^shift + den) / (2 den))`, defined
    /// for `den >= 1` (no proof exists otherwise). Output range-checked.
    Div {
        /// Numerator.
        num: TensorId,
        /// Denominator.
        den: TensorId,
        /// Power of two the numerator is multiplied by.
        shift: u8,
    },
    /// Element-wise square root: `y = floor(sqrt(x 2^exp))`, defined for `x >= 0`. Output
    /// range-checked.
    Sqrt {
        /// Operand.
        input: TensorId,
        /// Power of two under the root.
        exp: u8,
    },
    /// Element-wise reciprocal square root: `y = floor(sqrt(2^exp / x))`, defined for `x >= 1`.
    /// Output range-checked.
    Rsqrt {
        /// Operand.
        input: TensorId,
        /// Power of two under the root.
        exp: u8,
    },
}

impl Op {
    /// The operands, in order.
    pub fn inputs(&self) -> Vec<TensorId> {
        match self {
            Op::Input => Vec::new(),
            Op::Linear { input, .. }
            | Op::Conv { input, .. }
            | Op::Affine { input, .. }
            | Op::Rescale { input, .. }
            | Op::Relu { input }
            | Op::Clamp { input, .. }
            | Op::Step { input }
            | Op::ArgMax { input, .. }
            | Op::MaxPool { input, .. }
            | Op::SumPool { input, .. }
            | Op::Table { input, .. }
            | Op::Rsqrt { input, .. }
            | Op::Sqrt { input, .. } => vec![*input],
            Op::Sum { terms } => terms.iter().map(|(t, _)| *t).collect(),
            Op::Mul { a, b } | Op::MatMul { a, b, .. } => vec![*a, *b],
            Op::Div { num, den, .. } => vec![*num, *den],
            Op::Gather { sources, .. } => sources.clone(),
        }
    }

    /// For the maps with constant weights (Linear, Conv, Affine): the largest absolute output when
    /// every operand value is within `in_max` in absolute value (saturating, so that a crafted
    /// artifact with huge weights needs more bits and never wraps). `None` for other ops.
    pub fn weighted_bound(&self, in_max: u128) -> Option<u128> {
        let rows = |weights: &[i64], len: usize, bias: &[i64]| {
            let mut worst = 0u128;
            for (row, b) in weights.chunks(len.max(1)).zip(bias) {
                let l1 = row.iter().fold(0u128, |s, w| s.saturating_add(w.unsigned_abs() as u128));
                worst = worst.max(l1.saturating_mul(in_max).saturating_add(b.unsigned_abs() as u128));
            }
            worst
        };
        Some(match self {
            Op::Linear { cols, weights, bias, .. } => rows(weights, *cols, bias),
            Op::Conv { weights, bias, geometry, .. } => {
                // per filter: the largest bias of its outputs
                let filters = geometry.out_channels.max(1);
                let biggest: Vec<i64> = bias
                    .chunks((bias.len() / filters).max(1))
                    .map(|b| b.iter().copied().max_by_key(|v| v.unsigned_abs()).unwrap_or(0))
                    .collect();
                rows(weights, weights.len() / filters, &biggest)
            }
            Op::Affine { mul, add, .. } => rows(mul, 1, add),
            _ => return None,
        })
    }

    /// Short name of the gadget, used in reports and constraint names.
    pub fn kind(&self) -> &'static str {
        match self {
            Op::Input => "input",
            Op::Linear { .. } => "linear",
            Op::Conv { .. } => "conv",
            Op::Affine { .. } => "affine",
            Op::Rescale { .. } => "rescale",
            Op::Relu { .. } => "relu",
            Op::Clamp { .. } => "clamp",
            Op::Step { .. } => "step",
            Op::ArgMax { .. } => "argmax",
            Op::MaxPool { .. } => "max_pool",
            Op::SumPool { .. } => "sum_pool",
            Op::Sum { .. } => "sum",
            Op::Mul { .. } => "mul",
            Op::Gather { .. } => "gather",
            Op::MatMul { .. } => "matmul",
            Op::Table { .. } => "table",
            Op::Div { .. } => "div",
            Op::Rsqrt { .. } => "rsqrt",
            Op::Sqrt { .. } => "sqrt",
        }
    }
}

/// A node: one operation and the tensor it produces.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Node {
    /// Name of the ONNX tensor (or a derived name for tensors the quantizer inserted).
    pub name: String,
    /// The operation.
    pub op: Op,
    /// Output shape.
    pub shape: Vec<usize>,
    /// Output scale.
    pub scale: Scale,
    /// Output signed width: enforced for `Input` and `Rescale`, a static bound otherwise.
    pub bits: Bits,
}

impl Node {
    /// Number of elements of the output.
    pub fn len(&self) -> usize {
        self.shape.iter().product()
    }
    /// Number of elements, or `None` if the shape's product overflows `usize` (a crafted artifact).
    pub fn checked_len(&self) -> Option<usize> {
        checked_product(&self.shape)
    }
    /// Whether the output is empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// A whole model: node 0 is the input, `output` the logits that are revealed and argmax-ed.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CircuitIr {
    /// The graph input.
    pub input: InputSpec,
    /// Nodes in evaluation order; node 0 has `Op::Input`.
    pub nodes: Vec<Node>,
    /// The output tensor.
    pub output: TensorId,
}

impl CircuitIr {
    /// The node producing `id`.
    pub fn node(&self, id: TensorId) -> &Node {
        &self.nodes[id.index()]
    }

    /// The output node.
    pub fn output_node(&self) -> &Node {
        self.node(self.output)
    }

    /// Whether every value of `id` is at least 0, in the integer semantics and in every circuit
    /// that enforces them: a ReLU's output (`s x` with `s` the sign bit of `x`), or a max pool of
    /// such values (its output is one of them). Gadgets reading such an operand may range-check
    /// one bit fewer.
    pub fn nonnegative(&self, id: TensorId) -> bool {
        match &self.node(id).op {
            Op::Relu { .. } => true,
            Op::MaxPool { input, .. } => self.nonnegative(*input),
            _ => false,
        }
    }

    /// Number of input elements.
    pub fn input_len(&self) -> usize {
        self.input.shape.iter().product()
    }

    /// Checks structure and bounds: operands precede their users, sizes agree, and every declared
    /// width is at least what the operands imply. A graph that passes cannot wrap around the field.
    pub fn validate(&self) -> Result<(), String> {
        let first = self.nodes.first().ok_or("no nodes")?;
        if first.op != Op::Input {
            return Err("node 0 must be the input".into());
        }
        if checked_product(&self.input.shape).is_none_or(|n| n > MAX_ELEMENTS) {
            return Err(format!("input shape {:?} has more than {MAX_ELEMENTS} elements", self.input.shape));
        }
        if let Some((i, node)) =
            self.nodes.iter().enumerate().find(|(_, n)| n.checked_len().is_none_or(|l| l > MAX_ELEMENTS))
        {
            return Err(format!(
                "node {i} ('{}'): shape {:?} has more than {MAX_ELEMENTS} elements",
                node.name, node.shape
            ));
        }
        if first.len() != self.input_len() {
            return Err("input node and input spec disagree on size".into());
        }
        let parts: Option<usize> = self
            .input
            .parts
            .iter()
            .try_fold(0usize, |t, p| t.checked_add(checked_product(&p.shape)?).filter(|_| p.parts.is_empty()));
        if !self.input.parts.is_empty() && parts != Some(self.input_len()) {
            return Err("the input's parts do not add up to the input".into());
        }
        if self.output.index() >= self.nodes.len() {
            return Err("output refers to a missing node".into());
        }
        for (i, node) in self.nodes.iter().enumerate() {
            let at = |msg: String| format!("node {i} ('{}'): {msg}", node.name);
            if node.bits.0 < 1 || node.bits.0 > MAX_BITS {
                return Err(at(format!("width {} outside 1..={MAX_BITS}", node.bits.0)));
            }
            if i > 0 && node.op == Op::Input {
                return Err(at("only node 0 may be the input".into()));
            }
            let operands = node.op.inputs();
            if operands.iter().any(|id| id.index() >= i) {
                return Err(at("operand does not precede its user".into()));
            }
            if let Some(bound) = self.bound(node).map_err(at)? {
                let need = Bits::for_bound(bound);
                if need > node.bits {
                    return Err(at(format!("declared width {} but operands need {}", node.bits.0, need.0)));
                }
            }
        }
        Ok(())
    }

    /// The largest absolute value `node` can hold given its operands' widths, or `None` for nodes
    /// whose width the circuit enforces (input, rescale, table, div, rsqrt) or inherits (max pool,
    /// gather). Errors describe a structural mismatch. Operands must precede `node`.
    fn bound(&self, node: &Node) -> Result<Option<u128>, String> {
        let src = |id: TensorId| &self.nodes[id.index()];
        let max = |id: TensorId| 1u128 << (src(id).bits.0 - 1);
        let same_len = |id: TensorId, what: &str| {
            if src(id).len() == node.len() {
                Ok(())
            } else {
                Err(format!("{what} has {} elements, the output {}", src(id).len(), node.len()))
            }
        };
        Ok(Some(match &node.op {
            Op::Input => return Ok(None),
            Op::Linear { input, rows, cols, weights, bias } => {
                if *cols != src(*input).len() || *rows != node.len() {
                    return Err(format!(
                        "linear map {rows}x{cols} does not fit {} -> {}",
                        src(*input).len(),
                        node.len()
                    ));
                }
                if rows.checked_mul(*cols) != Some(weights.len()) || bias.len() != *rows {
                    return Err("weight or bias length mismatch".into());
                }
                node.op.weighted_bound(max(*input)).unwrap_or(u128::MAX)
            }
            Op::Conv { input, geometry: g, weights, bias } => {
                g.validate()?;
                if g.in_len() != src(*input).len() || g.out_len() != node.len() {
                    return Err(format!(
                        "convolution {} -> {} does not fit {} -> {}",
                        g.in_len(),
                        g.out_len(),
                        src(*input).len(),
                        node.len()
                    ));
                }
                if weights.len() != g.weights_len() || !g.bias_fits(bias.len()) {
                    return Err("convolution weight or bias length mismatch".into());
                }
                node.op.weighted_bound(max(*input)).unwrap_or(u128::MAX)
            }
            Op::Affine { input, mul, add } => {
                same_len(*input, "the operand")?;
                if mul.len() != node.len() || add.len() != node.len() {
                    return Err("affine map length mismatch".into());
                }
                node.op.weighted_bound(max(*input)).unwrap_or(u128::MAX)
            }
            Op::Rescale { input, shift } => {
                same_len(*input, "the operand")?;
                if *shift as u32 + node.bits.0 as u32 > 126 {
                    return Err("rescale shift too large".into());
                }
                return Ok(None); // range-checked: its width is enforced, not derived
            }
            Op::Relu { input } => {
                same_len(*input, "the operand")?;
                max(*input) - 1 // relu output lies in [0, 2^(b-1) - 1]
            }
            Op::Clamp { input, lo, hi } => {
                same_len(*input, "the operand")?;
                if lo > hi || lo.unsigned_abs() >= 1 << 40 || hi.unsigned_abs() >= 1 << 40 {
                    return Err(format!("clamp to [{lo}, {hi}] is empty or too wide"));
                }
                if src(*input).bits.0 > MAX_BITS - 2 {
                    return Err("clamp operand too wide".into());
                }
                lo.unsigned_abs().max(hi.unsigned_abs()) as u128
            }
            Op::Step { input } => {
                same_len(*input, "the operand")?;
                1
            }
            Op::ArgMax { input, size, windows } => {
                if *size == 0 || node.len().checked_mul(*size) != Some(windows.len()) {
                    return Err("argmax windows do not match the output size".into());
                }
                if windows.iter().any(|&j| j as usize >= src(*input).len()) {
                    return Err("an argmax window reads past its operand".into());
                }
                if src(*input).bits.0 >= MAX_BITS {
                    return Err("argmax operand too wide".into());
                }
                (*size - 1) as u128
            }
            Op::MaxPool { input, size, windows } | Op::SumPool { input, size, windows } => {
                if *size == 0 || node.len().checked_mul(*size) != Some(windows.len()) {
                    return Err("pooling windows do not match the output size".into());
                }
                if windows.iter().any(|&j| j as usize >= src(*input).len()) {
                    return Err("a pooling window reads past its operand".into());
                }
                match node.op {
                    Op::SumPool { .. } => max(*input).saturating_mul(*size as u128),
                    _ => return inherits(node, &[src(*input).bits]), // one of its operand's values
                }
            }
            Op::Sum { terms } => {
                if terms.is_empty() {
                    return Err("a sum needs at least one term".into());
                }
                let mut b = 0u128;
                for (t, c) in terms {
                    same_len(*t, "a term")?;
                    b = b.saturating_add(max(*t).saturating_mul(c.unsigned_abs() as u128));
                }
                b
            }
            Op::Mul { a, b } => {
                same_len(*a, "the left operand")?;
                same_len(*b, "the right operand")?;
                if src(*a).bits.0 as u32 + src(*b).bits.0 as u32 > 2 * MAX_BITS as u32 {
                    return Err("product too wide".into());
                }
                max(*a).saturating_mul(max(*b))
            }
            Op::Gather { sources, map, constants } => {
                if map.len() != node.len() {
                    return Err("gather map does not match the output size".into());
                }
                for &(s, j) in map {
                    if s == u32::MAX {
                        if j as usize >= constants.len() {
                            return Err("gather map names a missing constant".into());
                        }
                        continue;
                    }
                    let id = sources.get(s as usize).ok_or("gather map names a missing operand")?;
                    if j as usize >= src(*id).len() {
                        return Err("gather map reads past its operand".into());
                    }
                }
                let mut widths: Vec<Bits> = sources.iter().map(|&id| src(id).bits).collect();
                widths.extend(constants.iter().map(|c| Bits::for_bound(c.unsigned_abs() as u128)));
                return inherits(node, &widths);
            }
            Op::MatMul { a, b, batch, m, k, n } => {
                let fits = |len: usize, x: usize, y: usize| checked_product(&[*batch, x, y]) == Some(len);
                if !fits(src(*a).len(), *m, *k) || !fits(src(*b).len(), *k, *n) || !fits(node.len(), *m, *n) {
                    return Err(format!("matmul [{batch}, {m}, {k}] x [{batch}, {k}, {n}] does not fit its tensors"));
                }
                if src(*a).bits.0 as u32 + src(*b).bits.0 as u32 > 2 * MAX_BITS as u32 {
                    return Err("product too wide".into());
                }
                max(*a).saturating_mul(max(*b)).saturating_mul(*k as u128)
            }
            Op::Table { input, lo_bits, values } => {
                same_len(*input, "the operand")?;
                let w = src(*input).bits.0;
                if *lo_bits >= w || w - lo_bits > crate::func::MAX_TABLE_BITS {
                    return Err(format!(
                        "table over a {w}-bit operand with {lo_bits} interpolated bits: at most {} selected bits",
                        crate::func::MAX_TABLE_BITS
                    ));
                }
                if values.len() != (1usize << (w - lo_bits)) + 1 {
                    return Err("table length does not match its operand width".into());
                }
                if values.iter().any(|&v| !node.bits.contains(v)) {
                    return Err("a table value exceeds the declared width".into());
                }
                return Ok(None); // range-checked by the gadget
            }
            Op::Div { num, den, shift } => {
                same_len(*num, "the numerator")?;
                same_len(*den, "the denominator")?;
                let (bn, bd) = (src(*num).bits.0 as u32, src(*den).bits.0 as u32);
                if bn + *shift as u32 + 3 > 120 || node.bits.0 as u32 + bd + 2 > 120 {
                    return Err("division operands too wide".into());
                }
                return Ok(None);
            }
            Op::Sqrt { input, exp } => {
                same_len(*input, "the operand")?;
                if src(*input).bits.0 as u32 + *exp as u32 + 2 > 120 || 2 * node.bits.0 as u32 + 2 > 120 {
                    return Err("square root operands too wide".into());
                }
                return Ok(None);
            }
            Op::Rsqrt { input, exp } => {
                same_len(*input, "the operand")?;
                if *exp as u32 > 120 || 2 * node.bits.0 as u32 + src(*input).bits.0 as u32 + 2 > 120 {
                    return Err("reciprocal square root operands too wide".into());
                }
                return Ok(None);
            }
        }))
    }
}

/// The most elements a tensor may have (and so the most a shape product is ever computed at).
pub const MAX_ELEMENTS: usize = 1 << 31;

/// The product of `dims`, `None` on overflow.
fn checked_product(dims: &[usize]) -> Option<usize> {
    dims.iter().try_fold(1usize, |p, &d| p.checked_mul(d))
}

/// Checks that `node` is at least as wide as each of `widths` (it holds one of their values).
fn inherits(node: &Node, widths: &[Bits]) -> Result<Option<u128>, String> {
    match widths.iter().max() {
        Some(w) if *w > node.bits => Err(format!("declared width {} but operands need {}", node.bits.0, w.0)),
        _ => Ok(None),
    }
}
