//! snarkjs's Groth16 proving key, `.zkey` (snarkjs `zkey_utils.js`, `zkey_new.js`), read and
//! written byte for byte.
//!
//! Sections (points in the file encoding of [`crate::point`]):
//!
//! | id | content |
//! |----|---------|
//! | 1  | `u32 protocol` = 1 (Groth16; 2 is PLONK, 10 FFLONK) |
//! | 2  | `u32 n8q \| q \| u32 n8r \| r \| u32 nVars \| u32 nPublic \| u32 domainSize \| alpha1 \| beta1 \| beta2 \| gamma2 \| delta1 \| delta2` (G1 G1 G2 G2 G1 G2; the comment in zkey_utils.js lists another order) |
//! | 3  | IC: nPublic + 1 G1 |
//! | 4  | `u32 n \| n x (u32 matrix (0 = A, 1 = B) \| u32 constraint \| u32 signal \| 32-byte LE value * R^2 mod r)` |
//! | 5  | A: nVars G1 |
//! | 6  | B1: nVars G1 |
//! | 7  | B2: nVars G2 |
//! | 8  | C (L): nVars - nPublic - 1 G1, for signals nPublic + 1 .. nVars |
//! | 9  | H: domainSize G1 |
//! | 10 | `csHash[64] \| u32 n \| n x contribution` |
//!
//! A contribution is `deltaAfter G1 | g1_s G1 | g1_sx G1 | g2_spx G2 | transcript[64] | u32 type
//! (0 contribution, 1 beacon) | u32 paramsLength | params`, the params sorted by type:
//! `1: u8 len, UTF-8 name` (at most 64 UTF-16 units), `2: u8 numIterationsExp`, `3: u8 len,
//! beacon hash` (2 and 3 for beacons only) (zkey_utils.js `writeContribution`).
//!
//! Section order: `zkey new` (`groth16 setup`) writes 1 2 4 3 9 8 5 6 7 10; `zkey contribute`
//! and `zkey beacon` write 1 to 10 ascending. [`Zkey::to_bytes`] uses the first order when
//! there are no contributions and the second otherwise, so that it reproduces snarkjs's files.
//!
//! Section 4 as `zkey new` writes it: for each r1cs constraint in order, its A terms then its B
//! terms (C is omitted), in the r1cs file's term order, then one A term (coefficient 1) per
//! public signal s = 0..=nPublic at constraint nConstraints + s. Contributions copy it unchanged.

use crate::binfile::{BinFile, BinWriter, Reader};
use crate::point::{
    fq_modulus_le, fr_from_le_r2, fr_modulus_le, fr_to_le_r2, g1_to_lem, g1_uncompressed, g2_uncompressed, le_to_hex,
    read_g1_named, read_g1_vec_named, read_g2_named, read_g2_vec_on_curve, write_g1, write_g1_vec, write_g2,
    write_g2_vec, FIELD_SIZE, G1_SIZE, G2_SIZE,
};
use crate::FormatError;
use ark_bn254::{Fr, G1Affine, G2Affine};
use ark_ec::AffineRepr;
use rayon::prelude::*;

/// One term of the A or B matrix kept in section 4.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Coef {
    /// 0 = A, 1 = B.
    pub matrix: u32,
    /// Constraint (row) index; the input-consistency rows follow the r1cs constraints.
    pub constraint: u32,
    /// Signal (wire) index.
    pub signal: u32,
    /// The coefficient (the file stores `value * R^2 mod r`, R = 2^256).
    pub value: Fr,
}

/// Whether a contribution was random (type 0) or a beacon (type 1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ContributionKind {
    /// A contribution from private randomness.
    Contribution,
    /// A random beacon: the key is derived from `hash` iterated 2^`iterations_exp` times.
    Beacon {
        /// The beacon value (at most 255 bytes).
        hash: Vec<u8>,
        /// log2 of the number of SHA-256 iterations (snarkjs accepts 10..=63).
        iterations_exp: u8,
    },
}

