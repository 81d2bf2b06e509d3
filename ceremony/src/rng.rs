//! ffjavascript 0.3.1's randomness, bit-exact, as snarkjs 0.7.6 uses it.
//!
//! snarkjs derives every secret and every "hash to curve" point of a phase 2 ceremony from a
//! ChaCha20 stream ([`ChaCha`]) fed to ffjavascript's `fromRng` maps ([`fr_from_rng`],
//! [`g1_from_rng`], [`g2_from_rng`]). To produce transcripts, contributions and beacons that
//! snarkjs accepts (and to check snarkjs's), these must draw the same words in the same order and
//! map them to the same field elements and points. The sources ported (paths in the npm packages):
//!
//! - `ffjavascript/src/chacha.js`: ChaCha20 with state `consts, seed[0..8], 0, 0, 0, 0`, 20
//!   rounds, words 12..16 a 128-bit little-endian block counter; output words in state order;
//!   `nextU64 = nextU32 * 2^32 + nextU32` (the first word drawn is the high half);
//!   `nextBool = nextU32 & 1`.
//! - `ffjavascript/src/wasm_field1.js` `fromRng`: `v = sum(nextU64 << 64 i)` for `i < 4` (the first
//!   u64 is the lowest limb), `v &= 2^bitlen(p) - 1`, draw again while `v >= p`; the little-endian
//!   bytes of `v` become the field element's buffer, and ffjavascript's wasm fields hold elements in
//!   Montgomery form, so the element is `v * R^-1 mod p` (`R = 2^256`), not `v`. (The pure-JS
//!   `F1Field.fromRng` agrees: it returns `v * Ri % p`.) The wasm `*_timesFr` functions convert the
//!   scalar out of Montgomery form before multiplying, so `prvKey * P` uses that same element.
//! - `ffjavascript/src/wasm_field2.js` `fromRng`: `c0` then `c1`.
//! - `ffjavascript/src/wasm_curve.js` `fromRng`: repeat { `x = F.fromRng`; `greatest = nextBool` }
//!   until `x^3 + b` is a square; `y = sqrt(x^3 + b)`; negate `y` if `greatest != isNegative(y)`;
//!   then, on G2 only, multiply by the cofactor (`cofactorG2` in `ffjavascript/src/bn128.js`, the
//!   integer `2q - r`; bn128 has no G1 cofactor). `isNegative` (wasmcurves `build_f1m.js`,
//!   `build_f2m.js`): for Fq, `x > (q - 1) / 2` as an integer; for Fq2, `isNegative(c1)`, or
//!   `isNegative(c0)` when `c1 == 0`. So the `y` chosen is the root with `isNegative(y) == greatest`,
//!   whatever root the square root algorithm returns.
//! - `snarkjs/src/keypair.js` `hashToG2`, `snarkjs/src/misc.js` `getRandomRng`,
//!   `rngFromBeaconParams`, `formatHash`; the draw order of `zkey_contribute.js` and
//!   `zkey_beacon.js` is `prvKey = Fr.fromRng(rng)` then `g1_s = G1.fromRng(rng)` from the same
//!   stream, and `g2_sp = hashToG2(transcript)` from a separate stream.
//!
//! The test `ceremony/tests/rng_vectors.rs` checks all of this against vectors written by
//! `ceremony/tests/data/make_rng_vectors.js` with the real npm modules.

use ark_bn254::{g2, Fq, Fq2, Fr, G1Affine, G2Affine, G2Projective};
use ark_ec::short_weierstrass::SWCurveConfig;
use ark_ec::CurveGroup;
use ark_ff::{AdditiveGroup, BigInt, BigInteger, Field, PrimeField};
use blake2::{Blake2b512, Digest};
use sha2::Sha256;

/// The ChaCha20 constants ("expand 32-byte k"), state words 0..4.
const SIGMA: [u32; 4] = [0x6170_7865, 0x3320_646E, 0x7962_2D32, 0x6B20_6574];

/// ffjavascript's ChaCha20 stream (`ffjavascript/src/chacha.js`).
///
/// A 256-bit key (`seed`), an all-zero nonce and a 128-bit block counter starting at 0 in state
/// words 12..16; each block gives 16 `u32` words, drawn in state order. This is the RFC 8439 block
/// function with a zero nonce, read as words instead of bytes (word `i` is little-endian bytes
/// `4i..4i+4` of the standard keystream).
///
/// `Debug` shows only [`ChaCha::words_used`]: the state is the secret of a contribution.
#[derive(Clone)]
pub struct ChaCha {
    state: [u32; 16],
    buf: [u32; 16],
    idx: usize,
    used: u64,
}

