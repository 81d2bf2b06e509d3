//! Argmax: proves that a public index is the first position of the largest value (numpy's rule).
//!
//! One-hot selector `s` (booleans, `sum s_i = 1`, `sum i * s_i = index`), the selected value
//! `m = sum s_i * o_i`, and for every `j` the difference `d_j = m - o_j - [j < index]` range-checked
//! to `[0, 2^(w+1))`, where `[j < index] = sum_{l > j} s_l`. Cost `n * (w + 4) + 2` for `n` values of
//! `w` bits.
use super::range::alloc_unsigned;
use super::{constant, enforce, enforce_equal, fr, witness, Cs, Lc, Result, Signal};
use ark_bn254::Fr;
use ark_relations::gr1cs::Variable;

/// Enforces `index = argmax(outs)`; `outs` are `w`-bit signed values, `index` a wire holding
/// `index_value` when proving.
pub fn argmax(cs: &Cs, outs: &[Signal], index: Lc, index_value: Option<usize>, w: u8) -> Result<()> {
    let n = outs.len();
    let one = Fr::from(1u64);
    let sel: Vec<Variable> = (0..n)
        .map(|i| {
            let s = witness(cs, index_value.map(|k| if k == i { one } else { Fr::from(0u64) }))?;
            enforce(cs, Lc::from(s), constant(one) - s, Lc::new())?;
            Ok(s)
        })
        .collect::<Result<_>>()?;
    enforce_equal(cs, Lc::from_sum_coeff_vars(&sel.iter().map(|&s| (one, s)).collect::<Vec<_>>()), constant(one))?;
    enforce_equal(
        cs,
        Lc::from_sum_coeff_vars(&sel.iter().enumerate().map(|(i, &s)| (Fr::from(i as u64), s)).collect::<Vec<_>>()),
        index,
    )?;
    // m = sum s_i * o_i
    let mut m = Lc::new();
    let m_val = index_value.and_then(|k| outs.get(k).and_then(|o| o.value));
    for (i, (s, o)) in sel.iter().zip(outs).enumerate() {
        let t_val = index_value.zip(o.value).map(|(k, v)| if k == i { v } else { 0 });
        let t = witness(cs, t_val.map(fr))?;
        enforce(cs, Lc::from(*s), o.lc.clone(), Lc::from(t))?;
        m += (one, t);
    }
    for (j, o) in outs.iter().enumerate() {
        let later: Vec<(Fr, Variable)> = sel[j + 1..].iter().map(|&s| (one, s)).collect();
        let lt = Lc::from_sum_coeff_vars(&later);
        let d_val = index_value.zip(m_val).zip(o.value).map(|((k, mv), ov)| (mv - ov - (j < k) as i128) as u128);
        let (_, d) = alloc_unsigned(cs, d_val, w + 1)?;
        enforce_equal(cs, d, m.clone() - o.lc.clone() - lt)?;
    }
    Ok(())
}

/// In-graph ArgMax: per window of `size` operand indices, the position of its first largest value
/// (a fresh wire, bound by [`argmax`]). `y` holds the positions when proving (from the integer
/// evaluator). Cost per output: `size * (w + 4) + 2`.
pub fn argmax_windows(
    cs: &Cs,
    x: &[Signal],
    w: u8,
    size: usize,
    windows: &[u32],
    y: Option<&[i64]>,
) -> Result<Vec<Signal>> {
    windows
        .chunks(size)
        .enumerate()
        .map(|(i, window)| {
            let outs = window
                .iter()
                .map(|&j| x.get(j as usize).cloned().ok_or(ark_relations::gr1cs::SynthesisError::Unsatisfiable))
                .collect::<Result<Vec<_>>>()?;
            let k = y.and_then(|y| y.get(i)).map(|&v| v as usize);
            let idx = witness(cs, k.map(|k| Fr::from(k as u64)))?;
            argmax(cs, &outs, Lc::from(idx), k, w)?;
            Ok(Signal { lc: Lc::from(idx), value: k.map(|k| k as i128), bits: None })
        })
        .collect()
}

/// Constraints of [`argmax_windows`] per output.
pub fn cost(size: usize, w: u8) -> usize {
    size * (w as usize + 4) + 2
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::r1cs::testing::*;

    fn run(values: &[i128], claim: usize) -> bool {
        let cs = prover_cs();
        let outs: Vec<Signal> = values.iter().map(|&v| signal(&cs, v)).collect();
        let idx = witness(&cs, Some(Fr::from(claim as u64))).unwrap();
        argmax(&cs, &outs, Lc::from(idx), Some(claim), 8).unwrap();
        satisfied(&cs)
    }

    #[test]
    fn accepts_exactly_the_first_maximum() {
        let v = [3, 9, -4, 9, 1];
        for claim in 0..v.len() {
            assert_eq!(run(&v, claim), claim == 1, "claim {claim}");
        }
        assert!(run(&[-128, -128], 0));
        assert!(!run(&[-128, -128], 1));
        assert!(run(&[-128, 127], 1));
    }

    #[test]
    fn soundness_selector_tampering_is_rejected() {
        let cs = prover_cs();
        let outs: Vec<Signal> = [1i128, 5, 2].iter().map(|&v| signal(&cs, v)).collect();
        let idx = witness(&cs, Some(Fr::from(1u64))).unwrap();
        argmax(&cs, &outs, Lc::from(idx), Some(1), 8).unwrap();
        assert!(satisfied(&cs));
        // Move the claimed index to 2 with everything else honest for index 1.
        set(&cs, idx, Fr::from(2u64));
        assert!(!satisfied(&cs));
    }

    #[test]
    fn windows_give_each_first_maximum_at_the_stated_cost() {
        // two windows over six values, read in a shuffled order
        let x = [4i128, -2, 4, 7, 0, 7];
        let windows = [2u32, 0, 1, 5, 3, 4];
        let cs = prover_cs();
        let xs: Vec<Signal> = x.iter().map(|&v| signal(&cs, v)).collect();
        let before = cs.num_constraints();
        let y = argmax_windows(&cs, &xs, 8, 3, &windows, Some(&[0, 0])).unwrap();
        assert_eq!(cs.num_constraints() - before, 2 * cost(3, 8));
        assert_eq!(y.iter().map(|s| s.value).collect::<Vec<_>>(), [Some(0), Some(0)]);
        assert!(satisfied(&cs));
    }

    #[test]
    fn soundness_wrong_window_position_is_rejected() {
        let x = [4i128, -2, 4, 7, 0, 7];
        let windows = [2u32, 0, 1, 5, 3, 4];
        // the second tie (position 1 of window 0), a smaller value, the other window's answer
        for claim in [[1i64, 0], [2, 0], [0, 1], [0, 2]] {
            let cs = prover_cs();
            let xs: Vec<Signal> = x.iter().map(|&v| signal(&cs, v)).collect();
            argmax_windows(&cs, &xs, 8, 3, &windows, Some(&claim)).unwrap();
            assert!(!satisfied(&cs), "claim {claim:?} accepted");
        }
    }
}
