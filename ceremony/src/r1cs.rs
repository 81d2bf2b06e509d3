//! circom's binary `.r1cs` format, version 1 (iden3 `r1csfile`, `doc/r1cs_bin_format.md`):
//!
//! - section 1, header: `u32 n8 (32) | prime (n8 bytes LE) | u32 nWires | u32 nPubOut |
//!   u32 nPubIn | u32 nPrvIn | u64 nLabels | u32 mConstraints`;
//! - section 2, constraints: for each constraint, for A, B, C: `u32 n | n x (u32 wireId |
//!   n8 bytes LE coefficient, standard form)`;
//! - section 3, wire-to-label map: `nWires x u64`.
//!
//! Wire 0 is the constant ONE, followed by the public outputs, the public inputs, then the rest.
//! Custom-gate sections (4 and 5, circom's PLONK extension) are not supported.
//!
//! snarkjs builds a Groth16 zkey from the wire count, the public count (`nPubOut + nPubIn`) and
//! the constraints; it keeps each linear combination's terms in file order.

use crate::binfile::{BinFile, BinWriter, Reader};
use crate::point::{fr_from_le, fr_modulus_le, fr_to_le, le_to_hex, FIELD_SIZE};
use crate::FormatError;
use ark_bn254::Fr;
use ark_ff::Zero;
use rayon::prelude::*;

/// One constraint `<a, w> * <b, w> = <c, w>`: terms are (wire id, coefficient).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Constraint {
    /// The A linear combination.
    pub a: Vec<(u32, Fr)>,
    /// The B linear combination.
    pub b: Vec<(u32, Fr)>,
    /// The C linear combination.
    pub c: Vec<(u32, Fr)>,
}

/// A rank-1 constraint system as stored in a `.r1cs` file.
///
/// [`R1cs::from_matrices`] produces terms with ascending wire ids, duplicates merged and no zero
/// coefficients; [`R1cs::from_bytes`] keeps the terms exactly as in the file (snarkjs uses that
/// order for the zkey's coefficient section).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct R1cs {
    /// Number of wires, including wire 0 (ONE).
    pub n_wires: u32,
    /// Number of public outputs (wires 1..=n_pub_out).
    pub n_pub_out: u32,
    /// Number of public inputs (following the outputs).
    pub n_pub_in: u32,
    /// Number of private inputs.
    pub n_prv_in: u32,
    /// Number of labels (circom's signal names).
    pub n_labels: u64,
    /// The constraints.
    pub constraints: Vec<Constraint>,
}

fn normalize(row: &[(Fr, usize)], n_wires: usize) -> Vec<(u32, Fr)> {
    let mut terms: Vec<(u32, Fr)> = row
        .iter()
        .map(|&(c, i)| {
            assert!(i < n_wires, "R1cs::from_matrices: variable index {i} >= number of variables {n_wires}");
            (i as u32, c)
        })
        .collect();
    terms.sort_by_key(|t| t.0);
    let mut out: Vec<(u32, Fr)> = Vec::with_capacity(terms.len());
    for (i, c) in terms {
        match out.last_mut() {
            Some(last) if last.0 == i => last.1 += c,
            _ => out.push((i, c)),
        }
    }
    out.retain(|t| !t.1.is_zero());
    out
}

const SECTION_HEADER: u32 = 1;
const SECTION_CONSTRAINTS: u32 = 2;
const SECTION_WIRE2LABEL: u32 = 3;

impl R1cs {
    /// From arkworks matrices (rows of (coefficient, variable index); index 0 = ONE,
    /// `1..num_instance` = public inputs, then the witnesses), as `ConstraintSystem::to_matrices`
    /// returns them.
    ///
    /// Wire id = arkworks index; `n_pub_out = 0`, `n_pub_in = num_instance - 1`, `n_prv_in = 0`,
    /// `n_labels = n_wires`. Each row is sorted by wire, duplicates are merged and zero sums
    /// dropped.
    ///
    /// # Panics
    /// If `num_instance` is 0, the three matrices differ in length, an index is out of range or
    /// a count does not fit in u32.
    pub fn from_matrices(
        num_instance: usize,
        num_witness: usize,
        a: &[Vec<(Fr, usize)>],
        b: &[Vec<(Fr, usize)>],
        c: &[Vec<(Fr, usize)>],
    ) -> R1cs {
        assert!(num_instance >= 1, "R1cs::from_matrices: num_instance counts ONE, so it is at least 1");
        assert!(a.len() == b.len() && b.len() == c.len(), "R1cs::from_matrices: A, B, C differ in length");
        let n_wires = num_instance + num_witness;
        let n_wires_u32 = u32::try_from(n_wires).expect("R1cs::from_matrices: more than 2^32 wires");
        u32::try_from(a.len()).expect("R1cs::from_matrices: more than 2^32 constraints");
        let constraints = (0..a.len())
            .into_par_iter()
            .map(|i| Constraint {
                a: normalize(&a[i], n_wires),
                b: normalize(&b[i], n_wires),
                c: normalize(&c[i], n_wires),
            })
            .collect();
        R1cs {
            n_wires: n_wires_u32,
            n_pub_out: 0,
            n_pub_in: (num_instance - 1) as u32,
            n_prv_in: 0,
            n_labels: n_wires as u64,
            constraints,
        }
    }

