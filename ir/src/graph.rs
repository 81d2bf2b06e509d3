//! The gadget-level circuit IR: a straight-line list of integer tensor operations.
//!
//! Every tensor is a flat vector of integers with a shape (for people), a [`Scale`] and a signed
//! [`Bits`] width. For range-checked tensors (the input and every `Rescale` output) the width is
//! enforced by the circuit; for the others it is a static bound that [`CircuitIr::validate`] re-derives
//! from the operands, so that no value can wrap around the proof system's field.
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
    /// Name of the ONNX graph input.
    pub name: String,
    /// Shape, batch 1 included.
    pub shape: Vec<usize>,
}

/// One gadget-level operation.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
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
}

impl Op {
    /// The operand, if any.
    pub fn input(&self) -> Option<TensorId> {
        match self {
            Op::Input => None,
            Op::Linear { input, .. }
            | Op::Affine { input, .. }
            | Op::Rescale { input, .. }
            | Op::Relu { input }
            | Op::MaxPool { input, .. } => Some(*input),
        }
    }

    /// Short name of the gadget, used in reports and constraint names.
    pub fn kind(&self) -> &'static str {
        match self {
            Op::Input => "input",
            Op::Linear { .. } => "linear",
            Op::Affine { .. } => "affine",
            Op::Rescale { .. } => "rescale",
            Op::Relu { .. } => "relu",
            Op::MaxPool { .. } => "max_pool",
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
        if first.len() != self.input_len() {
            return Err("input node and input spec disagree on size".into());
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
            let Some(src) = node.op.input() else { continue };
            if src.index() >= i {
                return Err(at("operand does not precede its user".into()));
            }
            let src = &self.nodes[src.index()];
            let in_max = 1u128 << (src.bits.0 - 1);
            let bound: u128 = match &node.op {
                Op::Input => continue,
                Op::Linear { rows, cols, weights, bias, .. } => {
                    if *cols != src.len() || *rows != node.len() {
                        return Err(at(format!(
                            "linear map {rows}x{cols} does not fit {} -> {}",
                            src.len(),
                            node.len()
                        )));
                    }
                    if weights.len() != rows * cols || bias.len() != *rows {
                        return Err(at("weight or bias length mismatch".into()));
                    }
                    let mut worst = 0u128;
                    for r in 0..*rows {
                        let row = &weights[r * cols..(r + 1) * cols];
                        let s: u128 = row.iter().map(|w| w.unsigned_abs() as u128).sum::<u128>() * in_max
                            + bias[r].unsigned_abs() as u128;
                        worst = worst.max(s);
                    }
                    worst
                }
                Op::Affine { mul, add, .. } => {
                    if mul.len() != src.len() || add.len() != src.len() || node.len() != src.len() {
                        return Err(at("affine map length mismatch".into()));
                    }
                    mul.iter()
                        .zip(add)
                        .map(|(m, a)| m.unsigned_abs() as u128 * in_max + a.unsigned_abs() as u128)
                        .max()
                        .unwrap_or(0)
                }
                Op::Rescale { shift, .. } => {
                    if node.len() != src.len() {
                        return Err(at("rescale changes the size".into()));
                    }
                    if *shift as u32 + node.bits.0 as u32 > 126 {
                        return Err(at("rescale shift too large".into()));
                    }
                    continue; // range-checked: its width is enforced, not derived
                }
                Op::Relu { .. } => {
                    if node.len() != src.len() {
                        return Err(at("relu changes the size".into()));
                    }
                    in_max - 1 // relu output lies in [0, 2^(b-1) - 1]
                }
                Op::MaxPool { size, windows, .. } => {
                    if *size == 0 || windows.len() != node.len() * size {
                        return Err(at("max pool windows do not match the output size".into()));
                    }
                    if windows.iter().any(|&j| j as usize >= src.len()) {
                        return Err(at("max pool window reads past its operand".into()));
                    }
                    if node.bits < src.bits {
                        return Err(at(format!("declared width {} but operands need {}", node.bits.0, src.bits.0)));
                    }
                    continue; // one of its operand's values: the operand's width holds
                }
            };
            let need = Bits::for_bound(bound);
            if need > node.bits {
                return Err(at(format!("declared width {} but operands need {}", node.bits.0, need.0)));
            }
        }
        Ok(())
    }
}
