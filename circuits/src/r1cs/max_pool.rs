//! Max pooling: `y = max` of a window of operand values. The operands lie in a range of `2^d`
//! values, range-checked upstream or statically bounded (`CircuitIr::validate`): `d = w` for `w`-bit
//! signed values, `d = w - 1` for a ReLU's `[0, 2^(w-1))`. Two ways to prove a window of `K`
//! elements, whichever costs less for `K` and `d` (`verinfer_ir::cost::max_pool_method`, the
//! compiler's cost model):
//! - product, `K (d + 2)` per output: a witness `m` with `m - x_j` in `[0, 2^d)` for every element
//!   (so `m` is at least each: a negative difference is a field element near `p`, with no `d`-bit
//!   decomposition) and `prod_j (m - x_j) = 0` (so `m` is one of them);
//! - pairwise, `(K - 1) (d + 3)` per output (cheaper when `K < d + 3`, e.g. 2x2 windows): a chain
//!   `m_1 = x_1`, `m_j = max(m_(j-1), x_j)`, each step by `t = a - b + 2^d` in `d + 1` bits (honest
//!   `t` lies in `[1, 2^(d+1))`; the decomposition is unique since `2^(d+1) < p`), whose top bit `s`
//!   is exactly `[a >= b]`, and `m = b + s (a - b)`. Every `m_j` is one of the operands, so it stays
//!   in their range for the next step.
use super::range::alloc_unsigned;
use super::{constant, enforce, enforce_equal, fr, pow2, witness, Cs, Lc, Result, Signal};
use ark_bn254::Fr;
use ark_relations::gr1cs::SynthesisError;
use verinfer_ir::cost::{max_pool_method, MaxPoolMethod};

/// The maxima of `windows` (`size` operand indices per output) over `x`, values within a range of
/// `2^d`; `y` holds the outputs when proving (from the integer evaluator). Picks the cheaper method
/// (module docs).
pub fn max_pool(cs: &Cs, x: &[Signal], d: u8, size: usize, windows: &[u32], y: Option<&[i64]>) -> Result<Vec<Signal>> {
    max_pool_by(max_pool_method(size, d), cs, x, (d, size, windows), y)
}

/// [`max_pool`] by the given method: product, `size (d + 2)` per output, or pairwise,
/// `(size - 1) (d + 3)`.
pub fn max_pool_by(
    method: MaxPoolMethod,
    cs: &Cs,
    x: &[Signal],
    (d, size, windows): (u8, usize, &[u32]),
    y: Option<&[i64]>,
) -> Result<Vec<Signal>> {
    windows
        .chunks(size)
        .enumerate()
        .map(|(i, window)| {
            let taps = window
                .iter()
                .map(|&j| x.get(j as usize).ok_or(SynthesisError::Unsatisfiable))
                .collect::<Result<Vec<_>>>()?;
            let claim = y.and_then(|y| y.get(i)).map(|&v| v as i128);
            match method {
                MaxPoolMethod::Product => window_product(cs, &taps, d, claim),
                MaxPoolMethod::Pairwise => window_pairwise(cs, &taps, d, claim),
            }
        })
        .collect()
}

