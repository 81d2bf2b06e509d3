//! The prover's move from a domain's evaluations to the odd points of the doubled domain, with the
//! vector arithmetic of `ifma.rs` over the scalar field.
//!
//! `A(w^i)` for `i < n` become `A(s w^i)` with `s` a primitive `2n`-th root of unity: an inverse
//! transform, coefficient `k` times `s^k / n`, a forward transform. Decimation in frequency for the
//! inverse (natural order in, bit-reversed out) and in time for the forward one (bit-reversed in,
//! natural out), so no bit reversal is ever done: the scaling factor of position `i` is
//! `s^bitreverse(i) / n`, the product of two small tables' entries (`Product`).
//!
//! Memory: the data's limb copy (40 bytes a point) and the twiddles: a table per block size up to
//! [`FULL_TABLES_UP_TO`] points, and two tables of about `sqrt(m)` entries for each larger block
//! size `m`, whose twiddles cost one more product a butterfly vector.
//!
//! Data live in five limb arrays (structure of arrays), eight consecutive elements a vector. Stages
//! whose butterflies span eight or more elements load them directly; the last three (spans 4, 2
//! and 1) run inside pairs of vectors with lane permutations. Blocks split depth-first (halves on
//! both cores while they are large), so the inner stages work in cache.
use crate::ifma::{add, consts_for, load, mul, reduce, splat, store, sub, to_52, to_64, Consts, Pack, V};
use ark_bn254::Fr;
use ark_ff::{AdditiveGroup, BigInt, Field, PrimeField};
use core::arch::x86_64::*;
use rayon::prelude::*;

/// Butterfly loops shorter than this run on one thread.
const PARALLEL_MIN: usize = 1 << 13;

/// Elements in five limb arrays.
struct Soa {
    l: [Vec<u64>; 5],
}

/// A mutable window of a [`Soa`].
struct SoaMut<'a> {
    l: [&'a mut [u64]; 5],
}

impl Soa {
    fn from_elements(v: &[Fr]) -> Self {
        let mut l: [Vec<u64>; 5] = Default::default();
        for row in l.iter_mut() {
            row.reserve_exact(v.len());
        }
        for x in v {
            for (row, limb) in l.iter_mut().zip(to_52(x.0 .0)) {
                row.push(limb);
            }
        }
        Soa { l }
    }

    fn window(&mut self) -> SoaMut<'_> {
        let [a, b, c, d, e] = &mut self.l;
        SoaMut { l: [a, b, c, d, e] }
    }
}

impl SoaMut<'_> {
    fn len(&self) -> usize {
        self.l[0].len()
    }

    fn reborrow(&mut self) -> SoaMut<'_> {
        let [a, b, c, d, e] = &mut self.l;
        SoaMut { l: [a, b, c, d, e] }
    }

    fn split_at(self, mid: usize) -> (Self, Self) {
        let [a, b, c, d, e] = self.l.map(|row| row.split_at_mut(mid));
        (SoaMut { l: [a.0, b.0, c.0, d.0, e.0] }, SoaMut { l: [a.1, b.1, c.1, d.1, e.1] })
    }
}

/// Elements `i..i + 8` of five limb rows (a window or a table).
#[target_feature(enable = "avx512f,avx512ifma")]
fn load_at<R: AsRef<[u64]>>(l: &[R; 5], i: usize) -> V {
    let mut v = [_mm512_setzero_si512(); 5];
    for (v, row) in v.iter_mut().zip(l) {
        let s = &row.as_ref()[i..i + 8];
        // SAFETY: `s` is 8 u64s, read unaligned.
        *v = unsafe { _mm512_loadu_si512(s.as_ptr().cast()) };
    }
    V(v)
}

#[target_feature(enable = "avx512f,avx512ifma")]
fn store_at(v: &V, l: &mut [&mut [u64]; 5], i: usize) {
    for (v, row) in v.0.iter().zip(l.iter_mut()) {
        let s = &mut row[i..i + 8];
        // SAFETY: `s` is 8 u64s, written unaligned.
        unsafe { _mm512_storeu_si512(s.as_mut_ptr().cast(), *v) };
    }
}

