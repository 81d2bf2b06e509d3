//! The Pasta base field `Fp` (the scalar field of the circuits halo2 proves over `EqAffine`) and the
//! statement's encoding in it: integers, 32-byte big-endian elements, 128-bit halves.
use ff::{Field, PrimeField};
pub use halo2_proofs::pasta::Fp;

/// `v` as a field element (negative values as `p - |v|`).
pub fn fp(v: i128) -> Fp {
    let m = Fp::from_u128(v.unsigned_abs());
    if v < 0 {
        -m
    } else {
        m
    }
}

/// The integer `f` stands for when it is within `i128` of zero (`p - m` is `-m`); `None` otherwise.
pub fn to_i128(f: Fp) -> Option<i128> {
    let small = |f: Fp| {
        let r = f.to_repr();
        if r[16..].iter().any(|&b| b != 0) {
            return None;
        }
        let mut lo = [0u8; 16];
        lo.copy_from_slice(&r[..16]);
        i128::try_from(u128::from_le_bytes(lo)).ok()
    };
    small(f).or_else(|| small(-f).map(|m| -m))
}

/// `2^k`.
pub fn pow2(k: u32) -> Fp {
    Fp::from(2).pow_vartime([k as u64])
}

/// The big-endian bytes of `f`'s canonical integer.
pub fn to_bytes(f: &Fp) -> [u8; 32] {
    let mut b = f.to_repr();
    b.reverse();
    b
}

/// The element whose canonical integer has these big-endian bytes; `None` at or above the modulus.
pub fn from_bytes(b: &[u8; 32]) -> Option<Fp> {
    let mut le = *b;
    le.reverse();
    Option::from(Fp::from_repr(le))
}

/// The big-endian integer of `bytes` (at most 31 of them: a domain tag) as an element.
pub fn from_tag(tag: &[u8]) -> Fp {
    tag.iter().fold(Fp::ZERO, |acc, &b| acc * Fp::from(256) + Fp::from(b as u64))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integers_and_bytes_round_trip() {
        for v in [0i128, 1, -1, 255, -(1 << 100), i128::MAX, i128::MIN + 1] {
            assert_eq!(to_i128(fp(v)), Some(v));
        }
        assert_eq!(to_i128(pow2(200)), None);
        let f = fp(-7);
        assert_eq!(from_bytes(&to_bytes(&f)), Some(f));
        assert_eq!(from_bytes(&[0xff; 32]), None);
        assert_eq!(to_bytes(&Fp::from(258))[30..], [1, 2]);
        assert_eq!(from_tag(b"\x01\x02"), Fp::from(258));
    }
}