    /// Number of public signals, not counting ONE: `n_pub_out + n_pub_in` (snarkjs's `nPublic`).
    pub fn n_public(&self) -> u32 {
        self.n_pub_out + self.n_pub_in
    }

    /// The `.r1cs` file (sections 1, 2, 3 in that order, as circom writes them), with an identity
    /// wire-to-label map.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut w = BinWriter::new(b"r1cs", 1);
        let mut h = Vec::with_capacity(64);
        h.extend_from_slice(&(FIELD_SIZE as u32).to_le_bytes());
        h.extend_from_slice(&fr_modulus_le());
        h.extend_from_slice(&self.n_wires.to_le_bytes());
        h.extend_from_slice(&self.n_pub_out.to_le_bytes());
        h.extend_from_slice(&self.n_pub_in.to_le_bytes());
        h.extend_from_slice(&self.n_prv_in.to_le_bytes());
        h.extend_from_slice(&self.n_labels.to_le_bytes());
        h.extend_from_slice(&(self.constraints.len() as u32).to_le_bytes());
        w.section(SECTION_HEADER, &h);
        let blocks: Vec<Vec<u8>> = self
            .constraints
            .par_chunks(4096)
            .map(|cs| {
                let mut out = Vec::new();
                for c in cs {
                    for lc in [&c.a, &c.b, &c.c] {
                        out.extend_from_slice(&(lc.len() as u32).to_le_bytes());
                        for (wire, coef) in lc {
                            out.extend_from_slice(&wire.to_le_bytes());
                            out.extend_from_slice(&fr_to_le(coef));
                        }
                    }
                }
                out
            })
            .collect();
        w.section_with(SECTION_CONSTRAINTS, |out| {
            out.reserve(blocks.iter().map(Vec::len).sum());
            for b in &blocks {
                out.extend_from_slice(b);
            }
        });
        w.section_with(SECTION_WIRE2LABEL, |out| {
            out.reserve(self.n_wires as usize * 8);
            for i in 0..self.n_wires as u64 {
                out.extend_from_slice(&i.to_le_bytes());
            }
        });
        w.finish()
    }

    /// Parses a `.r1cs` file: checks the magic, version 1, that the prime is BN254's r
    /// ([`FormatError::WrongCurve`] otherwise), the section sizes, the signal counts, wire ids
    /// `< n_wires` and coefficients `< r`. Terms are kept in file order.
    pub fn from_bytes(bytes: &[u8]) -> Result<R1cs, FormatError> {
        let f = BinFile::parse(bytes, b"r1cs")?;
        f.require_version_1()?;
        if f.has_section(4) || f.has_section(5) {
            return Err(FormatError::Invalid {
                what: "r1cs file".into(),
                reason: "custom gates (sections 4 and 5) are not supported".into(),
            });
        }
        f.require_known_sections(&[SECTION_HEADER, SECTION_CONSTRAINTS, SECTION_WIRE2LABEL])?;

        let hs = f.section(SECTION_HEADER)?;
        let mut r = Reader::new(hs, "r1cs header (section 1)");
        let n8 = r.u32()?;
        let prime = r.take(n8 as usize)?;
        if prime != fr_modulus_le() {
            return Err(FormatError::WrongCurve { field_modulus_hex: le_to_hex(prime) });
        }
        let n_wires = r.u32()?;
        let n_pub_out = r.u32()?;
        let n_pub_in = r.u32()?;
        let n_prv_in = r.u32()?;
        let n_labels = r.u64()?;
        let m = r.u32()?;
        if r.remaining() != 0 {
            return Err(FormatError::SectionSize {
                kind: "r1cs".into(),
                id: SECTION_HEADER,
                expected: r.position() as u64,
                found: hs.len() as u64,
            });
        }
        let inputs = 1u64 + n_pub_out as u64 + n_pub_in as u64 + n_prv_in as u64;
        if inputs > n_wires as u64 {
            return Err(FormatError::Invalid {
                what: "r1cs header".into(),
                reason: format!(
                    "{n_wires} wires cannot hold ONE, {n_pub_out} outputs, {n_pub_in} public and {n_prv_in} private inputs"
                ),
            });
        }

        // Pass 1: find each constraint's bytes (sequential: the layout has variable lengths).
        let cs = f.section(SECTION_CONSTRAINTS)?;
        let term = 4 + FIELD_SIZE;
        let mut starts: Vec<usize> = Vec::with_capacity((m as usize).min(cs.len() / 12 + 1));
        let mut r = Reader::new(cs, "r1cs constraints (section 2)");
        for _ in 0..m {
            starts.push(r.position());
            for _ in 0..3 {
                let n = r.u32()? as usize;
                r.take(n.checked_mul(term).unwrap_or(usize::MAX))?;
            }
        }
        if r.remaining() != 0 {
            return Err(FormatError::SectionSize {
                kind: "r1cs".into(),
                id: SECTION_CONSTRAINTS,
                expected: r.position() as u64,
                found: cs.len() as u64,
            });
        }
        starts.push(cs.len());

        // Pass 2: decode in parallel; the layout is known to fit.
        let constraints = starts
            .par_windows(2)
            .enumerate()
            .map(|(ci, w)| {
                let bytes = &cs[w[0]..w[1]];
                let mut pos = 0;
                let mut lcs: [Vec<(u32, Fr)>; 3] = Default::default();
                for lc in lcs.iter_mut() {
                    let n = u32::from_le_bytes(bytes[pos..pos + 4].try_into().expect("4 bytes")) as usize;
                    pos += 4;
                    lc.reserve(n);
                    for _ in 0..n {
                        let wire = u32::from_le_bytes(bytes[pos..pos + 4].try_into().expect("4 bytes"));
                        if wire >= n_wires {
                            return Err(FormatError::Invalid {
                                what: format!("r1cs constraint {ci}"),
                                reason: format!("wire {wire} >= number of wires {n_wires}"),
                            });
                        }
                        let coef = fr_from_le(&bytes[pos + 4..pos + term]).map_err(|_| {
                            FormatError::CoordinateOutOfRange { what: "r1cs constraint coefficient".into(), index: ci }
                        })?;
                        lc.push((wire, coef));
                        pos += term;
                    }
                }
                let [a, b, c] = lcs;
                Ok(Constraint { a, b, c })
            })
            .collect::<Result<Vec<_>, _>>();
        let constraints = match constraints {
            Ok(c) => c,
            // Report the first bad constraint, deterministically.
            Err(_) => {
                return Err(first_bad_constraint(cs, &starts, n_wires));
            }
        };

        if f.has_section(SECTION_WIRE2LABEL) {
            f.section_sized(SECTION_WIRE2LABEL, n_wires as u64 * 8)?;
        }
        Ok(R1cs { n_wires, n_pub_out, n_pub_in, n_prv_in, n_labels, constraints })
    }
}