/// Lane permutations for the stages inside a pair of vectors `(A, B)` (lanes 0-7 and 8-15):
/// which lanes are the butterflies' first and second elements, and the way back.
struct Shuffle {
    u: __m512i,
    v: __m512i,
    back_a: __m512i,
    back_b: __m512i,
}

#[target_feature(enable = "avx512f,avx512ifma")]
fn shuffle(span: usize) -> Shuffle {
    // Butterfly k of the pair joins element `first[k]` and `first[k] + span` of the 16.
    let first: Vec<i64> = (0..16).filter(|i| i % (2 * span) < span).map(|i| i as i64).collect();
    let second: Vec<i64> = first.iter().map(|i| i + span as i64).collect();
    // Where element p of the 16 ends up in (U, V): lane k of U is index k, of V index 8 + k.
    let mut back = [0i64; 16];
    for k in 0..8 {
        back[first[k] as usize] = k as i64;
        back[second[k] as usize] = 8 + k as i64;
    }
    let vec = |x: &[i64]| _mm512_set_epi64(x[7], x[6], x[5], x[4], x[3], x[2], x[1], x[0]);
    Shuffle { u: vec(&first), v: vec(&second), back_a: vec(&back[..8]), back_b: vec(&back[8..]) }
}

#[target_feature(enable = "avx512f,avx512ifma")]
fn permute(a: &V, b: &V, idx: __m512i) -> V {
    let mut out = [_mm512_setzero_si512(); 5];
    for ((o, a), b) in out.iter_mut().zip(a.0).zip(b.0) {
        *o = _mm512_permutex2var_epi64(a, idx, b);
    }
    V(out)
}

/// `first * ratio^i` for `i < n`, a chunk per core.
fn powers(first: Fr, ratio: Fr, n: usize) -> Vec<Fr> {
    const CHUNK: usize = 1 << 12;
    let mut out = vec![Fr::ZERO; n];
    out.par_chunks_mut(CHUNK).enumerate().for_each(|(c, chunk)| {
        let mut x = first * ratio.pow([(c * CHUNK) as u64]);
        for y in chunk {
            *y = x;
            x *= ratio;
        }
    });
    out
}

/// Twiddles of the blocks larger than this come from two small tables each (an extra product a
/// butterfly vector); below it, every level has a table (at most 2^19 entries, 20 MiB a direction).
pub(crate) const FULL_TABLES_UP_TO: usize = 1 << 20;

/// A table of `len` entries kept as the product `lo[i mod 2^c] * hi[i >> c]` of two tables of about
/// `sqrt(len)` entries (`c >= 3`, so eight consecutive `i` share their `hi`).
struct Product {
    c: u32,
    lo: Soa,
    hi: Vec<[u64; 5]>,
}

impl Product {
    /// `lo` bits for a table of `len` entries.
    fn lo_bits(len: usize) -> u32 {
        len.trailing_zeros().div_ceil(2).max(3)
    }

    /// `w^j` for `j < len`.
    fn powers(w: Fr, len: usize) -> Self {
        let c = Self::lo_bits(len);
        let lo = Soa::from_elements(&powers(Fr::ONE, w, 1 << c));
        let hi = powers(Fr::ONE, w.pow([1u64 << c]), len.div_ceil(1 << c)).iter().map(|x| to_52(x.0 .0)).collect();
        Product { c, lo, hi }
    }

    /// `s^k / n` at position `i`, `k = bitreverse(i)` (`n` a power of two): with `i = hi 2^c + lo`,
    /// `k = bitreverse_c(lo) 2^(L - c) + bitreverse_(L - c)(hi)`, a product of the two tables.
    fn reversed_powers(s: Fr, n: usize) -> Self {
        let c = Self::lo_bits(n);
        let bits_hi = n.trailing_zeros() - c;
        let reverse = |x: usize, width: u32| if width == 0 { 0 } else { x.reverse_bits() >> (usize::BITS - width) };
        let lo_natural = powers(Fr::ONE, s.pow([1u64 << bits_hi]), 1 << c);
        let lo: Vec<Fr> = (0..1 << c).map(|i| lo_natural[reverse(i, c)]).collect();
        let n_inv = Fr::from(n as u64).inverse().unwrap_or(Fr::ONE);
        let hi_natural = powers(n_inv, s, 1 << bits_hi);
        let hi = (0..1 << bits_hi).map(|i| to_52(hi_natural[reverse(i, bits_hi)].0 .0)).collect();
        Product { c, lo: Soa::from_elements(&lo), hi }
    }

