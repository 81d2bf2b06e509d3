//! The R1CS rows of a synthesized circuit, read in place from the constraint system.
//!
//! arkworks' `to_matrices` copies every row into a `Vec<Vec<(Fr, usize)>>` (40 bytes a term plus a
//! vector per row) while the constraint system is still alive; these helpers walk the system's own
//! compact storage instead, one row at a time, so that setup never holds two copies. (Proving does
//! not store the constraints at all: see [`crate::r1cs::RowSink`].)
//! Variable indices follow arkworks: 0 is the constant one, then the instance, then the witness.
use super::BackendError;
use ark_bn254::Fr;
use ark_ff::Zero;
use ark_relations::gr1cs::{ConstraintSystem, ConstraintSystemRef, Variable, R1CS_PREDICATE_LABEL};

/// Which of the three R1CS matrices.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Matrix {
    /// `A`.
    A = 0,
    /// `B`.
    B = 1,
    /// `C`.
    C = 2,
}

/// A finalized constraint system seen as R1CS rows.
pub struct Rows<'a> {
    cs: &'a ConstraintSystem<Fr>,
    lcs: &'a [Vec<Variable>],
}

impl<'a> Rows<'a> {
    /// The rows of `cs` (synthesized and finalized).
    pub fn new(cs: &'a ConstraintSystem<Fr>) -> Result<Rows<'a>, BackendError> {
        let r1cs = cs
            .predicate_constraint_systems
            .get(R1CS_PREDICATE_LABEL)
            .ok_or_else(|| BackendError::Synthesis("the circuit has no R1CS constraints".into()))?;
        let lcs = r1cs.get_constraints();
        if lcs.len() != 3 {
            return Err(BackendError::Synthesis(format!("expected 3 R1CS matrices, found {}", lcs.len())));
        }
        Ok(Rows { cs, lcs })
    }

    /// Number of constraints.
    pub fn len(&self) -> usize {
        self.lcs[0].len()
    }

    /// Whether there are no constraints.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Calls `f(index, coefficient)` for every term of row `i` of `m`.
    pub fn for_each_term(&self, m: Matrix, i: usize, mut f: impl FnMut(usize, &Fr)) {
        let num_instance = self.cs.num_instance_variables();
        for (coeff, var) in self.cs.get_lc(self.lcs[m as usize][i]).0.iter() {
            if coeff.is_zero() {
                continue;
            }
            if let Some(index) = var.get_variable_index(num_instance) {
                f(index, coeff);
            }
        }
    }
}

/// A full assignment `z = (1, instance..., witness...)` kept as the constraint system's two vectors.
pub struct Assignment {
    /// Instance values, the constant one first.
    pub instance: Vec<Fr>,
    /// Witness values.
    pub witness: Vec<Fr>,
}

impl Assignment {
    /// Moves the assignment out of a proving-mode constraint system.
    pub fn take(cs: &ConstraintSystemRef<Fr>) -> Result<Assignment, BackendError> {
        let mut inner = cs.borrow_mut().ok_or_else(|| BackendError::Synthesis("no constraint system".into()))?;
        let a = &mut inner.assignments;
        Ok(Assignment {
            instance: std::mem::take(&mut a.instance_assignment),
            witness: std::mem::take(&mut a.witness_assignment),
        })
    }

    /// `z[index]`.
    pub fn get(&self, index: usize) -> Fr {
        let n = self.instance.len();
        if index < n {
            self.instance[index]
        } else {
            self.witness[index - n]
        }
    }

    /// Number of variables, the constant one included.
    pub fn len(&self) -> usize {
        self.instance.len() + self.witness.len()
    }

    /// Whether the assignment is empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}
