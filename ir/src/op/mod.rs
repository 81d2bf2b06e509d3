//! The IR's operations, one file each: an op's payload, its operands, the bound on its output and
//! its integer evaluation live together in `op/<name>.rs`.
//!
//! Adding an op means one file here, one line in the registry below and one arm in each backend's
//! lowering: [`Op`] is exhaustive, so a backend that misses the new op fails to compile.
//!
//! The payloads serialize exactly as the struct variants they replaced (`{"Linear": {...}}`), so the
//! canonical artifact encoding, and with it every model hash, is unchanged.
use crate::error::EvalError;
use crate::graph::{CircuitIr, Node, TensorId};
use crate::types::Bits;
use serde::{Deserialize, Serialize};

pub mod affine;
pub mod argmax;
pub mod clamp;
pub mod conv;
pub mod div;
pub mod gather;
pub mod linear;
pub mod matmul;
pub mod max_pool;
pub mod mul;
pub mod relu;
pub mod rescale;
pub mod roots;
pub mod step;
pub mod sum;
pub mod sum_pool;
pub mod table;

pub use affine::Affine;
pub use argmax::ArgMax;
pub use clamp::Clamp;
pub use conv::Conv;
pub use div::Div;
pub use gather::Gather;
pub use linear::Linear;
pub use matmul::MatMul;
pub use max_pool::MaxPool;
pub use mul::Mul;
pub use relu::Relu;
pub use rescale::Rescale;
pub use roots::{Rsqrt, Sqrt};
pub use step::Step;
pub use sum::Sum;
pub use sum_pool::SumPool;
pub use table::Table;

/// What an op's output width rests on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Bound {
    /// The largest absolute output, derived from the operands' widths: the declared width must
    /// cover it (so that no value wraps around a field).
    Derived(u128),
    /// The circuit range-checks the output to its declared width.
    Enforced,
    /// The output is one of the values of tensors (or constants) of these widths: the declared
    /// width must be at least the widest.
    OneOf(Vec<Bits>),
}

/// The semantics every IR op defines.
pub trait OpSemantics {
    /// Short name of the gadget, used in reports and constraint names.
    const KIND: &'static str;
    /// The operands, in order.
    fn inputs(&self) -> Vec<TensorId>;
    /// Checks the payload against its operands and output, and gives what the output width rests
    /// on. Errors describe the mismatch.
    fn bound(&self, cx: &BoundCx) -> Result<Bound, String>;
    /// The output, given every operand's value. Fails if a range-checked output leaves its range
    /// (no proof exists then) or the payload does not fit its operands.
    fn eval(&self, cx: &EvalCx) -> Result<Vec<i64>, EvalError>;
}

/// Defines [`Op`] from the list of op types, with its dispatch to [`OpSemantics`].
macro_rules! registry {
    ($($name:ident),* $(,)?) => {
        /// One gadget-level operation. Exhaustive on purpose: a backend that misses an op fails
        /// to compile instead of failing at prove time.
        #[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
        pub enum Op {
            /// The quantized model input; range-checked to the node's width.
            Input,
            $(
                #[doc = concat!("See [`", stringify!($name), "`].")]
                $name($name),
            )*
        }

        impl Op {
            /// Short name of the gadget, used in reports and constraint names.
            pub fn kind(&self) -> &'static str {
                match self {
                    Op::Input => "input",
                    $(Op::$name(_) => <$name as OpSemantics>::KIND,)*
                }
            }

            /// The operands, in order.
            pub fn inputs(&self) -> Vec<TensorId> {
                match self {
                    Op::Input => Vec::new(),
                    $(Op::$name(op) => op.inputs(),)*
                }
            }

            /// See [`OpSemantics::bound`]; the input's width is enforced.
            pub fn bound(&self, cx: &BoundCx) -> Result<Bound, String> {
                match self {
                    Op::Input => Ok(Bound::Enforced),
                    $(Op::$name(op) => op.bound(cx),)*
                }
            }

            /// See [`OpSemantics::eval`]; the input node's value is the (range-checked) input.
            pub(crate) fn eval(&self, cx: &EvalCx, input: &[i64]) -> Result<Vec<i64>, EvalError> {
                match self {
                    Op::Input => cx.checked(input.iter().map(|&v| v as i128)),
                    $(Op::$name(op) => op.eval(cx),)*
                }
            }
        }

        $(
            impl From<$name> for Op {
                fn from(op: $name) -> Op {
                    Op::$name(op)
                }
            }
        )*
    };
}

registry! {
    Linear, Conv, Affine, Rescale, Relu, Clamp, Step, ArgMax, MaxPool, SumPool, Sum, Mul, Gather,
    MatMul, Table, Div, Sqrt, Rsqrt,
}

impl Op {
    /// For the maps with constant weights (Linear, Conv, Affine): the largest absolute output when
    /// every operand value is within `in_max` in absolute value (saturating, so that a crafted
    /// artifact with huge weights needs more bits and never wraps). `None` for other ops.
    pub fn weighted_bound(&self, in_max: u128) -> Option<u128> {
        match self {
            Op::Linear(op) => Some(op.weighted_bound(in_max)),
            Op::Conv(op) => Some(op.weighted_bound(in_max)),
            Op::Affine(op) => Some(op.weighted_bound(in_max)),
            _ => None,
        }
    }
}

