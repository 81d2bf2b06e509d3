//! Poseidon parameters for BN254 generated the way circomlib's were: the Grain LFSR of the Poseidon
//! reference (`generate_parameters_grain.sage 1 0 254 t 8 R_P p`), round constants first, then the
//! Cauchy MDS matrix from the next draws. Checked against circomlibjs test vectors.
use ark_bn254::Fr;
use ark_ff::{BigInteger, Field, PrimeField};

/// Full rounds (all widths).
pub const FULL_ROUNDS: usize = 8;
/// Partial rounds for widths t = 2..=17 (circomlib's table).
pub const PARTIAL_ROUNDS: [usize; 16] = [56, 57, 56, 60, 60, 63, 64, 63, 60, 66, 60, 65, 70, 60, 64, 68];

/// Round constants and MDS matrix for one width.
#[derive(Clone, Debug)]
pub struct Params {
    /// State width t (inputs + 1).
    pub t: usize,
    /// Partial rounds.
    pub partial_rounds: usize,
    /// `(FULL_ROUNDS + partial_rounds) * t` constants, round by round.
    pub round_constants: Vec<Fr>,
    /// `t x t` MDS matrix.
    pub mds: Vec<Vec<Fr>>,
}

/// The 80-bit LFSR, bit `k` of the reference's state array at bit `k` of `state` (bit 0 leaves
/// first). One step is a parity and a shift: generating the 16 widths' constants took about 20 ms
/// a width with the state as an array of 80 booleans, in every `prove` (the witness phase).
struct Grain {
    state: u128,
}

/// The taps of `b[i+80] = b[i+62] ^ b[i+51] ^ b[i+38] ^ b[i+23] ^ b[i+13] ^ b[i]`.
const TAPS: u128 = (1 << 62) | (1 << 51) | (1 << 38) | (1 << 23) | (1 << 13) | 1;

impl Grain {
    fn new(t: usize, partial: usize) -> Grain {
        let mut bits = Vec::with_capacity(80);
        let mut push = |v: usize, w: usize| (0..w).rev().for_each(|i| bits.push((v >> i) & 1 == 1));
        push(1, 2); // prime field
        push(0, 4); // x^alpha S-box
        push(254, 12); // field size in bits
        push(t, 12);
        push(FULL_ROUNDS, 10);
        push(partial, 10);
        bits.extend(std::iter::repeat_n(true, 30));
        let state = bits.iter().enumerate().fold(0u128, |acc, (k, &b)| acc | (u128::from(b) << k));
        let mut g = Grain { state };
        for _ in 0..160 {
            g.step();
        }
        g
    }

    fn step(&mut self) -> bool {
        let b = (self.state & TAPS).count_ones() & 1;
        self.state = (self.state >> 1) | (u128::from(b) << 79);
        b == 1
    }

    /// Output bits come in pairs: the second bit is kept when the first is 1.
    fn bit(&mut self) -> bool {
        loop {
            let keep = self.step();
            let out = self.step();
            if keep {
                return out;
            }
        }
    }

    /// 254 bits, most significant first.
    fn draw(&mut self) -> ark_ff::BigInt<4> {
        let mut limbs = [0u64; 4];
        for i in (0..254).rev() {
            if self.bit() {
                limbs[i / 64] |= 1 << (i % 64);
            }
        }
        ark_ff::BigInt(limbs)
    }

    /// A uniformly drawn field element (rejection sampling, as the reference does).
    fn field(&mut self) -> Fr {
        loop {
            if let Some(f) = Fr::from_bigint(self.draw()) {
                return f;
            }
        }
    }

    /// A draw reduced modulo p (the reference's `F(grain_random_bits(n))` for the MDS).
    fn field_reduced(&mut self) -> Fr {
        Fr::from_le_bytes_mod_order(&self.draw().to_bytes_le())
    }
}

/// Generates the parameters for width `t` (2..=17).
pub fn generate(t: usize) -> Params {
    assert!((2..=17).contains(&t), "Poseidon width {t} outside 2..=17");
    let partial = PARTIAL_ROUNDS[t - 2];
    let mut g = Grain::new(t, partial);
    let round_constants = (0..(FULL_ROUNDS + partial) * t).map(|_| g.field()).collect();
    let mds = loop {
        let draws: Vec<Fr> = (0..2 * t).map(|_| g.field_reduced()).collect();
        let distinct = (0..draws.len()).all(|i| (i + 1..draws.len()).all(|j| draws[i] != draws[j]));
        if !distinct {
            continue;
        }
        let (xs, ys) = draws.split_at(t);
        let m: Option<Vec<Vec<Fr>>> = xs.iter().map(|x| ys.iter().map(|y| (*x + y).inverse()).collect()).collect();
        if let Some(m) = m {
            break m;
        }
    };
    Params { t, partial_rounds: partial, round_constants, mds }
}
