//! Seeded sampling: the public index is the class drawn from the logits with the statement's
//! randomness, exactly as `verinfer_ir::sampling` defines it (the Groth16 gadget's four parts, in
//! rows).
//!
//! - [`random_u64`]: `r = u mod 2^64` of a Poseidon output `u`: `u = r + 2^64 h` in byte limbs with
//!   the decomposition forced canonical (`h <= (p-1) >> 64` by a range check of the difference,
//!   and `r <= (p-1) mod 2^64` when they are equal, by an is-zero flag), so `u + p` cannot be used.
//!   About 31 rows.
//! - [`exp_prefix`]: the maximum `m` (every `c (m - o_j)` is range-checked, so `m >= o_j`, and the
//!   product of the differences is zero, so `m` is one of them); per class the exponent
//!   `y_j = c (m - o_j)` in limbs that expose its five cut-off bits and its top 16 fractional bits
//!   `t`, the cut-off flag `[y_j >> (F + 5) = 0]`, `2^(31 - a)` as a product of five bit-selected
//!   constants, `W(t)` from `t, t^2, t^3, t^4`, and the prefix sum `C(j) = C(j-1) + w_j`.
//! - [`top_k_mask`]: booleans `mu_j` with `sum mu_j = k`, against a witness threshold `tau`:
//!   `key_j - tau >= 0` where `mu_j = 1`, `tau - 1 - key_j >= 0` where `mu_j = 0`, on the distinct
//!   keys `key_j = n o_j + (n - 1 - j)`: the `k` largest, whatever `tau` is.
//! - [`select`]: a one-hot selector of the index picks `C(k-1)` and `C(k)`, and two range checks
//!   prove `C(k-1) 2^64 <= r C(n-1) < C(k) 2^64`.
//!
//! Sound as the Groth16 gadget is: every value is an integer far below `p` (the IR bounds the
//! exponent to 120 bits and a weight to 119), so each range check is an integer inequality.
use crate::field::{fp, pow2, Fp};
use crate::layout::{limb_widths, Cell, Gate, Layout, RowSpec, Wire};
use ff::{Field, PrimeField};
use verinfer_ir::sampling::{Draw, Softmax, CUTOFF_LOG2, EXP2_POLY, POLY_T_BITS, WEIGHT_BITS};
use verinfer_ir::Sampling;

/// `[x = 0]` (two rows: `x inv + z - 1 = 0`, `x z = 0`).
fn is_zero(l: &mut Layout, x: Wire) -> Wire {
    let z_val = x.value.map(|v| if v == Fp::ZERO { Fp::ONE } else { Fp::ZERO });
    let inv = x.value.map(|v| Option::<Fp>::from(v.invert()).unwrap_or(Fp::ZERO));
    let gate = Gate { q: [Fp::ZERO, Fp::ZERO, Fp::ONE, Fp::ZERO], qm: Fp::ONE, qk: -Fp::ONE, qn: Fp::ZERO };
    let w =
        l.row([Cell::Copy(x), Cell::New(inv), Cell::New(z_val), Cell::Empty], RowSpec { gate, ..RowSpec::default() });
    l.assert_product_zero(x, w[2]);
    w[2]
}

/// `sum_i limbs_i 2^(offset_i)` of consecutive limbs of the given widths, starting at bit `shift`.
fn recompose(l: &mut Layout, limbs: &[Wire], widths: &[u8], shift: u32) -> Wire {
    let mut pos = shift;
    let terms: Vec<(Fp, Wire)> = limbs
        .iter()
        .zip(widths)
        .map(|(w, &b)| {
            let t = (pow2(pos), *w);
            pos += b as u32;
            t
        })
        .collect();
    l.lin(&terms, Fp::ZERO)
}