/// The largest `|bias_r + sum_j w_rj x_j|` over rows of `len` weights with `|x_j| <= in_max`,
/// saturating.
fn l1_rows(weights: &[i64], len: usize, bias: &[i64], in_max: u128) -> u128 {
    let mut worst = 0u128;
    for (row, b) in weights.chunks(len.max(1)).zip(bias) {
        let l1 = row.iter().fold(0u128, |s, w| s.saturating_add(w.unsigned_abs() as u128));
        worst = worst.max(l1.saturating_mul(in_max).saturating_add(b.unsigned_abs() as u128));
    }
    worst
}

/// What [`OpSemantics::bound`] sees: the node being checked and the nodes before it.
pub struct BoundCx<'a> {
    nodes: &'a [Node],
    node: &'a Node,
}

impl<'a> BoundCx<'a> {
    /// `node` with the graph's `nodes`; every operand of `node` must index one of them.
    pub fn new(nodes: &'a [Node], node: &'a Node) -> Self {
        BoundCx { nodes, node }
    }
    /// The node being checked.
    pub fn node(&self) -> &Node {
        self.node
    }
    /// The node producing `id`.
    pub fn operand(&self, id: TensorId) -> &Node {
        &self.nodes[id.index()]
    }
    /// The largest absolute value `id`'s width allows (`2^(bits - 1)`).
    pub fn max(&self, id: TensorId) -> u128 {
        1u128 << (self.operand(id).bits.0 - 1)
    }
    /// Checks that `id` has as many elements as the output.
    pub fn same_len(&self, id: TensorId, what: &str) -> Result<(), String> {
        match (self.operand(id).len(), self.node.len()) {
            (a, b) if a == b => Ok(()),
            (a, b) => Err(format!("{what} has {a} elements, the output {b}")),
        }
    }
    /// Checks pooling-style windows: `size` operand indices per output element, all in range.
    fn windows(&self, input: TensorId, size: usize, windows: &[u32], what: &str) -> Result<(), String> {
        if size == 0 || self.node.len().checked_mul(size) != Some(windows.len()) {
            return Err(format!("{what} windows do not match the output size"));
        }
        if windows.iter().any(|&j| j as usize >= self.operand(input).len()) {
            return Err(format!("{what} windows read past the operand"));
        }
        Ok(())
    }
}

/// What [`OpSemantics::eval`] sees: the node being evaluated and every earlier node's value.
pub struct EvalCx<'a> {
    ir: &'a CircuitIr,
    node: &'a Node,
    values: &'a [Vec<i64>],
}

impl<'a> EvalCx<'a> {
    /// `node` of `ir`, with the values of the nodes before it.
    pub(crate) fn new(ir: &'a CircuitIr, node: &'a Node, values: &'a [Vec<i64>]) -> Self {
        EvalCx { ir, node, values }
    }
    /// The node being evaluated.
    pub fn node(&self) -> &Node {
        self.node
    }
    /// The value of `id`, which must precede the node.
    pub fn get(&self, id: TensorId) -> Result<&'a [i64], EvalError> {
        self.values.get(id.index()).map(Vec::as_slice).ok_or_else(|| self.malformed("reads a later tensor"))
    }
    /// The node producing `id`, which must precede the node.
    pub fn operand(&self, id: TensorId) -> Result<&'a Node, EvalError> {
        self.get(id)?;
        Ok(self.ir.node(id))
    }
    /// `v` as element `index` of the output, if it lies within the output's declared width.
    pub fn check(&self, index: usize, v: i128) -> Result<i64, EvalError> {
        let (min, max) = (self.node.bits.min(), self.node.bits.max());
        if v < min || v > max {
            let (tensor, bits) = (self.node.name.clone(), self.node.bits.0);
            return Err(EvalError::OutOfRange { tensor, index, value: v, bits, min, max });
        }
        Ok(v as i64)
    }
    /// Every value of `values` [`checked`](Self::check) in order.
    pub fn checked(&self, values: impl IntoIterator<Item = i128>) -> Result<Vec<i64>, EvalError> {
        values.into_iter().enumerate().map(|(i, v)| self.check(i, v)).collect()
    }
    /// A payload that does not fit its operands (a crafted artifact).
    pub fn malformed(&self, what: &str) -> EvalError {
        EvalError::Malformed(format!("{} node '{}' {what}", self.node.op.kind(), self.node.name))
    }
    /// An accumulator that left `i128` (its declared bounds are wrong).
    pub fn overflow(&self) -> EvalError {
        self.malformed("overflows a 128-bit accumulator (its declared bounds are wrong)")
    }
    /// Checks that two operands have one length.
    pub fn same(&self, a: &[i64], b: &[i64]) -> Result<(), EvalError> {
        if a.len() == b.len() {
            Ok(())
        } else {
            Err(self.malformed("has operands of different lengths"))
        }
    }
    /// An operand outside the domain of a partial function (division, roots).
    fn not_positive(&self, index: usize, value: i64, what: &'static str) -> EvalError {
        EvalError::NotPositive { tensor: self.node.name.clone(), index, value, what }
    }
    /// Checks pooling-style windows against the operand `src`.
    fn windows(&self, src: &[i64], size: usize, windows: &[u32]) -> Result<(), EvalError> {
        if size == 0 || !windows.len().is_multiple_of(size) || windows.iter().any(|&j| j as usize >= src.len()) {
            return Err(self.malformed("has inconsistent windows"));
        }
        Ok(())
    }
}

/// `bias + sum a_i b_i` in `i128`, `None` on overflow (each product fits; only the sum can wrap).
fn dot<'a>(mut pairs: impl Iterator<Item = (&'a i64, &'a i64)>, bias: i64) -> Option<i128> {
    pairs.try_fold(bias as i128, |acc, (&a, &b)| acc.checked_add(a as i128 * b as i128))
}
