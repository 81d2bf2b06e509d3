//! The Groth16 backend: each IR gadget lowered to R1CS over BN254 (ark-relations `gr1cs`).
//!
//! Constant-weight linear maps are linear combinations and cost nothing; every range is enforced by a
//! bit decomposition. A [`Signal`] is a linear combination with its integer value (when proving) and,
//! if it has been range-checked, its bits, so that later gadgets (ReLU, commitments) reuse them.
pub mod argmax;
pub mod clamp;
pub mod div;
pub mod linear;
pub mod max_pool;
pub mod model;
pub mod poseidon;
pub mod product;
pub mod range;
pub mod relu;
pub mod rescale;
pub mod rsqrt;
pub mod sampling;
pub mod step;
pub mod table;
pub mod wiring;

use ark_bn254::Fr;
use ark_ff::{One, Zero};
use ark_relations::gr1cs::{ConstraintSystemRef, LinearCombination, SynthesisError, Variable};
use std::any::TypeId;

/// Linear combination over BN254's scalar field.
pub type Lc = LinearCombination<Fr>;
/// The constraint system the gadgets write to.
pub type Cs = ConstraintSystemRef<Fr>;
/// Result of synthesis.
pub type Result<T> = core::result::Result<T, SynthesisError>;

/// Offset-binary bits of a range-checked value: `value + 2^(width-1) = sum_i 2^i * vars[i]`.
#[derive(Clone, Debug)]
pub struct RangeBits {
    /// Boolean variables, least significant first.
    pub vars: Vec<Variable>,
}

impl RangeBits {
    /// The unsigned value `value + 2^(width-1)` as a linear combination of the bits.
    pub fn unsigned_lc(&self) -> Lc {
        bits_lc(&self.vars)
    }
    /// The sign bit's variable: 1 exactly when the value is non-negative.
    pub fn nonnegative(&self) -> Variable {
        self.vars[self.vars.len() - 1]
    }
}

/// An integer wire: a linear combination, its value when proving, its bits once range-checked.
#[derive(Clone, Debug)]
pub struct Signal {
    /// The wire.
    pub lc: Lc,
    /// Its integer value (`None` during setup).
    pub value: Option<i128>,
    /// Offset-binary decomposition, if the value is range-checked.
    pub bits: Option<RangeBits>,
}

/// A signed integer as a field element.
pub fn fr(v: i128) -> Fr {
    let a = Fr::from(v.unsigned_abs());
    if v < 0 {
        -a
    } else {
        a
    }
}

/// `2^k` in the field (a table for `k < 256`, which every width and shift is).
pub fn pow2(k: u32) -> Fr {
    use ark_ff::Field;
    static TABLE: std::sync::OnceLock<Vec<Fr>> = std::sync::OnceLock::new();
    let table = TABLE.get_or_init(|| std::iter::successors(Some(Fr::from(1u64)), |p| Some(*p + p)).take(256).collect());
    table.get(k as usize).copied().unwrap_or_else(|| Fr::from(2u64).pow([k as u64]))
}

/// `sum_i 2^i * vars[i]`.
pub fn bits_lc(vars: &[Variable]) -> Lc {
    let mut lc = Lc::new();
    let mut c = Fr::from(1u64);
    for v in vars {
        lc += (c, *v);
        c = c + c;
    }
    lc
}

/// A constant as a linear combination.
pub fn constant(v: Fr) -> Lc {
    Lc::from((v, Variable::One))
}

/// Allocates a witness variable (its value is only read when proving).
pub fn witness(cs: &Cs, value: Option<Fr>) -> Result<Variable> {
    cs.new_witness_variable(|| value.ok_or(SynthesisError::AssignmentMissing))
}

