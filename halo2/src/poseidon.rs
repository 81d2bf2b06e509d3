//! Poseidon over the Pasta field, native: the halo2 statement's hash.
//!
//! The permutation is halo2_poseidon's `P128Pow5T3` (width 3, rate 2, x^5, 8 full and 56 partial
//! rounds: the instance Orchard uses), with its round constants and MDS matrix. A message of `L`
//! elements is hashed as halo2_poseidon's `ConstantLength<L>` domain: capacity element `L 2^64`,
//! the message absorbed two elements a permutation (zero-padded to even length), the first state
//! element squeezed. `hash(&m) == Hash::<_, P128Pow5T3, ConstantLength<L>, 3, 2>::init().hash(m)`
//! for every `L` (tested), so anyone with halo2_poseidon recomputes it. The in-circuit version is
//! `crate::chips::poseidon`.
use crate::field::Fp;
use ff::Field;
use halo2_poseidon::{Mds, P128Pow5T3, Spec};
use std::sync::OnceLock;

/// State width.
pub const WIDTH: usize = 3;
/// Elements absorbed per permutation.
pub const RATE: usize = 2;
/// Full rounds (half before, half after the partial ones).
pub const FULL_ROUNDS: usize = 8;
/// Partial rounds.
pub const PARTIAL_ROUNDS: usize = 56;

/// Round constants and MDS matrix.
pub struct Constants {
    /// One row of `WIDTH` constants a round.
    pub round: Vec<[Fp; WIDTH]>,
    /// The MDS matrix.
    pub mds: Mds<Fp, WIDTH>,
}

/// The permutation's constants (computed once).
pub fn constants() -> &'static Constants {
    static C: OnceLock<Constants> = OnceLock::new();
    C.get_or_init(|| {
        let (round, mds, _) = <P128Pow5T3 as Spec<Fp, WIDTH, RATE>>::constants();
        Constants { round, mds }
    })
}

/// `x^5`.
pub fn sbox(x: Fp) -> Fp {
    x.square().square() * x
}

/// Whether round `r` is a full round.
pub fn is_full(r: usize) -> bool {
    r < FULL_ROUNDS / 2 || r >= FULL_ROUNDS / 2 + PARTIAL_ROUNDS
}

/// The permutation, in place.
pub fn permute(state: &mut [Fp; WIDTH]) {
    let c = constants();
    for (r, rc) in c.round.iter().enumerate() {
        for (s, k) in state.iter_mut().zip(rc) {
            *s += k;
        }
        if is_full(r) {
            state.iter_mut().for_each(|s| *s = sbox(*s));
        } else {
            state[0] = sbox(state[0]);
        }
        let old = *state;
        for (i, s) in state.iter_mut().enumerate() {
            *s = (0..WIDTH).map(|j| c.mds[i][j] * old[j]).sum();
        }
    }
}

/// The capacity element of a message of `len` elements.
pub fn capacity(len: usize) -> Fp {
    crate::field::fp((len as i128) << 64)
}

/// The hash of `message` (see the module documentation).
pub fn hash(message: &[Fp]) -> Fp {
    let mut state = [Fp::ZERO, Fp::ZERO, capacity(message.len())];
    for chunk in message.chunks(RATE) {
        for (s, m) in state.iter_mut().zip(chunk) {
            *s += m;
        }
        permute(&mut state);
    }
    if message.is_empty() {
        permute(&mut state);
    }
    state[0]
}

#[cfg(test)]
mod tests {
    use super::*;
    use halo2_poseidon::{ConstantLength, Hash};

    fn reference<const L: usize>(m: [Fp; L]) -> Fp {
        Hash::<Fp, P128Pow5T3, ConstantLength<L>, WIDTH, RATE>::init().hash(m)
    }

    #[test]
    fn equals_halo2_poseidon_constant_length() {
        let m: Vec<Fp> = (1..=8u64).map(|i| Fp::from(i * 1_000_003)).collect();
        assert_eq!(hash(&m[..1]), reference::<1>([m[0]]));
        assert_eq!(hash(&m[..2]), reference::<2>([m[0], m[1]]));
        assert_eq!(hash(&m[..5]), reference::<5>(m[..5].try_into().unwrap()));
        assert_eq!(hash(&m[..7]), reference::<7>(m[..7].try_into().unwrap()));
        assert_eq!(hash(&m), reference::<8>(m[..].try_into().unwrap()));
    }

    #[test]
    fn length_is_part_of_the_hash() {
        assert_ne!(hash(&[Fp::ONE]), hash(&[Fp::ONE, Fp::ZERO]));
    }
}
