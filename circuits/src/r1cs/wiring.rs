//! The free gadgets: element-wise weighted sums, sum pooling and gathers (Transpose, Concat, Slice,
//! Pad, broadcasts). Their outputs are linear combinations of their operands, so they add no
//! constraints; gathers keep each element's range-check bits, so a later ReLU or table reuses them.
use super::linear::{materialize, output_values};
use super::{constant, fr, Cs, Lc, Result, Signal};
use ark_relations::gr1cs::SynthesisError;

/// `y_i = sum_t c_t x_t[i]`; `y` holds the outputs' values when proving (the evaluator's).
pub fn sum(cs: &Cs, terms: &[(&[Signal], i64)], len: usize, y: Option<&[i64]>) -> Result<Vec<Signal>> {
    let values = output_values(y, len)?;
    let mut out: Vec<Signal> = values.into_iter().map(|value| Signal { lc: Lc::new(), value, bits: None }).collect();
    for (xs, c) in terms {
        if xs.len() != len {
            return Err(SynthesisError::Unsatisfiable);
        }
        for (y, x) in out.iter_mut().zip(xs.iter()) {
            let x = materialize(cs, x)?;
            y.lc = y.lc.clone() + x.lc * fr(*c as i128);
        }
    }
    Ok(out)
}

/// `y_i = sum_t x[windows[i * size + t]]`; `y` as in [`sum`].
pub fn sum_pool(cs: &Cs, x: &[Signal], size: usize, windows: &[u32], y: Option<&[i64]>) -> Result<Vec<Signal>> {
    let x: Vec<Signal> = x.iter().map(|s| materialize(cs, s)).collect::<Result<_>>()?;
    let values = output_values(y, windows.len().div_ceil(size.max(1)))?;
    windows
        .chunks(size.max(1))
        .zip(values)
        .map(|(w, value)| {
            let mut lc = Lc::new();
            for &j in w {
                lc = lc + x.get(j as usize).ok_or(SynthesisError::Unsatisfiable)?.lc.clone();
            }
            Ok(Signal { lc, value, bits: None })
        })
        .collect()
}

/// `y_i = sources[map_i.0][map_i.1]`, or the constant `constants[map_i.1]` where `map_i.0 == u32::MAX`.
pub fn gather(sources: &[&[Signal]], map: &[(u32, u32)], constants: &[i64]) -> Result<Vec<Signal>> {
    map.iter()
        .map(|&(s, j)| {
            if s == u32::MAX {
                let c = *constants.get(j as usize).ok_or(SynthesisError::Unsatisfiable)?;
                return Ok(Signal { lc: constant(fr(c as i128)), value: Some(c as i128), bits: None });
            }
            sources.get(s as usize).and_then(|v| v.get(j as usize)).cloned().ok_or(SynthesisError::Unsatisfiable)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::r1cs::testing::*;
    use ark_bn254::Fr;

    #[test]
    fn free_gadgets_are_their_operands_combinations_without_constraints() {
        let cs = prover_cs();
        let a: Vec<Signal> = [1i128, -2, 3].iter().map(|&v| signal(&cs, v)).collect();
        let b: Vec<Signal> = [10i128, 20, 30].iter().map(|&v| signal(&cs, v)).collect();
        let before = cs.num_constraints();
        let values = |cs: &Cs, s: &[Signal]| -> Vec<Fr> { s.iter().map(|x| evaluate(cs, &x.lc)).collect() };
        let frs = |v: &[i128]| -> Vec<Fr> { v.iter().map(|&x| fr(x)).collect() };
        let s = sum(&cs, &[(&a, 4), (&b, -1)], 3, Some(&[-6, -28, -18])).unwrap();
        assert_eq!(values(&cs, &s), frs(&[-6, -28, -18]));
        assert_eq!(s[1].value, Some(-28), "the evaluator's value is carried");
        let p = sum_pool(&cs, &a, 2, &[0, 1, 1, 2], Some(&[-1, 1])).unwrap();
        assert_eq!(values(&cs, &p), frs(&[-1, 1]));
        let g = gather(&[&a, &b], &[(1, 2), (u32::MAX, 0), (0, 0)], &[7]).unwrap();
        assert_eq!(g.iter().map(|x| x.value.unwrap()).collect::<Vec<_>>(), vec![30, 7, 1]);
        assert_eq!(cs.num_constraints(), before);
        assert!(gather(&[&a], &[(1, 0)], &[]).is_err(), "a missing operand is an error, not a panic");
        assert!(sum(&cs, &[(&a, 1)], 3, Some(&[1])).is_err(), "values of another length");
    }

    #[test]
    fn soundness_free_gadgets_carry_their_operands_constraints() {
        // The outputs are combinations of the operand wires: constrain a sum to a public value,
        // then corrupt an operand.
        let cs = prover_cs();
        let a: Vec<Signal> = [5i128, 6].iter().map(|&v| signal(&cs, v)).collect();
        let s = sum(&cs, &[(&a, 3)], 2, Some(&[15, 18])).unwrap();
        let p = sum_pool(&cs, &a, 2, &[0, 1], Some(&[11])).unwrap();
        crate::r1cs::enforce_equal(&cs, s[0].lc.clone(), constant(Fr::from(15u64))).unwrap();
        crate::r1cs::enforce_equal(&cs, p[0].lc.clone(), constant(Fr::from(11u64))).unwrap();
        assert!(satisfied(&cs));
        corrupt(&cs, a[1].lc.0[0].1, Fr::from(1u64));
        assert!(!satisfied(&cs));
    }
}
