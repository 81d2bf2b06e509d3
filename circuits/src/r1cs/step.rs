//! Step: `y = 1` if `x >= 0`, else `0`, the comparisons of a graph (`Less(a, b) = 1 - step(a - b)`,
//! `GreaterOrEqual(a, b) = step(a - b)`, ...).
//!
//! `y` is the sign bit of `x`'s offset-binary decomposition `x + 2^(w-1) = sum_i 2^i b_i`: the top
//! bit is 1 exactly when `x >= 0`. No new variable is allocated, so there is no witness to get
//! wrong: a prover that wants the other answer must change the bit, which breaks the decomposition.
//! Cost: nothing when `x` already has bits (the input, a rescale), else the range check, `w + 1`.
use super::range::range_check;
use super::{Cs, Lc, Result, Signal};

/// `[x >= 0]` for a `w`-bit `x`; decomposes `x` first if it has no bits. `y` is the output's
/// value when proving (the evaluator's; it is a bit of `x`'s decomposition, not a free witness).
pub fn step(cs: &Cs, x: &Signal, w: u8, y: Option<i128>) -> Result<Signal> {
    let bits = match &x.bits {
        Some(b) => b.clone(),
        None => range_check(cs, x, w)?,
    };
    Ok(Signal { lc: Lc::from(bits.nonnegative()), value: y, bits: None })
}

/// Constraints of [`step`] on a `w`-bit operand without bits.
pub fn cost(w: u8) -> usize {
    w as usize + 1
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::r1cs::range::offset;
    use crate::r1cs::testing::*;
    use ark_bn254::Fr;
    use ark_relations::gr1cs::Variable;
    use proptest::prelude::*;

    fn sign_var(y: &Signal) -> Variable {
        y.lc.0[0].1
    }

    proptest! {
        #[test]
        fn is_the_sign_of_any_in_range_value(w in 2u8..40, frac in 0.0f64..1.0) {
            let lo = -offset(w);
            let v = lo + ((frac * (2 * offset(w)) as f64) as i128).min(2 * offset(w) - 1);
            let cs = prover_cs();
            let x = signal(&cs, v);
            let before = cs.num_constraints();
            let y = step(&cs, &x, w, Some(i128::from(v >= 0))).unwrap();
            prop_assert_eq!(cs.num_constraints() - before, cost(w));
            prop_assert!(satisfied(&cs));
            // the wire itself holds the sign
            let val = cs.assigned_value(sign_var(&y)).unwrap();
            prop_assert_eq!(val, Fr::from(u64::from(v >= 0)));
        }
    }

    #[test]
    fn reuses_existing_bits_for_free() {
        let cs = prover_cs();
        let x = signal(&cs, -3);
        let bits = range_check(&cs, &x, 8).unwrap();
        let x = Signal { bits: Some(bits), ..x };
        let before = cs.num_constraints();
        let y = step(&cs, &x, 8, Some(0)).unwrap();
        assert_eq!(cs.num_constraints(), before);
        assert_eq!(cs.assigned_value(sign_var(&y)).unwrap(), Fr::from(0u64));
    }

    #[test]
    fn soundness_flipped_answer_is_rejected() {
        // Zero is the boundary: [0 >= 0] = 1; -1 is the first negative value.
        for v in [-128i128, -5, -1, 0, 1, 127] {
            let cs = prover_cs();
            let x = signal(&cs, v);
            let y = step(&cs, &x, 8, Some(i128::from(v >= 0))).unwrap();
            assert!(satisfied(&cs));
            let flipped = Fr::from(u64::from(v < 0));
            set(&cs, sign_var(&y), flipped);
            assert!(!satisfied(&cs), "step({v}) flipped accepted");
        }
    }

    #[test]
    fn soundness_out_of_range_operand_is_rejected() {
        // 128 does not fit 8 signed bits, so no decomposition (honest or not) exists.
        let cs = prover_cs();
        let x = signal(&cs, 128);
        step(&cs, &x, 8, Some(1)).unwrap();
        assert!(!satisfied(&cs));
    }
}
