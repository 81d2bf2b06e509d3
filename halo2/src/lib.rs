//! verinfer's halo2 backend: the circuit IR lowered to PLONKish rows over the Pasta curves, proven
//! with halo2_proofs' IPA commitment (no trusted setup of any kind).
//!
//! - [`field`]: the Pasta field and the statement's encoding in it;
//! - [`poseidon`]: the statement's hash (halo2_poseidon's P128Pow5T3), native;
//! - [`layout`]: the row builder (one gate, range and table lookups, copies);
//! - [`circuit`]: the halo2 circuit of a layout;
//! - [`chips`]: one file per gadget, each written to the layout;
//! - [`statement`]: the statement's encoding (commitments, public inputs);
//! - [`model`]: the whole model's layout, [`witness`]: the statement it proves;
//! - [`keys`]: parameters, key generation, proving and verification;
//! - [`prover`]: setup and proving of a model;
//! - [`verifier`]: the verifier core's `Verifier` for halo2, and the key file.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod chips;
pub mod circuit;
pub mod field;
pub mod keys;
pub mod layout;
pub mod model;
pub mod poseidon;
pub mod prover;
pub mod statement;
pub mod verifier;
pub mod witness;

pub use circuit::LayoutCircuit;
pub use field::Fp;
pub use layout::Layout;
pub use verifier::Halo2;

use halo2_proofs::plonk::{Circuit, ConstraintSystem};

/// The smallest `k` (a circuit of `2^k` rows) that holds `layout`'s rows and tables and `public`
/// instance values, besides the rows halo2 reserves for blinding.
pub fn k_for(layout: &Layout, public: usize) -> u32 {
    let mut cs = ConstraintSystem::<Fp>::default();
    LayoutCircuit::configure(&mut cs);
    let reserved = cs.minimum_rows() - 1;
    let need = layout.len().max(layout.table_rows()).max(public) + reserved;
    need.next_power_of_two().trailing_zeros().max(4)
}

#[cfg(test)]
pub(crate) mod testing {
    use super::*;
    use halo2_proofs::dev::MockProver;
    use std::sync::Arc;

    /// Whether `layout` (with values) satisfies every constraint, with `public` as the instance.
    pub fn satisfied_with(mut layout: Layout, public: Vec<Fp>) -> bool {
        layout.finish();
        assert_eq!(layout.missing, 0, "a chip left a value out");
        let k = k_for(&layout, public.len());
        let circuit = LayoutCircuit { layout: Arc::new(layout) };
        let prover = MockProver::run(k, &circuit, vec![public]).expect("synthesis");
        prover.verify().is_ok()
    }

    /// [`satisfied_with`] without public inputs.
    pub fn satisfied(layout: Layout) -> bool {
        satisfied_with(layout, Vec::new())
    }

    /// Whether any constraint reads cell `(r, c)`: a gate term, a lookup, a copy or a public input.
    /// (Other cells are free: rows hold unused slots, and their values change nothing.)
    pub fn read(layout: &Layout, r: usize, c: usize) -> bool {
        let spec = &layout.rows[r];
        let g = &spec.gate;
        let zero = Fp::zero();
        let pos = layout::Pos { row: r as u32, col: c as u8 };
        g.q[c] != zero
            || (c < 2 && g.qm != zero)
            || (c < 3 && (spec.tags[c] != 0 || spec.table != 0))
            || (c == 3 && r > 0 && layout.rows[r - 1].gate.qn != zero)
            || layout.copies.iter().any(|&(x, y)| x == pos || y == pos)
            || layout.public.iter().any(|&(x, _)| x == pos)
    }

    /// Every advice cell a constraint reads, from row `from` on, set to its value plus one in
    /// turn: returns the cells whose corruption left the circuit satisfied.
    pub fn undetected_corruptions(layout: &Layout, from: usize) -> Vec<(usize, usize)> {
        let mut layout = layout.clone();
        layout.finish();
        let mut missed = Vec::new();
        for r in from..layout.values.len() {
            for c in (0..4).filter(|&c| read(&layout, r, c)) {
                let mut bad = layout.clone();
                bad.values[r][c] += Fp::one();
                if satisfied(bad) {
                    missed.push((r, c));
                }
            }
        }
        missed
    }
}

#[cfg(test)]
mod tests {
    use super::layout::{limb_widths, Layout};
    use super::testing::*;
    use super::*;
    use crate::field::fp;

    fn value(l: &mut Layout, v: i128) -> layout::Wire {
        l.witness(Some(fp(v)))
    }

    #[test]
    fn sums_products_and_range_checks_hold_for_honest_values() {
        let mut l = Layout::new(true);
        let xs: Vec<_> = (1..=7).map(|v| value(&mut l, v)).collect();
        let terms: Vec<_> = xs.iter().enumerate().map(|(i, x)| (fp(i as i128 - 2), *x)).collect();
        let s = l.lin(&terms, fp(5));
        assert_eq!(s.int(), Some((1..=7).map(|v| (v - 3) * v).sum::<i128>() + 5));
        let p = l.mul(s, xs[2]);
        assert_eq!(p.int(), s.int().map(|s| s * 3));
        l.decompose(p, fp(0), &limb_widths(20));
        let neg = value(&mut l, -200);
        l.decompose(neg, fp(1 << 15), &limb_widths(16));
        assert!(satisfied(l));
    }

    #[test]
    fn a_zero_width_range_is_zero_and_a_zero_width_split_is_its_high_part() {
        for (v, ok) in [(0i128, true), (1, false)] {
            let mut l = Layout::new(true);
            let x = value(&mut l, v);
            assert!(l.decompose(x, fp(0), &[]).is_empty());
            assert_eq!(satisfied(l), ok);
        }
        let mut l = Layout::new(true);
        let x = value(&mut l, 5);
        let (_, limbs, h) = l.split(layout::Cell::Copy(x), fp(2), &[], Some(Some(fp(7))));
        assert!(limbs.is_empty() && h.int() == Some(7));
        assert!(satisfied(l));
    }

    #[test]
    fn a_value_outside_its_range_is_refused() {
        for (v, bits, ok) in
            [(255i128, 8u8, true), (256, 8, false), (-1, 8, false), ((1 << 30) - 1, 30, true), (1 << 30, 30, false)]
        {
            let mut l = Layout::new(true);
            let x = value(&mut l, v);
            l.decompose(x, fp(0), &limb_widths(bits));
            assert_eq!(satisfied(l), ok, "{v} in {bits} bits");
        }
    }

    #[test]
    fn corrupting_any_cell_of_a_sum_or_decomposition_is_caught() {
        let mut l = Layout::new(true);
        let xs: Vec<_> = (1..=5).map(|v| value(&mut l, v * 11)).collect();
        let from = l.values.len();
        let terms: Vec<_> = xs.iter().map(|x| (fp(3), *x)).collect();
        let s = l.lin(&terms, fp(-4));
        l.decompose(s, fp(0), &limb_widths(12));
        let t = l.mul(s, xs[0]);
        let k = l.constant(fp(7));
        assert_eq!(t.int(), Some(491 * 11));
        l.assert_zero(&[(fp(1), t), (fp(-1), k)], fp(7 - 491 * 11));
        assert!(satisfied(l.clone()));
        assert_eq!(undetected_corruptions(&l, from), vec![]);
    }
}
