//! Eight BN254 base-field elements at a time in five 52-bit limbs, with AVX-512 IFMA.
//!
//! Representation: an element is kept in arkworks' Montgomery form `a R` (`R = 2^256`), its value
//! split into five limbs of 52 bits (`v = sum_j l_j 2^(52 j)`), one `__m512i` per limb holding that
//! limb for eight elements. Values are not fully reduced between operations: every value lives in
//! `[0, 3p)` with limbs below `2^52`, and is reduced to `[0, p)` only when it leaves.
//!
//! Multiplication is Montgomery's with radix `2^52` over five rounds, so it computes
//! `a b' / 2^260 mod p`; with `b' = 16 b` (four bits shifted in, exact since `b < 3p < 2^256`) that
//! is `a b / 2^256`, arkworks' product, so no conversion is ever needed. Bounds: for `a, b < 3p`,
//! the result is below `a b / 2^256 + p < (9 p / 2^256 + 1) p < 2.71 p` (`p < 0.19 * 2^256`), and each
//! 64-bit accumulator receives fewer than 24 terms below `2^52`, so none overflows.
// Limb loops index several arrays by the limb number: clearer than zipped iterators here.
#![allow(clippy::needless_range_loop)]

use ark_bn254::{Fq, G1Affine};
use ark_ec::AffineRepr;
use ark_ff::{BigInt, Field, PrimeField, Zero};
use core::arch::x86_64::*;

pub(crate) mod g2;

const MASK: u64 = (1 << 52) - 1;

/// Eight lanes' worth of one element per lane, limb-major: `pack[j][lane]` is limb `j`.
pub(crate) type Pack = [[u64; 8]; 5];

/// Eight elements in registers, limb `j` of every lane in `.0[j]`.
#[derive(Clone, Copy)]
pub(crate) struct V(pub(crate) [__m512i; 5]);

/// The modulus' constants, broadcast to every lane.
pub(crate) struct Consts {
    p: V,
    p3: V,
    p2: V,
    /// `-p^-1 mod 2^52`.
    pinv: __m512i,
    mask: __m512i,
}

/// Four 64-bit limbs (a value below `2^256`) as five of 52 bits.
pub(crate) fn to_52(a: [u64; 4]) -> [u64; 5] {
    [
        a[0] & MASK,
        ((a[0] >> 52) | (a[1] << 12)) & MASK,
        ((a[1] >> 40) | (a[2] << 24)) & MASK,
        ((a[2] >> 28) | (a[3] << 36)) & MASK,
        a[3] >> 16,
    ]
}

/// Five 52-bit limbs of a value below `2^256` as four of 64 bits.
pub(crate) fn to_64(l: [u64; 5]) -> [u64; 4] {
    [l[0] | (l[1] << 52), (l[1] >> 12) | (l[2] << 40), (l[2] >> 24) | (l[3] << 28), (l[3] >> 36) | (l[4] << 16)]
}

/// `k p` for small `k` (below `2^256` for `k <= 5` and either BN254 field).
pub(crate) fn times(p: [u64; 4], k: u64) -> [u64; 4] {
    let mut out = [0u64; 4];
    let mut carry = 0u128;
    for (o, l) in out.iter_mut().zip(p) {
        let t = l as u128 * k as u128 + carry;
        *o = t as u64;
        carry = t >> 64;
    }
    out
}

/// `-p^-1 mod 2^52` by Newton's iteration (each step doubles the correct low bits).
fn minus_inverse(p0: u64) -> u64 {
    let mut x: u64 = 1;
    for _ in 0..6 {
        x = x.wrapping_mul(2u64.wrapping_sub(p0.wrapping_mul(x)));
    }
    x.wrapping_neg() & MASK
}

fn set_lane(pack: &mut Pack, lane: usize, limbs: [u64; 5]) {
    for (row, l) in pack.iter_mut().zip(limbs) {
        row[lane] = l;
    }
}

fn lane(pack: &Pack, lane: usize) -> [u64; 5] {
    [pack[0][lane], pack[1][lane], pack[2][lane], pack[3][lane], pack[4][lane]]
}

