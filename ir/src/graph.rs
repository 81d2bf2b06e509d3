//! The gadget-level circuit IR: a straight-line list of integer tensor operations.
//!
//! Every tensor is a flat vector of integers with a shape (for people), a [`Scale`] and a signed
//! [`Bits`] width. For range-checked tensors (the input and every `Rescale` output) the width is
//! enforced by the circuit; for the others it is a static bound that [`CircuitIr::validate`] re-derives
//! from the operands, so that no value can wrap around the proof system's field.
use crate::op::{Bound, BoundCx};
use crate::types::{Bits, Scale};
use serde::{Deserialize, Serialize};

pub use crate::op::Op;

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
            Op::Relu(_) => true,
            Op::MaxPool(op) => self.nonnegative(op.input),
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
            let need = match node.op.bound(&BoundCx::new(&self.nodes, node)).map_err(at)? {
                Bound::Derived(bound) => Some(Bits::for_bound(bound)),
                Bound::OneOf(widths) => widths.into_iter().max(),
                Bound::Enforced => None,
            };
            if let Some(need) = need.filter(|need| *need > node.bits) {
                return Err(at(format!("declared width {} but operands need {}", node.bits.0, need.0)));
            }
        }
        Ok(())
    }
}

/// The most elements a tensor may have (and so the most a shape product is ever computed at).
pub const MAX_ELEMENTS: usize = 1 << 31;

/// The product of `dims`, `None` on overflow.
pub(crate) fn checked_product(dims: &[usize]) -> Option<usize> {
    dims.iter().try_fold(1usize, |p, &d| p.checked_mul(d))
}
