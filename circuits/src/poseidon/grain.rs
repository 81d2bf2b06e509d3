//! Poseidon parameters for BN254 generated the way circomlib's were: the Grain LFSR of the Poseidon
//! reference (`generate_parameters_grain.sage 1 0 254 t 8 R_P p`), round constants first, then the
//! Cauchy MDS matrix from the next draws. Checked against circomlibjs test vectors.
use ark_bn254::Fr;
use ark_ff::{BigInteger, PrimeField, Zero};

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
/// first). Bit `i + 80` depends on bits `i + 62` and below, so 18 new bits are one expression of
/// shifts: the round constants of a width take about 0.3 ms (an array of 80 booleans shifted one
/// step at a time took 20 ms a width, in every `prove`).
struct Grain {
    state: u128,
    /// New bits not handed out yet, the next one lowest, and how many.
    fresh: u32,
    fresh_len: u32,
}

/// Bits generated at once: bit `i + 80` reads bit `i + 62`, which must already exist.
const BLOCK: u32 = 18;

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
        let mut g = Grain { state, fresh: 0, fresh_len: 0 };
        for _ in 0..160 {
            g.step();
        }
        g
    }

    /// The next bit: `b[i+80] = b[i+62] ^ b[i+51] ^ b[i+38] ^ b[i+23] ^ b[i+13] ^ b[i]`.
    fn step(&mut self) -> bool {
        if self.fresh_len == 0 {
            let s = self.state;
            let new = ((s >> 62) ^ (s >> 51) ^ (s >> 38) ^ (s >> 23) ^ (s >> 13) ^ s) & ((1 << BLOCK) - 1);
            self.state = (s >> BLOCK) | (new << (80 - BLOCK));
            self.fresh = new as u32;
            self.fresh_len = BLOCK;
        }
        let b = self.fresh & 1 == 1;
        self.fresh >>= 1;
        self.fresh_len -= 1;
        b
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
        let mut sums: Vec<Fr> = xs.iter().flat_map(|x| ys.iter().map(move |y| *x + y)).collect();
        if sums.iter().any(|s| s.is_zero()) {
            continue; // the reference draws again when x_i + y_j = 0 (no inverse)
        }
        // the t^2 inverses at once (one inversion: they took 3 ms a width one by one)
        ark_ff::batch_inversion(&mut sums);
        break sums.chunks(t).map(|row| row.to_vec()).collect::<Vec<Vec<Fr>>>();
    };
    Params { t, partial_rounds: partial, round_constants, mds }
}
