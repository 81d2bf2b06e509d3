//! Piecewise-linear tables (sigmoid, tanh, exp, erf, GELU, ...): `verinfer_ir::func::table_eval`
//! enforced exactly.
//!
//! The operand `x` is decomposed into `w` offset-binary bits (reused when it is already
//! range-checked): `u = x + 2^(w-1) = h 2^L + l` with `h` the top `m = w - L` bits. The knot value
//! `t[h]` and the slope `t[h+1] - t[h]` are selected by their multilinear extensions over the bits of
//! `h`: every product of a subset of those bits is a variable (`2^m - m - 1` constraints, shared by
//! both), and each extension is a constant-coefficient combination of them, which equals the table
//! entry exactly when the bits are boolean. Then one constraint gives `P = slope * l`, and
//! `y 2^L + r = t[h] 2^L + P + 2^(L-1)` with `y` range-checked to the output width and `r` to `L`
//! bits makes `y` the rounded interpolation. Cost per element: `2^m - m - 1 + 1 + w_out + L + 1`
//! (plus `w + 1` if `x` has no bits yet).
use super::range::{alloc_signed, alloc_unsigned, range_check};
use super::{bits_lc, constant, enforce, enforce_equal, fr, pow2, witness, Cs, Lc, RangeBits, Result, Signal};
use ark_bn254::Fr;
use ark_relations::gr1cs::{SynthesisError, Variable};

/// Coefficients of the multilinear polynomial over `m` bits that takes `g[h]` at each `h`
/// (Moebius transform: `c[S] = sum_{T subset of S} (-1)^{|S - T|} g[T]`).
fn multilinear(g: &[i128]) -> Vec<i128> {
    let mut c = g.to_vec();
    let mut bit = 1;
    while bit < c.len() {
        for s in 0..c.len() {
            if s & bit != 0 {
                c[s] -= c[s ^ bit];
            }
        }
        bit <<= 1;
    }
    c
}

/// Every product of a subset of `bits` (index = subset mask; entry 0 is the constant 1).
fn monomials(cs: &Cs, bits: &[Variable], values: Option<&[bool]>) -> Result<Vec<(Lc, Option<bool>)>> {
    let mut out: Vec<(Lc, Option<bool>)> = vec![(constant(Fr::from(1u64)), Some(true))];
    for (i, &b) in bits.iter().enumerate() {
        let bv = values.map(|v| v[i]);
        for s in 0..out.len() {
            let (lc, val) = out[s].clone();
            let v = val.zip(bv).map(|(x, y)| x && y);
            if s == 0 {
                out.push((Lc::from(b), bv));
            } else {
                let p = witness(cs, v.map(|v| Fr::from(v as u64)))?;
                enforce(cs, lc, Lc::from(b), Lc::from(p))?;
                out.push((Lc::from(p), v));
            }
        }
    }
    Ok(out)
}