impl ChaCha {
    /// The stream of `new ChaCha(seed)`.
    pub fn new(seed: [u32; 8]) -> ChaCha {
        let mut state = [0u32; 16];
        state[..4].copy_from_slice(&SIGMA);
        state[4..12].copy_from_slice(&seed);
        ChaCha { state, buf: [0; 16], idx: 16, used: 0 }
    }

    /// `nextU32()`: the next word of the stream.
    pub fn next_u32(&mut self) -> u32 {
        if self.idx == 16 {
            self.update();
        }
        let w = self.buf[self.idx];
        self.idx += 1;
        self.used += 1;
        w
    }

    /// How many `u32` words have been drawn so far (`next_u64` draws two, `next_bool` one).
    pub fn words_used(&self) -> u64 {
        self.used
    }

    /// `nextU64()`: two words, the first drawn is the high half.
    pub fn next_u64(&mut self) -> u64 {
        let hi = self.next_u32() as u64;
        let lo = self.next_u32() as u64;
        (hi << 32) | lo
    }

    /// `nextBool()`: the lowest bit of the next word.
    pub fn next_bool(&mut self) -> bool {
        self.next_u32() & 1 == 1
    }

    /// Computes the next block and increments the 128-bit counter in words 12..16.
    fn update(&mut self) {
        let mut x = self.state;
        for _ in 0..10 {
            quarter_round(&mut x, 0, 4, 8, 12);
            quarter_round(&mut x, 1, 5, 9, 13);
            quarter_round(&mut x, 2, 6, 10, 14);
            quarter_round(&mut x, 3, 7, 11, 15);
            quarter_round(&mut x, 0, 5, 10, 15);
            quarter_round(&mut x, 1, 6, 11, 12);
            quarter_round(&mut x, 2, 7, 8, 13);
            quarter_round(&mut x, 3, 4, 9, 14);
        }
        for (out, (a, b)) in self.buf.iter_mut().zip(x.iter().zip(self.state.iter())) {
            *out = a.wrapping_add(*b);
        }
        self.idx = 0;
        for w in &mut self.state[12..16] {
            *w = w.wrapping_add(1);
            if *w != 0 {
                break;
            }
        }
    }
}

impl std::fmt::Debug for ChaCha {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ChaCha").field("words_used", &self.used).finish_non_exhaustive()
    }
}

fn quarter_round(s: &mut [u32; 16], a: usize, b: usize, c: usize, d: usize) {
    s[a] = s[a].wrapping_add(s[b]);
    s[d] = (s[d] ^ s[a]).rotate_left(16);
    s[c] = s[c].wrapping_add(s[d]);
    s[b] = (s[b] ^ s[c]).rotate_left(12);
    s[a] = s[a].wrapping_add(s[b]);
    s[d] = (s[d] ^ s[a]).rotate_left(8);
    s[c] = s[c].wrapping_add(s[d]);
    s[b] = (s[b] ^ s[c]).rotate_left(7);
}

/// First 32 bytes of a hash as 8 big-endian u32 words (how snarkjs seeds ChaCha from a hash:
/// `DataView.getUint32(4 i)` in `keypair.hashToG2`, `misc.getRandomRng`,
/// `misc.rngFromBeaconParams`). Bytes after the first 32 are ignored.
///
/// # Panics
/// If `hash` is shorter than 32 bytes (snarkjs's `getUint32` throws a `RangeError` there).
pub fn seed_from_hash(hash: &[u8]) -> [u32; 8] {
    assert!(hash.len() >= 32, "a ChaCha seed needs 32 bytes of hash, got {}", hash.len());
    let mut seed = [0u32; 8];
    for (i, w) in seed.iter_mut().enumerate() {
        *w = u32::from_be_bytes(hash[4 * i..4 * i + 4].try_into().expect("4 bytes"));
    }
    seed
}

/// ffjavascript's wasm `F.fromRng` for a 4-limb prime field: the masked, rejection-sampled
/// integer `v`, taken as the Montgomery representation (the element is `v * R^-1 mod p`):
/// `from_montgomery` is `Fp::new_unchecked`, which does exactly that in arkworks (whose
/// Montgomery radix is also `R = 2^256` for 4 limbs).
fn prime_from_rng<F: PrimeField<BigInt = BigInt<4>>>(rng: &mut ChaCha, from_montgomery: fn(BigInt<4>) -> F) -> F {
    let bits = F::MODULUS.num_bits();
    debug_assert!(bits > 192 && bits <= 256);
    let top_mask = if bits == 256 { u64::MAX } else { (1u64 << (bits - 192)) - 1 };
    loop {
        let mut limbs = [0u64; 4];
        for l in &mut limbs {
            *l = rng.next_u64();
        }
        limbs[3] &= top_mask;
        let v = BigInt(limbs);
        if v < F::MODULUS {
            return from_montgomery(v);
        }
    }
}