/// One phase-2 contribution as recorded in section 10.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Contribution {
    /// delta G1 after this contribution.
    pub delta_after: G1Affine,
    /// s G1 (the proof-of-knowledge base).
    pub g1_s: G1Affine,
    /// s x G1, x the contribution's secret.
    pub g1_sx: G1Affine,
    /// x times the G2 point hashed from the transcript.
    pub g2_spx: G2Affine,
    /// blake2b-512 transcript this contribution answers.
    pub transcript: [u8; 64],
    /// Contributor name (snarkjs writes at most 64 UTF-16 units; empty means none).
    pub name: Option<String>,
    /// Contribution or beacon.
    pub kind: ContributionKind,
}

/// A snarkjs Groth16 `.zkey`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Zkey {
    /// Number of signals (wires), including ONE.
    pub n_vars: u32,
    /// Number of public signals, not counting ONE.
    pub n_public: u32,
    /// The QAP domain size (a power of two > nConstraints + nPublic).
    pub domain_size: u32,
    /// alpha G1.
    pub alpha1: G1Affine,
    /// beta G1.
    pub beta1: G1Affine,
    /// beta G2.
    pub beta2: G2Affine,
    /// gamma G2 (the generator in snarkjs keys).
    pub gamma2: G2Affine,
    /// delta G1.
    pub delta1: G1Affine,
    /// delta G2.
    pub delta2: G2Affine,
    /// The public-input bases (nPublic + 1).
    pub ic: Vec<G1Affine>,
    /// Section 4, in file order.
    pub coefs: Vec<Coef>,
    /// A(tau) per signal (nVars).
    pub a: Vec<G1Affine>,
    /// B(tau) G1 per signal (nVars).
    pub b1: Vec<G1Affine>,
    /// B(tau) G2 per signal (nVars).
    pub b2: Vec<G2Affine>,
    /// The private-signal bases (nVars - nPublic - 1), divided by delta.
    pub c: Vec<G1Affine>,
    /// The H bases (domainSize), divided by delta.
    pub h: Vec<G1Affine>,
    /// blake2b-512 hash of the circuit's initial key (zkey_new.js).
    pub cs_hash: [u8; 64],
    /// The phase-2 contributions, oldest first.
    pub contributions: Vec<Contribution>,
}

const COEF_SIZE: usize = 12 + FIELD_SIZE;
const HEADER2_SIZE: usize = 4 + FIELD_SIZE + 4 + FIELD_SIZE + 12 + 3 * G1_SIZE + 3 * G2_SIZE;
/// Section order of `zkey new`.
const ORDER_NEW: [u32; 10] = [1, 2, 4, 3, 9, 8, 5, 6, 7, 10];
/// Section order of `zkey contribute` / `zkey beacon`.
const ORDER_CONTRIBUTED: [u32; 10] = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];

fn invalid(what: impl Into<String>, reason: impl Into<String>) -> FormatError {
    FormatError::Invalid { what: what.into(), reason: reason.into() }
}

/// The name as snarkjs writes it: `name.substring(0, 64)` (UTF-16 units; a split surrogate pair
/// leaves a lone surrogate that TextEncoder writes as U+FFFD).
fn snarkjs_name(name: &str) -> String {
    let mut out = String::new();
    let mut units = 0;
    for ch in name.chars() {
        let n = ch.len_utf16();
        if units + n > 64 {
            if units < 64 {
                out.push('\u{FFFD}');
            }
            break;
        }
        units += n;
        out.push(ch);
    }
    out
}

impl Zkey {
    /// The byte length of [`Zkey::to_bytes`].
    pub fn encoded_len(&self) -> usize {
        let contributions: usize = self.contributions.iter().map(|c| contribution_bytes(c).len()).sum();
        12 + 10 * 12
            + 4
            + HEADER2_SIZE
            + self.ic.len() * G1_SIZE
            + 4
            + self.coefs.len() * COEF_SIZE
            + (self.a.len() + self.b1.len() + self.c.len() + self.h.len()) * G1_SIZE
            + self.b2.len() * G2_SIZE
            + 64
            + 4
            + contributions
    }

