//! Division of two tensors, rounded half up: `q = floor((2 n 2^s + d) / (2 d))` for `d >= 1`
//! (`verinfer_ir::func::div_round`), as in Softmax's normalisation.
//!
//! With `N = 2 n 2^s + d` and `D = 2 d` (linear), the witness `q` is range-checked to the output
//! width, `P = q D` costs one constraint, and `r = N - P` and `D - 1 - r` are both decomposed into
//! `b_d` bits, where `b_d` is the denominator's width: so `0 <= r < D`, which makes `q` the floor of
//! `N / D` and forces `d >= 1` (no proof exists for a zero or negative divisor). Every value is an
//! integer far below `p / 2` (the IR bounds widths so that `b_n + s + 3 <= 120` and
//! `w_out + b_d + 2 <= 120`), so field equalities are integer equalities.
//! Cost per element: `w_out + 1 + 2 (b_d + 1)`.
use super::range::{alloc_signed, alloc_unsigned};
use super::{constant, enforce, enforce_equal, fr, pow2, witness, Cs, Lc, Result, Signal};
use ark_bn254::Fr;

/// `n 2^shift / d` rounded half up, `q` range-checked to `w_out` bits; `b_d` is the denominator's
/// width and `q` the witness when proving.
pub fn div(cs: &Cs, n: &Signal, d: &Signal, shift: u8, b_d: u8, w_out: u8, q: Option<i128>) -> Result<Signal> {
    let big_n = n.lc.clone() * (pow2(shift as u32 + 1)) + d.lc.clone();
    let big_d = d.lc.clone() * Fr::from(2u64);
    let n_val = n.value.zip(d.value).map(|(n, d)| 2 * (n << shift) + d);
    let d_val = d.value.map(|d| 2 * d);
    let q_sig = alloc_signed(cs, q, w_out)?;
    let p_val = q.zip(d_val).map(|(q, d)| q * d);
    let p = witness(cs, p_val.map(fr))?;
    enforce(cs, q_sig.lc.clone(), big_d.clone(), Lc::from(p))?;
    let r = big_n - Lc::from(p);
    let r_val = n_val.zip(p_val).map(|(n, p)| n - p);
    let (_, r_bits) = alloc_unsigned(cs, r_val.map(|v| v as u128), b_d)?;
    enforce_equal(cs, r_bits, r.clone())?;
    let gap_val = d_val.zip(r_val).map(|(d, r)| d - 1 - r);
    let (_, gap_bits) = alloc_unsigned(cs, gap_val.map(|v| v as u128), b_d)?;
    enforce_equal(cs, gap_bits, big_d - constant(Fr::from(1u64)) - r)?;
    Ok(q_sig)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::r1cs::testing::*;
    use proptest::prelude::*;
    use verinfer_ir::func::div_round;

    fn run(n: i128, d: i128, s: u8, claim: Option<i128>) -> (bool, Option<i128>) {
        let cs = prover_cs();
        let (ns, ds) = (signal(&cs, n), signal(&cs, d));
        let honest = div_round(n as i64, d as i64, s);
        let before = cs.num_constraints();
        let q = div(&cs, &ns, &ds, s, 17, 24, claim.or(honest)).unwrap();
        assert_eq!(cs.num_constraints() - before, 24 + 3 + 2 * 17, "cost w_out + 3 + 2 b_d");
        (satisfied(&cs), q.value)
    }

    proptest! {
        #[test]
        fn matches_the_integer_semantics(n in -(1i128 << 15)..(1 << 15), d in 1i128..(1 << 16), s in 0u8..8) {
            let (ok, q) = run(n, d, s, None);
            prop_assert!(ok);
            prop_assert_eq!(q, div_round(n as i64, d as i64, s));
        }
    }

    #[test]
    fn soundness_wrong_quotient_is_rejected() {
        for (n, d) in [(1000i128, 7i128), (-1000, 7), (0, 1), (65535, 65535)] {
            let q = div_round(n as i64, d as i64, 4).unwrap();
            assert!(run(n, d, 4, None).0);
            for claim in [q - 1, q + 1] {
                assert!(!run(n, d, 4, Some(claim)).0, "{n}/{d} = {claim} accepted");
            }
        }
    }

    #[test]
    fn soundness_non_positive_divisor_has_no_proof() {
        // Any claimed quotient: r and D - 1 - r cannot both be non-negative when d <= 0.
        for d in [0i128, -1, -5] {
            for claim in -3..=3 {
                assert!(!run(10, d, 0, Some(claim)).0, "10/{d} = {claim} accepted");
            }
        }
    }
}
