//! The whole-model layout: every IR node by its chip, the committed input, the revealed output,
//! the index, and the statement's public cells (in the protocol's slot order).
use crate::chips::{argmax, clamp, div, linear, max_pool, poseidon, relu, rescale, roots, sampling, table};
use crate::field::{fp, pow2, Fp};
use crate::layout::{limb_widths, Layout, Wire};
use crate::statement::per_element;
use ff::{Field, PrimeField};
use verinfer_ir::{op, CompiledModel, Op, OutputMode};
use verinfer_protocol::tags::{
    CommitmentHeader, RandomnessInput, COMMITMENT_HEADER, INPUT_DOMAIN, OUTPUT_DOMAIN, RANDOMNESS_INPUTS, SAMPLE_DOMAIN,
};
use verinfer_protocol::{Half, Slot, Statement};

/// What the prover knows: every tensor's value (the IR evaluator's), the salt and the statement.
#[derive(Clone, Copy, Debug)]
pub struct Witness<'a> {
    /// Every node's values, in node order.
    pub values: &'a [Vec<i64>],
    /// The commitments' salt.
    pub salt: Fp,
    /// The statement proven.
    pub statement: &'a Statement,
    /// The seeded draw's intermediate values (models that sample).
    pub draw: Option<&'a verinfer_ir::sampling::Draw>,
}

