//! Rescale: `y = floor((x + 2^(k-1)) / 2^k)` (division by a power of two, round half up), with `y`
//! range-checked to `w` signed bits.
//!
//! Witness: `y` by its `w` bits and the remainder `r` by `k` bits, then one constraint
//! `y * 2^k + r - 2^(k-1) = x`. Cost `w + k + 1`. Sound because the IR bounds `|x|` statically
//! (`CircuitIr::validate`) and `w + k <= 126`, so both sides are integers far below `p / 2`: equal in
//! the field means equal over the integers, and `0 <= r < 2^k` makes `y` the unique rounded quotient.
use super::range::{alloc_signed, alloc_unsigned};
use super::{constant, enforce_equal, fr, pow2, Cs, Lc, Result, Signal};

/// Rescales `x` by `2^shift` into a `w`-bit signed value; `y` is the witness (from the integer
/// evaluator when proving).
pub fn rescale(cs: &Cs, x: &Signal, shift: u8, w: u8, y_val: Option<i128>) -> Result<Signal> {
    let y = alloc_signed(cs, y_val, w)?;
    if shift == 0 {
        enforce_equal(cs, y.lc.clone(), x.lc.clone())?;
        return Ok(y);
    }
    let half = 1i128 << (shift - 1);
    let r_val = x.value.zip(y_val).map(|(xv, yv)| (xv + half - (yv << shift)) as u128);
    let (_, r) = alloc_unsigned(cs, r_val, shift)?;
    let lhs: Lc = y.lc.clone() * pow2(shift as u32) + r - constant(fr(half));
    enforce_equal(cs, lhs, x.lc.clone())?;
    Ok(y)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::r1cs::testing::*;
    use verinfer_ir::rescale_half_up;

    fn honest(cs: &Cs, x: &Signal, k: u8, w: u8) -> Signal {
        rescale(cs, x, k, w, x.value.map(|v| rescale_half_up(v as i64, k) as i128)).unwrap()
    }
    use ark_bn254::Fr;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn matches_the_integer_semantics(raw in -(1i64 << 33)..(1i64 << 33), k in 0u8..12) {
            let x = raw >> (12 - k); // |x| < 2^(21 + k), so the quotient fits 24 bits
            let cs = prover_cs();
            let xs = signal(&cs, x as i128);
            let before = cs.num_constraints();
            let y = honest(&cs, &xs, k, 24);
            prop_assert_eq!(y.value, Some(rescale_half_up(x, k) as i128));
            prop_assert_eq!(cs.num_constraints() - before, 24 + k as usize + 1);
            prop_assert!(satisfied(&cs));
        }
    }

    #[test]
    fn quotient_outside_the_output_width_is_unsatisfiable() {
        let cs = prover_cs();
        let x = signal(&cs, 1 << 20);
        honest(&cs, &x, 2, 16); // 2^18 does not fit 16 signed bits
        assert!(!satisfied(&cs));
    }

    #[test]
    fn soundness_wrong_quotient_witness_is_rejected() {
        for claim in [62i128, 64] {
            let cs = prover_cs();
            let x = signal(&cs, 1000); // (1000 + 8) / 16 = 63
            rescale(&cs, &x, 4, 16, Some(claim)).unwrap();
            assert!(!satisfied(&cs), "quotient {claim} accepted");
        }
    }

    #[test]
    fn soundness_off_by_one_quotient_is_rejected() {
        // Claim y + 1 with the remainder adjusted by -2^k: the remainder leaves [0, 2^k).
        let cs = prover_cs();
        let x = signal(&cs, 1000);
        let y = honest(&cs, &x, 4, 16);
        assert!(satisfied(&cs));
        let y_bits = y.bits.unwrap().vars;
        // y = 63 (1000 + 8 = 1008 = 63 * 16 + 0); flip y's lowest bit to claim 62 or 64.
        let b0 = y_bits[0];
        let cur = cs.assigned_value(b0).unwrap();
        set(&cs, b0, Fr::from(1u64) - cur);
        assert!(!satisfied(&cs));
    }

    #[test]
    fn soundness_corrupted_input_is_rejected() {
        let cs = prover_cs();
        let x = signal(&cs, -77);
        honest(&cs, &x, 3, 16);
        assert!(satisfied(&cs));
        corrupt(&cs, x.lc.0[0].1, Fr::from(8u64)); // moves the true quotient by one
        assert!(!satisfied(&cs));
    }
}
