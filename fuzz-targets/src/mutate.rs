//! A small deterministic mutator (xorshift64*) for the smoke run and the long run without libFuzzer:
//! bit flips, interesting bytes, byte insertion and deletion, chunk duplication, splices from
//! other seeds and truncation.

/// A xorshift64* generator: deterministic, no dependency.
#[derive(Clone, Debug)]
pub struct XorShift(u64);

impl XorShift {
    /// A generator from a seed (0 is replaced by a fixed odd constant).
    pub fn new(seed: u64) -> Self {
        XorShift(if seed == 0 { 0x9e37_79b9_7f4a_7c15 } else { seed })
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    /// A number in `0..n` (0 when `n` is 0).
    pub fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next_u64() % n as u64) as usize
        }
    }
}

const INTERESTING: &[u8] = &[0x00, 0x01, 0x7f, 0x80, 0xff, b'0', b'-', b'"', b'[', b'e', b'9'];

/// One to four mutations of `data`; `others` supplies splice material (usually the seed corpus).
pub fn mutate(rng: &mut XorShift, data: &[u8], others: &[Vec<u8>]) -> Vec<u8> {
    let mut out = data.to_vec();
    for _ in 0..1 + rng.below(4) {
        let len = out.len();
        match rng.below(8) {
            0 | 1 if len > 0 => {
                let i = rng.below(len);
                out[i] ^= 1 << rng.below(8);
            }
            2 if len > 0 => {
                let i = rng.below(len);
                out[i] = INTERESTING[rng.below(INTERESTING.len())];
            }
            3 => {
                let i = rng.below(len + 1);
                let n = 1 + rng.below(8);
                for k in 0..n {
                    out.insert(i + k, rng.next_u64() as u8);
                }
            }
            4 if len > 0 => {
                let i = rng.below(len);
                let n = 1 + rng.below((len - i).min(16));
                out.drain(i..i + n);
            }
            5 if len > 0 => {
                // duplicate a chunk elsewhere
                let i = rng.below(len);
                let n = 1 + rng.below((len - i).min(32));
                let chunk = out[i..i + n].to_vec();
                let at = rng.below(out.len() + 1);
                out.splice(at..at, chunk);
            }
            6 if !others.is_empty() => {
                // splice: our prefix, then the tail of another input from a random point
                let other = &others[rng.below(others.len())];
                let cut = rng.below(len + 1);
                let from = rng.below(other.len() + 1);
                out.truncate(cut);
                out.extend_from_slice(&other[from..]);
            }
            _ if len > 0 => out.truncate(rng.below(len)),
            _ => out.push(rng.next_u64() as u8),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mutations_are_deterministic_and_vary() {
        let seeds = vec![b"hello world".to_vec(), b"{\"a\": [1, 2]}".to_vec()];
        let run = || {
            let mut rng = XorShift::new(7);
            (0..200).map(|i| mutate(&mut rng, &seeds[i % 2], &seeds)).collect::<Vec<_>>()
        };
        let a = run();
        assert_eq!(a, run());
        let distinct: std::collections::HashSet<_> = a.iter().collect();
        assert!(distinct.len() > 150, "{} distinct mutants of 200", distinct.len());
    }
}