/// `table_eval(x, w, lo_bits, values)` with the output range-checked to `w_out` bits; `y` is the
/// witness when proving.
pub fn table(cs: &Cs, x: &Signal, w: u8, lo_bits: u8, values: &[i64], w_out: u8, y: Option<i128>) -> Result<Signal> {
    let m = w.checked_sub(lo_bits).filter(|&m| m >= 1).ok_or(SynthesisError::Unsatisfiable)?;
    if values.len() != (1usize << m) + 1 {
        return Err(SynthesisError::Unsatisfiable);
    }
    let bits: RangeBits = match &x.bits {
        Some(b) if b.vars.len() == w as usize => b.clone(),
        _ => range_check(cs, x, w)?,
    };
    let u = x.value.map(|v| (v + (1i128 << (w - 1))) as u128);
    let (lo, hi) = bits.vars.split_at(lo_bits as usize);
    let hi_vals: Option<Vec<bool>> = u.map(|u| (0..m).map(|i| (u >> (lo_bits + i)) & 1 == 1).collect());
    let mono = monomials(cs, hi, hi_vals.as_deref())?;
    let t: Vec<i128> = values[..1 << m].iter().map(|&v| v as i128).collect();
    let d: Vec<i128> = values.windows(2).map(|p| p[1] as i128 - p[0] as i128).collect();
    let combine = |g: &[i128]| -> Lc {
        let mut lc = Lc::new();
        for (c, (mono, _)) in multilinear(g).iter().zip(&mono) {
            if *c != 0 {
                lc = lc + mono.clone() * fr(*c);
            }
        }
        lc
    };
    let t_lc = combine(&t);
    if lo_bits == 0 {
        let value = u.map(|u| t[u as usize]);
        return Ok(Signal { lc: t_lc, value, bits: None });
    }
    let h = u.map(|u| (u >> lo_bits) as usize);
    let l = u.map(|u| (u & ((1u128 << lo_bits) - 1)) as i128);
    let p_val = h.zip(l).map(|(h, l)| d[h] * l);
    let p = witness(cs, p_val.map(fr))?;
    enforce(cs, combine(&d), bits_lc(lo), Lc::from(p))?;
    let y_sig = alloc_signed(cs, y, w_out)?;
    let half = 1i128 << (lo_bits - 1);
    let r_val = h.zip(p_val).zip(y).map(|((h, p), y)| ((t[h] << lo_bits) + p + half - (y << lo_bits)) as u128);
    let (_, r) = alloc_unsigned(cs, r_val, lo_bits)?;
    let scale = pow2(lo_bits as u32);
    enforce_equal(cs, y_sig.lc.clone() * scale + r, t_lc * scale + Lc::from(p) + constant(fr(half)))?;
    Ok(y_sig)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::r1cs::testing::*;
    use proptest::prelude::*;
    use verinfer_ir::func::table_eval;

    /// A sigmoid-like table over a `w`-bit operand, output scale 2^10.
    fn sigmoid_table(w: u8, lo: u8) -> Vec<i64> {
        let m = w - lo;
        (0..=(1u32 << m))
            .map(|h| {
                let x = ((h as i64) << lo) - (1i64 << (w - 1));
                let xr = x as f64 / (1u64 << (w - 4)) as f64;
                (1024.0 / (1.0 + (-xr).exp())).round() as i64
            })
            .collect()
    }

    fn run(x: i128, w: u8, lo: u8, claim: Option<i128>) -> (bool, usize, Option<i128>) {
        let t = sigmoid_table(w, lo);
        let cs = prover_cs();
        let xs = signal(&cs, x);
        let bits = range_check(&cs, &xs, w).unwrap();
        let xs = Signal { bits: Some(bits), ..xs };
        let before = cs.num_constraints();
        let honest = table_eval(x as i64, w, lo, &t).map(|v| v as i128);
        let y = table(&cs, &xs, w, lo, &t, 12, claim.or(honest)).unwrap();
        (satisfied(&cs), cs.num_constraints() - before, y.value)
    }

    proptest! {
        #[test]
        fn matches_the_integer_semantics(raw in any::<i32>(), (w, lo) in (8u8..13).prop_flat_map(|w| (Just(w), 0u8..(w - 3)))) {
            let x = (raw as i128).rem_euclid(1 << w) - (1 << (w - 1));
            let (ok, cost, y) = run(x, w, lo, None);
            prop_assert!(ok);
            let m = (w - lo) as usize;
            let expect = (1 << m) - m - 1 + if lo == 0 { 0 } else { 1 + 12 + lo as usize + 1 };
            prop_assert_eq!(cost, expect);
            prop_assert_eq!(y, table_eval(x as i64, w, lo, &sigmoid_table(w, lo)).map(|v| v as i128));
        }
    }

    #[test]
    fn multilinear_extension_interpolates() {
        let g = [5i128, -3, 7, 100, 0, 1, 2, 3];
        let c = multilinear(&g);
        for (h, want) in g.iter().enumerate() {
            let v: i128 = c.iter().enumerate().filter(|(s, _)| s & !h == 0).map(|(_, c)| c).sum();
            assert_eq!(v, *want);
        }
    }

    #[test]
    fn soundness_wrong_output_is_rejected() {
        for x in [-1000i128, -1, 0, 5, 1023] {
            let honest = run(x, 11, 4, None).2.unwrap();
            for claim in [honest - 1, honest + 1] {
                assert!(!run(x, 11, 4, Some(claim)).0, "table({x}) = {claim} accepted (honest {honest})");
            }
        }
    }

    #[test]
    fn soundness_every_witness_is_bound() {
        // Corrupt each variable the gadget allocated (monomials, product, output bits, remainder
        // bits), one at a time: every change leaves the system unsatisfied.
        let (w, lo) = (9u8, 3u8);
        let t = sigmoid_table(w, lo);
        let x = 77i128;
        let cs = prover_cs();
        let xs = signal(&cs, x);
        let bits = range_check(&cs, &xs, w).unwrap();
        let xs = Signal { bits: Some(bits), ..xs };
        let first = cs.num_witness_variables();
        table(&cs, &xs, w, lo, &t, 12, table_eval(x as i64, w, lo, &t).map(|v| v as i128)).unwrap();
        assert!(satisfied(&cs));
        let last = cs.num_witness_variables();
        for i in first..last {
            let v = Variable::witness(i);
            corrupt(&cs, v, Fr::from(1u64));
            assert!(!satisfied(&cs), "witness {i} is free");
            corrupt(&cs, v, -Fr::from(1u64));
        }
        // and so is the operand
        corrupt(&cs, xs.lc.0[0].1, Fr::from(1u64));
        assert!(!satisfied(&cs));
    }
}
