//! The iden3 binary container shared by `.r1cs`, `.ptau`, `.zkey` (and `.wtns`), as read and
//! written by `@iden3/binfileutils`:
//!
//! ```text
//! magic [4] | u32 version | u32 nSections | { u32 id | u64 size | size bytes } * nSections
//! ```
//!
//! All integers little-endian; sections may come in any order. [`BinFile`] borrows the section
//! bodies from the input without copying; [`BinWriter`] builds a file in memory.

use crate::FormatError;
use std::borrow::Cow;

/// A parsed container: the kind (magic), the version and the sections, borrowed from the input.
#[derive(Debug, Clone)]
pub struct BinFile<'a> {
    /// The 4-byte magic, e.g. `*b"zkey"`.
    pub kind: [u8; 4],
    /// The container version (snarkjs writes 1; checking it is left to the format readers).
    pub version: u32,
    bytes: &'a [u8],
    /// (id, offset of the body in `bytes`, body), in file order.
    sections: Vec<(u32, usize, &'a [u8])>,
}

/// A little-endian cursor over a byte slice that returns [`FormatError::Truncated`] instead of
/// panicking when data runs out.
#[derive(Debug, Clone)]
pub(crate) struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
    what: Cow<'static, str>,
}

impl<'a> Reader<'a> {
    /// A reader over `bytes`; `what` names the data in truncation errors.
    pub fn new(bytes: &'a [u8], what: impl Into<Cow<'static, str>>) -> Self {
        Reader { bytes, pos: 0, what: what.into() }
    }

    /// Bytes consumed so far.
    pub fn position(&self) -> usize {
        self.pos
    }

    /// Bytes not yet consumed.
    pub fn remaining(&self) -> usize {
        self.bytes.len() - self.pos
    }

    /// The next `n` bytes.
    pub fn take(&mut self, n: usize) -> Result<&'a [u8], FormatError> {
        if self.remaining() < n {
            return Err(FormatError::Truncated {
                what: self.what.to_string(),
                needed: (self.pos as u64).saturating_add(n as u64),
                have: self.bytes.len() as u64,
            });
        }
        let s = &self.bytes[self.pos..self.pos + n];
        self.pos += n;
        Ok(s)
    }

    /// The next `N` bytes as an array.
    pub fn array<const N: usize>(&mut self) -> Result<[u8; N], FormatError> {
        let mut a = [0u8; N];
        a.copy_from_slice(self.take(N)?);
        Ok(a)
    }

    /// A single byte.
    pub fn u8(&mut self) -> Result<u8, FormatError> {
        Ok(self.take(1)?[0])
    }

    /// A little-endian u32.
    pub fn u32(&mut self) -> Result<u32, FormatError> {
        Ok(u32::from_le_bytes(self.array()?))
    }

    /// A little-endian u64.
    pub fn u64(&mut self) -> Result<u64, FormatError> {
        Ok(u64::from_le_bytes(self.array()?))
    }
}

fn kind_str(kind: &[u8; 4]) -> String {
    String::from_utf8_lossy(kind).into_owned()
}

impl<'a> BinFile<'a> {
    /// Parses the container header and section table of `bytes`, which must start with `kind`.
    ///
    /// Errors: [`FormatError::BadMagic`], [`FormatError::Truncated`] when a section header or
    /// body runs past the end, [`FormatError::DuplicateSection`], and
    /// [`FormatError::Invalid`] for bytes after the last section.
    pub fn parse(bytes: &'a [u8], kind: &[u8; 4]) -> Result<Self, FormatError> {
        let k = kind_str(kind);
        let mut r = Reader::new(bytes, format!("{k} file header"));
        let magic: [u8; 4] = r.array()?;
        if &magic != kind {
            return Err(FormatError::BadMagic { expected: *kind, found: magic });
        }
        let version = r.u32()?;
        let n_sections = r.u32()?;
        let mut sections: Vec<(u32, usize, &'a [u8])> = Vec::new();
        for i in 0..n_sections {
            let mut hr = Reader { bytes, pos: r.pos, what: format!("{k} section header {i}").into() };
            let id = hr.u32()?;
            let size = hr.u64()?;
            if sections.iter().any(|(s, _, _)| *s == id) {
                return Err(FormatError::DuplicateSection { kind: k, id });
            }
            let body_what = format!("{k} section {id}");
            let start = hr.pos;
            let size_usize = usize::try_from(size).map_err(|_| FormatError::Truncated {
                what: body_what.clone(),
                needed: size,
                have: (bytes.len() - start) as u64,
            })?;
            if bytes.len() - start < size_usize {
                return Err(FormatError::Truncated {
                    what: body_what,
                    needed: size,
                    have: (bytes.len() - start) as u64,
                });
            }
            let body = &bytes[start..start + size_usize];
            sections.push((id, start, body));
            r.pos = start + size_usize;
        }
        if r.remaining() != 0 {
            return Err(FormatError::Invalid {
                what: format!("{k} file"),
                reason: format!("{} bytes after the last of its {n_sections} sections", r.remaining()),
            });
        }
        Ok(BinFile { kind: *kind, version, bytes, sections })
    }

    /// The body of section `id`; [`FormatError::MissingSection`] if absent.
    pub fn section(&self, id: u32) -> Result<&'a [u8], FormatError> {
        self.sections
            .iter()
            .find(|(s, _, _)| *s == id)
            .map(|(_, _, b)| *b)
            .ok_or_else(|| FormatError::MissingSection { kind: kind_str(&self.kind), id })
    }

    /// Whether section `id` is present.
    pub fn has_section(&self, id: u32) -> bool {
        self.sections.iter().any(|(s, _, _)| *s == id)
    }

