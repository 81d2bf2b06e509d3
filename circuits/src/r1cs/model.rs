//! The whole-model circuit: public statement, committed input, every gadget of the IR, the revealed
//! output and the sampling of the index (argmax or a seeded draw).
use super::argmax::{argmax, argmax_windows};
use super::clamp::clamp;
use super::div::div;
use super::linear::{affine, conv, linear};
use super::max_pool::max_pool;
use super::poseidon::{hash, hash_chain, Wire};
use super::product::{matmul, mul};
use super::range::range_check;
use super::relu::relu;
use super::rescale::rescale;
use super::rsqrt::{rsqrt, sqrt};
use super::sampling::sample;
use super::step::step;
use super::table::table;
use super::wiring::{gather, sum, sum_pool};
use super::{constant, enforce_equal, fr, witness, Cs, Lc, Result, Signal};
use crate::commit::{domain, per_element};
use crate::witness::ProverWitness;
use ark_bn254::Fr;
use ark_ff::PrimeField;
use ark_relations::gr1cs::{ConstraintSynthesizer, SynthesisError, Variable};
use verinfer_ir::{op, ArtifactError, CircuitIr, CompiledModel, Op, OutputMode, TensorId};
use verinfer_protocol::tags::{
    CommitmentHeader, RandomnessInput, COMMITMENT_HEADER, INPUT_DOMAIN, OUTPUT_DOMAIN, RANDOMNESS_INPUTS, SAMPLE_DOMAIN,
};
use verinfer_protocol::{Half, Slot};
use verinfer_verifier::{limbs, public_input};

/// A model's circuit; `witness` is `None` for setup and constraint counting.
#[derive(Clone, Copy)]
pub struct ModelCircuit<'a> {
    /// The compiled model.
    pub model: &'a CompiledModel,
    /// Its hash (a circuit constant the statement must repeat).
    pub model_hash: [u8; 32],
    /// The prover's witness.
    pub witness: Option<&'a ProverWitness>,
    /// Where to count the constraints each part of the circuit adds (by gadget kind), if anywhere.
    pub tally: Option<&'a Tally>,
}

/// Constraints per part of the circuit: the IR gadget kinds, and `statement`, `input_commitment`,
/// `output` and `sampling` for the rest.
pub type Tally = std::cell::RefCell<std::collections::BTreeMap<&'static str, usize>>;

impl<'a> ModelCircuit<'a> {
    /// A circuit for setup.
    pub fn for_setup(model: &'a CompiledModel) -> core::result::Result<Self, ArtifactError> {
        Ok(ModelCircuit { model, model_hash: model.model_hash()?.0, witness: None, tally: None })
    }
    /// A circuit for proving.
    pub fn for_proving(
        model: &'a CompiledModel,
        witness: &'a ProverWitness,
    ) -> core::result::Result<Self, ArtifactError> {
        Ok(ModelCircuit { model, model_hash: model.model_hash()?.0, witness: Some(witness), tally: None })
    }
}

/// Whether `op`'s outputs are witness variables holding the evaluator's values, so that a corrupted
/// value breaks the op's own constraints. Every gadget takes its values from the evaluator; the
/// other ops' outputs are linear combinations of their operands (Linear, Conv, Affine, Sum,
/// SumPool, Gather, MatMul's sums) or bits of an operand's decomposition (Step): their values are
/// carried to the consumers, which check them where they become witnesses. (`ir` tells an
/// identity clamp, whose output is its operand.)
pub fn reads_node_values(ir: &CircuitIr, op: &Op) -> bool {
    match op {
        Op::Input
        | Op::Rescale(_)
        | Op::Relu(_)
        | Op::MaxPool(_)
        | Op::ArgMax(_)
        | Op::Table(_)
        | Op::Div(_)
        | Op::Sqrt(_)
        | Op::Rsqrt(_)
        | Op::Mul(_) => true,
        // a clamp whose interval covers its operand's range is the operand itself
        Op::Clamp(op::Clamp { input, lo, hi }) => !super::clamp::is_identity(ir.node(*input).bits.0, *lo, *hi),
        Op::Linear(_)
        | Op::Conv(_)
        | Op::Affine(_)
        | Op::Sum(_)
        | Op::SumPool(_)
        | Op::Gather(_)
        | Op::MatMul(_)
        | Op::Step(_) => false,
    }
}

