//! The proving key file, read and written as a stream.
//!
//! Layout: `magic | version u32 LE | model_hash | qap u8 | sha256(body) | body`, where the body is
//! the verifying key, `beta_g1`, `delta_g1` (arkworks' uncompressed encoding), then the five
//! queries `a`, `b_g1`, `b_g2`, `h`, `l`, each a `u64` length and that many points (64 bytes a G1
//! point, 128 a G2 point). Version 3 stores each query coordinate as its Montgomery form (four
//! little-endian `u64`, what arkworks and snarkjs's `.zkey` hold in memory), so that reading a point
//! is a copy and two comparisons with `p`; the point at infinity is all zeros with bit 6 of its
//! last byte set ([`KeyPoint`]). Versions 1 and 2 (still read) store the queries in arkworks'
//! uncompressed encoding (the plain integers: two Montgomery multiplications to read a G1 point);
//! version 1 files have no `qap` byte.
//!
//! A key is as large as the circuit (about 380 bytes a constraint), so neither setup nor proving
//! holds it: setup writes the queries chunk by chunk and proving folds each chunk into its
//! multi-scalar multiplication as it is read ([`KeyReader::section`]). The body digest, or the whole
//! file's when the caller knows the one setup recorded ([`KeyReader::expect_file_digest`]), is
//! checked as the last byte is read, before a proof is returned.
use super::BackendError;
use crate::qap::Qap;
use ark_bn254::{g1::Config as G1Config, g2::Config as G2Config, Bn254, Fq, Fq2, G1Affine, G2Affine};
use ark_ec::short_weierstrass::{Affine, SWCurveConfig};
use ark_ec::AffineRepr;
use ark_ff::{BigInt, PrimeField};
use ark_serialize::{CanonicalDeserialize, CanonicalSerialize, Compress, Validate};
use rayon::prelude::*;
use sha2::{Digest, Sha256};
use std::io::{Read, Seek, SeekFrom, Write};