    /// The `.zkey` file, byte-identical to what snarkjs writes for the same content: a zkey
    /// without contributions in `zkey new`'s section order, otherwise in `zkey contribute`'s.
    ///
    /// # Panics
    /// If a beacon hash is longer than 255 bytes (the format stores its length in one byte).
    pub fn to_bytes(&self) -> Vec<u8> {
        let order = if self.contributions.is_empty() { ORDER_NEW } else { ORDER_CONTRIBUTED };
        let mut w = BinWriter::with_capacity(b"zkey", 1, self.encoded_len());
        for id in order {
            match id {
                1 => {
                    w.section(1, &1u32.to_le_bytes());
                }
                2 => {
                    w.section_with(2, |o| self.write_header2(o));
                }
                3 => {
                    w.section_with(3, |o| write_g1_vec(&self.ic, o));
                }
                4 => {
                    w.section_with(4, |o| {
                        o.extend_from_slice(&(self.coefs.len() as u32).to_le_bytes());
                        let n = o.len();
                        o.resize(n + self.coefs.len() * COEF_SIZE, 0);
                        o[n..].par_chunks_exact_mut(COEF_SIZE).zip(self.coefs.par_iter()).for_each(|(b, c)| {
                            b[0..4].copy_from_slice(&c.matrix.to_le_bytes());
                            b[4..8].copy_from_slice(&c.constraint.to_le_bytes());
                            b[8..12].copy_from_slice(&c.signal.to_le_bytes());
                            b[12..].copy_from_slice(&fr_to_le_r2(&c.value));
                        });
                    });
                }
                5 => {
                    w.section_with(5, |o| write_g1_vec(&self.a, o));
                }
                6 => {
                    w.section_with(6, |o| write_g1_vec(&self.b1, o));
                }
                7 => {
                    w.section_with(7, |o| write_g2_vec(&self.b2, o));
                }
                8 => {
                    w.section_with(8, |o| write_g1_vec(&self.c, o));
                }
                9 => {
                    w.section_with(9, |o| write_g1_vec(&self.h, o));
                }
                _ => {
                    w.section_with(10, |o| {
                        o.extend_from_slice(&self.cs_hash);
                        o.extend_from_slice(&(self.contributions.len() as u32).to_le_bytes());
                        for c in &self.contributions {
                            o.extend_from_slice(&contribution_bytes(c));
                        }
                    });
                }
            }
        }
        w.finish()
    }

    fn write_header2(&self, o: &mut Vec<u8>) {
        o.extend_from_slice(&(FIELD_SIZE as u32).to_le_bytes());
        o.extend_from_slice(&fq_modulus_le());
        o.extend_from_slice(&(FIELD_SIZE as u32).to_le_bytes());
        o.extend_from_slice(&fr_modulus_le());
        o.extend_from_slice(&self.n_vars.to_le_bytes());
        o.extend_from_slice(&self.n_public.to_le_bytes());
        o.extend_from_slice(&self.domain_size.to_le_bytes());
        write_g1(&self.alpha1, o);
        write_g1(&self.beta1, o);
        write_g2(&self.beta2, o);
        write_g2(&self.gamma2, o);
        write_g1(&self.delta1, o);
        write_g2(&self.delta2, o);
    }