    /// Entries `i..i + 8` (`i` a multiple of 8).
    #[target_feature(enable = "avx512f,avx512ifma")]
    fn load(&self, i: usize, k: &Consts) -> V {
        let lo = load_at(&self.lo.l, i & ((1 << self.c) - 1));
        mul(&lo, &splat(self.hi[i >> self.c]), k)
    }
}

/// The twiddles `w_m^j` (`j < m / 2`) of one block size `m`.
enum Level {
    Table(Soa),
    Split(Product),
}

impl Level {
    #[target_feature(enable = "avx512f,avx512ifma")]
    fn load(&self, j: usize, k: &Consts) -> V {
        match self {
            Level::Table(t) => load_at(&t.l, j),
            Level::Split(s) => s.load(j, k),
        }
    }
}

/// Twiddles: `level[t]` for blocks of `m = 16 << t`; `small4` and `small2` the lane twiddles of
/// the spans 4 and 2 inside a pair of vectors.
struct Twiddles {
    level: Vec<Level>,
    small4: Pack,
    small2: Pack,
}

impl Twiddles {
    /// The twiddles of the `n`-th root of unity `w` (`n >= 16`), with a table for every block up to
    /// `full` elements and split tables above.
    fn new(w: Fr, n: usize, full: usize) -> Self {
        let mut level = Vec::new();
        let mut m = n;
        while m > full.max(16) {
            level.push(Level::Split(Product::powers(w.pow([(n / m) as u64]), m / 2)));
            m /= 2;
        }
        let mut table = powers(Fr::ONE, w.pow([(n / m) as u64]), m / 2);
        while m >= 16 {
            level.push(Level::Table(Soa::from_elements(&table)));
            table = table.iter().step_by(2).copied().collect();
            m /= 2;
        }
        level.reverse();
        // `table` now holds w_8^j for j < 4.
        let lanes = |f: &dyn Fn(usize) -> Fr| -> Pack {
            let mut p = [[0; 8]; 5];
            for l in 0..8 {
                for (row, limb) in p.iter_mut().zip(to_52(f(l).0 .0)) {
                    row[l] = limb;
                }
            }
            p
        };
        let small4 = lanes(&|l| table[l % 4]);
        let small2 = lanes(&|l| table[2 * (l % 2)]);
        Twiddles { level, small4, small2 }
    }

    fn for_size(&self, m: usize) -> &Level {
        &self.level[(m.trailing_zeros() - 4) as usize]
    }
}

/// Precomputed tables for one domain size; see [`crate::OddPoints`].
pub(crate) struct Tables {
    n: usize,
    inverse: Twiddles,
    forward: Twiddles,
    /// `s^bitreverse(i) / n` for position `i`.
    factors: Product,
}

impl Tables {
    /// For the `n`-th root of unity `w` and the shift `s` (`n >= 16`, a power of two), with full
    /// twiddle tables for blocks up to `full` elements.
    pub(crate) fn new(n: usize, w: Fr, s: Fr, full: usize) -> Self {
        let w_inv = w.inverse().unwrap_or(Fr::ONE);
        Tables {
            n,
            inverse: Twiddles::new(w_inv, n, full),
            forward: Twiddles::new(w, n, full),
            factors: Product::reversed_powers(s, n),
        }
    }

    pub(crate) fn size(&self) -> usize {
        self.n
    }
}

/// Replaces `v` (length `tables.n`) by its values on the odd points.
///
/// # Safety
/// The CPU must support AVX-512 F and IFMA.
#[target_feature(enable = "avx512f,avx512ifma")]
pub(crate) unsafe fn odd_points(v: &mut [Fr], tables: &Tables) {
    let k = Kit { k: consts_for(Fr::MODULUS.0), shuffles: [shuffle(1), shuffle(2), shuffle(4)] };
    let mut data = Soa::from_elements(v);
    let n = v.len();
    // SAFETY (all three): same CPU features as this function.
    unsafe { dif(data.window(), &tables.inverse, &k) };
    unsafe { scale(data.window(), &tables.factors, 0, &k.k) };
    unsafe { dit(data.window(), &tables.forward, &k) };
    let mut pack: Pack = [[0; 8]; 5];
    let all = data.window();
    for i in (0..n).step_by(8) {
        store(&reduce(load_at(&all.l, i), &k.k), &mut pack);
        for (lane, out) in v[i..i + 8].iter_mut().enumerate() {
            let limbs = [pack[0][lane], pack[1][lane], pack[2][lane], pack[3][lane], pack[4][lane]];
            *out = Fr::new_unchecked(BigInt(to_64(limbs)));
        }
    }
}

