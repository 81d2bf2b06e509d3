//! The proving key file, read and written as a stream.
//!
//! Layout: `magic | version u32 LE | model_hash | qap u8 | sha256(body) | body`, where the body is
//! arkworks' uncompressed `ProvingKey` encoding: the verifying key, `beta_g1`, `delta_g1`, then the
//! five queries `a`, `b_g1`, `b_g2`, `h`, `l`, each a `u64` length and that many points (64 bytes
//! a G1 point, 128 a G2 point). Version 1 files have no `qap` byte.
//!
//! A key is as large as the circuit (about 380 bytes a constraint), so neither setup nor proving
//! holds it: setup writes the queries chunk by chunk and proving folds each chunk into its
//! multi-scalar multiplication as it is read ([`KeyReader::section`]). The body digest, or the whole
//! file's when the caller knows the one setup recorded ([`KeyReader::expect_file_digest`]), is
//! checked as the last byte is read, before a proof is returned.
use super::BackendError;
use crate::qap::Qap;
use ark_bn254::Bn254;
use ark_ec::AffineRepr;
use ark_serialize::{CanonicalDeserialize, CanonicalSerialize, Compress, Validate};
use rayon::prelude::*;
use sha2::{Digest, Sha256};
use std::io::{Read, Seek, SeekFrom, Write};

/// First four bytes of a proving key file.
pub const PK_MAGIC: &[u8; 4] = b"VIPK";
/// Proving key format version: 2 records the key's [`Qap`] after the model hash; version 1 files
/// (arkworks setups only) are still read.
pub const PK_VERSION: u32 = 2;
/// Points read (or written) at a time: 64 MiB of G1 points.
pub const CHUNK: usize = 1 << 20;
/// Largest number of public inputs a key file may declare.
pub const MAX_PUBLIC_INPUTS: usize = 1 << 20;
/// Bytes before the body in a version-2 file.
pub const HEADER_LEN: usize = 4 + 4 + 32 + 1 + 32;

/// What precedes the body.
#[derive(Clone, Debug)]
pub struct Header {
    /// Model the key belongs to.
    pub model_hash: [u8; 32],
    /// The witness map of its H query.
    pub qap: Qap,
    /// SHA-256 of the body.
    pub body_digest: [u8; 32],
}

/// The small part of a key at the start of the body.
#[derive(Clone, Debug)]
pub struct KeyHead {
    /// The Groth16 verifying key.
    pub vk: ark_groth16::VerifyingKey<Bn254>,
    /// `beta` in G1.
    pub beta_g1: ark_bn254::G1Affine,
    /// `delta` in G1.
    pub delta_g1: ark_bn254::G1Affine,
}

fn bad(m: impl Into<String>) -> BackendError {
    BackendError::MalformedProvingKey(m.into())
}

/// Reads a key file front to back, hashing the body as it goes.
pub struct KeyReader<R: Read> {
    inner: R,
    /// Hashes the body, or the whole file once [`KeyReader::expect_file_digest`] is called.
    hasher: Sha256,
    /// The header's bytes, as read.
    raw_header: Vec<u8>,
    /// The SHA-256 of the whole file that [`KeyReader::finish`] checks instead of the body's.
    file_digest: Option<[u8; 32]>,
    validate: Validate,
    /// The header.
    pub header: Header,
}

impl<R: Read> KeyReader<R> {
    /// Reads the header; `validate` says whether every point is checked (on the curve, in the
    /// subgroup) as it is read.
    pub fn new(mut inner: R, validate: Validate) -> Result<Self, BackendError> {
        let mut head = [0u8; 40];
        inner.read_exact(&mut head).map_err(|_| bad("not a verinfer proving key (too short)"))?;
        if &head[..4] != PK_MAGIC {
            return Err(bad("not a verinfer proving key (bad magic)"));
        }
        let version = u32::from_le_bytes([head[4], head[5], head[6], head[7]]);
        let mut model_hash = [0u8; 32];
        model_hash.copy_from_slice(&head[8..40]);
        let qap = match version {
            1 => Qap::Libsnark,
            PK_VERSION => {
                let mut b = [0u8; 1];
                inner.read_exact(&mut b).map_err(|_| bad("truncated header"))?;
                Qap::from_byte(b[0]).ok_or_else(|| bad(format!("unknown witness map {}", b[0])))?
            }
            _ => return Err(bad(format!("format version {version}, this build reads 1 and {PK_VERSION}"))),
        };
        let mut body_digest = [0u8; 32];
        inner.read_exact(&mut body_digest).map_err(|_| bad("truncated header"))?;
        let mut raw_header = head.to_vec();
        if version == PK_VERSION {
            raw_header.push(qap.to_byte());
        }
        raw_header.extend_from_slice(&body_digest);
        let header = Header { model_hash, qap, body_digest };
        Ok(KeyReader { inner, hasher: Sha256::new(), raw_header, file_digest: None, validate, header })
    }

