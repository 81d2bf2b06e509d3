//! Saturation to an integer interval: `y = min(max(x, lo), hi)`, the grid limits of the int8 and
//! uint8 tensors of quantized models.
//!
//! Two ReLUs: `u = max(x - lo, 0)`, `z = max((hi - lo) - u, 0)`, `y = hi - z`. Then
//! `y = hi - max(hi - max(x, lo), 0) = min(max(x, lo), hi)`, and `y` lies in `[lo, hi]` because
//! `z` lies in `[0, hi - lo]`. Each ReLU range-checks its operand, so the cost is
//! `(w_1 + 2) + (w_2 + 2)` with `w_1` the width of `x - lo` and `w_2` that of `(hi - lo) - u`. A
//! side that cannot bind (`lo` at or below the operand's smallest value, `hi` at or above its
//! largest) is left out.
use super::relu::relu;
use super::{constant, fr, Cs, Result, Signal};

/// Signed width holding every integer of magnitude at most `m`.
fn width_for(m: u128) -> u8 {
    (128 - m.leading_zeros() + 1) as u8
}

pub use verinfer_ir::func::clamp_is_identity as is_identity;

/// `min(max(x, lo), hi)` for a `w`-bit `x` and `lo <= hi`. `y_val` is the output witness (from
/// the integer evaluator when proving).
pub fn clamp(cs: &Cs, x: &Signal, w: u8, lo: i64, hi: i64, y_val: Option<i128>) -> Result<Signal> {
    let (lo, hi) = (lo as i128, hi as i128);
    let (x_min, x_max) = (-(1i128 << (w - 1)), (1i128 << (w - 1)) - 1);
    let v_max = x_max.max(lo);
    let upper_binds = hi < v_max;
    // lower side: v = max(x, lo), as a signal with its width; the ReLU's output is the clamp's
    // (the evaluator's value) when the upper side cannot bind, else an intermediate value
    let v = if lo <= x_min {
        x.clone()
    } else {
        let shifted = Signal { lc: x.lc.clone() - constant(fr(lo)), value: x.value.map(|v| v - lo), bits: None };
        let w1 = width_for((x_max - lo).unsigned_abs().max((x_min - lo).unsigned_abs()));
        let u_val = if upper_binds { x.value.map(|v| (v - lo).max(0)) } else { y_val.map(|y| y - lo) };
        let u = relu(cs, &shifted, w1, u_val)?;
        Signal { lc: u.lc + constant(fr(lo)), value: u.value.map(|u| u + lo), bits: None }
    };
    if !upper_binds {
        // the output is v; with neither side binding, the operand itself (no witness of its own)
        return Ok(Signal { value: y_val.or(v.value), ..v });
    }
    // upper side: z = max(hi - v, 0), y = hi - z
    let gap = Signal { lc: constant(fr(hi)) - v.lc.clone(), value: v.value.map(|v| hi - v), bits: None };
    let v_min = x_min.max(lo);
    let w2 = width_for((hi - v_min).unsigned_abs().max((hi - v_max).unsigned_abs()));
    let z = relu(cs, &gap, w2, y_val.map(|y| hi - y))?;
    Ok(Signal { lc: constant(fr(hi)) - z.lc, value: z.value.map(|z| hi - z), bits: None })
}

/// Constraints of [`clamp`] for a `w`-bit operand.
pub fn cost(w: u8, lo: i64, hi: i64) -> usize {
    let (lo, hi) = (lo as i128, hi as i128);
    let (x_min, x_max) = (-(1i128 << (w - 1)), (1i128 << (w - 1)) - 1);
    let mut n = 0;
    if lo > x_min {
        n += width_for((x_max - lo).unsigned_abs().max((x_min - lo).unsigned_abs())) as usize + 2;
    }
    let v_max = x_max.max(lo);
    if hi < v_max {
        let v_min = x_min.max(lo);
        n += width_for((hi - v_min).unsigned_abs().max((hi - v_max).unsigned_abs())) as usize + 2;
    }
    n
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::r1cs::testing::*;
    use ark_bn254::Fr;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(200))]
        #[test]
        fn matches_the_integer_clamp(w in 3u8..20, x_frac in -1.0f64..1.0, a in -300i64..300, span in 0i64..400) {
            let x_val = (x_frac * ((1i64 << (w - 1)) as f64)) as i128;
            let x_val = x_val.clamp(-(1i128 << (w - 1)), (1i128 << (w - 1)) - 1);
            let (lo, hi) = (a, a + span);
            let cs = prover_cs();
            let x = signal(&cs, x_val);
            let before = cs.num_constraints();
            let want = x_val.clamp(lo as i128, hi as i128);
            let y = clamp(&cs, &x, w, lo, hi, Some(want)).unwrap();
            prop_assert_eq!(cs.num_constraints() - before, cost(w, lo, hi));
            prop_assert_eq!(y.value, Some(want));
            prop_assert!(satisfied(&cs));
        }
    }

    #[test]
    fn int8_saturation_of_a_16_bit_operand_costs_two_relus() {
        assert_eq!(cost(16, -128, 127), (17 + 2) + (16 + 2));
        // a side that cannot bind is left out
        assert_eq!(cost(8, -128, 127), 0);
        assert_eq!(cost(8, 0, 127), 9 + 2);
    }

    #[test]
    fn soundness_every_wrong_output_is_rejected() {
        for x_val in [-1000i128, -129, -128, -5, 0, 5, 127, 128, 1000] {
            let want = x_val.clamp(-128, 127);
            for claim in [want - 2, want - 1, want + 1, want + 2, x_val + 1, -129, 128] {
                if claim == want {
                    continue;
                }
                let cs = prover_cs();
                let x = signal(&cs, x_val);
                clamp(&cs, &x, 16, -128, 127, Some(claim)).unwrap();
                assert!(!satisfied(&cs), "clamp({x_val}) = {claim} accepted");
            }
        }
    }

    #[test]
    fn soundness_corrupting_any_allocated_variable_is_rejected() {
        for x_val in [-300i128, -10, 50, 300] {
            let cs = prover_cs();
            let x = signal(&cs, x_val);
            let first = cs.num_witness_variables();
            clamp(&cs, &x, 12, -128, 127, Some(x_val.clamp(-128, 127))).unwrap();
            assert!(satisfied(&cs));
            for v in first..cs.num_witness_variables() {
                let var = ark_relations::gr1cs::Variable::witness(v);
                corrupt(&cs, var, Fr::from(1u64));
                assert!(!satisfied(&cs), "x = {x_val}: witness {v} corrupted but satisfied");
                corrupt(&cs, var, -Fr::from(1u64));
            }
        }
    }
}
