//! A read-only view of a snarkjs Powers of Tau file (`.ptau`, snarkjs `powersoftau_new.js`,
//! `powersoftau_utils.js`, `powersoftau_preparephase2.js`).
//!
//! Sections (points in the file encoding of [`crate::point`]), for `power` p and n = 2^p:
//!
//! | id | content | points |
//! |----|---------|--------|
//! | 1  | `u32 n8 (32) \| q (n8 bytes LE) \| u32 power \| u32 ceremonyPower` | |
//! | 2  | tau^i G1 | 2n - 1 |
//! | 3  | tau^i G2 | n |
//! | 4  | alpha tau^i G1 | n |
//! | 5  | beta tau^i G1 | n |
//! | 6  | beta G2 | 1 |
//! | 7  | contributions | |
//! | 12 | Lagrange bases of section 2 for every domain 2^0 .. 2^(p+1), concatenated | 4n - 1 |
//! | 13 | the same for section 3, domains 2^0 .. 2^p | 2n - 1 |
//! | 14 | the same for section 4 | 2n - 1 |
//! | 15 | the same for section 5 | 2n - 1 |
//!
//! The basis of domain 2^k starts at point 2^k - 1 of its section. Sections 12-15 exist only
//! after `snarkjs powersoftau prepare phase2`; the 2^(p+1) basis of section 12 is computed with
//! the missing last power of tau set to zero.
//!
//! Points are decoded (and validated: range, curve, G2 subgroup) only when asked for.

use crate::binfile::{BinFile, Reader};
use crate::format_error::{hermez_ptau_file_name, MAX_POWER};
use crate::point::{
    fq_modulus_le, le_to_hex, read_g1_named, read_g1_vec_named, read_g2_named, read_g2_vec_named, G1_SIZE, G2_SIZE,
};
use crate::FormatError;
use ark_bn254::{G1Affine, G2Affine};
use rayon::prelude::*;

/// A parsed `.ptau` file, borrowing its bytes.
#[derive(Debug, Clone)]
pub struct Ptau<'a> {
    /// log2 of the number of powers (tau^0 .. tau^(2^power - 1) in G2 and alpha/beta sections).
    pub power: u32,
    /// The power of the ceremony the file comes from (larger for truncated files).
    pub ceremony_power: u32,
    file: BinFile<'a>,
}

const SECTION_HEADER: u32 = 1;
const TAU_G1: u32 = 2;
const TAU_G2: u32 = 3;
const ALPHA_TAU_G1: u32 = 4;
const BETA_TAU_G1: u32 = 5;
const BETA_G2: u32 = 6;
const CONTRIBUTIONS: u32 = 7;
const LAGRANGE_TAU_G1: u32 = 12;
const LAGRANGE_TAU_G2: u32 = 13;
const LAGRANGE_ALPHA_TAU_G1: u32 = 14;
const LAGRANGE_BETA_TAU_G1: u32 = 15;

fn log2_exact(domain_size: usize) -> Result<u32, FormatError> {
    if domain_size == 0 || !domain_size.is_power_of_two() {
        return Err(FormatError::Invalid {
            what: "domain size".into(),
            reason: format!("{domain_size} is not a power of two"),
        });
    }
    Ok(domain_size.trailing_zeros())
}

/// Walks section 7 (powersoftau_utils.js `readContribution`): `u32 n`, then per contribution
/// tauG1, tauG2, alphaG1, betaG1, betaG2, the public key (6 G1, 3 G2), a 216-byte partial hash,
/// the 64-byte next challenge, `u32 type`, `u32 paramsLength` and the params; the section must
/// end exactly there. The points are not decoded.
fn check_contributions_framing(s: &[u8]) -> Result<(), FormatError> {
    const FIXED: usize = 3 * G1_SIZE + 2 * G2_SIZE + 6 * G1_SIZE + 3 * G2_SIZE + 216 + 64 + 4;
    let mut r = Reader::new(s, "ptau contributions (section 7)");
    let n = r.u32()?;
    for i in 0..n {
        r.take(FIXED)?;
        let len = r.u32()? as usize;
        let mut p = Reader::new(r.take(len)?, format!("ptau contribution {i} parameters"));
        let mut last = 0u8;
        while p.remaining() > 0 {
            let t = p.u8()?;
            if t <= last || t > 3 {
                return Err(FormatError::Invalid {
                    what: format!("ptau contribution {i}"),
                    reason: format!("parameter type {t} after {last} (must be sorted, 1 to 3)"),
                });
            }
            last = t;
            match t {
                2 => {
                    p.u8()?;
                }
                _ => {
                    let l = p.u8()? as usize;
                    p.take(l)?;
                }
            }
        }
    }
    if r.remaining() != 0 {
        return Err(FormatError::SectionSize {
            kind: "ptau".into(),
            id: CONTRIBUTIONS,
            expected: r.position() as u64,
            found: s.len() as u64,
        });
    }
    Ok(())
}