/// `x_i *= factors[offset + i]`, on both cores while the window is large.
#[target_feature(enable = "avx512f,avx512ifma")]
unsafe fn scale(mut x: SoaMut<'_>, factors: &Product, offset: usize, k: &Consts) {
    let n = x.len();
    if n > PARALLEL_MIN {
        let (a, b) = x.split_at(n / 2);
        rayon::join(
            // SAFETY: same CPU features as this function.
            || unsafe { scale(a, factors, offset, k) },
            || unsafe { scale(b, factors, offset + n / 2, k) },
        );
        return;
    }
    for i in (0..n).step_by(8) {
        let y = mul(&load_at(&x.l, i), &factors.load(offset + i, k), k);
        store_at(&y, &mut x.l, i);
    }
}

/// One stage over the two halves of a block, twiddles `w_j` from `j = offset`: decimation in
/// frequency `(u, v) -> (u + v, (u - v) w_j)` or in time `(u, v) -> (u + v w_j, u - v w_j)`.
#[target_feature(enable = "avx512f,avx512ifma")]
unsafe fn stage(mut u: SoaMut<'_>, mut v: SoaMut<'_>, w: &Level, offset: usize, k: &Consts, dif: bool) {
    let h = u.len();
    if h > PARALLEL_MIN {
        let (u0, u1) = u.split_at(h / 2);
        let (v0, v1) = v.split_at(h / 2);
        rayon::join(
            // SAFETY: same CPU features as this function.
            || unsafe { stage(u0, v0, w, offset, k, dif) },
            || unsafe { stage(u1, v1, w, offset + h / 2, k, dif) },
        );
        return;
    }
    for j in (0..h).step_by(8) {
        let (a, b) = (load_at(&u.l, j), load_at(&v.l, j));
        let t = w.load(offset + j, k);
        let (x, y) = if dif {
            (add(&a, &b, k), mul(&sub(&a, &b, k), &t, k))
        } else {
            let t = mul(&b, &t, k);
            (add(&a, &t, k), sub(&a, &t, k))
        };
        store_at(&x, &mut u.l, j);
        store_at(&y, &mut v.l, j);
    }
}

/// The field's constants and the lane permutations of spans 1, 2 and 4.
struct Kit {
    k: Consts,
    shuffles: [Shuffle; 3],
}

/// Decimation in frequency over a block of `m >= 16` elements (natural in, bit-reversed out).
#[target_feature(enable = "avx512f,avx512ifma")]
unsafe fn dif(mut block: SoaMut<'_>, tw: &Twiddles, kit: &Kit) {
    let m = block.len();
    let (u, v) = block.reborrow().split_at(m / 2);
    // SAFETY (every call below): same CPU features as this function.
    unsafe { stage(u, v, tw.for_size(m), 0, &kit.k, true) };
    if m == 16 {
        small(&mut block, tw, kit, true);
        return;
    }
    let (u, v) = block.split_at(m / 2);
    if m >= 2 * PARALLEL_MIN {
        rayon::join(|| unsafe { dif(u, tw, kit) }, || unsafe { dif(v, tw, kit) });
    } else {
        unsafe { dif(u, tw, kit) };
        unsafe { dif(v, tw, kit) };
    }
}