    /// The byte offset of section `id`'s body within the whole file.
    pub fn section_offset(&self, id: u32) -> Result<usize, FormatError> {
        self.sections
            .iter()
            .find(|(s, _, _)| *s == id)
            .map(|(_, o, _)| *o)
            .ok_or_else(|| FormatError::MissingSection { kind: kind_str(&self.kind), id })
    }

    /// Section ids in file order.
    pub fn section_ids(&self) -> Vec<u32> {
        self.sections.iter().map(|(s, _, _)| *s).collect()
    }

    /// The whole file.
    pub fn raw(&self) -> &'a [u8] {
        self.bytes
    }

    /// Checks that the version is 1 (the only one snarkjs writes).
    pub fn require_version_1(&self) -> Result<(), FormatError> {
        if self.version != 1 {
            return Err(FormatError::UnsupportedVersion { kind: kind_str(&self.kind), version: self.version });
        }
        Ok(())
    }

    /// Checks that every section id is in `allowed`.
    pub fn require_known_sections(&self, allowed: &[u32]) -> Result<(), FormatError> {
        for (id, _, _) in &self.sections {
            if !allowed.contains(id) {
                return Err(FormatError::Invalid {
                    what: format!("{} file", kind_str(&self.kind)),
                    reason: format!("unknown section {id}"),
                });
            }
        }
        Ok(())
    }

    /// Section `id`, which must be exactly `expected` bytes long ([`FormatError::SectionSize`]).
    pub fn section_sized(&self, id: u32, expected: u64) -> Result<&'a [u8], FormatError> {
        let s = self.section(id)?;
        if s.len() as u64 != expected {
            return Err(FormatError::SectionSize { kind: kind_str(&self.kind), id, expected, found: s.len() as u64 });
        }
        Ok(s)
    }
}

/// Builds a container in memory, in the layout `@iden3/binfileutils` writes.
#[derive(Debug, Clone)]
pub struct BinWriter {
    out: Vec<u8>,
    n_sections_pos: usize,
    n_sections: u32,
}

impl BinWriter {
    /// A file of `kind` and `version`, without sections yet.
    pub fn new(kind: &[u8; 4], version: u32) -> Self {
        Self::with_capacity(kind, version, 0)
    }

    /// Like [`BinWriter::new`], reserving `capacity` bytes for the whole file.
    pub fn with_capacity(kind: &[u8; 4], version: u32, capacity: usize) -> Self {
        let mut out = Vec::with_capacity(capacity.max(12));
        out.extend_from_slice(kind);
        out.extend_from_slice(&version.to_le_bytes());
        let n_sections_pos = out.len();
        out.extend_from_slice(&0u32.to_le_bytes());
        BinWriter { out, n_sections_pos, n_sections: 0 }
    }

    /// Appends section `id` with body `bytes`.
    pub fn section(&mut self, id: u32, bytes: &[u8]) -> &mut Self {
        self.section_with(id, |out| out.extend_from_slice(bytes))
    }

    /// Appends section `id` whose body `write` appends to the output directly (no copy of large
    /// bodies); the size is filled in afterwards.
    pub fn section_with(&mut self, id: u32, write: impl FnOnce(&mut Vec<u8>)) -> &mut Self {
        self.out.extend_from_slice(&id.to_le_bytes());
        let size_pos = self.out.len();
        self.out.extend_from_slice(&0u64.to_le_bytes());
        write(&mut self.out);
        let size = (self.out.len() - size_pos - 8) as u64;
        self.out[size_pos..size_pos + 8].copy_from_slice(&size.to_le_bytes());
        self.n_sections += 1;
        self
    }

    /// The finished file (nSections = the number of sections appended).
    pub fn finish(mut self) -> Vec<u8> {
        let p = self.n_sections_pos;
        self.out[p..p + 4].copy_from_slice(&self.n_sections.to_le_bytes());
        self.out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_errors() {
        let mut w = BinWriter::new(b"zkey", 1);
        w.section(2, b"hello").section(1, b"");
        let bytes = w.finish();
        let f = BinFile::parse(&bytes, b"zkey").unwrap();
        assert_eq!(f.version, 1);
        assert_eq!(f.section(2).unwrap(), b"hello");
        assert_eq!(f.section(1).unwrap(), b"");
        assert!(f.has_section(1) && !f.has_section(3));
        assert_eq!(f.section_ids(), vec![2, 1]);
        assert_eq!(f.section_offset(2).unwrap(), 24);
        assert!(matches!(f.section(3), Err(FormatError::MissingSection { id: 3, .. })));
        assert!(matches!(BinFile::parse(&bytes, b"ptau"), Err(FormatError::BadMagic { .. })));
        for n in 0..bytes.len() {
            assert!(BinFile::parse(&bytes[..n], b"zkey").is_err(), "prefix {n}");
        }
        let mut more = bytes.clone();
        more.push(0);
        assert!(matches!(BinFile::parse(&more, b"zkey"), Err(FormatError::Invalid { .. })));
        let mut w = BinWriter::new(b"zkey", 1);
        w.section(2, b"a").section(2, b"b");
        assert!(matches!(BinFile::parse(&w.finish(), b"zkey"), Err(FormatError::DuplicateSection { id: 2, .. })));
        // A huge declared size must not panic or allocate.
        let mut bad = bytes.clone();
        bad[16..24].copy_from_slice(&u64::MAX.to_le_bytes());
        assert!(matches!(BinFile::parse(&bad, b"zkey"), Err(FormatError::Truncated { .. })));
    }
}