impl<'a> Ptau<'a> {
    /// Parses the header and checks the section sizes: magic `ptau`, version 1, q = BN254's
    /// base field ([`FormatError::WrongCurve`] otherwise), power <= 28, sections 1-7 present
    /// with the sizes the power implies (section 7: its framing), and sections 12-15, where
    /// present, too.
    pub fn parse(bytes: &'a [u8]) -> Result<Ptau<'a>, FormatError> {
        let file = BinFile::parse(bytes, b"ptau")?;
        file.require_version_1()?;
        let h = file.section(SECTION_HEADER)?;
        let mut r = Reader::new(h, "ptau header (section 1)");
        let n8 = r.u32()?;
        let q = r.take(n8 as usize)?;
        if q != fq_modulus_le() {
            return Err(FormatError::WrongCurve { field_modulus_hex: le_to_hex(q) });
        }
        let power = r.u32()?;
        let ceremony_power = r.u32()?;
        if r.remaining() != 0 {
            return Err(FormatError::SectionSize {
                kind: "ptau".into(),
                id: SECTION_HEADER,
                expected: r.position() as u64,
                found: h.len() as u64,
            });
        }
        if power > MAX_POWER {
            return Err(FormatError::Invalid {
                what: "ptau header".into(),
                reason: format!("power {power} exceeds 28, the 2-adicity of BN254's scalar field"),
            });
        }
        let n = 1u64 << power;
        let g1 = G1_SIZE as u64;
        let g2 = G2_SIZE as u64;
        file.section_sized(TAU_G1, (2 * n - 1) * g1)?;
        file.section_sized(TAU_G2, n * g2)?;
        file.section_sized(ALPHA_TAU_G1, n * g1)?;
        file.section_sized(BETA_TAU_G1, n * g1)?;
        file.section_sized(BETA_G2, g2)?;
        check_contributions_framing(file.section(CONTRIBUTIONS)?)?;
        for (id, size) in [
            (LAGRANGE_TAU_G1, (4 * n - 1) * g1),
            (LAGRANGE_TAU_G2, (2 * n - 1) * g2),
            (LAGRANGE_ALPHA_TAU_G1, (2 * n - 1) * g1),
            (LAGRANGE_BETA_TAU_G1, (2 * n - 1) * g1),
        ] {
            if file.has_section(id) {
                file.section_sized(id, size)?;
            }
        }
        Ok(Ptau { power, ceremony_power, file })
    }

    /// The container, for raw access to sections and offsets.
    pub fn bin(&self) -> &BinFile<'a> {
        &self.file
    }

    /// Whether sections 12-15 (`prepare phase2`) are present.
    pub fn is_prepared(&self) -> bool {
        [LAGRANGE_TAU_G1, LAGRANGE_TAU_G2, LAGRANGE_ALPHA_TAU_G1, LAGRANGE_BETA_TAU_G1]
            .iter()
            .all(|&id| self.file.has_section(id))
    }

    /// The number of contributions recorded in section 7.
    pub fn n_contributions(&self) -> Result<u32, FormatError> {
        Reader::new(self.file.section(CONTRIBUTIONS)?, "ptau contributions (section 7)").u32()
    }

    /// Checks that this file can set up a circuit of `domain_size` (a power of two), as snarkjs
    /// `zkey new` does: [`FormatError::TooFewPowers`] when `2^power < domain_size` (naming the
    /// Hermez file to download), then [`FormatError::NotPreparedForPhase2`] when sections 12-15
    /// are missing.
    pub fn check_phase2(&self, domain_size: usize) -> Result<(), FormatError> {
        let needed = log2_exact(domain_size)?;
        if needed > self.power {
            return Err(FormatError::TooFewPowers {
                needed_power: needed,
                have_power: self.power,
                download: hermez_ptau_file_name(needed),
            });
        }
        if !self.is_prepared() {
            return Err(FormatError::NotPreparedForPhase2);
        }
        Ok(())
    }

    fn g1_range(&self, id: u32, start: usize, count: usize, what: &str) -> Result<Vec<G1Affine>, FormatError> {
        let s = self.file.section(id)?;
        let end = start.checked_add(count).and_then(|e| e.checked_mul(G1_SIZE));
        match end {
            Some(e) if e <= s.len() => read_g1_vec_named(&s[start * G1_SIZE..e], what),
            _ => Err(FormatError::Invalid {
                what: format!("ptau section {id}"),
                reason: format!("points {start}..{start}+{count} are beyond its {} points", s.len() / G1_SIZE),
            }),
        }
    }

    fn g2_range(&self, id: u32, start: usize, count: usize, what: &str) -> Result<Vec<G2Affine>, FormatError> {
        let s = self.file.section(id)?;
        let end = start.checked_add(count).and_then(|e| e.checked_mul(G2_SIZE));
        match end {
            Some(e) if e <= s.len() => read_g2_vec_named(&s[start * G2_SIZE..e], what),
            _ => Err(FormatError::Invalid {
                what: format!("ptau section {id}"),
                reason: format!("points {start}..{start}+{count} are beyond its {} points", s.len() / G2_SIZE),
            }),
        }
    }