fn fq_limbs(x: &Fq) -> [u64; 5] {
    to_52(x.0 .0)
}

/// An element from limbs already reduced below `p` (in Montgomery form, as arkworks keeps it).
fn fq_from(l: [u64; 5]) -> Fq {
    Fq::new_unchecked(BigInt(to_64(l)))
}

#[target_feature(enable = "avx512f,avx512ifma")]
pub(crate) fn splat(l: [u64; 5]) -> V {
    let mut v = [_mm512_setzero_si512(); 5];
    for (v, l) in v.iter_mut().zip(l) {
        *v = _mm512_set1_epi64(l as i64);
    }
    V(v)
}

/// The constants of the field with modulus `p` (either BN254 field: `3p < 2^256` and
/// `p < 0.19 * 2^256` are what the bounds above need).
#[target_feature(enable = "avx512f,avx512ifma")]
pub(crate) fn consts_for(p: [u64; 4]) -> Consts {
    Consts {
        p: splat(to_52(times(p, 1))),
        p2: splat(to_52(times(p, 2))),
        p3: splat(to_52(times(p, 3))),
        pinv: _mm512_set1_epi64(minus_inverse(p[0]) as i64),
        mask: _mm512_set1_epi64(MASK as i64),
    }
}

#[target_feature(enable = "avx512f,avx512ifma")]
fn consts() -> Consts {
    consts_for(Fq::MODULUS.0)
}

#[target_feature(enable = "avx512f,avx512ifma")]
pub(crate) fn load(p: &Pack) -> V {
    let mut v = [_mm512_setzero_si512(); 5];
    for (v, row) in v.iter_mut().zip(p) {
        // SAFETY: `row` is 8 u64s (64 bytes), read unaligned.
        *v = unsafe { _mm512_loadu_si512(row.as_ptr().cast()) };
    }
    V(v)
}

#[target_feature(enable = "avx512f,avx512ifma")]
pub(crate) fn store(v: &V, p: &mut Pack) {
    for (v, row) in v.0.iter().zip(p.iter_mut()) {
        // SAFETY: `row` is 8 u64s (64 bytes), written unaligned.
        unsafe { _mm512_storeu_si512(row.as_mut_ptr().cast(), *v) };
    }
}

/// Carries limbs that may be negative or exceed 52 bits into the next; the top limb keeps the rest.
#[target_feature(enable = "avx512f,avx512ifma")]
pub(crate) fn carry_signed(mut t: [__m512i; 5], k: &Consts) -> [__m512i; 5] {
    for j in 0..4 {
        let c = _mm512_srai_epi64::<52>(t[j]);
        t[j] = _mm512_and_si512(t[j], k.mask);
        t[j + 1] = _mm512_add_epi64(t[j + 1], c);
    }
    t
}

/// `t - m` where that is nonnegative, else `t` (for `t` with limbs below `2^52`).
#[target_feature(enable = "avx512f,avx512ifma")]
pub(crate) fn reduce_by(t: V, m: &V, k: &Consts) -> V {
    let mut u = [_mm512_setzero_si512(); 5];
    for j in 0..5 {
        u[j] = _mm512_sub_epi64(t.0[j], m.0[j]);
    }
    let u = carry_signed(u, k);
    let negative = _mm512_cmplt_epi64_mask(u[4], _mm512_setzero_si512());
    let mut out = [_mm512_setzero_si512(); 5];
    for j in 0..5 {
        out[j] = _mm512_mask_blend_epi64(negative, u[j], t.0[j]);
    }
    V(out)
}

/// `a + b` for `a, b < 3p`, in `[0, 3p)`.
#[target_feature(enable = "avx512f,avx512ifma")]
pub(crate) fn add(a: &V, b: &V, k: &Consts) -> V {
    let mut t = [_mm512_setzero_si512(); 5];
    for j in 0..5 {
        t[j] = _mm512_add_epi64(a.0[j], b.0[j]);
    }
    reduce_by(V(carry_signed(t, k)), &k.p3, k)
}

