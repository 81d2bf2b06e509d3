//! ReLU: `y = max(x, 0)` on a range-checked `x`, as `y = s * x` where `s` is the sign bit of `x`'s
//! offset-binary decomposition (1 exactly when `x >= 0`). Cost 1 constraint when `x` already has bits
//! (after a rescale or the input), `w + 2` otherwise.
use super::range::range_check;
use super::{enforce, fr, witness, Cs, Lc, Result, Signal};

/// `max(x, 0)`; decomposes `x` into `w` bits first if it has none. `y` is the witness (from the
/// integer evaluator when proving).
pub fn relu(cs: &Cs, x: &Signal, w: u8, y_val: Option<i128>) -> Result<Signal> {
    let bits = match &x.bits {
        Some(b) => b.clone(),
        None => range_check(cs, x, w)?,
    };
    let y = witness(cs, y_val.map(fr))?;
    enforce(cs, Lc::from(bits.nonnegative()), x.lc.clone(), Lc::from(y))?;
    Ok(Signal { lc: Lc::from(y), value: y_val, bits: None })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::r1cs::testing::*;
    use ark_bn254::Fr;

    #[test]
    fn computes_max_with_zero() {
        for v in [-300i128, -1, 0, 1, 299] {
            let cs = prover_cs();
            let x = signal(&cs, v);
            let before = cs.num_constraints();
            let y = relu(&cs, &x, 10, x.value.map(|v| v.max(0))).unwrap();
            assert_eq!(cs.num_constraints() - before, 12);
            assert_eq!(y.value, Some(v.max(0)));
            assert!(satisfied(&cs));
        }
    }

    #[test]
    fn soundness_wrong_output_witness_is_rejected() {
        for (v, claim) in [(-5i128, -5i128), (5, 0), (5, 4), (-5, 1)] {
            let cs = prover_cs();
            let x = signal(&cs, v);
            relu(&cs, &x, 10, Some(claim)).unwrap();
            assert!(!satisfied(&cs), "relu({v}) = {claim} accepted");
        }
    }

    #[test]
    fn soundness_wrong_output_is_rejected() {
        for v in [-5i128, 5] {
            let cs = prover_cs();
            let x = signal(&cs, v);
            let y = relu(&cs, &x, 10, x.value.map(|v| v.max(0))).unwrap();
            corrupt(&cs, y.lc.0[0].1, Fr::from(1u64));
            assert!(!satisfied(&cs), "relu({v}) + 1 accepted");
        }
    }

    #[test]
    fn soundness_flipped_sign_bit_is_rejected() {
        // Claiming "negative" for a positive x (output 0) needs the sign bit cleared, which breaks the
        // decomposition.
        let cs = prover_cs();
        let x = signal(&cs, 7);
        let bits = range_check(&cs, &x, 10).unwrap();
        let xs = Signal { bits: Some(bits.clone()), ..x };
        let y = relu(&cs, &xs, 10, xs.value.map(|v| v.max(0))).unwrap();
        set(&cs, bits.nonnegative(), Fr::from(0u64));
        set(&cs, y.lc.0[0].1, Fr::from(0u64));
        assert!(!satisfied(&cs));
    }
}
