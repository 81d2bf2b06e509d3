//! Poseidon (`crate::poseidon`'s permutation and sponge) in rows.
//!
//! Each S-box `(x + c)^5` is three product rows: `s2 = x^2 + 2 c x + c^2`, `s4 = s2^2`,
//! `s5 = s4 x + c s4`; each MDS output is one row of three terms (the partial rounds fold the
//! round constants of the words without an S-box into its constant). A full round is 12 rows, a
//! partial one 6: 432 rows a permutation, and a message of `L` elements costs `ceil(L / 2)`
//! permutations plus one row an element to absorb it. Sound by construction: every row is the
//! equation it states, the same as the native permutation's, which the tests compare.
use crate::field::Fp;
use crate::layout::{Cell, Gate, Layout, RowSpec, Wire};
use crate::poseidon::{capacity, constants, is_full, RATE, WIDTH};
use ff::Field;

/// `(x + c)^5`.
fn sbox(l: &mut Layout, x: Wire, c: Fp) -> Wire {
    let s2v = x.value.map(|x| (x + c).square());
    let gate = Gate { q: [c + c, Fp::ZERO, -Fp::ONE, Fp::ZERO], qm: Fp::ONE, qk: c.square(), qn: Fp::ZERO };
    let s2 =
        l.row([Cell::Copy(x), Cell::Copy(x), Cell::New(s2v), Cell::Empty], RowSpec { gate, ..RowSpec::default() })[2];
    let s4 = l.mul(s2, s2);
    l.mul_add((s4, x), (c, s4), Fp::ZERO)
}

/// The permutation of a state of wires.
pub fn permute(l: &mut Layout, mut state: [Wire; WIDTH]) -> [Wire; WIDTH] {
    let c = constants();
    for (r, rc) in c.round.iter().enumerate() {
        let full = is_full(r);
        // words after the S-box layer, each with a constant still to add (the partial rounds'
        // words without an S-box)
        let mut words: Vec<(Wire, Fp)> = Vec::with_capacity(WIDTH);
        for (i, (x, k)) in state.iter().zip(rc).enumerate() {
            if full || i == 0 {
                words.push((sbox(l, *x, *k), Fp::ZERO));
            } else {
                words.push((*x, *k));
            }
        }
        let mut next = state;
        for (i, out) in next.iter_mut().enumerate() {
            let terms: Vec<(Fp, Wire)> = words.iter().enumerate().map(|(j, (w, _))| (c.mds[i][j], *w)).collect();
            let k: Fp = words.iter().enumerate().map(|(j, (_, k))| c.mds[i][j] * k).sum();
            *out = l.lin(&terms, k);
        }
        state = next;
    }
    state
}

/// The hash of a message of wires (the native [`crate::poseidon::hash`]).
pub fn hash(l: &mut Layout, message: &[Wire]) -> Wire {
    let zero = l.constant(Fp::ZERO);
    let cap = l.constant(capacity(message.len()));
    let mut state = [zero, zero, cap];
    for chunk in message.chunks(RATE) {
        for (s, m) in state.iter_mut().zip(chunk) {
            *s = l.lin(&[(Fp::ONE, *s), (Fp::ONE, *m)], Fp::ZERO);
        }
        state = permute(l, state);
    }
    if message.is_empty() {
        state = permute(l, state);
    }
    state[0]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::*;

    #[test]
    fn equals_the_native_hash_at_the_stated_cost_and_catches_corruption() {
        let msg: Vec<Fp> = (0..3u64).map(|i| Fp::from(i * 77 + 5)).collect();
        let mut l = Layout::new(true);
        let wires: Vec<Wire> = msg.iter().map(|v| l.witness(Some(*v))).collect();
        let from = l.len();
        let h = hash(&mut l, &wires);
        assert_eq!(h.value, Some(crate::poseidon::hash(&msg)));
        let mut done = l.clone();
        done.finish();
        // two constants, 3 absorbing sums, two permutations (and the output's row)
        assert_eq!(done.len() - from, 2 + 3 + 2 * 432 + 1);
        assert!(satisfied(l.clone()));
        // every cell of the first permutation's first full and first partial rounds
        let mut short = Layout::new(true);
        let w: Vec<Wire> = msg[..2].iter().map(|v| short.witness(Some(*v))).collect();
        let from = short.len();
        hash(&mut short, &w);
        let partial_end = from + 2 + 2 + 12 * 4 + 6;
        short.truncate(partial_end);
        let mut missed = undetected_corruptions(&short, from);
        // the cut leaves the last row's output (the next row's d) unconstrained
        missed.retain(|&(r, _)| r + 1 < partial_end);
        assert_eq!(missed, vec![]);
    }
}