/// `r = u mod 2^64` of the canonical integer of `u`.
pub fn random_u64(l: &mut Layout, u: Wire) -> Wire {
    let p1 = (-Fp::ONE).to_repr(); // p - 1, little-endian
    let mut hi = [0u8; 32];
    hi[..24].copy_from_slice(&p1[8..]);
    let h_max = Option::<Fp>::from(Fp::from_repr(hi)).unwrap_or(Fp::ZERO);
    let p_low = u64::from_le_bytes(p1[..8].try_into().unwrap_or([0; 8]));
    // u = r + 2^64 h in 32 byte limbs (255 bits; canonical by the checks below)
    let limbs = l.decompose_field_element(u);
    let mut widths = vec![8u8; 31];
    widths.push(7);
    let r = recompose(l, &limbs[..8], &widths[..8], 0);
    let h = recompose(l, &limbs[8..], &widths[8..], 0);
    // h <= h_max
    let delta = l.lin(&[(-Fp::ONE, h)], h_max);
    l.decompose(delta, Fp::ZERO, &limb_widths(191));
    // h = h_max => r <= p_low: eq (p_low - r) in [0, 2^64)
    let eq = is_zero(l, delta);
    let slack = l.lin(&[(-Fp::ONE, r)], Fp::from(p_low));
    let t = l.mul(eq, slack);
    l.decompose(t, Fp::ZERO, &limb_widths(64));
    r
}

/// `prev + k prod(wires)` as a wire.
fn add_product(l: &mut Layout, prev: Wire, k: Fp, wires: &[Wire]) -> Wire {
    let Some((last, rest)) = wires.split_last() else {
        return l.lin(&[(Fp::ONE, prev)], k);
    };
    let mut acc: Option<Wire> = None;
    for w in rest {
        acc = Some(match acc {
            None => l.lin(&[(k, *w)], Fp::ZERO),
            Some(a) => l.mul(a, *w),
        });
    }
    let acc = acc.unwrap_or_else(|| l.constant(k));
    l.mul_add((acc, *last), (Fp::ONE, prev), Fp::ZERO)
}

/// The prefix sums `C(0), ..., C(n-1)` of the weights of `outs` under `softmax`, masked by `mask`.
pub fn exp_prefix(
    l: &mut Layout,
    outs: &[Wire],
    w: u8,
    softmax: &Softmax,
    mask: Option<&[Wire]>,
    draw: Option<&Draw>,
) -> Vec<Wire> {
    let c = Fp::from(softmax.exp_coef);
    let f = softmax.exp_frac_bits as u32;
    let ybits = softmax.exponent_bits(w);
    let m = l.witness(draw.map(|d| fp(d.max as i128)));
    let d: Vec<Wire> = outs.iter().map(|o| l.lin(&[(Fp::ONE, m), (-Fp::ONE, *o)], Fp::ZERO)).collect();
    if let Some((first, rest)) = d.split_first() {
        let mut acc = *first;
        for (i, dj) in rest.iter().enumerate() {
            if i + 1 == rest.len() {
                l.assert_product_zero(acc, *dj);
            } else {
                acc = l.mul(acc, *dj);
            }
        }
        if rest.is_empty() {
            l.assert_zero(&[(Fp::ONE, acc)], Fp::ZERO);
        }
    }
    // y's limbs: [0, f - 16) | t: 16 bits | five cut-off bits | the high bits
    let t_from = f.saturating_sub(POLY_T_BITS);
    let cut = (f + CUTOFF_LOG2).min(ybits);
    let mut widths = limb_widths(t_from as u8);
    let t_at = widths.len();
    widths.extend(limb_widths((f - t_from) as u8));
    let bits_at = widths.len();
    widths.extend(std::iter::repeat_n(1u8, cut.saturating_sub(f) as usize));
    let high_at = widths.len();
    widths.extend(limb_widths(ybits.saturating_sub(cut) as u8));
    let mut prefix = Vec::with_capacity(outs.len());
    let mut prev = l.constant(Fp::ZERO);
    for (j, dj) in d.iter().enumerate() {
        let y = l.lin_as(&[(c, *dj)], Fp::ZERO, draw.and_then(|dr| dr.exponents.get(j)).map(|&y| fp(y as i128)));
        let limbs = l.decompose(y, Fp::ZERO, &widths);
        let mut factors: Vec<Wire> = Vec::with_capacity(8);
        let mut k = Fp::ONE;
        if high_at < widths.len() {
            let high = recompose(l, &limbs[high_at..], &widths[high_at..], 0);
            factors.push(is_zero(l, high));
        }
        for i in 0..CUTOFF_LOG2 as usize {
            let big = pow2(1 << i);
            match limbs.get(bits_at + i).filter(|_| bits_at + i < high_at) {
                Some(b) => factors.push(l.lin(&[(Fp::ONE - big, *b)], big)),
                None => k *= big,
            }
        }
        // t: the top 16 fractional bits (shifted up when f < 16)
        let coef: Vec<Fp> = EXP2_POLY.iter().map(|&k| fp(k as i128)).collect();
        let scale = |i: usize| pow2(POLY_T_BITS * (4 - i as u32));
        if f == 0 {
            k *= coef[0] * scale(0);
        } else {
            let t = recompose(l, &limbs[t_at..bits_at], &widths[t_at..bits_at], POLY_T_BITS - (f - t_from));
            let t2 = l.mul(t, t);
            let t3 = l.mul(t2, t);
            let t4 = l.mul(t2, t2);
            let terms = [(coef[1] * scale(1), t), (coef[2] * scale(2), t2), (coef[3] * scale(3), t3), (coef[4], t4)];
            factors.push(l.lin(&terms, coef[0] * scale(0)));
        }
        if let Some(mask) = mask {
            factors.push(mask[j]);
        }
        prev = add_product(l, prev, k, &factors);
        prefix.push(prev);
    }
    prefix
}

