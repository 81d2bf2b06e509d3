//! Max pooling: `y = max` of a window of operand values, as a witness `m` with `m - x_j` in
//! `[0, 2^d)` for every window element (so `m` is at least each) and `prod_j (m - x_j) = 0` (so `m` is
//! one of them). The operands lie in a range of `2^d` values, range-checked upstream or statically
//! bounded: `d = w` for `w`-bit signed values, `d = w - 1` for a ReLU's `[0, 2^(w-1))`. So the
//! differences of honest values fit `d` bits and a negative one, a field element near `p`, has no
//! `d`-bit decomposition. Cost per output: `K (d + 2)` for a window of `K` elements.
use super::range::alloc_unsigned;
use super::{enforce, enforce_equal, fr, witness, Cs, Lc, Result, Signal};
use ark_bn254::Fr;

/// The maxima of `windows` (`size` operand indices per output) over `x`, values within a range of
/// `2^d`; `y` holds the outputs when proving (from the integer evaluator).
pub fn max_pool(cs: &Cs, x: &[Signal], d: u8, size: usize, windows: &[u32], y: Option<&[i64]>) -> Result<Vec<Signal>> {
    windows
        .chunks(size)
        .enumerate()
        .map(|(i, window)| {
            let m_val = y.and_then(|y| y.get(i)).map(|&v| v as i128);
            let m = Lc::from(witness(cs, m_val.map(fr))?);
            let mut product: Option<(Lc, Option<Fr>)> = None;
            for &j in window {
                let xj = x.get(j as usize).ok_or(ark_relations::gr1cs::SynthesisError::Unsatisfiable)?;
                let diff = m.clone() - xj.lc.clone();
                let d_val = m_val.zip(xj.value).map(|(m, x)| m - x);
                let (_, bits) = alloc_unsigned(cs, d_val.map(|v| v as u128), d)?;
                enforce_equal(cs, bits, diff.clone())?;
                // the running product lives in the field: K differences of w bits overflow any integer
                product = Some(match product {
                    None => (diff, d_val.map(fr)),
                    Some((acc, acc_val)) => {
                        let v = acc_val.zip(d_val).map(|(a, b)| a * fr(b));
                        let out = witness(cs, v)?;
                        enforce(cs, acc, diff, Lc::from(out))?;
                        (Lc::from(out), v)
                    }
                });
            }
            if let Some((acc, _)) = product {
                enforce_equal(cs, acc, Lc::new())?;
            }
            Ok(Signal { lc: m, value: m_val, bits: None })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::r1cs::testing::*;
    use proptest::prelude::*;

    fn run(values: &[i128], windows: &[u32], size: usize, claim: &[i64]) -> (bool, usize) {
        let cs = prover_cs();
        let x: Vec<Signal> = values.iter().map(|&v| signal(&cs, v)).collect();
        let before = cs.num_constraints();
        max_pool(&cs, &x, 8, size, windows, Some(claim)).unwrap();
        (satisfied(&cs), cs.num_constraints() - before)
    }

    proptest! {
        #[test]
        fn the_maximum_and_only_it_is_accepted(
            values in prop::collection::vec(-128i128..128, 4..10),
            size in 1usize..4,
            delta in prop::sample::select(vec![-2i64, -1, 1, 2, 200]),
        ) {
            let n = values.len();
            let windows: Vec<u32> = (0..3 * size).map(|t| ((t * 7 + 3) % n) as u32).collect();
            let honest: Vec<i64> = windows.chunks(size).map(|w| w.iter().map(|&j| values[j as usize] as i64).max().unwrap()).collect();
            let (ok, cost) = run(&values, &windows, size, &honest);
            prop_assert!(ok);
            prop_assert_eq!(cost, 3 * size * (8 + 2));
            // any other value for one output, above or below the maximum, breaks it
            let mut bad = honest.clone();
            bad[1] += delta;
            prop_assert!(!run(&values, &windows, size, &bad).0);
        }
    }

    #[test]
    fn nonnegative_operands_take_one_bit_less_and_stay_sound() {
        // ReLU outputs of 8-bit values lie in [0, 128): differences fit 7 bits, K (7 + 2) per output
        let run7 = |values: &[i128], claim: i64| {
            let cs = prover_cs();
            let x: Vec<Signal> = values.iter().map(|&v| signal(&cs, v)).collect();
            let before = cs.num_constraints();
            max_pool(&cs, &x, 7, values.len(), &(0..values.len() as u32).collect::<Vec<_>>(), Some(&[claim])).unwrap();
            (satisfied(&cs), cs.num_constraints() - before)
        };
        assert_eq!(run7(&[0, 127, 5, 64], 127), (true, 4 * 9));
        assert!(run7(&[0, 0, 0, 0], 0).0);
        // above the maximum, a non-member, or the maximum's neighbours
        for claim in [128, 126, 64 + 1, 5, 0, -1] {
            assert!(!run7(&[0, 127, 5, 64], claim).0, "claim {claim}");
        }
        assert!(!run7(&[3, 9, 5, 0], 10).0);
    }

    #[test]
    fn wide_values_in_large_windows() {
        // nine 24-bit differences: their product overflows 128 bits (found by ONNX's node tests)
        let cs = prover_cs();
        let values: Vec<i128> = (0..9).map(|i| (i * 1_234_567) % (1 << 23) - (1 << 22)).collect();
        let x: Vec<Signal> = values.iter().map(|&v| signal(&cs, v)).collect();
        let windows: Vec<u32> = (0..9).collect();
        let max = *values.iter().max().unwrap() as i64;
        max_pool(&cs, &x, 24, 9, &windows, Some(&[max])).unwrap();
        assert!(satisfied(&cs));
    }

    #[test]
    fn soundness_a_value_above_the_window_or_a_non_member_is_rejected() {
        // window {3, 9, 5}: 10 is above all (no factor is zero); 9 is right; 7 is no member.
        for (claim, ok) in [(9i64, true), (10, false), (7, false), (3, false), (-1, false)] {
            assert_eq!(run(&[3, 9, 5], &[0, 1, 2], 3, &[claim]).0, ok, "claim {claim}");
        }
        // ties: the shared maximum
        assert!(run(&[4, 4, -2], &[0, 1, 2], 3, &[4]).0);
        // a corrupted difference bit
        let cs = prover_cs();
        let x: Vec<Signal> = [3i128, 9, 5].iter().map(|&v| signal(&cs, v)).collect();
        max_pool(&cs, &x, 8, 3, &[0, 1, 2], Some(&[9])).unwrap();
        assert!(satisfied(&cs));
        let n = cs.num_witness_variables();
        for i in 3..n {
            let v = ark_relations::gr1cs::Variable::witness(i);
            corrupt(&cs, v, Fr::from(1u64));
            assert!(!satisfied(&cs), "witness {i} corrupted but satisfied");
            corrupt(&cs, v, -Fr::from(1u64));
        }
    }
}