/// `curve.Fr.fromRng(rng)` on BN254's scalar field (`Fr`): how snarkjs draws a contribution's
/// secret (`prvKey`).
pub fn fr_from_rng(rng: &mut ChaCha) -> Fr {
    prime_from_rng(rng, Fr::new_unchecked)
}

/// `curve.F1.fromRng(rng)` on BN254's base field (`Fq`).
pub fn fq_from_rng(rng: &mut ChaCha) -> Fq {
    prime_from_rng(rng, Fq::new_unchecked)
}

/// `curve.F2.fromRng(rng)`: `c0` then `c1`, each [`fq_from_rng`].
pub fn fq2_from_rng(rng: &mut ChaCha) -> Fq2 {
    let c0 = fq_from_rng(rng);
    let c1 = fq_from_rng(rng);
    Fq2::new(c0, c1)
}

/// wasmcurves' `f1m_isNegative`: `x > (q - 1) / 2` as an integer.
pub fn fq_is_negative(x: &Fq) -> bool {
    // (q - 1) / 2 == MODULUS_MINUS_ONE_DIV_TWO
    x.into_bigint() > Fq::MODULUS_MINUS_ONE_DIV_TWO
}

/// wasmcurves' `f2m_isNegative`: [`fq_is_negative`] of `c1`, or of `c0` when `c1` is zero.
pub fn fq2_is_negative(x: &Fq2) -> bool {
    if x.c1 == Fq::ZERO {
        fq_is_negative(&x.c0)
    } else {
        fq_is_negative(&x.c1)
    }
}

/// The `(x, y)` loop of `WasmCurve.fromRng`, generic over the coordinate field.
fn curve_xy_from_rng<F: Field>(
    rng: &mut ChaCha,
    b: F,
    draw: impl Fn(&mut ChaCha) -> F,
    is_negative: impl Fn(&F) -> bool,
) -> (F, F) {
    loop {
        let x = draw(rng);
        let greatest = rng.next_bool();
        let rhs = x.square() * x + b;
        // `F.isSquare` then `F.sqrt`: which root sqrt returns does not matter, the sign is fixed
        // below. (0 is a square with root 0 in both libraries; x^3 + b = 0 has a negligible
        // chance.)
        if let Some(mut y) = rhs.sqrt() {
            if greatest != is_negative(&y) {
                y = -y;
            }
            return (x, y);
        }
    }
}

/// `curve.G1.fromRng(rng)`: how snarkjs draws `g1_s` (G1 has no cofactor).
pub fn g1_from_rng(rng: &mut ChaCha) -> G1Affine {
    let (x, y) = curve_xy_from_rng(rng, ark_bn254::g1::Config::COEFF_B, fq_from_rng, fq_is_negative);
    let p = G1Affine::new_unchecked(x, y);
    debug_assert!(p.is_on_curve());
    p
}

/// The G2 cofactor ffjavascript multiplies by (`cofactorG2`, `ffjavascript/src/bn128.js`:
/// `0x30644e72e131a029b85045b68181585e06ceecda572a2489345f2299c0f9fa8d = 2q - r`), little-endian
/// u64 limbs. Equal to ark-bn254's `g2::Config::COFACTOR` (checked by a test).
pub const G2_COFACTOR: [u64; 4] =
    [0x345f_2299_c0f9_fa8d, 0x06ce_ecda_572a_2489, 0xb850_45b6_8181_585e, 0x3064_4e72_e131_a029];

/// `curve.G2.fromRng(rng)`: a point of the twist from the stream, times the cofactor (so in the
/// prime-order subgroup).
pub fn g2_from_rng(rng: &mut ChaCha) -> G2Affine {
    let (x, y) = curve_xy_from_rng(rng, g2::Config::COEFF_B, fq2_from_rng, fq2_is_negative);
    let p = G2Affine::new_unchecked(x, y);
    debug_assert!(p.is_on_curve());
    times_u256(&p, &G2_COFACTOR).into_affine()
}

/// Plain double-and-add `k * p`. The point is on the curve but not (yet) in the prime-order
/// subgroup, where GLV-style scalar multiplication (which ark-bn254 uses for G1 and could use
/// for G2) would compute something else; this is plain group arithmetic, as wasmcurves' is.
fn times_u256(p: &G2Affine, k: &[u64; 4]) -> G2Projective {
    let mut acc = G2Projective::ZERO;
    for bit in BigInt(*k).to_bits_be() {
        acc.double_in_place();
        if bit {
            acc += p;
        }
    }
    acc
}