/// `a - b` for `a, b < 3p`, in `[0, 3p)`.
#[target_feature(enable = "avx512f,avx512ifma")]
pub(crate) fn sub(a: &V, b: &V, k: &Consts) -> V {
    let mut t = [_mm512_setzero_si512(); 5];
    for j in 0..5 {
        t[j] = _mm512_sub_epi64(_mm512_add_epi64(a.0[j], k.p3.0[j]), b.0[j]);
    }
    reduce_by(V(carry_signed(t, k)), &k.p3, k)
}

/// A value in `[0, 3p)` reduced to `[0, p)`.
#[target_feature(enable = "avx512f,avx512ifma")]
pub(crate) fn reduce(a: V, k: &Consts) -> V {
    let a = reduce_by(a, &k.p2, k);
    reduce_by(a, &k.p, k)
}

/// `16 b` for `b < 2^256`: four bits shifted up through the limbs.
#[target_feature(enable = "avx512f,avx512ifma")]
fn times_16(b: &V, k: &Consts) -> V {
    let mut out = [_mm512_setzero_si512(); 5];
    out[0] = _mm512_and_si512(_mm512_slli_epi64::<4>(b.0[0]), k.mask);
    for j in 1..5 {
        let low = _mm512_srli_epi64::<48>(b.0[j - 1]);
        out[j] = _mm512_or_si512(_mm512_and_si512(_mm512_slli_epi64::<4>(b.0[j]), k.mask), low);
    }
    V(out)
}

/// Arkworks' product `a b / 2^256 mod p` of `a, b < 3p`, in `[0, 3p)`.
#[target_feature(enable = "avx512f,avx512ifma")]
pub(crate) fn mul(a: &V, b: &V, k: &Consts) -> V {
    let b = times_16(b, k);
    let z = _mm512_setzero_si512();
    let mut t = [z; 6];
    for i in 0..5 {
        let ai = a.0[i];
        for j in 0..5 {
            t[j] = _mm512_madd52lo_epu64(t[j], ai, b.0[j]);
            t[j + 1] = _mm512_madd52hi_epu64(t[j + 1], ai, b.0[j]);
        }
        // m makes t divisible by 2^52: t0 + m p0 = 0 mod 2^52.
        let m = _mm512_madd52lo_epu64(z, t[0], k.pinv);
        for j in 0..5 {
            t[j] = _mm512_madd52lo_epu64(t[j], m, k.p.0[j]);
            t[j + 1] = _mm512_madd52hi_epu64(t[j + 1], m, k.p.0[j]);
        }
        let carry = _mm512_srli_epi64::<52>(t[0]);
        t = [_mm512_add_epi64(t[1], carry), t[2], t[3], t[4], t[5], z];
    }
    // Positive limbs: the signed carry is the unsigned one here (all below 2^63).
    V(carry_signed([t[0], t[1], t[2], t[3], t[4]], k))
}

/// Inverts the eight lanes of `v` with arkworks (one inversion for the eight); `None` if a lane is
/// zero (a pair broke `chord_additions`' conditions: its lane's whole chain of products is zero).
#[target_feature(enable = "avx512f,avx512ifma")]
fn invert_lanes(v: V, k: &Consts) -> Option<V> {
    let mut pack: Pack = [[0; 8]; 5];
    store(&reduce(v, k), &mut pack);
    let mut elems: [Fq; 8] = core::array::from_fn(|l| fq_from(lane(&pack, l)));
    if elems.iter().any(|e| e.is_zero()) {
        return None;
    }
    ark_ff::batch_inversion(&mut elems);
    for (l, e) in elems.iter().enumerate() {
        set_lane(&mut pack, l, fq_limbs(e));
    }
    Some(load(&pack))
}

/// See [`crate::chord_additions`]; `false`, with `points` unchanged, if some pair has equal x
/// coordinates or a point at infinity.
///
/// # Safety
/// The CPU must support AVX-512 F and IFMA.
#[target_feature(enable = "avx512f,avx512ifma")]
pub(crate) unsafe fn chord_additions(points: &mut [G1Affine], batch: &[(usize, G1Affine)]) -> bool {
    let Some([px, py, mut qx, mut qy]) = gather(points, batch) else {
        return false;
    };
    if !add_packs(&px, &py, &mut qx, &mut qy) {
        return false;
    }
    for (i, (k, _)) in batch.iter().enumerate() {
        let (g, l) = (i / 8, i % 8);
        points[*k] = G1Affine::new_unchecked(fq_from(lane(&qx[g], l)), fq_from(lane(&qy[g], l)));
    }
    true
}