/// Packs offset-binary wires (`u` in `[0, 2^b)`) like `crate::commit::pack`.
fn pack(unsigned: &[Lc], b: u8, values: Option<Vec<Fr>>) -> Vec<Wire> {
    let per = per_element(b);
    let shift = super::pow2(b as u32);
    unsigned
        .chunks(per)
        .enumerate()
        .map(|(k, chunk)| {
            let mut lc = Lc::new();
            let mut c = Fr::from(1u64);
            for u in chunk {
                lc = lc + (u.clone() * c);
                c *= shift;
            }
            Wire { lc, value: values.as_ref().map(|v| v[k]) }
        })
        .collect()
}

/// `u = x + 2^(b-1)` for each signal, proven to lie in `[0, 2^b)` (the packing rule of
/// docs/statement.md). A signal's own range-check bits are reused when they prove at least that:
/// `c` bits with `c <= b` give `x + 2^(c-1)` in `[0, 2^c)`, so adding the constant `2^(b-1) - 2^(c-1)`
/// gives `u` in `[0, 2^b)` for free. Wider or missing bits cost a range check at width `b`.
/// (Reusing wider bits as they are would offset the value by `2^(c-1)` and let a Gather output that
/// mixes widths commit to values other than its own.)
fn offset_binary(cs: &Cs, signals: &[Signal], b: u8) -> Result<Vec<Lc>> {
    signals
        .iter()
        .map(|s| match &s.bits {
            Some(bits) if !bits.vars.is_empty() && bits.vars.len() <= b as usize => {
                let c = bits.vars.len() as u32;
                let shift = super::pow2(b as u32 - 1) - super::pow2(c.saturating_sub(1));
                Ok(bits.unsigned_lc() + constant(shift))
            }
            _ => Ok(range_check(cs, s, b)?.unsigned_lc()),
        })
        .collect()
}

fn commitment(cs: &Cs, tag: &[u8], salt: &Wire, unsigned: &[Lc], b: u8, values: Option<&[i64]>) -> Result<Wire> {
    let packed_vals = values.map(|v| crate::commit::pack(v, b));
    let known = |v: Fr| Wire { lc: constant(v), value: Some(v) };
    let mut e: Vec<Wire> = COMMITMENT_HEADER
        .map(|h| match h {
            CommitmentHeader::Tag => known(domain(tag)),
            CommitmentHeader::Salt => salt.clone(),
            CommitmentHeader::Count => known(Fr::from(unsigned.len() as u64)),
            CommitmentHeader::Width => known(Fr::from(b as u64)),
        })
        .to_vec();
    e.extend(pack(unsigned, b, packed_vals));
    hash_chain(cs, &e)
}

impl ModelCircuit<'_> {
    /// Adds the constraints made since `*mark` to `part` and moves the mark.
    fn count(&self, cs: &Cs, part: &'static str, mark: &mut usize) {
        let now = super::num_constraints(cs);
        if let Some(t) = self.tally {
            *t.borrow_mut().entry(part).or_default() += now - *mark;
        }
        *mark = now;
    }
}

