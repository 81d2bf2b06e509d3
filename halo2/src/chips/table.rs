//! Piecewise-linear tables (sigmoid, tanh, exp, GELU, ...): `verinfer_ir::func::table_eval`
//! enforced exactly, with a table lookup.
//!
//! `u = x + 2^(w-1) = h 2^L + l`: the low `L` bits `l` are limbs, the knot index `h` the next row's
//! `d`; the lookup row `(h, t[h], t[h+1])` of the node's table proves `0 <= h < 2^(w-L)` and reads
//! both knot values (so `x` lies in `w` bits). Then `l = x + 2^(w-1) - 2^L h`, `s = t[h+1] - t[h]`,
//! `Z = s l + 2^L t[h] + 2^(L-1)` (one product row) and `Z = r + 2^L y` with `r` in `L` bits and
//! `y` range-checked to the output width: `y` is the rounded interpolation. Rows for `L, w_out <=
//! 24`: 7 (split, lookup, `l`, `s`, `Z`, split, `y`'s check); with `L = 0`, `y = t[h]` and 2 rows.
//!
//! Sound: the limbs and the lookup make the decomposition of `u` unique; the knot values are the
//! table's at `h` (the lookup's tag picks this node's table); `r` in `[0, 2^L)` and every value far
//! below `p` make `y = floor(Z / 2^L)`, which is `table_eval`'s formula.
use crate::field::{fp, pow2, Fp};
use crate::layout::{limb_widths, Cell, Layout, Wire};
use ff::Field;

/// The table of a `w`-bit operand with `lo_bits` interpolated bits; `y` the output when proving.
pub fn table(l: &mut Layout, x: Wire, (w, lo_bits): (u8, u8), values: &[i64], w_out: u8, y: Option<i128>) -> Wire {
    let g = l.table_id(values);
    let off = pow2(w as u32 - 1);
    let u = x.int().map(|x| x + (1i128 << (w - 1)));
    let h_val = u.map(|u| u >> lo_bits);
    let knots = |i: i128| usize::try_from(i).ok().and_then(|i| values.get(i)).map(|&v| fp(v as i128));
    let t = (h_val.and_then(knots), h_val.and_then(|h| knots(h + 1)));
    let t = if l.witness { (t.0.or(Some(Fp::ZERO)), t.1.or(Some(Fp::ZERO))) } else { (None, None) };
    if lo_bits == 0 {
        let h = l.lin(&[(Fp::ONE, x)], off);
        return l.table_row(g, h, t).0;
    }
    let (_, _, h) = l.split(Cell::Copy(x), off, &limb_widths(lo_bits), Some(h_val.map(fp)));
    let (t0, t1) = l.table_row(g, h, t);
    let low = l.lin(&[(Fp::ONE, x), (-pow2(lo_bits as u32), h)], off);
    let slope = l.lin(&[(Fp::ONE, t1), (-Fp::ONE, t0)], Fp::ZERO);
    let z = l.mul_add((slope, low), (pow2(lo_bits as u32), t0), pow2(lo_bits as u32 - 1));
    let (_, _, yw) = l.split(Cell::Copy(z), Fp::ZERO, &limb_widths(lo_bits), Some(y.map(fp)));
    l.decompose(yw, pow2(w_out as u32 - 1), &limb_widths(w_out));
    yw
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::*;
    use verinfer_ir::func::table_eval;

    // w = 6, L = 2: 17 knots of y = (h - 8)^2 - 20
    fn knots() -> Vec<i64> {
        (0..17).map(|h| (h - 8) * (h - 8) - 20).collect()
    }

    fn build(x: i64, claim: i128, lo: u8) -> (Layout, usize) {
        let values = if lo == 2 { knots() } else { (0..65).map(|h| h - 30).collect() };
        let mut l = Layout::new(true);
        let xw = l.witness(Some(fp(x as i128)));
        let from = l.len();
        table(&mut l, xw, (6, lo), &values, 8, Some(claim));
        (l, from)
    }

    #[test]
    fn every_operand_gives_the_interpolation_and_only_it() {
        for x in -32i64..32 {
            let want = table_eval(x, 6, 2, &knots()).unwrap() as i128;
            let (mut l, from) = build(x, want, 2);
            assert!(satisfied(l.clone()), "t({x})");
            if x % 7 == 0 {
                assert_eq!(undetected_corruptions(&l, from), vec![]);
                for claim in [want - 1, want + 1] {
                    assert!(!satisfied(build(x, claim, 2).0), "t({x}) = {claim} accepted");
                }
            }
            l.finish();
            assert_eq!(l.len() - from, 7);
        }
        // outside the operand's width
        assert!(!satisfied(build(32, 0, 2).0));
        assert!(!satisfied(build(-33, 0, 2).0));
    }

    #[test]
    fn without_interpolated_bits_the_output_is_the_knot() {
        for x in [-32i64, 0, 31] {
            let want = table_eval(x, 6, 0, &(0..65).map(|h| h - 30).collect::<Vec<_>>()).unwrap() as i128;
            let (l, from) = build(x, want, 0);
            assert!(satisfied(l.clone()));
            assert_eq!(undetected_corruptions(&l, from), vec![]);
        }
        assert!(!satisfied(build(32, 0, 0).0));
    }
}