fn first_bad_constraint(cs: &[u8], starts: &[usize], n_wires: u32) -> FormatError {
    let term = 4 + FIELD_SIZE;
    for (ci, w) in starts.windows(2).enumerate() {
        let bytes = &cs[w[0]..w[1]];
        let mut pos = 0;
        for _ in 0..3 {
            let n = u32::from_le_bytes(bytes[pos..pos + 4].try_into().expect("4 bytes")) as usize;
            pos += 4;
            for _ in 0..n {
                let wire = u32::from_le_bytes(bytes[pos..pos + 4].try_into().expect("4 bytes"));
                if wire >= n_wires {
                    return FormatError::Invalid {
                        what: format!("r1cs constraint {ci}"),
                        reason: format!("wire {wire} >= number of wires {n_wires}"),
                    };
                }
                if fr_from_le(&bytes[pos + 4..pos + term]).is_err() {
                    return FormatError::CoordinateOutOfRange { what: "r1cs constraint coefficient".into(), index: ci };
                }
                pos += term;
            }
        }
    }
    FormatError::Invalid { what: "r1cs constraints".into(), reason: "inconsistent validation".into() }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalizes_and_round_trips() {
        let one = Fr::from(1u64);
        let a = vec![vec![(one, 3), (Fr::from(2u64), 0), (one, 3)], vec![(one, 1), (-one, 1)]];
        let b = vec![vec![(one, 2)], vec![(one, 0)]];
        let c = vec![vec![(one, 4)], vec![]];
        let r = R1cs::from_matrices(3, 2, &a, &b, &c);
        assert_eq!(r.constraints[0].a, vec![(0, Fr::from(2u64)), (3, Fr::from(2u64))]);
        assert!(r.constraints[1].a.is_empty());
        assert_eq!((r.n_wires, r.n_pub_in, r.n_public(), r.n_labels), (5, 2, 2, 5));
        let bytes = r.to_bytes();
        assert_eq!(R1cs::from_bytes(&bytes).unwrap(), r);
        for n in 0..bytes.len() {
            assert!(R1cs::from_bytes(&bytes[..n]).is_err());
        }
    }
}