/// Why a model has no halo2 layout.
#[derive(Debug, thiserror::Error)]
pub enum LowerError {
    /// A feature this backend does not prove yet.
    #[error("the halo2 backend does not prove {0} yet (use --backend groth16)")]
    Unsupported(&'static str),
    /// The witness does not fit the model.
    #[error("the witness does not fit the model: {0}")]
    Witness(String),
    /// The model breaks a bound its circuit relies on (it did not come from `model.compiled`'s reader).
    #[error("the model is malformed: {0}")]
    Model(String),
}

/// The wires of node `ni`, from its operands' wires.
fn node(l: &mut Layout, m: &CompiledModel, ni: usize, wires: &[Vec<Wire>], w: Option<&Witness>) -> Vec<Wire> {
    let ir = &m.graph;
    let n = &ir.nodes[ni];
    let y = w.map(|w| w.values[ni].as_slice());
    let yi = |i: usize| y.map(|y| y[i] as i128);
    let x = |id: &verinfer_ir::TensorId| wires[id.index()].as_slice();
    let width = |id: &verinfer_ir::TensorId| ir.node(*id).bits.0;
    let each = |l: &mut Layout, xs: &[Wire], f: &mut dyn FnMut(&mut Layout, Wire, Option<i128>) -> Wire| {
        xs.iter().enumerate().map(|(i, x)| f(l, *x, yi(i))).collect::<Vec<Wire>>()
    };
    match &n.op {
        Op::Input => (0..n.len()).map(|i| l.alloc_signed(yi(i).map(fp), n.bits.0)).collect(),
        Op::Linear(op::Linear { input, rows, cols, weights, bias }) => {
            linear::linear(l, x(input), (*rows, *cols), (weights, bias), y)
        }
        Op::Conv(op::Conv { input, geometry, weights, bias }) => {
            linear::conv(l, x(input), geometry, (weights, bias), y)
        }
        Op::Affine(op::Affine { input, mul, add }) => linear::affine(l, x(input), (mul, add), y),
        Op::Rescale(op::Rescale { input, shift }) => {
            each(l, x(input), &mut |l, x, y| rescale::rescale(l, x, *shift, n.bits.0, y))
        }
        Op::Relu(op::Relu { input }) => each(l, x(input), &mut |l, x, y| relu::relu(l, x, width(input), y)),
        Op::Clamp(op::Clamp { input, lo, hi }) => {
            if verinfer_ir::func::clamp_is_identity(width(input), *lo, *hi) {
                x(input).to_vec()
            } else {
                each(l, x(input), &mut |l, x, y| clamp::clamp(l, x, width(input), (*lo, *hi), y))
            }
        }
        Op::Step(op::Step { input }) => each(l, x(input), &mut |l, x, _| relu::step(l, x, width(input))),
        Op::ArgMax(op::ArgMax { input, size, windows }) => {
            argmax::argmax_windows(l, x(input), width(input), *size, windows, y)
        }
        Op::MaxPool(op::MaxPool { input, size, windows }) => {
            let spread = width(input) - u8::from(ir.nonnegative(*input));
            max_pool::max_pool(l, x(input), spread, *size, windows, y)
        }
        Op::SumPool(op::SumPool { input, size, windows }) => linear::sum_pool(l, x(input), *size, windows, y),
        Op::Sum(op::Sum { terms }) => {
            let terms: Vec<(&[Wire], i64)> = terms.iter().map(|(t, c)| (x(t), *c)).collect();
            linear::sum(l, &terms, n.len(), y)
        }
        Op::Mul(op::Mul { a, b }) => linear::mul(l, x(a), x(b), y),
        Op::Gather(op::Gather { sources, map, constants }) => {
            let srcs: Vec<&[Wire]> = sources.iter().map(x).collect();
            linear::gather(l, &srcs, map, constants)
        }
        Op::MatMul(op::MatMul { a, b, batch, m, k, n }) => linear::matmul(l, x(a), x(b), [*batch, *m, *k, *n], y),
        Op::Table(op::Table { input, lo_bits, values }) => {
            each(l, x(input), &mut |l, x, y| table::table(l, x, (width(input), *lo_bits), values, n.bits.0, y))
        }
        Op::Div(op::Div { num, den, shift }) => {
            let (ns, ds) = (x(num), x(den));
            (0..n.len()).map(|i| div::div(l, (ns[i], ds[i]), *shift, width(den), n.bits.0, yi(i))).collect()
        }
        Op::Sqrt(op::Sqrt { input, exp }) => {
            each(l, x(input), &mut |l, x, y| roots::sqrt(l, x, *exp, (width(input), n.bits.0), y))
        }
        Op::Rsqrt(op::Rsqrt { input, exp }) => {
            each(l, x(input), &mut |l, x, y| roots::rsqrt(l, x, *exp, (width(input), n.bits.0), y))
        }
    }
}

/// Whether node values of `op` are read by its rows (a corrupted value breaks them). Gather's
/// outputs are its operands' cells, an identity clamp's its operand's, and Step's the sign limb
/// of its operand's decomposition: no cell holds their evaluator values.
pub fn reads_node_values(ir: &verinfer_ir::CircuitIr, op: &Op) -> bool {
    match op {
        Op::Gather(_) | Op::Step(_) => false,
        Op::Clamp(op::Clamp { input, lo, hi }) => {
            !verinfer_ir::func::clamp_is_identity(ir.node(*input).bits.0, *lo, *hi)
        }
        Op::Input
        | Op::Linear(_)
        | Op::Conv(_)
        | Op::Affine(_)
        | Op::Rescale(_)
        | Op::Relu(_)
        | Op::ArgMax(_)
        | Op::MaxPool(_)
        | Op::SumPool(_)
        | Op::Sum(_)
        | Op::Mul(_)
        | Op::MatMul(_)
        | Op::Table(_)
        | Op::Div(_)
        | Op::Sqrt(_)
        | Op::Rsqrt(_) => true,
    }
}

/// `Poseidon(tag, salt, n, b, packed values)` of `b`-bit wires (range-checked by the caller).
fn commitment(l: &mut Layout, tag: &[u8], salt: Wire, values: &[Wire], b: u8) -> Wire {
    let mut e: Vec<Wire> = COMMITMENT_HEADER
        .map(|h| match h {
            CommitmentHeader::Tag => l.constant(crate::field::from_tag(tag)),
            CommitmentHeader::Salt => salt,
            CommitmentHeader::Count => l.constant(Fp::from(values.len() as u64)),
            CommitmentHeader::Width => l.constant(Fp::from(b as u64)),
        })
        .to_vec();
    for chunk in values.chunks(per_element(b)) {
        let mut terms = Vec::with_capacity(chunk.len());
        let mut k = Fp::ZERO;
        for (j, v) in chunk.iter().enumerate() {
            let place = pow2(b as u32 * j as u32);
            terms.push((place, *v));
            k += place * pow2(b as u32 - 1);
        }
        e.push(l.lin(&terms, k));
    }
    poseidon::hash(l, &e)
}

/// The layout of `m`'s circuit (`model_hash` its hash); with a witness, with its values.
pub fn lower(m: &CompiledModel, model_hash: &[u8; 32], w: Option<&Witness>) -> Result<Layout, LowerError> {
    let ir = &m.graph;
    // the bounds every chip's widths come from (`CompiledModel::from_bytes` checks the same)
    ir.validate().map_err(LowerError::Model)?;
    let out = ir.output_node();
    m.sampling.check(out.scale, out.bits.0, out.len()).map_err(|e| LowerError::Model(e.to_string()))?;
    if let Some(w) = w {
        if w.values.len() != ir.nodes.len() || w.values.iter().zip(&ir.nodes).any(|(v, n)| v.len() != n.len()) {
            return Err(LowerError::Witness("the tensor values do not match the graph".into()));
        }
    }
    let mut l = Layout::new(w.is_some());
    let mut wires: Vec<Vec<Wire>> = Vec::with_capacity(ir.nodes.len());
    for ni in 0..ir.nodes.len() {
        let out = node(&mut l, m, ni, &wires, w);
        l.count(ir.nodes[ni].op.kind());
        wires.push(out);
    }
    let slots: Vec<Slot> = m.statement_layout().slots().collect();
    let salt = l.witness(w.map(|w| w.salt));
    let in_bits = ir.nodes[0].bits.0;
    let input_commitment = commitment(&mut l, INPUT_DOMAIN, salt, &wires[0], in_bits);
    l.count("input_commitment");
    let outs = wires[ir.output.index()].clone();
    let out_bits = ir.output_node().bits.0;
    let output_commitment = match m.output_mode {
        OutputMode::Tensor => None,
        OutputMode::Commitment => {
            for o in &outs {
                l.decompose(*o, pow2(out_bits as u32 - 1), &limb_widths(out_bits));
            }
            Some(commitment(&mut l, OUTPUT_DOMAIN, salt, &outs, out_bits))
        }
    };
    l.count("output");
    // the seed's halves: public cells, and inputs of the draw's randomness
    let seed_high = l.witness(w.map(|w| Fp::from_u128(Half::High.of(&w.statement.seed))));
    let seed_low = l.witness(w.map(|w| Fp::from_u128(Half::Low.of(&w.statement.seed))));
    let seed = |h: Half| match h {
        Half::High => seed_high,
        Half::Low => seed_low,
    };
    let index = if m.sampling.is_random() {
        let hash_half = |l: &mut Layout, h: Half| l.constant(Fp::from_u128(h.of(model_hash)));
        let inputs: Vec<Wire> = RANDOMNESS_INPUTS
            .iter()
            .map(|input| match *input {
                RandomnessInput::Tag => l.constant(crate::field::from_tag(SAMPLE_DOMAIN)),
                RandomnessInput::Seed(h) => seed(h),
                RandomnessInput::InputCommitment => input_commitment,
                RandomnessInput::ModelHash(h) => hash_half(&mut l, h),
                RandomnessInput::Step => l.constant(Fp::ZERO),
            })
            .collect();
        let u = poseidon::hash(&mut l, &inputs);
        let draw = w.and_then(|w| w.draw);
        if w.is_some() && draw.is_none() {
            return Err(LowerError::Witness("the model samples but the witness has no draw".into()));
        }
        sampling::sample(&mut l, &outs, out_bits, &m.sampling, u, draw)
            .ok_or(LowerError::Witness("a random sampling mode without a softmax".into()))?
    } else {
        argmax::argmax(&mut l, &outs, out_bits, w.map(|w| w.statement.output_index as usize))
    };
    l.count("sampling");
    for (i, &slot) in slots.iter().enumerate() {
        let wire = match slot {
            Slot::ModelHash(h) => l.constant(Fp::from_u128(h.of(model_hash))),
            Slot::Seed(h) => seed(h),
            Slot::InputCommitment => input_commitment,
            Slot::OutputIndex => index,
            Slot::OutputValue(j) => *outs.get(j as usize).ok_or(LowerError::Witness("output index".into()))?,
            Slot::OutputCommitment => output_commitment.ok_or(LowerError::Witness("output mode".into()))?,
        };
        l.public(wire, i);
    }
    l.finish();
    l.count("statement");
    if l.missing > 0 {
        return Err(LowerError::Witness(format!("{} cells have no value", l.missing)));
    }
    Ok(l)
}
