//! Newtypes shared by every crate: scales, bit widths, model hashes.
use serde::{Deserialize, Serialize};
use std::fmt;

/// A power-of-two fixed-point scale: a real value x is represented by the integer q with x ~ q / 2^s.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Scale(pub i8);

impl Scale {
    /// The real value represented by the integer `q` at this scale.
    pub fn dequantize(self, q: i64) -> f64 {
        q as f64 * (-(self.0 as f64)).exp2()
    }
    /// 2^s as a float.
    pub fn factor(self) -> f64 {
        (self.0 as f64).exp2()
    }
}

/// A signed bit width: a value of `Bits(b)` lies in `[-2^(b-1), 2^(b-1))`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Bits(pub u8);

impl Bits {
    /// Smallest value of the range.
    pub fn min(self) -> i128 {
        -(1i128 << (self.0 - 1))
    }
    /// Largest value of the range.
    pub fn max(self) -> i128 {
        (1i128 << (self.0 - 1)) - 1
    }
    /// Whether `v` lies in the range.
    pub fn contains(self, v: i64) -> bool {
        let v = v as i128;
        v >= self.min() && v <= self.max()
    }
    /// The smallest signed width that holds every value of absolute value at most `bound`.
    pub fn for_bound(bound: u128) -> Bits {
        // need 2^(b-1) > bound, i.e. b - 1 >= bitlen(bound)
        let len = 128 - bound.leading_zeros();
        Bits((len + 1) as u8)
    }
}

/// SHA-256 of a canonical compiled artifact: the identity of a model everywhere in verinfer.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ModelHash(pub [u8; 32]);

impl ModelHash {
    /// Lowercase hex.
    pub fn to_hex(&self) -> String {
        hex::encode(self.0)
    }
    /// Parse 64 hex digits.
    pub fn from_hex(s: &str) -> Option<ModelHash> {
        let v = hex::decode(s.trim()).ok()?;
        Some(ModelHash(v.try_into().ok()?))
    }
}

impl fmt::Debug for ModelHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ModelHash({})", self.to_hex())
    }
}

impl fmt::Display for ModelHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_hex())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bits_for_bound_is_tight() {
        assert_eq!(Bits::for_bound(0), Bits(1));
        assert_eq!(Bits::for_bound(1), Bits(2));
        assert_eq!(Bits::for_bound(127), Bits(8));
        assert_eq!(Bits::for_bound(128), Bits(9));
        assert!(Bits(8).contains(-128) && Bits(8).contains(127));
        assert!(!Bits(8).contains(128) && !Bits(8).contains(-129));
    }

    #[test]
    fn model_hash_hex_round_trip() {
        let h = ModelHash([0xab; 32]);
        assert_eq!(ModelHash::from_hex(&h.to_hex()), Some(h));
        assert_eq!(ModelHash::from_hex("abc"), None);
    }
}