    /// alpha G1 (section 4, point 0).
    pub fn alpha_g1(&self) -> Result<G1Affine, FormatError> {
        read_g1_named(&self.file.section(ALPHA_TAU_G1)?[..G1_SIZE], "ptau alpha_g1", 0)
    }

    /// beta G1 (section 5, point 0).
    pub fn beta_g1(&self) -> Result<G1Affine, FormatError> {
        read_g1_named(&self.file.section(BETA_TAU_G1)?[..G1_SIZE], "ptau beta_g1", 0)
    }

    /// beta G2 (section 6).
    pub fn beta_g2(&self) -> Result<G2Affine, FormatError> {
        read_g2_named(self.file.section(BETA_G2)?, "ptau beta_g2", 0)
    }

    /// The Lagrange basis L_i(tau) G1 of the domain of `domain_size` (section 12 from point
    /// `domain_size - 1`).
    pub fn lagrange_tau_g1(&self, domain_size: usize) -> Result<Vec<G1Affine>, FormatError> {
        self.check_phase2(domain_size)?;
        self.g1_range(LAGRANGE_TAU_G1, domain_size - 1, domain_size, "ptau Lagrange tauG1")
    }

    /// The Lagrange basis L_i(tau) G2 (section 13 from point `domain_size - 1`).
    pub fn lagrange_tau_g2(&self, domain_size: usize) -> Result<Vec<G2Affine>, FormatError> {
        self.check_phase2(domain_size)?;
        self.g2_range(LAGRANGE_TAU_G2, domain_size - 1, domain_size, "ptau Lagrange tauG2")
    }

    /// The Lagrange basis alpha L_i(tau) G1 (section 14 from point `domain_size - 1`).
    pub fn lagrange_alpha_tau_g1(&self, domain_size: usize) -> Result<Vec<G1Affine>, FormatError> {
        self.check_phase2(domain_size)?;
        self.g1_range(LAGRANGE_ALPHA_TAU_G1, domain_size - 1, domain_size, "ptau Lagrange alphaTauG1")
    }

    /// The Lagrange basis beta L_i(tau) G1 (section 15 from point `domain_size - 1`).
    pub fn lagrange_beta_tau_g1(&self, domain_size: usize) -> Result<Vec<G1Affine>, FormatError> {
        self.check_phase2(domain_size)?;
        self.g1_range(LAGRANGE_BETA_TAU_G1, domain_size - 1, domain_size, "ptau Lagrange betaTauG1")
    }

    /// The H bases of a fresh zkey for `domain_size` n, exactly what snarkjs `zkey new` writes to
    /// section 9 (zkey_new.js `writeHs`): the odd points L^{2n}_{2j+1}(tau) G1, j < n, of the
    /// 2n-point Lagrange basis in section 12 (which starts at point 2n - 1). For n = 2^28 (the
    /// 2-adicity), snarkjs instead takes points 2n - 1 + n .. 2n - 1 + 2n; that case is mirrored
    /// but untested.
    pub fn h_bases(&self, domain_size: usize) -> Result<Vec<G1Affine>, FormatError> {
        self.check_phase2(domain_size)?;
        let n = domain_size;
        if n.trailing_zeros() == MAX_POWER {
            return self.g1_range(LAGRANGE_TAU_G1, 2 * n - 1 + n, n, "ptau H bases");
        }
        let s = self.file.section(LAGRANGE_TAU_G1)?;
        let start = (2 * n - 1) * G1_SIZE;
        let region = s.get(start..start + 2 * n * G1_SIZE).ok_or_else(|| FormatError::Invalid {
            what: "ptau section 12".into(),
            reason: format!("has no Lagrange basis of {} points", 2 * n),
        })?;
        let res: Result<Vec<G1Affine>, FormatError> = region
            .par_chunks_exact(2 * G1_SIZE)
            .enumerate()
            .map(|(j, pair)| read_g1_named(&pair[G1_SIZE..], "ptau H bases", j))
            .collect();
        match res {
            Ok(v) => Ok(v),
            Err(_) => Err(region
                .par_chunks_exact(2 * G1_SIZE)
                .enumerate()
                .find_map_first(|(j, pair)| read_g1_named(&pair[G1_SIZE..], "ptau H bases", j).err())
                .expect("an error was seen")),
        }
    }

    /// `count` monomial points tau^i G1 from `i = start` (section 2).
    pub fn tau_g1(&self, start: usize, count: usize) -> Result<Vec<G1Affine>, FormatError> {
        self.g1_range(TAU_G1, start, count, "ptau tauG1")
    }

    /// `count` monomial points tau^i G2 from `i = start` (section 3).
    pub fn tau_g2(&self, start: usize, count: usize) -> Result<Vec<G2Affine>, FormatError> {
        self.g2_range(TAU_G2, start, count, "ptau tauG2")
    }
}