/// Top-k membership booleans of `outs` (`w`-bit logits): exactly the `k` largest keys.
pub fn top_k_mask(l: &mut Layout, outs: &[Wire], w: u8, k: u32, draw: Option<&Draw>) -> Vec<Wire> {
    let n = outs.len();
    let width = (128 - ((n as u128) << w).saturating_sub(1).leading_zeros()) as u8;
    let tk = draw.and_then(|d| d.top_k.as_ref());
    let tau = l.witness(tk.map(|(_, t)| fp(*t)));
    let members: Vec<Option<Fp>> =
        (0..n).map(|j| tk.and_then(|(m, _)| m.get(j)).map(|&m| Fp::from(u64::from(m)))).collect();
    let mus = l.bits(&members);
    for (j, (o, mu)) in outs.iter().zip(&mus).enumerate() {
        // diff = key - tau with key = n o + (n - 1 - j)
        let diff = l.lin(&[(Fp::from(n as u64), *o), (-Fp::ONE, tau)], Fp::from((n - 1 - j) as u64));
        let pi = l.mul(*mu, diff);
        // mu = 1: key - tau; mu = 0: tau - 1 - key
        let delta = l.lin(&[(Fp::from(2), pi), (-Fp::ONE, diff), (Fp::ONE, *mu)], -Fp::ONE);
        l.decompose(delta, Fp::ZERO, &limb_widths(width));
    }
    let ones: Vec<(Fp, Wire)> = mus.iter().map(|m| (Fp::ONE, *m)).collect();
    l.assert_zero(&ones, -Fp::from(k as u64));
    mus
}

/// Proves `C(k-1) 2^64 <= r C(n-1) < C(k) 2^64` for the index `k`; returns the index's wire.
pub fn select(l: &mut Layout, prefix: &[Wire], r: Wire, index: Option<usize>) -> Wire {
    let n = prefix.len();
    let (sel, idx) = super::argmax::one_hot(l, n, index);
    let lo_pairs: Vec<(Wire, Wire)> = sel.iter().skip(1).zip(prefix).map(|(s, c)| (*s, *c)).collect();
    let hi_pairs: Vec<(Wire, Wire)> = sel.iter().zip(prefix).map(|(s, c)| (*s, *c)).collect();
    let lo = l.dot(&lo_pairs, None);
    let hi = l.dot(&hi_pairs, None);
    let x = l.mul(r, prefix[n - 1]);
    let width = (64 + WEIGHT_BITS + (128 - (n as u128).leading_zeros())) as u8;
    let two64 = pow2(64);
    let below = l.lin(&[(Fp::ONE, x), (-two64, lo)], Fp::ZERO);
    l.decompose(below, Fp::ZERO, &limb_widths(width));
    let above = l.lin(&[(two64, hi), (-Fp::ONE, x)], -Fp::ONE);
    l.decompose(above, Fp::ZERO, &limb_widths(width));
    idx
}