/// Enforces `a * b = c`: recorded by the constraint system, or, when proving with a [`RowSink`]
/// installed, evaluated on the assignment at once and not stored.
pub fn enforce(cs: &Cs, a: Lc, b: Lc, c: Lc) -> Result<()> {
    if let Some(inner) = cs.borrow() {
        let cache = inner.cache_map.clone();
        let mut cache = cache.borrow_mut();
        if let Some(sink) = cache.get_mut(&TypeId::of::<RowSink>()).and_then(|s| s.downcast_mut::<RowSink>()) {
            // Most values are bits and most coefficients one: skip those multiplications.
            let eval = |lc: &Lc| -> Result<Fr> {
                let mut acc = Fr::from(0u64);
                for (coeff, var) in lc.0.iter() {
                    let x = inner.assigned_value(*var).ok_or(SynthesisError::AssignmentMissing)?;
                    if x.is_zero() {
                        continue;
                    }
                    acc += if x.is_one() {
                        *coeff
                    } else if coeff.is_one() {
                        x
                    } else {
                        x * coeff
                    };
                }
                Ok(acc)
            };
            let (a, b, c) = (eval(&a)?, eval(&b)?, eval(&c)?);
            // One product a row (none for the many rows whose B is 1): a witness that breaks a
            // row is reported by `prove` instead of becoming a proof that does not verify.
            let holds = if b.is_one() { a == c } else { a * b == c };
            if !holds && sink.first_unsatisfied.is_none() {
                sink.first_unsatisfied = Some(sink.a.len());
            }
            sink.a.push(a);
            sink.b.push(b);
            sink.c.push(c);
            return Ok(());
        }
        if let Some(counter) = cache.get_mut(&TypeId::of::<Counter>()).and_then(|s| s.downcast_mut::<Counter>()) {
            counter.0 += 1;
            return Ok(());
        }
    }
    cs.enforce_r1cs_constraint(|| a, || b, || c)
}

/// Counts constraints instead of storing them: installed in a setup-mode system
/// ([`Counter::install`]), it makes synthesis a count ([`num_constraints`]) at no memory.
#[derive(Default)]
pub struct Counter(usize);

impl Counter {
    /// Installs a counter at zero in `cs`.
    pub fn install(cs: &Cs) -> Result<()> {
        let inner = cs.borrow().ok_or(SynthesisError::MissingCS)?;
        inner.cache_map.borrow_mut().insert(TypeId::of::<Counter>(), Box::new(Counter(0)));
        Ok(())
    }
}

/// Constraints written so far: the [`Counter`]'s count if one is installed, else the system's.
pub fn num_constraints(cs: &Cs) -> usize {
    if let Some(inner) = cs.borrow() {
        if let Some(c) =
            inner.cache_map.borrow().get(&TypeId::of::<Counter>()).and_then(|c| c.downcast_ref::<Counter>())
        {
            return c.0;
        }
    }
    cs.num_constraints()
}

/// `A z`, `B z` and `C z`, one entry per constraint in synthesis order: what the prover needs of
/// the constraint system. Installed in a proving-mode system that does not construct matrices
/// ([`RowSink::install`]), it makes [`enforce`] evaluate each constraint as it is written, so proving
/// never stores the constraints (about 100 bytes each).
#[derive(Default)]
pub struct RowSink {
    /// `A z`.
    pub a: Vec<Fr>,
    /// `B z`.
    pub b: Vec<Fr>,
    /// `C z`.
    pub c: Vec<Fr>,
    /// The first row with `(A z)(B z) != C z`, if any.
    pub first_unsatisfied: Option<usize>,
}

impl RowSink {
    /// Installs an empty sink in `cs`.
    pub fn install(cs: &Cs) -> Result<()> {
        let inner = cs.borrow().ok_or(SynthesisError::MissingCS)?;
        inner.cache_map.borrow_mut().insert(TypeId::of::<RowSink>(), Box::new(RowSink::default()));
        Ok(())
    }

    /// Removes the sink from `cs` and returns what it recorded.
    pub fn take(cs: &Cs) -> Result<RowSink> {
        let inner = cs.borrow().ok_or(SynthesisError::MissingCS)?;
        let sink = inner.cache_map.borrow_mut().remove(&TypeId::of::<RowSink>());
        sink.and_then(|s| s.downcast::<RowSink>().ok()).map(|s| *s).ok_or(SynthesisError::MissingCS)
    }
}

