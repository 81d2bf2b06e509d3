//! Linear maps with constant weights: `y = W x + b` and element-wise `y = m * x + a`. They are linear
//! combinations of their operands and cost no constraints; an operand whose wire is itself a long
//! combination (bits of a range check) is first made a single variable (one constraint) so that the
//! constraint matrices stay sparse.
use super::{constant, enforce_equal, fr, witness, Cs, Lc, Result, Signal};
use ark_bn254::Fr;

/// `s` as a single variable, or `s` itself if it already is one.
pub fn materialize(cs: &Cs, s: &Signal) -> Result<Signal> {
    if s.lc.0.len() <= 1 {
        return Ok(s.clone());
    }
    let v = witness(cs, s.value.map(fr))?;
    enforce_equal(cs, Lc::from(v), s.lc.clone())?;
    Ok(Signal { lc: Lc::from(v), value: s.value, bits: s.bits.clone() })
}

/// `y = W x + b` with `W` row-major `rows x cols`.
pub fn linear(cs: &Cs, x: &[Signal], rows: usize, cols: usize, weights: &[i64], bias: &[i64]) -> Result<Vec<Signal>> {
    let x: Vec<Signal> = x.iter().map(|s| materialize(cs, s)).collect::<Result<_>>()?;
    let xv: Option<Vec<i128>> = x.iter().map(|s| s.value).collect();
    Ok((0..rows)
        .map(|r| {
            let row = &weights[r * cols..(r + 1) * cols];
            let mut terms: Vec<(Fr, ark_relations::gr1cs::Variable)> = Vec::with_capacity(cols + 1);
            for (w, s) in row.iter().zip(&x) {
                if *w != 0 {
                    for (c, v) in s.lc.0.iter() {
                        terms.push((fr(*w as i128) * c, *v));
                    }
                }
            }
            let mut lc = Lc::from_sum_coeff_vars(&terms);
            if bias[r] != 0 {
                lc = lc + constant(fr(bias[r] as i128));
            }
            let value = xv.as_ref().map(|xv| row.iter().zip(xv).fold(bias[r] as i128, |a, (&w, &v)| a + w as i128 * v));
            Signal { lc, value, bits: None }
        })
        .collect())
}

/// `y_i = mul_i * x_i + add_i`.
pub fn affine(x: &[Signal], mul: &[i64], add: &[i64]) -> Vec<Signal> {
    x.iter()
        .zip(mul.iter().zip(add))
        .map(|(s, (&m, &a))| Signal {
            lc: s.lc.clone() * fr(m as i128) + constant(fr(a as i128)),
            value: s.value.map(|v| v * m as i128 + a as i128),
            bits: None,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::r1cs::range::alloc_signed;
    use crate::r1cs::testing::*;

    #[test]
    fn dense_map_is_free_on_single_variables_and_exact() {
        let cs = prover_cs();
        let x: Vec<Signal> = [3i128, -2, 5].iter().map(|&v| signal(&cs, v)).collect();
        let before = cs.num_constraints();
        let y = linear(&cs, &x, 2, 3, &[1, 2, 3, -1, 0, 4], &[10, -10]).unwrap();
        assert_eq!(cs.num_constraints(), before);
        assert_eq!(y[0].value, Some(3 - 4 + 15 + 10));
        assert_eq!(y[1].value, Some(-3 + 20 - 10));
    }

    #[test]
    fn soundness_materialized_operand_must_equal_its_bits() {
        let cs = prover_cs();
        let x = alloc_signed(&cs, Some(-3), 8).unwrap();
        let m = materialize(&cs, &x).unwrap();
        assert!(satisfied(&cs));
        corrupt(&cs, m.lc.0[0].1, Fr::from(1u64));
        assert!(!satisfied(&cs));
    }
}