impl ConstraintSynthesizer<Fr> for ModelCircuit<'_> {
    fn generate_constraints(self, cs: Cs) -> Result<()> {
        let ir = &self.model.graph;
        let w = self.witness;
        let st = w.map(|w| &w.statement);
        let out_node = ir.output_node();

        // Public inputs, one variable a slot in the protocol's order.
        let slots: Vec<Slot> = self.model.statement_layout().slots().collect();
        let vars = slots
            .iter()
            .map(|&slot| {
                let value = st.and_then(|s| public_input(s, slot).ok());
                cs.new_input_variable(|| value.ok_or(SynthesisError::AssignmentMissing))
            })
            .collect::<Result<Vec<_>>>()?;
        let var =
            |slot: Slot| slots.iter().position(|s| *s == slot).map(|i| vars[i]).ok_or(SynthesisError::Unsatisfiable);
        let hash_vars = [var(Slot::ModelHash(Half::High))?, var(Slot::ModelHash(Half::Low))?];
        let commit_var = var(Slot::InputCommitment)?;
        let index_var = var(Slot::OutputIndex)?;
        let out_vars: Vec<Variable> = slots
            .iter()
            .zip(&vars)
            .filter(|(s, _)| matches!(s, Slot::OutputValue(_) | Slot::OutputCommitment))
            .map(|(_, v)| *v)
            .collect();

        // The model hash is a constant of this circuit.
        for (var, limb) in hash_vars.iter().zip(limbs(&self.model_hash)) {
            enforce_equal(&cs, Lc::from(*var), constant(limb))?;
        }

        let mut mark = 0;
        self.count(&cs, "statement", &mut mark);

        // Values of every tensor, when proving: the integer evaluator's, which every gadget takes
        // instead of recomputing them (one definition of each op's semantics).
        let value = |node: usize, i: usize| w.map(|w| w.eval.values[node][i] as i128);
        let y = |node: usize| w.map(|w| w.eval.values[node].as_slice());
        let mut signals: Vec<Vec<Signal>> = Vec::with_capacity(ir.nodes.len());
        for (ni, node) in ir.nodes.iter().enumerate() {
            let operand =
                |id: &TensorId| signals.get(id.index()).map(Vec::as_slice).ok_or(SynthesisError::Unsatisfiable);
            let width = |id: &TensorId| ir.node(*id).bits.0;
            let out: Vec<Signal> = match &node.op {
                Op::Input => (0..node.len())
                    .map(|i| {
                        let v = witness(&cs, value(ni, i).map(fr))?;
                        let s = Signal { lc: Lc::from(v), value: value(ni, i), bits: None };
                        let bits = range_check(&cs, &s, node.bits.0)?;
                        Ok(Signal { bits: Some(bits), ..s })
                    })
                    .collect::<Result<_>>()?,
                Op::Linear(op::Linear { input, rows, cols, weights, bias }) => {
                    linear(&cs, operand(input)?, (*rows, *cols), (weights, bias), y(ni))?
                }
                Op::Conv(op::Conv { input, geometry, weights, bias }) => {
                    conv(&cs, operand(input)?, geometry, (weights, bias), y(ni))?
                }
                Op::Affine(op::Affine { input, mul, add }) => affine(operand(input)?, (mul, add), y(ni))?,
                Op::Rescale(op::Rescale { input, shift }) => operand(input)?
                    .iter()
                    .enumerate()
                    .map(|(i, s)| rescale(&cs, s, *shift, node.bits.0, value(ni, i)))
                    .collect::<Result<_>>()?,
                Op::MaxPool(op::MaxPool { input, size, windows }) => {
                    // a ReLU's outputs span 2^(w-1) values, not 2^w
                    let spread = width(input) - u8::from(ir.nonnegative(*input));
                    max_pool(&cs, operand(input)?, spread, *size, windows, y(ni))?
                }
                Op::Relu(op::Relu { input }) => operand(input)?
                    .iter()
                    .enumerate()
                    .map(|(i, s)| relu(&cs, s, width(input), value(ni, i)))
                    .collect::<Result<_>>()?,
                Op::Clamp(op::Clamp { input, lo, hi }) => operand(input)?
                    .iter()
                    .enumerate()
                    .map(|(i, s)| clamp(&cs, s, width(input), *lo, *hi, value(ni, i)))
                    .collect::<Result<_>>()?,
                Op::Step(op::Step { input }) => operand(input)?
                    .iter()
                    .enumerate()
                    .map(|(i, s)| step(&cs, s, width(input), value(ni, i)))
                    .collect::<Result<_>>()?,
                Op::ArgMax(op::ArgMax { input, size, windows }) => {
                    argmax_windows(&cs, operand(input)?, width(input), *size, windows, y(ni))?
                }
                Op::SumPool(op::SumPool { input, size, windows }) => {
                    sum_pool(&cs, operand(input)?, *size, windows, y(ni))?
                }
                Op::Sum(op::Sum { terms }) => {
                    let terms = terms.iter().map(|(t, c)| Ok((operand(t)?, *c))).collect::<Result<Vec<_>>>()?;
                    sum(&cs, &terms, node.len(), y(ni))?
                }
                Op::Mul(op::Mul { a, b }) => mul(&cs, operand(a)?, operand(b)?, y(ni))?,
                Op::Gather(op::Gather { sources, map, constants }) => {
                    let srcs = sources.iter().map(operand).collect::<Result<Vec<_>>>()?;
                    gather(&srcs, map, constants)?
                }
                Op::MatMul(op::MatMul { a, b, batch, m, k, n }) => {
                    matmul(&cs, operand(a)?, operand(b)?, [*batch, *m, *k, *n], y(ni))?
                }
                Op::Table(op::Table { input, lo_bits, values }) => operand(input)?
                    .iter()
                    .enumerate()
                    .map(|(i, s)| table(&cs, s, width(input), *lo_bits, values, node.bits.0, value(ni, i)))
                    .collect::<Result<_>>()?,
                Op::Div(op::Div { num, den, shift }) => {
                    let (ns, ds) = (operand(num)?, operand(den)?);
                    ns.iter()
                        .zip(ds)
                        .enumerate()
                        .map(|(i, (n, d))| div(&cs, n, d, *shift, width(den), node.bits.0, value(ni, i)))
                        .collect::<Result<_>>()?
                }
                Op::Sqrt(op::Sqrt { input, exp }) => operand(input)?
                    .iter()
                    .enumerate()
                    .map(|(i, s)| sqrt(&cs, s, *exp, width(input), node.bits.0, value(ni, i)))
                    .collect::<Result<_>>()?,
                Op::Rsqrt(op::Rsqrt { input, exp }) => operand(input)?
                    .iter()
                    .enumerate()
                    .map(|(i, s)| rsqrt(&cs, s, *exp, width(input), node.bits.0, value(ni, i)))
                    .collect::<Result<_>>()?,
            };
            if out.len() != node.len() {
                return Err(SynthesisError::Unsatisfiable);
            }
            self.count(&cs, node.op.kind(), &mut mark);
            signals.push(out);
        }

        // The input commitment (node 0 is range-checked to its own width, so its bits are reused).
        let salt = Wire { lc: Lc::from(witness(&cs, w.map(|w| w.salt))?), value: w.map(|w| w.salt) };
        let in_bits = ir.nodes[0].bits.0;
        let unsigned = offset_binary(&cs, &signals[0], in_bits)?;
        let c = commitment(&cs, INPUT_DOMAIN, &salt, &unsigned, in_bits, w.map(|w| w.input.as_slice()))?;
        enforce_equal(&cs, c.lc, Lc::from(commit_var))?;
        self.count(&cs, "input_commitment", &mut mark);

        // The revealed output: its values or their commitment.
        let outs = &signals[ir.output.index()];
        match self.model.output_mode {
            OutputMode::Tensor => {
                for (s, v) in outs.iter().zip(&out_vars) {
                    enforce_equal(&cs, s.lc.clone(), Lc::from(*v))?;
                }
            }
            OutputMode::Commitment => {
                let b = out_node.bits.0;
                let unsigned = offset_binary(&cs, outs, b)?;
                let vals: Option<Vec<i64>> = w.map(|w| w.eval.values[ir.output.index()].clone());
                let c = commitment(&cs, OUTPUT_DOMAIN, &salt, &unsigned, b, vals.as_deref())?;
                enforce_equal(&cs, c.lc, Lc::from(out_vars[0]))?;
            }
        }

        self.count(&cs, "output", &mut mark);

        // Sampling: argmax, or a draw with u = Poseidon(tag, seed, input commitment, model hash, step 0).
        let index = Lc::from(index_var);
        let index_value = st.map(|s| s.output_index as usize);
        if self.model.sampling.is_random() {
            let public = |slot: Slot, value: Option<Fr>| Ok(Wire { lc: Lc::from(var(slot)?), value });
            let inputs = RANDOMNESS_INPUTS
                .iter()
                .map(|&input| match input {
                    RandomnessInput::Tag => {
                        Ok(Wire { lc: constant(domain(SAMPLE_DOMAIN)), value: Some(domain(SAMPLE_DOMAIN)) })
                    }
                    RandomnessInput::Seed(h) => public(Slot::Seed(h), st.map(|s| Fr::from(h.of(&s.seed)))),
                    RandomnessInput::InputCommitment => {
                        public(Slot::InputCommitment, st.map(|s| Fr::from_be_bytes_mod_order(&s.input_commitment)))
                    }
                    RandomnessInput::ModelHash(h) => public(Slot::ModelHash(h), Some(Fr::from(h.of(&self.model_hash)))),
                    RandomnessInput::Step => Ok(Wire { lc: Lc::new(), value: Some(Fr::from(0u64)) }),
                })
                .collect::<Result<Vec<_>>>()?;
            let u = hash(&cs, &inputs)?;
            let draw = w.and_then(|w| w.draw.as_ref());
            sample(&cs, outs, out_node.bits.0, &self.model.sampling, &u, index, index_value, draw)?;
        } else {
            argmax(&cs, outs, index, index_value, out_node.bits.0)?;
        }
        self.count(&cs, "sampling", &mut mark);
        Ok(())
    }
}
