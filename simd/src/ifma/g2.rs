//! Chord additions in G2, eight pairs at a time: the coordinates are in `Fq2 = Fq[u] / (u^2 + 1)`,
//! each a pair of the parent module's lane vectors, multiplied by Karatsuba (three lane products).
//! Same bounds as G1: every operand of a product is an output of `add`, `sub` or `mul`, so below
//! `3p`; results are reduced below `p` when they leave, so they equal arkworks' bit for bit.
use super::{add, consts, fq_from, fq_limbs, lane, load, mul, reduce, set_lane, splat, store, sub, Consts, Pack, V};
use ark_bn254::{Fq, Fq2, G2Affine};
use ark_ec::AffineRepr;
use ark_ff::{Field, Zero};

/// Eight `Fq2` elements: `c0 + c1 u` per lane.
#[derive(Clone, Copy)]
struct V2(V, V);

/// The packs of a batch: `x_p, y_p, x_q, y_q`, each coordinate's two halves one after the other.
type Coordinates = [Vec<Pack>; 8];

#[target_feature(enable = "avx512f,avx512ifma")]
fn load2(c: &Coordinates, first: usize, g: usize) -> V2 {
    V2(load(&c[first][g]), load(&c[first + 1][g]))
}

#[target_feature(enable = "avx512f,avx512ifma")]
fn store2(v: &V2, k: &Consts, c: &mut Coordinates, first: usize, g: usize) {
    store(&reduce(v.0, k), &mut c[first][g]);
    store(&reduce(v.1, k), &mut c[first + 1][g]);
}

#[target_feature(enable = "avx512f,avx512ifma")]
fn sub2(a: &V2, b: &V2, k: &Consts) -> V2 {
    V2(sub(&a.0, &b.0, k), sub(&a.1, &b.1, k))
}

/// `(a0 b0 - a1 b1) + ((a0 + a1)(b0 + b1) - a0 b0 - a1 b1) u`.
#[target_feature(enable = "avx512f,avx512ifma")]
fn mul2(a: &V2, b: &V2, k: &Consts) -> V2 {
    let (v0, v1) = (mul(&a.0, &b.0, k), mul(&a.1, &b.1, k));
    let s = mul(&add(&a.0, &a.1, k), &add(&b.0, &b.1, k), k);
    V2(sub(&v0, &v1, k), sub(&sub(&s, &v0, k), &v1, k))
}

/// `(a0 + a1)(a0 - a1) + 2 a0 a1 u`.
#[target_feature(enable = "avx512f,avx512ifma")]
fn square2(a: &V2, k: &Consts) -> V2 {
    let m = mul(&a.0, &a.1, k);
    V2(mul(&add(&a.0, &a.1, k), &sub(&a.0, &a.1, k), k), add(&m, &m, k))
}

/// The eight lanes inverted with arkworks (one inversion for the eight); `None` if a lane is zero.
#[target_feature(enable = "avx512f,avx512ifma")]
fn invert2(v: V2, k: &Consts) -> Option<V2> {
    let (mut c0, mut c1): (Pack, Pack) = ([[0; 8]; 5], [[0; 8]; 5]);
    store(&reduce(v.0, k), &mut c0);
    store(&reduce(v.1, k), &mut c1);
    let mut elems: [Fq2; 8] = core::array::from_fn(|l| Fq2::new(fq_from(lane(&c0, l)), fq_from(lane(&c1, l))));
    if elems.iter().any(|e| e.is_zero()) {
        return None;
    }
    ark_ff::batch_inversion(&mut elems);
    for (l, e) in elems.iter().enumerate() {
        set_lane(&mut c0, l, fq_limbs(&e.c0));
        set_lane(&mut c1, l, fq_limbs(&e.c1));
    }
    Some(V2(load(&c0), load(&c1)))
}

/// See [`crate::chord_additions_g2`]; `false`, with `points` unchanged, if some pair has equal x
/// coordinates or a point at infinity.
///
/// # Safety
/// The CPU must support AVX-512 F and IFMA.
#[target_feature(enable = "avx512f,avx512ifma")]
pub(crate) unsafe fn chord_additions(points: &mut [G2Affine], batch: &[(usize, G2Affine)]) -> bool {
    let Some(mut c) = gather(points, batch) else {
        return false;
    };
    if !add_packs(&mut c) {
        return false;
    }
    for (i, (k, _)) in batch.iter().enumerate() {
        let (g, l) = (i / 8, i % 8);
        let fq2 = |first: usize| Fq2::new(fq_from(lane(&c[first][g], l)), fq_from(lane(&c[first + 1][g], l)));
        points[*k] = G2Affine::new_unchecked(fq2(4), fq2(6));
    }
    true
}

/// The batch in packs of eight; `None` if a point is at infinity. Padding lanes get `x_p = 1,
/// x_q = 0`, so their denominator is nonzero; their results are dropped.
fn gather(points: &[G2Affine], batch: &[(usize, G2Affine)]) -> Option<Coordinates> {
    let groups = batch.len().div_ceil(8);
    let mut packs: Coordinates = core::array::from_fn(|_| vec![[[0; 8]; 5]; groups]);
    for (i, (k, p)) in batch.iter().enumerate() {
        let q = &points[*k];
        if p.is_zero() || q.is_zero() {
            return None;
        }
        let halves = [p.x.c0, p.x.c1, p.y.c0, p.y.c1, q.x.c0, q.x.c1, q.y.c0, q.y.c1];
        for (pack, c) in packs.iter_mut().zip(&halves) {
            set_lane(&mut pack[i / 8], i % 8, fq_limbs(c));
        }
    }
    for i in batch.len()..groups * 8 {
        set_lane(&mut packs[0][i / 8], i % 8, fq_limbs(&Fq::ONE));
    }
    Some(packs)
}

/// `q += p` pack by pack (the chord formula), results reduced below `p` in place of `q`'s
/// coordinates; `false`, with nothing changed, if a denominator is zero.
#[target_feature(enable = "avx512f,avx512ifma")]
fn add_packs(c: &mut Coordinates) -> bool {
    let k = consts();
    let groups = c[0].len();
    let (mut denominators, mut prefix) = (Vec::with_capacity(groups), Vec::with_capacity(groups));
    let mut acc = V2(splat(fq_limbs(&Fq::ONE)), splat([0; 5]));
    for g in 0..groups {
        let d = sub2(&load2(c, 0, g), &load2(c, 4, g), &k);
        prefix.push(acc);
        acc = mul2(&acc, &d, &k);
        denominators.push(d);
    }
    let Some(mut inv) = invert2(acc, &k) else {
        return false;
    };
    for g in (0..groups).rev() {
        let next = mul2(&inv, &denominators[g], &k);
        let d_inv = mul2(&inv, &prefix[g], &k);
        inv = next;
        let (x_p, y_p, x_q, y_q) = (load2(c, 0, g), load2(c, 2, g), load2(c, 4, g), load2(c, 6, g));
        let lambda = mul2(&sub2(&y_p, &y_q, &k), &d_inv, &k);
        let x = sub2(&sub2(&square2(&lambda, &k), &x_p, &k), &x_q, &k);
        let y = sub2(&mul2(&lambda, &sub2(&x_q, &x, &k), &k), &y_q, &k);
        store2(&x, &k, c, 4, g);
        store2(&y, &k, c, 6, g);
    }
    true
}