    /// Parses and validates a Groth16 `.zkey`: magic, version 1, sections 1-10 each once and no
    /// others, protocol 1 ([`FormatError::NotGroth16`]), q and r of BN254
    /// ([`FormatError::WrongCurve`]), domain size a power of two <= 2^28 above nPublic,
    /// every section's size against nVars / nPublic / domainSize, every point in range, on
    /// the curve and (G2) in the subgroup, the header points not at infinity, coefficients
    /// (matrix 0 or 1, constraint < domainSize, signal < nVars, value < r), and contributions
    /// (type 0 or 1, params sorted, a name of 1 to 64 UTF-16 units, beacon params exactly for
    /// beacons). Accepts exactly what [`Zkey::to_bytes`] can reproduce, up to section order.
    pub fn from_bytes(bytes: &[u8]) -> Result<Zkey, FormatError> {
        let f = BinFile::parse(bytes, b"zkey")?;
        f.require_version_1()?;
        f.require_known_sections(&ORDER_CONTRIBUTED)?;

        let s1 = f.section(1)?;
        let protocol = Reader::new(s1, "zkey header (section 1)").u32()?;
        if protocol != 1 {
            return Err(FormatError::NotGroth16 { protocol });
        }
        f.section_sized(1, 4)?;

        let s2 = f.section(2)?;
        let mut r = Reader::new(s2, "zkey Groth16 header (section 2)");
        let n8q = r.u32()?;
        let q = r.take(n8q as usize)?;
        if q != fq_modulus_le() {
            return Err(FormatError::WrongCurve { field_modulus_hex: le_to_hex(q) });
        }
        let n8r = r.u32()?;
        let rr = r.take(n8r as usize)?;
        if rr != fr_modulus_le() {
            return Err(FormatError::WrongCurve { field_modulus_hex: le_to_hex(rr) });
        }
        let n_vars = r.u32()?;
        let n_public = r.u32()?;
        let domain_size = r.u32()?;
        let alpha1 = read_g1_named(r.take(G1_SIZE)?, "zkey alpha1", 0)?;
        let beta1 = read_g1_named(r.take(G1_SIZE)?, "zkey beta1", 0)?;
        let beta2 = read_g2_named(r.take(G2_SIZE)?, "zkey beta2", 0)?;
        let gamma2 = read_g2_named(r.take(G2_SIZE)?, "zkey gamma2", 0)?;
        let delta1 = read_g1_named(r.take(G1_SIZE)?, "zkey delta1", 0)?;
        let delta2 = read_g2_named(r.take(G2_SIZE)?, "zkey delta2", 0)?;
        if r.remaining() != 0 {
            return Err(FormatError::SectionSize {
                kind: "zkey".into(),
                id: 2,
                expected: HEADER2_SIZE as u64,
                found: s2.len() as u64,
            });
        }
        for (name, zero) in [
            ("alpha1", alpha1.is_zero()),
            ("beta1", beta1.is_zero()),
            ("beta2", beta2.is_zero()),
            ("gamma2", gamma2.is_zero()),
            ("delta1", delta1.is_zero()),
            ("delta2", delta2.is_zero()),
        ] {
            if zero {
                return Err(invalid(format!("zkey {name}"), "is the point at infinity"));
            }
        }
        if !domain_size.is_power_of_two() || domain_size > 1 << 28 {
            return Err(invalid("zkey header", format!("domain size {domain_size} is not a power of two <= 2^28")));
        }
        if n_public >= n_vars {
            return Err(invalid("zkey header", format!("{n_public} public signals + ONE exceed {n_vars} signals")));
        }
        if n_public >= domain_size {
            return Err(invalid(
                "zkey header",
                format!("domain size {domain_size} cannot hold {n_public}+1 input constraints"),
            ));
        }

        let g1 = G1_SIZE as u64;
        let g2 = G2_SIZE as u64;
        let nv = n_vars as u64;
        let np = n_public as u64;
        let ic = read_g1_vec_named(f.section_sized(3, (np + 1) * g1)?, "zkey IC")?;

        let s4 = f.section(4)?;
        let n_coefs = Reader::new(s4, "zkey coefficients (section 4)").u32()? as u64;
        let s4 = f.section_sized(4, 4 + n_coefs * COEF_SIZE as u64)?;
        let coefs = read_coefs(&s4[4..], n_vars, domain_size)?;

        let a = read_g1_vec_named(f.section_sized(5, nv * g1)?, "zkey A")?;
        let b1 = read_g1_vec_named(f.section_sized(6, nv * g1)?, "zkey B1")?;
        // B2 (one G2 point per variable) is checked on the curve only: subgroup checks would cost
        // 0.32 ms a point, and `phase2::verify` compares B2 with the initial parameters it
        // recomputes from the subgroup-checked `.ptau` before any key is made from it.
        let b2 = read_g2_vec_on_curve(f.section_sized(7, nv * g2)?, "zkey B2")?;
        let c = read_g1_vec_named(f.section_sized(8, (nv - np - 1) * g1)?, "zkey C")?;
        let h = read_g1_vec_named(f.section_sized(9, domain_size as u64 * g1)?, "zkey H")?;

        let s10 = f.section(10)?;
        let mut r = Reader::new(s10, "zkey contributions (section 10)");
        let cs_hash: [u8; 64] = r.array()?;
        let n = r.u32()?;
        let mut contributions = Vec::with_capacity((n as usize).min(s10.len() / 400 + 1));
        for i in 0..n as usize {
            contributions.push(read_contribution(&mut r, i)?);
        }
        if r.remaining() != 0 {
            return Err(FormatError::SectionSize {
                kind: "zkey".into(),
                id: 10,
                expected: r.position() as u64,
                found: s10.len() as u64,
            });
        }

        Ok(Zkey {
            n_vars,
            n_public,
            domain_size,
            alpha1,
            beta1,
            beta2,
            gamma2,
            delta1,
            delta2,
            ic,
            coefs,
            a,
            b1,
            b2,
            c,
            h,
            cs_hash,
            contributions,
        })
    }