/// One window by a witness maximum (the evaluator's `m_val`) and a product of differences.
fn window_product(cs: &Cs, taps: &[&Signal], d: u8, m_val: Option<i128>) -> Result<Signal> {
    let m = Lc::from(witness(cs, m_val.map(fr))?);
    let mut product: Option<(Lc, Option<Fr>)> = None;
    for xj in taps {
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
}

/// One window by a chain of pairwise maxima. The intermediate maxima are computed from the
/// operands; the last one is the evaluator's `claim` when given, so a wrong claim leaves the system
/// unsatisfied.
fn window_pairwise(cs: &Cs, taps: &[&Signal], d: u8, claim: Option<i128>) -> Result<Signal> {
    let (first, rest) = taps.split_first().ok_or(SynthesisError::Unsatisfiable)?;
    let mut m = (*first).clone();
    for (t, xj) in rest.iter().enumerate() {
        m = max_pair(cs, &m, xj, d, if t + 1 == rest.len() { claim } else { None })?;
    }
    Ok(m)
}

/// `max(a, b)` of two values within a range of `2^d`: `d + 3` constraints (module docs). The
/// result's value is `claim` if given (the evaluator's), else computed.
fn max_pair(cs: &Cs, a: &Signal, b: &Signal, d: u8, claim: Option<i128>) -> Result<Signal> {
    let t_val = a.value.zip(b.value).map(|(a, b)| (a - b + (1i128 << d)) as u128);
    let (bits, t) = alloc_unsigned(cs, t_val, d + 1)?;
    let diff = a.lc.clone() - b.lc.clone();
    enforce_equal(cs, t, diff.clone() + constant(pow2(d as u32)))?;
    let s = *bits.last().ok_or(SynthesisError::Unsatisfiable)?;
    let m_val = claim.or(a.value.zip(b.value).map(|(a, b)| a.max(b)));
    let m = witness(cs, m_val.map(fr))?;
    enforce(cs, Lc::from(s), diff, Lc::from(m) - b.lc.clone())?;
    Ok(Signal { lc: Lc::from(m), value: m_val, bits: None })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::r1cs::testing::*;
    use proptest::prelude::*;
    use verinfer_ir::cost;

    use MaxPoolMethod::{Pairwise, Product};
    const METHODS: [(&str, MaxPoolMethod); 2] = [("product", Product), ("pairwise", Pairwise)];

    /// Satisfied?, constraints, outputs; the claim is the evaluator's output.
    fn run_with(
        g: MaxPoolMethod,
        values: &[i128],
        d: u8,
        windows: &[u32],
        size: usize,
        claim: &[i64],
    ) -> (bool, usize) {
        let cs = prover_cs();
        let x: Vec<Signal> = values.iter().map(|&v| signal(&cs, v)).collect();
        let before = cs.num_constraints();
        match max_pool_by(g, &cs, &x, (d, size, windows), Some(claim)) {
            Ok(_) => (satisfied(&cs), cs.num_constraints() - before),
            Err(_) => (false, 0),
        }
    }

    fn run(values: &[i128], windows: &[u32], size: usize, claim: &[i64]) -> (bool, usize) {
        run_with(Product, values, 8, windows, size, claim)
    }

    /// Flips every witness variable the gadget allocated, one at a time: each must break it.
    fn every_witness_matters(g: MaxPoolMethod, values: &[i128], d: u8) {
        let cs = prover_cs();
        let x: Vec<Signal> = values.iter().map(|&v| signal(&cs, v)).collect();
        let first = cs.num_witness_variables();
        let window: Vec<u32> = (0..values.len() as u32).collect();
        let max = *values.iter().max().unwrap() as i64;
        max_pool_by(g, &cs, &x, (d, values.len(), &window), Some(&[max])).unwrap();
        assert!(satisfied(&cs));
        for i in first..cs.num_witness_variables() {
            let v = ark_relations::gr1cs::Variable::witness(i);
            corrupt(&cs, v, Fr::from(1u64));
            assert!(!satisfied(&cs), "witness {i} corrupted but satisfied");
            corrupt(&cs, v, -Fr::from(1u64));
        }
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

        #[test]
        fn pairwise_computes_the_maximum_at_its_cost(
            values in prop::collection::vec(-(1i128 << 20)..(1 << 20), 1..12),
            size in 1usize..6,
        ) {
            let n = values.len();
            let windows: Vec<u32> = (0..2 * size).map(|t| ((t * 5 + 1) % n) as u32).collect();
            let honest: Vec<i64> = windows.chunks(size).map(|w| w.iter().map(|&j| values[j as usize] as i64).max().unwrap()).collect();
            let (ok, c) = run_with(Pairwise, &values, 21, &windows, size, &honest);
            prop_assert!(ok);
            prop_assert_eq!(c, 2 * (size - 1) * (21 + 3));
            // a wrong evaluator value leaves the system unsatisfied (a window of one element is
            // its operand's wire: nothing is claimed)
            let mut bad = honest.clone();
            bad[0] += 1;
            prop_assert_eq!(run_with(Pairwise, &values, 21, &windows, size, &bad).0, size == 1);
        }
    }

    #[test]
    fn the_cheaper_method_is_taken_at_the_cost_model_s_count() {
        for (size, d) in [(4usize, 11u8), (4, 28), (9, 6), (9, 7), (3, 8), (1, 8), (2, 2)] {
            let values: Vec<i128> = (0..size as i128).map(|i| (i * 37) % (1 << (d - 1))).collect();
            let window: Vec<u32> = (0..size as u32).collect();
            let max = *values.iter().max().unwrap() as i64;
            let cs = prover_cs();
            let x: Vec<Signal> = values.iter().map(|&v| signal(&cs, v)).collect();
            let before = cs.num_constraints();
            max_pool(&cs, &x, d, size, &window, Some(&[max])).unwrap();
            assert!(satisfied(&cs));
            assert_eq!(cs.num_constraints() - before, cost::max_pool(size, d), "K = {size}, d = {d}");
        }
    }

    #[test]
    fn nonnegative_operands_take_one_bit_less_and_stay_sound() {
        // ReLU outputs of 8-bit values lie in [0, 128): differences fit 7 bits, K (7 + 2) per output
        let window: Vec<u32> = (0..4).collect();
        let run7 = |g: MaxPoolMethod, claim: i64| run_with(g, &[0, 127, 5, 64], 7, &window, 4, &[claim]);
        assert_eq!(run7(Product, 127), (true, 4 * 9));
        assert_eq!(run7(Pairwise, 127), (true, 3 * 10));
        assert!(run_with(Product, &[0, 0, 0, 0], 7, &window, 4, &[0]).0);
        assert!(run_with(Pairwise, &[0, 0, 0, 0], 7, &window, 4, &[0]).0);
        // above the maximum, a non-member, or the maximum's neighbours
        for (name, g) in METHODS {
            for claim in [128, 126, 64 + 1, 5, 0, -1] {
                assert!(!run7(g, claim).0, "{name}: claim {claim}");
            }
            assert!(!run_with(g, &[3, 9, 5, 0], 7, &window, 4, &[10]).0, "{name}");
        }
    }

    #[test]
    fn wide_values_in_large_windows() {
        // nine 24-bit differences: their product overflows 128 bits (found by ONNX's node tests)
        let values: Vec<i128> = (0..9).map(|i| (i * 1_234_567) % (1 << 23) - (1 << 22)).collect();
        let windows: Vec<u32> = (0..9).collect();
        let max = *values.iter().max().unwrap() as i64;
        for (name, g) in METHODS {
            assert!(run_with(g, &values, 24, &windows, 9, &[max]).0, "{name}");
        }
    }

    #[test]
    fn soundness_a_value_above_the_window_or_a_non_member_is_rejected() {
        // window {3, 9, 5}: 10 is above all (no factor is zero); 9 is right; 7 is no member.
        for (claim, ok) in [(9i64, true), (10, false), (7, false), (3, false), (-1, false)] {
            assert_eq!(run(&[3, 9, 5], &[0, 1, 2], 3, &[claim]).0, ok, "claim {claim}");
        }
        // ties: the shared maximum
        assert!(run(&[4, 4, -2], &[0, 1, 2], 3, &[4]).0);
        assert!(run_with(Pairwise, &[4, 4, -2], 8, &[0, 1, 2], 3, &[4]).0);
        // a corrupted difference bit, product, maximum or pairwise sign
        for (_, g) in METHODS {
            every_witness_matters(g, &[3, 9, 5], 8);
            every_witness_matters(g, &[-128, 127, 127, 0], 8);
            every_witness_matters(g, &[7, 7], 8);
        }
    }

    #[test]
    fn soundness_pairwise_sign_cannot_pick_the_smaller_value() {
        // An all-honest witness for max(3, 9) except that the sign claims 3 >= 9 and the maximum
        // is 3: t = 3 - 9 + 256 = 250 has no decomposition with its top bit set.
        let cs = prover_cs();
        let x: Vec<Signal> = [3i128, 9].iter().map(|&v| signal(&cs, v)).collect();
        let first = cs.num_witness_variables();
        max_pool_by(Pairwise, &cs, &x, (8, 2, &[0, 1]), Some(&[9])).unwrap();
        assert!(satisfied(&cs));
        // bits of t are witnesses first..first + 9, the maximum the last
        let top = ark_relations::gr1cs::Variable::witness(first + 8);
        let m = ark_relations::gr1cs::Variable::witness(cs.num_witness_variables() - 1);
        set(&cs, top, Fr::from(1u64));
        set(&cs, m, Fr::from(3u64));
        assert!(!satisfied(&cs));
    }
}
