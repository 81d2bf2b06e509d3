//! Products of two tensors: element-wise `y_i = a_i b_i` (one constraint each) and the batched matrix
//! product `y[t, i, j] = sum_l a[t, i, l] b[t, l, j]` (one constraint per term, the sum is free).
//! Both are exact: the IR bounds the operands statically, so no product wraps around the field.
use super::linear::output_values;
use super::{enforce, fr, witness, Cs, Lc, Result, Signal};
use ark_relations::gr1cs::SynthesisError;

/// `a * b` as a fresh variable (one constraint): an intermediate product, whose value no tensor
/// of the IR holds, computed from the operands'.
pub fn product(cs: &Cs, a: &Signal, b: &Signal) -> Result<Signal> {
    product_holding(cs, a, b, a.value.zip(b.value).map(|(x, y)| x * y))
}

/// `a * b` as a fresh variable (one constraint) holding `value` (when proving).
fn product_holding(cs: &Cs, a: &Signal, b: &Signal, value: Option<i128>) -> Result<Signal> {
    let v = witness(cs, value.map(fr))?;
    enforce(cs, a.lc.clone(), b.lc.clone(), Lc::from(v))?;
    Ok(Signal { lc: Lc::from(v), value, bits: None })
}

/// Element-wise product; `y` holds the outputs' values when proving (the evaluator's).
pub fn mul(cs: &Cs, a: &[Signal], b: &[Signal], y: Option<&[i64]>) -> Result<Vec<Signal>> {
    if a.len() != b.len() {
        return Err(SynthesisError::Unsatisfiable);
    }
    let values = output_values(y, a.len())?;
    a.iter().zip(b).zip(values).map(|((x, z), v)| product_holding(cs, x, z, v)).collect()
}

/// Batched matrix product of `a` (`[batch, m, k]`) and `b` (`[batch, k, n]`); `y` as in [`mul`].
/// The term products are intermediate witnesses (no tensor of the IR holds them), computed here.
pub fn matmul(cs: &Cs, a: &[Signal], b: &[Signal], dims: [usize; 4], y: Option<&[i64]>) -> Result<Vec<Signal>> {
    let [batch, m, k, n] = dims;
    if a.len() != batch * m * k || b.len() != batch * k * n {
        return Err(SynthesisError::Unsatisfiable);
    }
    let values = output_values(y, batch * m * n)?;
    let mut out = Vec::with_capacity(batch * m * n);
    for t in 0..batch {
        for i in 0..m {
            for j in 0..n {
                let mut lc = Lc::new();
                for l in 0..k {
                    let p = product(cs, &a[(t * m + i) * k + l], &b[(t * k + l) * n + j])?;
                    lc = lc + p.lc;
                }
                out.push(Signal { lc, value: values[out.len()], bits: None });
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::r1cs::testing::*;
    use ark_bn254::Fr;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn matmul_matches_the_reference(
            (batch, m, k, n) in (1usize..3, 1usize..4, 1usize..4, 1usize..4),
            seed in any::<u64>(),
        ) {
            let cs = prover_cs();
            let val = |i: usize| ((seed.wrapping_mul(i as u64 + 7) >> 20) % 201) as i128 - 100;
            let a: Vec<Signal> = (0..batch * m * k).map(|i| signal(&cs, val(i))).collect();
            let b: Vec<Signal> = (0..batch * k * n).map(|i| signal(&cs, val(i + 1000))).collect();
            let mut want = Vec::new();
            for t in 0..batch {
                for i in 0..m {
                    for j in 0..n {
                        want.push((0..k).map(|l| val((t * m + i) * k + l) * val(1000 + (t * k + l) * n + j)).sum::<i128>());
                    }
                }
            }
            let before = cs.num_constraints();
            let y_vals: Vec<i64> = want.iter().map(|&v| v as i64).collect();
            let y = matmul(&cs, &a, &b, [batch, m, k, n], Some(&y_vals)).unwrap();
            prop_assert_eq!(cs.num_constraints() - before, batch * m * n * k);
            for (s, w) in y.iter().zip(&want) {
                prop_assert_eq!(evaluate(&cs, &s.lc), fr(*w), "the sum of the products is the reference");
            }
            prop_assert!(satisfied(&cs));
        }
    }

    #[test]
    fn soundness_wrong_product_is_rejected() {
        let cs = prover_cs();
        let a = [signal(&cs, 6), signal(&cs, -3)];
        let b = [signal(&cs, 7), signal(&cs, 5)];
        let y = mul(&cs, &a, &b, Some(&[42, -15])).unwrap();
        assert_eq!(y[1].value, Some(-15));
        assert!(satisfied(&cs));
        // a wrong value from the evaluator is a wrong product witness
        let cs_bad = prover_cs();
        let (a2, b2) = ([signal(&cs_bad, 6)], [signal(&cs_bad, 7)]);
        mul(&cs_bad, &a2, &b2, Some(&[43])).unwrap();
        assert!(!satisfied(&cs_bad));
        corrupt(&cs, y[0].lc.0[0].1, ark_bn254::Fr::from(1u64));
        assert!(!satisfied(&cs));
    }

    #[test]
    fn soundness_wrong_matmul_term_is_rejected() {
        let cs = prover_cs();
        let a: Vec<Signal> = [1i128, 2, 3, 4].iter().map(|&v| signal(&cs, v)).collect();
        let b: Vec<Signal> = [5i128, 6, 7, 8].iter().map(|&v| signal(&cs, v)).collect();
        let y = matmul(&cs, &a, &b, [1, 2, 2, 2], Some(&[19, 22, 43, 50])).unwrap();
        let sums: Vec<Fr> = y.iter().map(|s| evaluate(&cs, &s.lc)).collect();
        assert_eq!(sums, [19u64, 22, 43, 50].map(Fr::from));
        assert!(satisfied(&cs));
        // every product variable is bound: corrupt each in turn
        for (_, v) in y[3].lc.0.iter() {
            let cs2 = cs.clone();
            corrupt(&cs2, *v, ark_bn254::Fr::from(1u64));
            assert!(!satisfied(&cs2));
            corrupt(&cs2, *v, -ark_bn254::Fr::from(1u64));
        }
    }
}