    /// snarkjs's `hashPubKey` (zkey_utils.js): `U(deltaAfter) || U(g1_s) || U(g1_sx) ||
    /// U(g2_spx) || transcript`, U = [`g1_uncompressed`] / [`g2_uncompressed`]. It is hashed
    /// into the next contribution's transcript, and blake2b-512 of it is the printed
    /// "Contribution Hash".
    pub fn hash_pub_key(c: &Contribution) -> Vec<u8> {
        let mut out = Vec::with_capacity(3 * 64 + 128 + 64);
        out.extend_from_slice(&g1_uncompressed(&c.delta_after));
        out.extend_from_slice(&g1_uncompressed(&c.g1_s));
        out.extend_from_slice(&g1_uncompressed(&c.g1_sx));
        out.extend_from_slice(&g2_uncompressed(&c.g2_spx));
        out.extend_from_slice(&c.transcript);
        out
    }
}

fn read_coef(b: &[u8], i: usize, n_vars: u32, domain_size: u32) -> Result<Coef, FormatError> {
    let u = |o: usize| u32::from_le_bytes(b[o..o + 4].try_into().expect("4 bytes"));
    let (matrix, constraint, signal) = (u(0), u(4), u(8));
    let what = || format!("zkey coefficient {i}");
    if matrix > 1 {
        return Err(invalid(what(), format!("matrix {matrix} is neither 0 (A) nor 1 (B)")));
    }
    if constraint >= domain_size {
        return Err(invalid(what(), format!("constraint {constraint} >= domain size {domain_size}")));
    }
    if signal >= n_vars {
        return Err(invalid(what(), format!("signal {signal} >= nVars {n_vars}")));
    }
    let value = fr_from_le_r2(&b[12..COEF_SIZE])
        .ok_or(FormatError::CoordinateOutOfRange { what: "zkey coefficient".into(), index: i })?;
    Ok(Coef { matrix, constraint, signal, value })
}

fn read_coefs(b: &[u8], n_vars: u32, domain_size: u32) -> Result<Vec<Coef>, FormatError> {
    let res: Result<Vec<Coef>, ()> = b
        .par_chunks_exact(COEF_SIZE)
        .enumerate()
        .map(|(i, c)| read_coef(c, i, n_vars, domain_size).map_err(|_| ()))
        .collect();
    match res {
        Ok(v) => Ok(v),
        Err(()) => Err(b
            .par_chunks_exact(COEF_SIZE)
            .enumerate()
            .find_map_first(|(i, c)| read_coef(c, i, n_vars, domain_size).err())
            .expect("an error was seen")),
    }
}