/// The gadget kinds whose constraints changed, each with the lowering version that changed them
/// last (kinds not listed: version 1). A proving key fits only the constraints it was made for, so
/// setup records the model's [`lowering_version`] and `prove` refuses keys of another version
/// instead of writing proofs that do not verify. `tests/lowering.rs` pins the constraints of frozen
/// models: when it fails, give the changed kind the next version here.
pub const LOWERING_CHANGES: &[(&str, u32)] = &[
    // 2 (2026-12-03): 2x2 and other small windows by pairwise maxima
    ("max_pool", 2),
];

/// The lowering version of a model's circuit: the latest change ([`LOWERING_CHANGES`]) among the
/// gadget kinds it uses.
pub fn lowering_version(ir: &verinfer_ir::CircuitIr) -> u32 {
    let version = |kind: &str| LOWERING_CHANGES.iter().find(|(k, _)| *k == kind).map_or(1, |&(_, v)| v);
    ir.nodes.iter().map(|n| version(n.op.kind())).max().unwrap_or(1)
}

/// Whether synthesis into `cs` only evaluates or counts its constraints (a [`RowSink`] or a
/// [`Counter`] is installed), so that a gadget may replace a linear combination by its value: the
/// constraints written are the same, only their coefficients are not kept.
pub fn evaluates_only(cs: &Cs) -> bool {
    cs.borrow().is_some_and(|inner| {
        let cache = inner.cache_map.borrow();
        cache.contains_key(&TypeId::of::<RowSink>()) || cache.contains_key(&TypeId::of::<Counter>())
    })
}

/// Enforces `a = b` (one constraint).
pub fn enforce_equal(cs: &Cs, a: Lc, b: Lc) -> Result<()> {
    enforce(cs, a - b, constant(Fr::from(1u64)), Lc::new())
}

#[cfg(test)]
pub(crate) mod testing {
    //! Helpers for soundness tests: synthesize honestly, then corrupt one witness value.
    use super::*;
    use ark_relations::gr1cs::{ConstraintSystem, SynthesisMode};

    /// A constraint system in proving mode that evaluates linear combinations lazily, so that a
    /// witness corrupted after synthesis is seen by `is_satisfied`.
    pub fn prover_cs() -> Cs {
        let cs = ConstraintSystem::<Fr>::new_ref();
        cs.set_mode(SynthesisMode::Prove { construct_matrices: true, generate_lc_assignments: false });
        cs
    }

    /// Index of a witness variable.
    pub fn index(v: Variable) -> usize {
        v.index().expect("a witness variable")
    }

    /// Adds `delta` to witness variable `v`.
    pub fn corrupt(cs: &Cs, v: Variable, delta: Fr) {
        let mut inner = cs.borrow_mut().expect("a constraint system");
        inner.assignments.witness_assignment[index(v)] += delta;
    }

    /// Sets witness variable `v`.
    pub fn set(cs: &Cs, v: Variable, value: Fr) {
        let mut inner = cs.borrow_mut().expect("a constraint system");
        inner.assignments.witness_assignment[index(v)] = value;
    }

    /// Whether all constraints hold.
    pub fn satisfied(cs: &Cs) -> bool {
        cs.is_satisfied().expect("proving mode")
    }

    /// The value of a linear combination on the assignment.
    pub fn evaluate(cs: &Cs, lc: &Lc) -> Fr {
        lc.0.iter().map(|(c, v)| *c * cs.assigned_value(*v).expect("assigned")).sum()
    }

    /// A witness variable holding `v`, as a signal with no bits.
    pub fn signal(cs: &Cs, v: i128) -> Signal {
        let var = witness(cs, Some(fr(v))).unwrap();
        Signal { lc: Lc::from(var), value: Some(v), bits: None }
    }
}
