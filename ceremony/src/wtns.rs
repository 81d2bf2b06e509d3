//! snarkjs's witness file (`.wtns`, version 2), what `snarkjs groth16 prove` reads: section 1 is
//! `n8 u32 | the scalar modulus (n8 bytes LE) | nWitness u32`, section 2 the values in wire order,
//! each `n8` bytes little-endian (plain integers, not Montgomery form). With verinfer's `.r1cs`
//! (wire id = arkworks variable index) the values are the assignment `[1, public inputs...,
//! witnesses...]`.
use crate::binfile::BinWriter;
use crate::point::{fr_modulus_le, fr_to_le, FIELD_SIZE};
use ark_bn254::Fr;

/// The `.wtns` file of `values` (wire 0, the constant one, first).
pub fn to_bytes(values: &[Fr]) -> Vec<u8> {
    let mut w = BinWriter::with_capacity(b"wtns", 2, 64 + values.len() * FIELD_SIZE);
    let mut header = Vec::with_capacity(4 + FIELD_SIZE + 4);
    header.extend_from_slice(&(FIELD_SIZE as u32).to_le_bytes());
    header.extend_from_slice(&fr_modulus_le());
    header.extend_from_slice(&(values.len() as u32).to_le_bytes());
    w.section(1, &header);
    w.section_with(2, |out| values.iter().for_each(|v| out.extend_from_slice(&fr_to_le(v))));
    w.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::binfile::BinFile;

    #[test]
    fn header_and_values_are_where_snarkjs_reads_them() {
        let values = [Fr::from(1u64), Fr::from(258u64), -Fr::from(1u64)];
        let bytes = to_bytes(&values);
        let f = BinFile::parse(&bytes, b"wtns").unwrap();
        let h = f.section(1).unwrap();
        assert_eq!(u32::from_le_bytes(h[..4].try_into().unwrap()), 32);
        assert_eq!(&h[4..36], &fr_modulus_le());
        assert_eq!(u32::from_le_bytes(h[36..40].try_into().unwrap()), 3);
        let v = f.section(2).unwrap();
        assert_eq!(v.len(), 96);
        assert_eq!(&v[32..34], &[2, 1]);
        assert_eq!(&v[64..96], &fr_to_le(&-Fr::from(1u64)));
    }
}