/// snarkjs `keypair.hashToG2(curve, transcript)`: [`g2_from_rng`] on
/// `ChaCha(seed_from_hash(transcript))`. In `zkey contribute` and `zkey beacon` this gives
/// `g2_sp` from the contribution's 64-byte transcript.
pub fn hash_to_g2(transcript: &[u8; 64]) -> G2Affine {
    let mut rng = ChaCha::new(seed_from_hash(transcript));
    g2_from_rng(&mut rng)
}

/// The contribution RNG of `snarkjs zkey contribute` (`misc.getRandomRng(entropy)`):
/// `ChaCha(seed_from_hash(blake2b-512(os_random || utf8(entropy))))`, where snarkjs draws
/// `os_random` with `crypto.randomFillSync` (64 bytes).
///
/// snarkjs then draws `prvKey = fr_from_rng(rng)` and `g1_s = g1_from_rng(rng)` in this order.
/// snarkjs asks for entropy again while it is empty; this function accepts an empty string.
pub fn contribution_rng(os_random: &[u8; 64], entropy: &str) -> ChaCha {
    let mut h = Blake2b512::new();
    h.update(os_random);
    h.update(entropy.as_bytes());
    ChaCha::new(seed_from_hash(&h.finalize()))
}

/// The number of SHA-256 iterations of snarkjs's beacon for `iterations_exp`, computed as
/// `misc.rngFromBeaconParams` does: `2^iterations_exp` for `0..=63`; beyond that JavaScript's
/// 32-bit shift wraps and the count is `2^(32 + (iterations_exp - 32) % 32)`.
pub fn beacon_iterations(iterations_exp: u8) -> u64 {
    if iterations_exp < 32 {
        1u64 << iterations_exp
    } else {
        (1u64 << 32) << ((iterations_exp - 32) % 32)
    }
}

/// SHA-256 applied [`beacon_iterations`]`(iterations_exp)` times to `beacon_hash` (the hash the
/// beacon's ChaCha is seeded from).
pub fn beacon_hash_iterated(beacon_hash: &[u8], iterations_exp: u8) -> [u8; 32] {
    let n = beacon_iterations(iterations_exp); // >= 1
    let mut cur: [u8; 32] = Sha256::digest(beacon_hash).into();
    for _ in 1..n {
        cur = Sha256::digest(cur).into();
    }
    cur
}

/// snarkjs's beacon RNG (`misc.rngFromBeaconParams(beaconHash, numIterationsExp)`): SHA-256
/// iterated `2^iterations_exp` times on `beacon_hash`, then `ChaCha(seed_from_hash(result))`.
///
/// `snarkjs zkey beacon` only accepts `iterations_exp` in `10..=63` and a beacon hash of 1 to 255
/// bytes; this function computes the RNG for any value anyway (see [`beacon_iterations`]) and
/// leaves validation to the caller. The cost is `2^iterations_exp` hashes: at 40 and above this
/// runs for days.
pub fn beacon_rng(beacon_hash: &[u8], iterations_exp: u8) -> ChaCha {
    ChaCha::new(seed_from_hash(&beacon_hash_iterated(beacon_hash, iterations_exp)))
}

/// snarkjs `misc.formatHash(hash)`: 4 lines of 4 big-endian u32 words as 8 lowercase hex digits,
/// each line starting with two tabs, words separated by one space, lines by `\n`, no trailing
/// newline.
pub fn format_hash(hash: &[u8; 64]) -> String {
    let mut s = String::with_capacity(4 * (2 + 4 * 9));
    for (i, line) in hash.chunks_exact(16).enumerate() {
        if i > 0 {
            s.push('\n');
        }
        s.push_str("\t\t");
        for (j, w) in line.chunks_exact(4).enumerate() {
            if j > 0 {
                s.push(' ');
            }
            s.push_str(&format!("{:08x}", u32::from_be_bytes(w.try_into().expect("4 bytes"))));
        }
    }
    s
}

/// snarkjs `misc.formatHash(hash, title)`: `title + "\n" + format_hash(hash)` (snarkjs's titles
/// end with ": ", e.g. `"Contribution Hash: "`); an empty title adds nothing, as in JavaScript.
pub fn format_hash_with_title(hash: &[u8; 64], title: &str) -> String {
    if title.is_empty() {
        format_hash(hash)
    } else {
        format!("{title}\n{}", format_hash(hash))
    }
}