fn read_contribution(r: &mut Reader<'_>, i: usize) -> Result<Contribution, FormatError> {
    let delta_after = read_g1_named(r.take(G1_SIZE)?, "zkey contribution deltaAfter", i)?;
    let g1_s = read_g1_named(r.take(G1_SIZE)?, "zkey contribution g1_s", i)?;
    let g1_sx = read_g1_named(r.take(G1_SIZE)?, "zkey contribution g1_sx", i)?;
    let g2_spx = read_g2_named(r.take(G2_SIZE)?, "zkey contribution g2_spx", i)?;
    let transcript: [u8; 64] = r.array()?;
    let ty = r.u32()?;
    let what = || format!("zkey contribution {i}");
    if ty > 1 {
        return Err(invalid(what(), format!("type {ty} is neither 0 (contribution) nor 1 (beacon)")));
    }
    let len = r.u32()? as usize;
    let mut p = Reader::new(r.take(len)?, format!("zkey contribution {i} parameters"));
    let mut last = 0u8;
    let (mut name, mut exp, mut hash) = (None, None, None);
    while p.remaining() > 0 {
        let t = p.u8()?;
        if t <= last {
            return Err(invalid(what(), "parameters are not sorted by type"));
        }
        last = t;
        match t {
            1 => {
                let n = p.u8()? as usize;
                let s = std::str::from_utf8(p.take(n)?).map_err(|_| invalid(what(), "name is not UTF-8"))?;
                if s.is_empty() || snarkjs_name(s) != s {
                    return Err(invalid(what(), "name is empty or longer than the 64 UTF-16 units snarkjs writes"));
                }
                name = Some(s.to_string());
            }
            2 => exp = Some(p.u8()?),
            3 => {
                let n = p.u8()? as usize;
                hash = Some(p.take(n)?.to_vec());
            }
            _ => return Err(invalid(what(), format!("unknown parameter type {t}"))),
        }
    }
    let kind = match (ty, exp, hash) {
        (0, None, None) => ContributionKind::Contribution,
        (1, Some(iterations_exp), Some(hash)) => ContributionKind::Beacon { hash, iterations_exp },
        (0, _, _) => return Err(invalid(what(), "beacon parameters in a non-beacon contribution")),
        _ => return Err(invalid(what(), "beacon without its iterations and hash parameters")),
    };
    Ok(Contribution { delta_after, g1_s, g1_sx, g2_spx, transcript, name, kind })
}

fn contribution_bytes(c: &Contribution) -> Vec<u8> {
    let mut o = Vec::with_capacity(3 * G1_SIZE + G2_SIZE + 64 + 8 + 80);
    let n = o.len();
    o.resize(n + 3 * G1_SIZE, 0);
    g1_to_lem(&c.delta_after, &mut o[n..n + G1_SIZE]);
    g1_to_lem(&c.g1_s, &mut o[n + G1_SIZE..n + 2 * G1_SIZE]);
    g1_to_lem(&c.g1_sx, &mut o[n + 2 * G1_SIZE..]);
    write_g2(&c.g2_spx, &mut o);
    o.extend_from_slice(&c.transcript);
    let ty: u32 = match c.kind {
        ContributionKind::Contribution => 0,
        ContributionKind::Beacon { .. } => 1,
    };
    o.extend_from_slice(&ty.to_le_bytes());
    let mut params = Vec::new();
    if let Some(name) = &c.name {
        let name = snarkjs_name(name);
        if !name.is_empty() {
            params.push(1);
            params.push(name.len() as u8); // at most 64 units x 3 bytes = 192
            params.extend_from_slice(name.as_bytes());
        }
    }
    if let ContributionKind::Beacon { hash, iterations_exp } = &c.kind {
        let len = u8::try_from(hash.len()).expect("a zkey beacon hash has at most 255 bytes");
        params.push(2);
        params.push(*iterations_exp);
        params.push(3);
        params.push(len);
        params.extend_from_slice(hash);
    }
    o.extend_from_slice(&(params.len() as u32).to_le_bytes());
    o.extend_from_slice(&params);
    o
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_like_snarkjs() {
        assert_eq!(snarkjs_name("abc"), "abc");
        let long: String = "x".repeat(70);
        assert_eq!(snarkjs_name(&long), "x".repeat(64));
        // 63 units then a surrogate pair: the pair is split, TextEncoder writes U+FFFD.
        let s = format!("{}{}", "x".repeat(63), '\u{1F600}');
        assert_eq!(snarkjs_name(&s), format!("{}\u{FFFD}", "x".repeat(63)));
        let s = format!("{}{}", "x".repeat(62), '\u{1F600}');
        assert_eq!(snarkjs_name(&s), s);
    }
}
