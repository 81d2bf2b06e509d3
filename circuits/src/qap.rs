//! The two R1CS-to-QAP reductions a verinfer proving key can expect.
//!
//! Both reduce the same constraint matrices to the same QAP (same domain, same input-consistency
//! constraints after the circuit's own), so their keys share one verifying key shape, and a proof
//! made with either verifies under the key of its setup. They differ in the proving key's H query:
//!
//! - [`Qap::Libsnark`]: `verinfer setup` (arkworks): `h_query[i] = tau^i Z(tau) / delta`, and the
//!   prover computes the coefficients of `H = (A B - C) / Z`.
//! - [`Qap::Circom`]: a snarkjs `.zkey` (a ceremony): `H_j = L_{2j+1}(tau) / delta` for the Lagrange
//!   basis of the domain twice as large, and the prover evaluates `A B - C` on the odd points of
//!   that domain ([`CircomReduction`]). Since `Z(w) = -2` on every odd point, the sum
//!   `sum_j (A B - C)(w_{2j+1}) H_j` equals `H(tau) Z(tau) / delta`, as in the other form.
use ark_ff::PrimeField;
use ark_groth16::r1cs_to_qap::{evaluate_constraint, LibsnarkReduction, R1CSToQAP};
use ark_poly::EvaluationDomain;
use ark_relations::gr1cs::{ConstraintSystemRef, Matrix, SynthesisError};
use rayon::prelude::*;

/// Which reduction a proving key was built for (recorded in the proving key file).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Qap {
    /// arkworks' own (libsnark's): keys from `verinfer setup`.
    Libsnark,
    /// snarkjs's: keys finalized from a `.zkey` ceremony.
    Circom,
}

impl Qap {
    /// The byte stored in a proving key file.
    pub fn to_byte(self) -> u8 {
        match self {
            Qap::Libsnark => 0,
            Qap::Circom => 1,
        }
    }

    /// Reads the byte stored in a proving key file.
    pub fn from_byte(b: u8) -> Option<Qap> {
        match b {
            0 => Some(Qap::Libsnark),
            1 => Some(Qap::Circom),
            _ => None,
        }
    }
}

/// snarkjs's witness map: `A B - C` on the odd points of the domain of size `2n` (the coset
/// `w_{2n} <w_n>`), the scalars of a zkey's H section. Written after ark-circom 0.6's
/// `CircomReduction` (MIT/Apache-2.0), with `C` evaluated from its matrix rather than taken as
/// `A B`, so that the map is the QAP's for any assignment.
pub struct CircomReduction;

impl R1CSToQAP for CircomReduction {
    fn instance_map_with_evaluation<F: PrimeField, D: EvaluationDomain<F>>(
        cs: ConstraintSystemRef<F>,
        t: &F,
    ) -> Result<(Vec<F>, Vec<F>, Vec<F>, F, usize, usize), SynthesisError> {
        LibsnarkReduction::instance_map_with_evaluation::<F, D>(cs, t)
    }

    fn witness_map_from_matrices<F: PrimeField, D: EvaluationDomain<F>>(
        matrices: &[Matrix<F>],
        num_inputs: usize,
        num_constraints: usize,
        full_assignment: &[F],
    ) -> Result<Vec<F>, SynthesisError> {
        let domain = D::new(num_constraints + num_inputs).ok_or(SynthesisError::PolynomialDegreeTooLarge)?;
        let n = domain.size();
        let eval = |m: &Matrix<F>| {
            let mut v = vec![F::zero(); n];
            v[..num_constraints]
                .par_iter_mut()
                .zip(m.par_iter())
                .for_each(|(x, row)| *x = evaluate_constraint(row, full_assignment));
            v
        };
        let mut a = eval(&matrices[0]);
        // The input-consistency constraints: A = x_i, B = C = 0.
        a[num_constraints..num_constraints + num_inputs].copy_from_slice(&full_assignment[..num_inputs]);
        let b = eval(&matrices[1]);
        let c = eval(&matrices[2]);
        let shift = D::new(2 * n).ok_or(SynthesisError::PolynomialDegreeTooLarge)?.element(1);
        let on_odd_points = |mut v: Vec<F>| {
            domain.ifft_in_place(&mut v);
            D::distribute_powers_and_mul_by_const(&mut v, shift, F::one());
            domain.fft_in_place(&mut v);
            v
        };
        let (a, (b, c)) = rayon::join(|| on_odd_points(a), || rayon::join(|| on_odd_points(b), || on_odd_points(c)));
        Ok(a.into_par_iter().zip(b).zip(c).map(|((a, b), c)| a * b - c).collect())
    }

    fn h_query_scalars<F: PrimeField, D: EvaluationDomain<F>>(
        max_power: usize,
        t: F,
        _zt: F,
        delta_inverse: F,
    ) -> Result<Vec<F>, SynthesisError> {
        // tau^i / delta for i < 2n, in the Lagrange basis of the 2n domain: keep the odd points.
        let mut scalars: Vec<F> = (0..2 * max_power + 1).map(|i| delta_inverse * t.pow([i as u64])).collect();
        let domain = D::new(scalars.len()).ok_or(SynthesisError::PolynomialDegreeTooLarge)?;
        domain.ifft_in_place(&mut scalars);
        Ok(scalars.into_iter().skip(1).step_by(2).collect())
    }
}