    /// Makes [`KeyReader::finish`] check the SHA-256 of the whole file (what `setup.json` records)
    /// instead of the body's: one pass over the key checks both that it is intact and that it is
    /// the file setup wrote. Call it before reading the body.
    pub fn expect_file_digest(mut self, digest: [u8; 32]) -> Self {
        self.hasher = Sha256::new_with_prefix(&self.raw_header);
        self.file_digest = Some(digest);
        self
    }

    fn read_body(&mut self, buf: &mut [u8]) -> Result<(), BackendError> {
        self.read_unhashed(buf)?;
        self.hasher.update(&*buf);
        Ok(())
    }

    /// Reads body bytes the caller hashes itself.
    fn read_unhashed(&mut self, buf: &mut [u8]) -> Result<(), BackendError> {
        self.inner.read_exact(buf).map_err(|_| bad("truncated: the file ends inside the key"))
    }

    fn item<T: CanonicalDeserialize>(&mut self, len: usize) -> Result<T, BackendError> {
        let mut buf = vec![0u8; len];
        self.read_body(&mut buf)?;
        T::deserialize_with_mode(&buf[..], Compress::No, self.validate)
            .map_err(|e| bad(format!("invalid encoding ({e})")))
    }

    /// The verifying key, `beta_g1` and `delta_g1`.
    pub fn head(&mut self) -> Result<KeyHead, BackendError> {
        let mut fixed = vec![0u8; 64 + 3 * 128];
        self.read_body(&mut fixed)?;
        let n = self.len()?;
        // A statement has tens of public inputs (a tensor output, thousands): refuse a corrupted
        // length before allocating for it.
        if n > MAX_PUBLIC_INPUTS {
            return Err(bad(format!("{n} public inputs (at most {MAX_PUBLIC_INPUTS})")));
        }
        let mut abc = vec![0u8; n * 64];
        self.read_body(&mut abc)?;
        let mut vk_bytes = fixed;
        vk_bytes.extend_from_slice(&(n as u64).to_le_bytes());
        vk_bytes.extend_from_slice(&abc);
        let vk = ark_groth16::VerifyingKey::<Bn254>::deserialize_with_mode(&vk_bytes[..], Compress::No, self.validate)
            .map_err(|e| bad(format!("invalid verifying key ({e})")))?;
        let beta_g1 = self.item(64)?;
        let delta_g1 = self.item(64)?;
        Ok(KeyHead { vk, beta_g1, delta_g1 })
    }

    fn len(&mut self) -> Result<usize, BackendError> {
        let mut b = [0u8; 8];
        self.read_body(&mut b)?;
        usize::try_from(u64::from_le_bytes(b)).map_err(|_| bad("a length does not fit in memory"))
    }

    /// Reads one query, handing `f` its points a chunk at a time with the index of the chunk's first
    /// point; returns the query's length.
    pub fn section<G>(&mut self, mut f: impl FnMut(usize, &[G])) -> Result<usize, BackendError>
    where
        G: AffineRepr,
    {
        let n = self.len()?;
        let size = point_size::<G>();
        let mut buf = Vec::new();
        let mut start = 0;
        while start < n {
            let take = CHUNK.min(n - start);
            buf.resize(take * size, 0);
            self.read_unhashed(&mut buf)?;
            let (hasher, validate) = (&mut self.hasher, self.validate);
            // Hashing is sequential: it runs beside the decoding, which takes the other cores.
            let (_, points) = rayon::join(
                || hasher.update(&buf),
                || {
                    buf.par_chunks(size)
                        .map(|b| G::deserialize_with_mode(b, Compress::No, validate))
                        .collect::<Result<Vec<G>, _>>()
                },
            );
            let points = points.map_err(|e| bad(format!("invalid point ({e})")))?;
            f(start, &points);
            start += take;
        }
        Ok(n)
    }