/// The index drawn from `outs` (`w`-bit logits) under `sampling` with the randomness `u` (a
/// Poseidon output), as a wire; `None` for argmax (see [`super::argmax`]).
pub fn sample(l: &mut Layout, outs: &[Wire], w: u8, sampling: &Sampling, u: Wire, draw: Option<&Draw>) -> Option<Wire> {
    let softmax = sampling.softmax()?;
    let r = random_u64(l, u);
    let mask = sampling.top_k().map(|k| top_k_mask(l, outs, w, k, draw));
    let prefix = exp_prefix(l, outs, w, softmax, mask.as_deref(), draw);
    Some(select(l, &prefix, r, draw.map(|d| d.index)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::*;
    use verinfer_ir::sampling::draw;
    use verinfer_ir::Scale;

    fn low_u64(u: Fp) -> u64 {
        u64::from_le_bytes(u.to_repr()[..8].try_into().unwrap())
    }

    fn run(
        sampling: &Sampling,
        logits: &[i64],
        u: Fp,
        claim: Option<usize>,
        tweak: impl Fn(&mut Draw),
    ) -> (Layout, usize) {
        let mut l = Layout::new(true);
        let outs: Vec<Wire> = logits.iter().map(|&v| l.witness(Some(fp(v as i128)))).collect();
        let uw = l.witness(Some(u));
        let mut d = draw(sampling, logits, low_u64(u)).unwrap();
        let honest = d.index;
        if let Some(k) = claim {
            d.index = k;
        }
        tweak(&mut d);
        let idx = sample(&mut l, &outs, 12, sampling, uw, Some(&d)).unwrap();
        assert_eq!(idx.value, Some(Fp::from(d.index as u64)));
        (l, honest)
    }

    fn categorical(t: f64) -> Sampling {
        Sampling::Categorical(verinfer_ir::Softmax::new(t, Scale(4)).unwrap())
    }

    #[test]
    fn random_u64_is_the_low_bits_of_the_canonical_integer() {
        for u in [Fp::ZERO, -Fp::ONE, Fp::from(7), pow2(200) + Fp::from(12345), -pow2(64)] {
            let mut l = Layout::new(true);
            let uw = l.witness(Some(u));
            let r = random_u64(&mut l, uw);
            assert_eq!(r.value, Some(Fp::from(low_u64(u))));
            assert!(satisfied(l));
        }
    }

    #[test]
    fn the_drawn_class_and_only_it_is_accepted() {
        let logits = [40i64, 35, -20, 38, 0, 12];
        for (i, sampling) in [
            categorical(1.0),
            categorical(4.0),
            Sampling::TopK { softmax: verinfer_ir::Softmax::new(2.0, Scale(4)).unwrap(), k: 3 },
        ]
        .into_iter()
        .enumerate()
        {
            for s in 0..6u64 {
                let u = Fp::from(s * 0x9e37_79b9_7f4a_7c15) * pow2(100) + Fp::from(s);
                let (l, honest) = run(&sampling, &logits, u, None, |_| {});
                assert!(satisfied(l), "mode {i} seed {s}");
                for k in 0..logits.len() {
                    if k != honest {
                        assert!(
                            !satisfied(run(&sampling, &logits, u, Some(k), |_| {}).0),
                            "mode {i} seed {s}: {k} accepted"
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn a_wrong_maximum_exponent_or_threshold_is_refused() {
        let logits = [40i64, 35, -20, 38];
        let u = pow2(70) + Fp::from(99);
        let topk = Sampling::TopK { softmax: verinfer_ir::Softmax::new(2.0, Scale(4)).unwrap(), k: 2 };
        assert!(satisfied(run(&topk, &logits, u, None, |_| {}).0));
        assert!(!satisfied(run(&topk, &logits, u, None, |d| d.max += 1).0));
        assert!(!satisfied(run(&topk, &logits, u, None, |d| d.exponents[1] += 1).0));
        assert!(!satisfied(
            run(&topk, &logits, u, None, |d| {
                if let Some((m, _)) = d.top_k.as_mut() {
                    m.swap(0, 2);
                }
            })
            .0
        ));
    }
}