/// Decimation in time over a block of `m >= 16` elements (bit-reversed in, natural out).
#[target_feature(enable = "avx512f,avx512ifma")]
unsafe fn dit(mut block: SoaMut<'_>, tw: &Twiddles, kit: &Kit) {
    let m = block.len();
    if m == 16 {
        small(&mut block, tw, kit, false);
    } else {
        let (u, v) = block.reborrow().split_at(m / 2);
        // SAFETY (every call below): same CPU features as this function.
        if m >= 2 * PARALLEL_MIN {
            rayon::join(|| unsafe { dit(u, tw, kit) }, || unsafe { dit(v, tw, kit) });
        } else {
            unsafe { dit(u, tw, kit) };
            unsafe { dit(v, tw, kit) };
        }
    }
    let (u, v) = block.split_at(m / 2);
    // SAFETY: same CPU features as this function.
    unsafe { stage(u, v, tw.for_size(m), 0, &kit.k, false) };
}

/// The stages of spans 4, 2, 1 (`dif`) or 1, 2, 4 (`!dif`) over the 16 elements of `block`, as
/// lane permutations of its two vectors.
#[target_feature(enable = "avx512f,avx512ifma")]
fn small(block: &mut SoaMut<'_>, tw: &Twiddles, kit: &Kit, dif: bool) {
    let k = &kit.k;
    let (mut a, mut b) = (load_at(&block.l, 0), load_at(&block.l, 8));
    let (w4, w2) = (load(&tw.small4), load(&tw.small2));
    for step in 0..3 {
        let s = if dif { 2 - step } else { step };
        let sh = &kit.shuffles[s];
        let (u, v) = (permute(&a, &b, sh.u), permute(&a, &b, sh.v));
        let twiddle = |x: V| match s {
            0 => x,
            1 => mul(&x, &w2, k),
            _ => mul(&x, &w4, k),
        };
        let (u, v) = if dif {
            (add(&u, &v, k), twiddle(sub(&u, &v, k)))
        } else {
            let t = twiddle(v);
            (add(&u, &t, k), sub(&u, &t, k))
        };
        a = permute(&u, &v, sh.back_a);
        b = permute(&u, &v, sh.back_b);
    }
    store_at(&a, &mut block.l, 0);
    store_at(&b, &mut block.l, 8);
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_poly::{EvaluationDomain, GeneralEvaluationDomain};
    use ark_std::UniformRand;
    use rand::{rngs::StdRng, SeedableRng};

    /// The prover's sequence with arkworks' transforms.
    fn arkworks(v: &[Fr]) -> Vec<Fr> {
        let n = v.len();
        let domain = GeneralEvaluationDomain::<Fr>::new(n).expect("small");
        let shift = GeneralEvaluationDomain::<Fr>::new(2 * n).expect("small").element(1);
        let mut v = v.to_vec();
        domain.ifft_in_place(&mut v);
        GeneralEvaluationDomain::<Fr>::distribute_powers_and_mul_by_const(&mut v, shift, Fr::ONE);
        domain.fft_in_place(&mut v);
        v
    }

    #[test]
    fn odd_points_equal_arkworks_transforms() {
        if !crate::tests::vector_unit() {
            return;
        }
        let mut rng = StdRng::seed_from_u64(5);
        // Sizes below, at and above the parallel split; random, zero, one-hot and extreme values.
        for log in [4u32, 5, 6, 7, 10, 14, 15, 16] {
            let n = 1usize << log;
            let domain = GeneralEvaluationDomain::<Fr>::new(n).expect("small");
            let shift = GeneralEvaluationDomain::<Fr>::new(2 * n).expect("small").element(1);
            // Full twiddle tables, and split ones above 2^6 (the path of domains above 2^20).
            let tables = [
                Tables::new(n, domain.group_gen(), shift, FULL_TABLES_UP_TO),
                Tables::new(n, domain.group_gen(), shift, 1 << 6),
            ];
            let inputs: Vec<Vec<Fr>> = vec![
                (0..n).map(|_| Fr::rand(&mut rng)).collect(),
                vec![Fr::ZERO; n],
                (0..n).map(|i| if i == 3 { Fr::ONE } else { Fr::ZERO }).collect(),
                vec![-Fr::ONE; n],
            ];
            for (case, input) in inputs.iter().enumerate() {
                let expected = arkworks(input);
                for (t, tables) in tables.iter().enumerate() {
                    let mut ours = input.clone();
                    // SAFETY: IFMA checked above.
                    unsafe { odd_points(&mut ours, tables) };
                    assert_eq!(ours, expected, "n = 2^{log}, input {case}, tables {t}");
                }
            }
        }
    }
}