    /// Checks that nothing follows the last query and that the body matches its digest.
    pub fn finish(mut self) -> Result<(), BackendError> {
        let mut extra = Vec::new();
        self.inner.read_to_end(&mut extra).map_err(|e| bad(e.to_string()))?;
        if !extra.is_empty() {
            return Err(bad(format!("{} trailing bytes", extra.len())));
        }
        let digest: [u8; 32] = self.hasher.finalize().into();
        match self.file_digest {
            Some(expected) if digest != expected => {
                Err(BackendError::KeyDigestMismatch { expected: super::hex(&expected), actual: super::hex(&digest) })
            }
            None if digest != self.header.body_digest => {
                Err(bad("checksum mismatch: the file is truncated or corrupted"))
            }
            _ => Ok(()),
        }
    }
}

/// Writes a key file front to back; the body digest is filled in by [`KeyWriter::finish`].
pub struct KeyWriter<W: Write + Seek> {
    out: W,
    body: Sha256,
    start: u64,
}

impl<W: Write + Seek> KeyWriter<W> {
    /// Writes the header with a placeholder digest.
    pub fn new(mut out: W, model_hash: &[u8; 32], qap: Qap) -> Result<Self, BackendError> {
        let start = out.stream_position().map_err(io)?;
        out.write_all(PK_MAGIC).map_err(io)?;
        out.write_all(&PK_VERSION.to_le_bytes()).map_err(io)?;
        out.write_all(model_hash).map_err(io)?;
        out.write_all(&[qap.to_byte()]).map_err(io)?;
        out.write_all(&[0u8; 32]).map_err(io)?;
        Ok(KeyWriter { out, body: Sha256::new(), start })
    }

    fn write_body(&mut self, bytes: &[u8]) -> Result<(), BackendError> {
        self.body.update(bytes);
        self.out.write_all(bytes).map_err(io)
    }

    /// Writes one item in arkworks' uncompressed encoding.
    pub fn item<T: CanonicalSerialize>(&mut self, item: &T) -> Result<(), BackendError> {
        let mut buf = Vec::with_capacity(item.uncompressed_size());
        item.serialize_uncompressed(&mut buf).map_err(|e| BackendError::Encoding(e.to_string()))?;
        self.write_body(&buf)
    }

    /// Writes a query of `n` points produced by `chunk(start, len)`, `CHUNK` points at a time.
    pub fn section<G>(
        &mut self,
        n: usize,
        mut chunk: impl FnMut(usize, usize) -> Result<Vec<G>, BackendError>,
    ) -> Result<(), BackendError>
    where
        G: AffineRepr,
    {
        self.write_body(&(n as u64).to_le_bytes())?;
        let mut start = 0;
        while start < n {
            let take = CHUNK.min(n - start);
            let points = chunk(start, take)?;
            let size = point_size::<G>();
            let mut buf = vec![0u8; points.len() * size];
            buf.par_chunks_mut(size)
                .zip(points.par_iter())
                .try_for_each(|(b, p)| p.serialize_uncompressed(b))
                .map_err(|e| BackendError::Encoding(e.to_string()))?;
            self.write_body(&buf)?;
            start += take;
        }
        Ok(())
    }

    /// Fills in the body digest and returns the writer.
    pub fn finish(mut self) -> Result<W, BackendError> {
        let digest = self.body.finalize();
        self.out.seek(SeekFrom::Start(self.start + (HEADER_LEN - 32) as u64)).map_err(io)?;
        self.out.write_all(&digest).map_err(io)?;
        self.out.seek(SeekFrom::End(0)).map_err(io)?;
        self.out.flush().map_err(io)?;
        Ok(self.out)
    }
}

fn io(e: std::io::Error) -> BackendError {
    BackendError::Encoding(format!("writing the proving key: {e}"))
}

fn point_size<G: AffineRepr>() -> usize {
    G::zero().uncompressed_size()
}