/// The batch's `x_p, y_p, x_q, y_q` in packs of eight; `None` if a point is at infinity. Padding
/// lanes get `x_p = 1, x_q = 0`, so their denominator is nonzero; their results are dropped.
fn gather(points: &[G1Affine], batch: &[(usize, G1Affine)]) -> Option<[Vec<Pack>; 4]> {
    let groups = batch.len().div_ceil(8);
    let mut packs: [Vec<Pack>; 4] = core::array::from_fn(|_| vec![[[0; 8]; 5]; groups]);
    for (i, (k, p)) in batch.iter().enumerate() {
        let q = &points[*k];
        if p.is_zero() || q.is_zero() {
            return None;
        }
        for (pack, c) in packs.iter_mut().zip([&p.x, &p.y, &q.x, &q.y]) {
            set_lane(&mut pack[i / 8], i % 8, fq_limbs(c));
        }
    }
    for i in batch.len()..groups * 8 {
        set_lane(&mut packs[0][i / 8], i % 8, fq_limbs(&Fq::ONE));
    }
    Some(packs)
}

/// `q += p` pack by pack (the chord formula), results reduced below `p` in `qx`, `qy`; `false`,
/// with `qx`, `qy` unchanged, if a denominator is zero.
#[target_feature(enable = "avx512f,avx512ifma")]
fn add_packs(px: &[Pack], py: &[Pack], qx: &mut [Pack], qy: &mut [Pack]) -> bool {
    let k = consts();
    let groups = px.len();
    let (mut denominators, mut prefix) = (Vec::with_capacity(groups), Vec::with_capacity(groups));
    let mut acc = splat(fq_limbs(&Fq::ONE));
    for g in 0..groups {
        let d = sub(&load(&px[g]), &load(&qx[g]), &k);
        prefix.push(acc);
        acc = mul(&acc, &d, &k);
        denominators.push(d);
    }
    let Some(mut inv) = invert_lanes(acc, &k) else {
        return false;
    };
    for g in (0..groups).rev() {
        let next = mul(&inv, &denominators[g], &k);
        let d_inv = mul(&inv, &prefix[g], &k);
        inv = next;
        let (x_p, y_p, x_q, y_q) = (load(&px[g]), load(&py[g]), load(&qx[g]), load(&qy[g]));
        let lambda = mul(&sub(&y_p, &y_q, &k), &d_inv, &k);
        let x = sub(&sub(&mul(&lambda, &lambda, &k), &x_p, &k), &x_q, &k);
        let y = sub(&mul(&lambda, &sub(&x_q, &x, &k), &k), &y_q, &k);
        store(&reduce(x, &k), &mut qx[g]);
        store(&reduce(y, &k), &mut qy[g]);
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_ff::{Fp256, MontBackend, MontConfig};
    use ark_std::UniformRand;
    use rand::{rngs::StdRng, SeedableRng};

    fn ifma() -> bool {
        crate::tests::vector_unit()
    }

    /// Eight values as a pack (each below `2^256`).
    fn pack(values: &[[u64; 4]; 8]) -> Pack {
        let mut p = [[0; 8]; 5];
        for (l, v) in values.iter().enumerate() {
            set_lane(&mut p, l, to_52(*v));
        }
        p
    }

    /// The lanes of a pack as field elements (reducing whatever multiple of p they carry).
    /// A Montgomery-form value below 2^256 (possibly above p) as the field element it stands for.
    fn reduce_big<C: MontConfig<4>>(mut v: [u64; 4]) -> Fp256<MontBackend<C, 4>> {
        let p = C::MODULUS;
        while BigInt(v) >= p {
            let mut borrow = 0i128;
            for (x, m) in v.iter_mut().zip(p.0) {
                let t = *x as i128 - m as i128 + borrow;
                *x = t as u64;
                borrow = t >> 64;
            }
        }
        // Montgomery form: the element whose internal representation is v.
        Fp256::new_unchecked(BigInt(v))
    }

    #[test]
    fn limbs_round_trip() {
        let mut rng = StdRng::seed_from_u64(1);
        for _ in 0..1000 {
            let v: [u64; 4] = core::array::from_fn(|_| rand::Rng::gen(&mut rng));
            assert_eq!(to_64(to_52(v)), v);
        }
        assert_eq!(to_64(to_52([u64::MAX; 4])), [u64::MAX; 4]);
    }

    /// Inputs anywhere in [0, 3p) (unreduced representatives included) give arkworks' results,
    /// in both BN254 fields.
    #[test]
    fn mul_add_sub_match_arkworks_over_the_whole_lazy_range() {
        if !ifma() {
            return;
        }
        // SAFETY: the CPU has IFMA (checked above).
        unsafe { check_lazy_range::<ark_bn254::FqConfig>(2) };
        unsafe { check_lazy_range::<ark_bn254::FrConfig>(3) };
    }

    /// `x + k p` for a random or extreme reduced `x` (`0`, `1`, `p - 1`) and `k < 3`.
    fn lazy_value<C: MontConfig<4>>(k: u64, rng: &mut StdRng) -> [u64; 4] {
        let p = C::MODULUS.0;
        let x: [u64; 4] = match rand::Rng::gen_range(rng, 0..5) {
            0 => [0; 4],
            1 => [1, 0, 0, 0],
            2 => {
                let mut m = p;
                m[0] -= 1;
                m
            }
            _ => Fp256::<MontBackend<C, 4>>::rand(rng).0 .0,
        };
        let add = if k == 0 { [0; 4] } else { times(p, k) };
        let mut out = [0u64; 4];
        let mut carry = 0u128;
        for j in 0..4 {
            let t = x[j] as u128 + add[j] as u128 + carry;
            out[j] = t as u64;
            carry = t >> 64;
        }
        out
    }

    #[target_feature(enable = "avx512f,avx512ifma")]
    fn check_lazy_range<C: MontConfig<4>>(seed: u64) {
        let mut rng = StdRng::seed_from_u64(seed);
        let p = C::MODULUS.0;
        let k = consts_for(p);
        let lanes = |pk: &Pack| -> Vec<Fp256<MontBackend<C, 4>>> {
            (0..8).map(|l| reduce_big::<C>(to_64(lane(pk, l)))).collect()
        };
        for round in 0..3000u64 {
            let a: [[u64; 4]; 8] = core::array::from_fn(|_| lazy_value::<C>(round % 3, &mut rng));
            let b: [[u64; 4]; 8] = core::array::from_fn(|_| lazy_value::<C>((round / 3) % 3, &mut rng));
            let (pa, pb) = (pack(&a), pack(&b));
            let (va, vb) = (load(&pa), load(&pb));
            let m = mul(&va, &vb, &k);
            let mut out = [[[0; 8]; 5]; 4];
            store(&m, &mut out[0]);
            store(&sub(&va, &vb, &k), &mut out[1]);
            store(&add(&va, &vb, &k), &mut out[2]);
            store(&reduce(m, &k), &mut out[3]);
            let (fa, fb) = (lanes(&pa), lanes(&pb));
            let expected = |i: usize, l: usize| match i {
                0 | 3 => fa[l] * fb[l],
                1 => fa[l] - fb[l],
                _ => fa[l] + fb[l],
            };
            for (i, o) in out.iter().enumerate() {
                let bound = if i == 3 { BigInt(p) } else { BigInt(times(p, 3)) };
                for l in 0..8 {
                    assert!(lane(o, l).iter().all(|&x| x < 1 << 52), "limbs of result {i}");
                    assert!(BigInt(to_64(lane(o, l))) < bound, "result {i} out of range, lane {l}");
                    assert_eq!(lanes(o)[l], expected(i, l), "result {i}, lane {l}, round {round}");
                }
            }
        }
    }
}