/// First four bytes of a proving key file.
pub const PK_MAGIC: &[u8; 4] = b"VIPK";
/// Proving key format version: 3 stores the queries' coordinates in Montgomery form, 2 records the
/// key's [`Qap`] after the model hash; versions 1 (arkworks setups only) and 2 are still read.
pub const PK_VERSION: u32 = 3;
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
    /// Whether the queries' coordinates are stored in Montgomery form (version 3).
    montgomery: bool,
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
            2 | PK_VERSION => {
                let mut b = [0u8; 1];
                inner.read_exact(&mut b).map_err(|_| bad("truncated header"))?;
                Qap::from_byte(b[0]).ok_or_else(|| bad(format!("unknown witness map {}", b[0])))?
            }
            _ => return Err(bad(format!("format version {version}, this build reads 1 to {PK_VERSION}"))),
        };
        let mut body_digest = [0u8; 32];
        inner.read_exact(&mut body_digest).map_err(|_| bad("truncated header"))?;
        let mut raw_header = head.to_vec();
        if version >= 2 {
            raw_header.push(qap.to_byte());
        }
        raw_header.extend_from_slice(&body_digest);
        let header = Header { model_hash, qap, body_digest };
        let montgomery = version >= 3;
        Ok(KeyReader { inner, hasher: Sha256::new(), raw_header, file_digest: None, validate, montgomery, header })
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
    /// point (an error of `f` stops the reading); returns the query's length.
    pub fn section<P: KeyCurve>(
        &mut self,
        mut f: impl FnMut(usize, Vec<Affine<P>>) -> Result<(), BackendError>,
    ) -> Result<usize, BackendError> {
        let n = self.len()?;
        let size = P::SIZE;
        let mut buf = Vec::new();
        let mut start = 0;
        while start < n {
            let take = CHUNK.min(n - start);
            buf.resize(take * size, 0);
            self.read_unhashed(&mut buf)?;
            let (hasher, validate, montgomery) = (&mut self.hasher, self.validate, self.montgomery);
            // Hashing is sequential: it runs beside the decoding, which takes the other cores.
            let (_, points) = rayon::join(
                || hasher.update(&buf),
                || {
                    buf.par_chunks(size)
                        .map(|b| {
                            if montgomery {
                                P::get(b, validate)
                            } else {
                                Affine::<P>::deserialize_with_mode(b, Compress::No, validate).map_err(|e| e.to_string())
                            }
                        })
                        .collect::<Result<Vec<Affine<P>>, _>>()
                },
            );
            let points = points.map_err(|e| bad(format!("invalid point ({e})")))?;
            f(start, points)?;
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
    version: u32,
}

impl<W: Write + Seek> KeyWriter<W> {
    /// Writes the header (of the current version) with a placeholder digest.
    pub fn new(out: W, model_hash: &[u8; 32], qap: Qap) -> Result<Self, BackendError> {
        Self::with_version(out, model_hash, qap, PK_VERSION)
    }

    /// [`KeyWriter::new`] for version 2 or 3 (version 2: for the tests of old keys).
    pub fn with_version(mut out: W, model_hash: &[u8; 32], qap: Qap, version: u32) -> Result<Self, BackendError> {
        if !(2..=PK_VERSION).contains(&version) {
            return Err(BackendError::Encoding(format!("cannot write proving key version {version}")));
        }
        let start = out.stream_position().map_err(io)?;
        out.write_all(PK_MAGIC).map_err(io)?;
        out.write_all(&version.to_le_bytes()).map_err(io)?;
        out.write_all(model_hash).map_err(io)?;
        out.write_all(&[qap.to_byte()]).map_err(io)?;
        out.write_all(&[0u8; 32]).map_err(io)?;
        Ok(KeyWriter { out, body: Sha256::new(), start, version })
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
    pub fn section<P: KeyCurve>(
        &mut self,
        n: usize,
        mut chunk: impl FnMut(usize, usize) -> Result<Vec<Affine<P>>, BackendError>,
    ) -> Result<(), BackendError> {
        self.write_body(&(n as u64).to_le_bytes())?;
        let mut start = 0;
        while start < n {
            let take = CHUNK.min(n - start);
            let points = chunk(start, take)?;
            let mut buf = vec![0u8; points.len() * P::SIZE];
            let montgomery = self.version >= 3;
            buf.par_chunks_mut(P::SIZE)
                .zip(points.par_iter())
                .try_for_each(|(b, p)| {
                    if montgomery {
                        P::put(p, b);
                        Ok(())
                    } else {
                        p.serialize_uncompressed(b)
                    }
                })
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

/// A query's points as version 3 stores them: each base-field coordinate as its Montgomery form,
/// four little-endian `u64` (x then y; in G2 each coordinate's `c0` then `c1`). The point at
/// infinity is all zeros with [`INFINITY`] set in its last byte, which no coordinate below `p`
/// (under 2^254) reaches.
pub trait KeyCurve: SWCurveConfig {
    /// Bytes a point.
    const SIZE: usize;
    /// The base-field coordinates, in stored order (`None` at infinity).
    fn coordinates(p: &Affine<Self>) -> Option<Vec<Fq>>;
    /// The point of stored coordinates (not checked).
    fn from_coordinates(c: &[Fq]) -> Affine<Self>;

    /// Writes the point to `out` (`SIZE` bytes).
    fn put(p: &Affine<Self>, out: &mut [u8]) {
        out.fill(0);
        match Self::coordinates(p) {
            None => out[Self::SIZE - 1] = INFINITY,
            Some(c) => {
                for (f, chunk) in c.iter().zip(out.chunks_mut(32)) {
                    for (limb, b) in f.0 .0.iter().zip(chunk.chunks_mut(8)) {
                        b.copy_from_slice(&limb.to_le_bytes());
                    }
                }
            }
        }
    }

    /// Reads a point of `SIZE` bytes: coordinates below `p`, or the infinity encoding; with
    /// `Validate::Yes`, also on the curve and in the prime-order subgroup.
    fn get(b: &[u8], validate: Validate) -> Result<Affine<Self>, String> {
        let Some(&last) = b.last().filter(|_| b.len() == Self::SIZE) else {
            return Err(format!("{} bytes for a point of {}", b.len(), Self::SIZE));
        };
        if last & INFINITY != 0 {
            if last != INFINITY || b[..Self::SIZE - 1].iter().any(|&x| x != 0) {
                return Err("a point at infinity with non-zero coordinates".into());
            }
            return Ok(Affine::<Self>::zero());
        }
        let mut c = Vec::with_capacity(Self::SIZE / 32);
        for chunk in b.chunks(32) {
            let mut limbs = [0u64; 4];
            for (l, bytes) in limbs.iter_mut().zip(chunk.chunks(8)) {
                *l = u64::from_le_bytes(bytes.try_into().map_err(|_| "a short coordinate")?);
            }
            let m = BigInt(limbs);
            if m >= Fq::MODULUS {
                return Err("a coordinate is not below the field modulus".into());
            }
            c.push(Fq::new_unchecked(m));
        }
        let p = Self::from_coordinates(&c);
        if validate == Validate::Yes {
            ark_serialize::Valid::check(&p).map_err(|e| e.to_string())?;
        }
        Ok(p)
    }
}

/// The flag of the point at infinity in the last byte of a version-3 point.
pub const INFINITY: u8 = 1 << 6;

impl KeyCurve for G1Config {
    const SIZE: usize = 64;
    fn coordinates(p: &G1Affine) -> Option<Vec<Fq>> {
        p.xy().map(|(x, y)| vec![x, y])
    }
    fn from_coordinates(c: &[Fq]) -> G1Affine {
        G1Affine::new_unchecked(c[0], c[1])
    }
}

impl KeyCurve for G2Config {
    const SIZE: usize = 128;
    fn coordinates(p: &G2Affine) -> Option<Vec<Fq>> {
        p.xy().map(|(x, y)| vec![x.c0, x.c1, y.c0, y.c1])
    }
    fn from_coordinates(c: &[Fq]) -> G2Affine {
        G2Affine::new_unchecked(Fq2::new(c[0], c[1]), Fq2::new(c[2], c[3]))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_bn254::{G1Projective, G2Projective};
    use ark_ec::CurveGroup;
    use ark_std::UniformRand;
    use rand::{rngs::StdRng, SeedableRng};
    use std::io::Cursor;

    /// A small key body: a verifying key, beta, delta and five queries with points at infinity.
    fn write(version: u32, g1: &[G1Affine], g2: &[G2Affine]) -> Vec<u8> {
        let mut rng = StdRng::seed_from_u64(31);
        let vk = ark_groth16::VerifyingKey::<Bn254> {
            alpha_g1: G1Projective::rand(&mut rng).into_affine(),
            beta_g2: G2Projective::rand(&mut rng).into_affine(),
            gamma_g2: G2Projective::rand(&mut rng).into_affine(),
            delta_g2: G2Projective::rand(&mut rng).into_affine(),
            gamma_abc_g1: g1[..2].to_vec(),
        };
        let mut w = KeyWriter::with_version(Cursor::new(Vec::new()), &[9; 32], Qap::Circom, version).unwrap();
        w.item(&vk).unwrap();
        w.item(&g1[0]).unwrap();
        w.item(&g1[1]).unwrap();
        w.section(g1.len(), |s, n| Ok(g1[s..s + n].to_vec())).unwrap();
        w.section(g1.len(), |s, n| Ok(g1[s..s + n].to_vec())).unwrap();
        w.section(g2.len(), |s, n| Ok(g2[s..s + n].to_vec())).unwrap();
        w.section(g1.len(), |s, n| Ok(g1[s..s + n].to_vec())).unwrap();
        w.section(g1.len(), |s, n| Ok(g1[s..s + n].to_vec())).unwrap();
        w.finish().unwrap().into_inner()
    }

    fn read(bytes: &[u8], validate: Validate) -> Result<(Vec<G1Affine>, Vec<G2Affine>), BackendError> {
        let mut r = KeyReader::new(bytes, validate)?;
        r.head()?;
        let (mut g1, mut g2) = (Vec::new(), Vec::new());
        r.section::<G1Config>(|_, p| {
            g1.extend(p);
            Ok(())
        })?;
        r.section::<G1Config>(|_, _| Ok(()))?;
        r.section::<G2Config>(|_, p| {
            g2.extend(p);
            Ok(())
        })?;
        r.section::<G1Config>(|_, _| Ok(()))?;
        r.section::<G1Config>(|_, _| Ok(()))?;
        r.finish()?;
        Ok((g1, g2))
    }

    fn points() -> (Vec<G1Affine>, Vec<G2Affine>) {
        let mut rng = StdRng::seed_from_u64(32);
        let mut g1: Vec<G1Affine> = (0..50).map(|_| G1Projective::rand(&mut rng).into_affine()).collect();
        let mut g2: Vec<G2Affine> = (0..20).map(|_| G2Projective::rand(&mut rng).into_affine()).collect();
        g1[7] = G1Affine::zero();
        g2[3] = G2Affine::zero();
        (g1, g2)
    }

    #[test]
    fn version_3_and_version_2_keys_read_back_the_same_points() {
        let (g1, g2) = points();
        let (v2, v3) = (write(2, &g1, &g2), write(3, &g1, &g2));
        assert_eq!(u32::from_le_bytes(v3[4..8].try_into().unwrap()), PK_VERSION);
        assert_eq!(v2.len(), v3.len(), "same sizes, other encoding");
        assert_ne!(v2, v3);
        for bytes in [&v2, &v3] {
            for validate in [Validate::No, Validate::Yes] {
                assert_eq!(read(bytes, validate).unwrap(), (g1.clone(), g2.clone()));
            }
        }
    }

    #[test]
    fn version_3_points_off_the_field_the_curve_or_the_infinity_encoding_are_refused() {
        let (g1, g2) = points();
        let bytes = write(3, &g1, &g2);
        // the a query starts after the header, the head (64 + 3 * 128 + 8 + 2 * 64 + 2 * 64) and its length
        let a = HEADER_LEN + 64 + 3 * 128 + 8 + 2 * 64 + 2 * 64 + 8;
        let cases: [(usize, fn(u8) -> u8, Validate, &str); 4] = [
            (a + 31, |_| 0x3f, Validate::No, "not below the field modulus"), // x's top byte: x > p
            (a + 7 * 64 + 5, |_| 1, Validate::No, "infinity with non-zero"), // the identity's zeros
            (a + 63, |b| b | 0x80, Validate::No, "not below the field modulus"), // y >= 2^255
            (a, |b| b ^ 1, Validate::Yes, "invalid point"),                  // off the curve
        ];
        for (at, patch, validate, want) in cases {
            let mut b = bytes.clone();
            b[at] = patch(b[at]);
            let e = read(&b, validate).unwrap_err().to_string();
            assert!(e.contains("invalid point") && e.contains(want), "byte {at}: {e}");
        }
        // unvalidated, a coordinate moved on the field is caught by the checksum
        let mut b = bytes.clone();
        b[a] ^= 1;
        assert!(read(&b, Validate::No).unwrap_err().to_string().contains("checksum"));
    }
}
