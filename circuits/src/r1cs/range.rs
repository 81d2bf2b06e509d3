//! Range checks by bit decomposition.
//!
//! `alloc_unsigned` allocates `w` boolean variables (`b * (1 - b) = 0`, one constraint each) and
//! returns their weighted sum, which lies in `[0, 2^w)` by construction. `range_check` decomposes an
//! existing signed wire `x` in offset binary (`x + 2^(w-1) = sum 2^i b_i`, one more constraint), which
//! proves `x` in `[-2^(w-1), 2^(w-1))`. Cost: `w` and `w + 1` constraints.
use super::{bits_lc, constant, enforce, enforce_equal, fr, pow2, witness, Cs, Lc, RangeBits, Result, Signal};
use ark_bn254::Fr;
use ark_relations::gr1cs::Variable;

/// `w` boolean variables holding the bits of `value` (which must be below `2^w` when proving).
pub fn alloc_unsigned(cs: &Cs, value: Option<u128>, w: u8) -> Result<(Vec<Variable>, Lc)> {
    alloc_unsigned_limbs(cs, value.map(|v| [v as u64, (v >> 64) as u64]).as_ref().map(|l| l.as_slice()), w as u32)
}

/// `w` boolean variables holding the low `w` bits of a wide unsigned value given as little-endian
/// 64-bit limbs (bits past the last limb are 0), and their weighted sum. `w` constraints.
pub fn alloc_unsigned_limbs(cs: &Cs, value: Option<&[u64]>, w: u32) -> Result<(Vec<Variable>, Lc)> {
    let one = Fr::from(1u64);
    let mut vars = Vec::with_capacity(w as usize);
    for i in 0..w {
        let bit = value.map(|l| {
            let limb = l.get((i / 64) as usize).copied().unwrap_or(0);
            if (limb >> (i % 64)) & 1 == 1 {
                one
            } else {
                Fr::from(0u64)
            }
        });
        let b = witness(cs, bit)?;
        // b * (1 - b) = 0
        enforce(cs, Lc::from(b), constant(one) - b, Lc::new())?;
        vars.push(b);
    }
    let lc = bits_lc(&vars);
    Ok((vars, lc))
}

/// Offset of a signed width-`w` value.
pub fn offset(w: u8) -> i128 {
    1i128 << (w - 1)
}

/// Proves `x` in `[-2^(w-1), 2^(w-1))`; returns its bits.
pub fn range_check(cs: &Cs, x: &Signal, w: u8) -> Result<RangeBits> {
    let u = x.value.map(|v| (v + offset(w)) as u128);
    let (vars, lc) = alloc_unsigned(cs, u, w)?;
    enforce_equal(cs, lc, x.lc.clone() + constant(fr(offset(w))))?;
    Ok(RangeBits { vars })
}

/// A fresh signed value in `[-2^(w-1), 2^(w-1))`, defined by its bits (`w` constraints).
pub fn alloc_signed(cs: &Cs, value: Option<i128>, w: u8) -> Result<Signal> {
    let u = value.map(|v| (v + offset(w)) as u128);
    let (vars, lc) = alloc_unsigned(cs, u, w)?;
    Ok(Signal { lc: lc - constant(pow2(w as u32 - 1)), value, bits: Some(RangeBits { vars }) })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::r1cs::testing::*;

    #[test]
    fn accepts_the_range_and_costs_w_plus_one() {
        for v in [-128i128, -1, 0, 5, 127] {
            let cs = prover_cs();
            let x = signal(&cs, v);
            let before = cs.num_constraints();
            range_check(&cs, &x, 8).unwrap();
            assert_eq!(cs.num_constraints() - before, 9);
            assert!(satisfied(&cs), "{v} is in range");
        }
    }

    #[test]
    fn soundness_out_of_range_value_has_no_decomposition() {
        // An honest witness for 127, then the wire moved to 128: no bit pattern can fix it.
        let cs = prover_cs();
        let x = signal(&cs, 127);
        let bits = range_check(&cs, &x, 8).unwrap();
        let var = x.lc.0[0].1;
        corrupt(&cs, var, Fr::from(1u64));
        assert!(!satisfied(&cs));
        // Claiming the bits of 128 (all low bits zero, a ninth "bit" doesn't exist) also fails:
        for b in &bits.vars {
            set(&cs, *b, Fr::from(0u64));
        }
        assert!(!satisfied(&cs));
    }

    #[test]
    fn soundness_non_boolean_bit_is_rejected() {
        // x = 2 as bits: set b0 = 2, b1 = 0 keeps the sum right but breaks booleanity.
        let cs = prover_cs();
        let x = signal(&cs, 2 - 128);
        let bits = range_check(&cs, &x, 8).unwrap();
        assert!(satisfied(&cs));
        set(&cs, bits.vars[1], Fr::from(0u64));
        set(&cs, bits.vars[0], Fr::from(2u64));
        assert!(!satisfied(&cs));
    }
}
