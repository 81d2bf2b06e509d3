//! Point and scalar encodings between arkworks and snarkjs (ffjavascript / wasmcurves).
//!
//! - In files (`.ptau`, `.zkey`), points are affine `x || y`; each BN254 base-field coordinate is
//!   32 bytes little-endian in Montgomery form (`toRprLEM`, R = 2^256, the same form arkworks
//!   keeps internally); a G2 coordinate is `c0 || c1`. The point at infinity is all zero bytes
//!   (wasmcurves `_zeroAffine`; `(0, 0)` is not on either curve, so this is unambiguous).
//! - For hashing (`toRprUncompressed`, wasmcurves `_LEMtoU`), each coordinate is big-endian in
//!   standard form; a G2 coordinate is the byte reversal of `c0 || c1`, i.e. `c1 BE || c0 BE`.
//!   Infinity is all zero bytes, without the 0x40 flag that `_LEMtoC` (compressed) sets.
//! - Scalars in `.r1cs` files are 32 bytes little-endian in standard form.
//!
//! Readers reject coordinates `>= q` and points off the curve; G2 readers also reject points
//! outside the prime-order subgroup (G1 of BN254 has cofactor 1). Vector readers work in
//! parallel and report the first bad index.

use crate::FormatError;
use ark_bn254::{Fq, Fq2, Fr, G1Affine, G2Affine};
use ark_ec::AffineRepr;
use ark_ff::{BigInt, MontConfig, PrimeField};
use rayon::prelude::*;

/// Bytes of a G1 point in a file (two 32-byte coordinates).
pub const G1_SIZE: usize = 64;
/// Bytes of a G2 point in a file (two Fq2 coordinates of 64 bytes).
pub const G2_SIZE: usize = 128;
/// Bytes of a BN254 field element (base or scalar field).
pub const FIELD_SIZE: usize = 32;

fn limbs_le(b: &[u8]) -> [u64; 4] {
    let mut l = [0u64; 4];
    for (i, limb) in l.iter_mut().enumerate() {
        let mut a = [0u8; 8];
        a.copy_from_slice(&b[i * 8..i * 8 + 8]);
        *limb = u64::from_le_bytes(a);
    }
    l
}

fn put_limbs_le(l: &[u64; 4], out: &mut [u8]) {
    for (i, limb) in l.iter().enumerate() {
        out[i * 8..i * 8 + 8].copy_from_slice(&limb.to_le_bytes());
    }
}

/// A base-field element from 32 bytes of Montgomery little-endian (`None` if not below q).
#[inline]
fn fq_from_lem(b: &[u8]) -> Option<Fq> {
    let big = BigInt::<4>(limbs_le(b));
    if big >= <ark_bn254::FqConfig as MontConfig<4>>::MODULUS {
        return None;
    }
    Some(Fq::new_unchecked(big))
}

#[inline]
fn fq_to_lem(x: &Fq, out: &mut [u8]) {
    put_limbs_le(&x.0 .0, out);
}

#[inline]
fn fq_to_be(x: &Fq, out: &mut [u8]) {
    let l = x.into_bigint().0;
    for (i, limb) in l.iter().enumerate() {
        out[24 - i * 8..32 - i * 8].copy_from_slice(&limb.to_be_bytes());
    }
}

fn read_g1_at(b: &[u8], what: &str, index: usize) -> Result<G1Affine, FormatError> {
    if b.iter().all(|&x| x == 0) {
        return Ok(G1Affine::identity());
    }
    let range = || FormatError::CoordinateOutOfRange { what: what.to_string(), index };
    let x = fq_from_lem(&b[0..32]).ok_or_else(range)?;
    let y = fq_from_lem(&b[32..64]).ok_or_else(range)?;
    let p = G1Affine::new_unchecked(x, y);
    if !p.is_on_curve() {
        return Err(FormatError::NotOnCurve { what: what.to_string(), index });
    }
    // BN254 G1 has cofactor 1: on the curve means in the group.
    Ok(p)
}

fn read_g2_unchecked_subgroup(b: &[u8], what: &str, index: usize) -> Result<G2Affine, FormatError> {
    if b.iter().all(|&x| x == 0) {
        return Ok(G2Affine::identity());
    }
    let range = || FormatError::CoordinateOutOfRange { what: what.to_string(), index };
    let x0 = fq_from_lem(&b[0..32]).ok_or_else(range)?;
    let x1 = fq_from_lem(&b[32..64]).ok_or_else(range)?;
    let y0 = fq_from_lem(&b[64..96]).ok_or_else(range)?;
    let y1 = fq_from_lem(&b[96..128]).ok_or_else(range)?;
    let p = G2Affine::new_unchecked(Fq2::new(x0, x1), Fq2::new(y0, y1));
    if !p.is_on_curve() {
        return Err(FormatError::NotOnCurve { what: what.to_string(), index });
    }
    Ok(p)
}

fn read_g2_at(b: &[u8], what: &str, index: usize) -> Result<G2Affine, FormatError> {
    let p = read_g2_unchecked_subgroup(b, what, index)?;
    if !p.is_in_correct_subgroup_assuming_on_curve() {
        return Err(FormatError::NotInSubgroup { what: what.to_string(), index });
    }
    Ok(p)
}

fn check_len(bytes: &[u8], size: usize, what: &str) -> Result<(), FormatError> {
    if bytes.len() % size != 0 {
        return Err(FormatError::Invalid {
            what: what.to_string(),
            reason: format!("{} bytes is not a whole number of {size}-byte points", bytes.len()),
        });
    }
    Ok(())
}

/// Reads one G1 point (64 bytes, affine Montgomery LE; all zero = infinity), checking that its
/// coordinates are below q and that it is on the curve.
pub fn read_g1(bytes: &[u8]) -> Result<G1Affine, FormatError> {
    read_g1_named(bytes, "G1 point", 0)
}

/// [`read_g1`] with the item name and index to report in errors.
pub fn read_g1_named(bytes: &[u8], what: &str, index: usize) -> Result<G1Affine, FormatError> {
    if bytes.len() != G1_SIZE {
        return Err(FormatError::Truncated {
            what: format!("{what} {index}"),
            needed: G1_SIZE as u64,
            have: bytes.len() as u64,
        });
    }
    read_g1_at(bytes, what, index)
}

/// Reads one G2 point (128 bytes: x.c0 x.c1 y.c0 y.c1, each Montgomery LE; all zero = infinity),
/// checking range, curve equation and prime-order subgroup membership.
pub fn read_g2(bytes: &[u8]) -> Result<G2Affine, FormatError> {
    read_g2_named(bytes, "G2 point", 0)
}

/// [`read_g2`] with the item name and index to report in errors.
pub fn read_g2_named(bytes: &[u8], what: &str, index: usize) -> Result<G2Affine, FormatError> {
    if bytes.len() != G2_SIZE {
        return Err(FormatError::Truncated {
            what: format!("{what} {index}"),
            needed: G2_SIZE as u64,
            have: bytes.len() as u64,
        });
    }
    read_g2_at(bytes, what, index)
}

/// Appends `p` in the file encoding (64 bytes).
pub fn write_g1(p: &G1Affine, out: &mut Vec<u8>) {
    let n = out.len();
    out.resize(n + G1_SIZE, 0);
    g1_to_lem(p, &mut out[n..]);
}

/// Appends `p` in the file encoding (128 bytes).
pub fn write_g2(p: &G2Affine, out: &mut Vec<u8>) {
    let n = out.len();
    out.resize(n + G2_SIZE, 0);
    g2_to_lem(p, &mut out[n..]);
}

/// Writes `p` in the file encoding into `out[..64]`.
#[inline]
pub fn g1_to_lem(p: &G1Affine, out: &mut [u8]) {
    if p.is_zero() {
        out[..G1_SIZE].fill(0);
        return;
    }
    fq_to_lem(&p.x, &mut out[0..32]);
    fq_to_lem(&p.y, &mut out[32..64]);
}

/// Writes `p` in the file encoding into `out[..128]`.
#[inline]
pub fn g2_to_lem(p: &G2Affine, out: &mut [u8]) {
    if p.is_zero() {
        out[..G2_SIZE].fill(0);
        return;
    }
    fq_to_lem(&p.x.c0, &mut out[0..32]);
    fq_to_lem(&p.x.c1, &mut out[32..64]);
    fq_to_lem(&p.y.c0, &mut out[64..96]);
    fq_to_lem(&p.y.c1, &mut out[96..128]);
}

/// Reads consecutive G1 points in parallel. `what` names the vector in errors; the error is the
/// one of the first bad point.
pub fn read_g1_vec(bytes: &[u8], what: &'static str) -> Result<Vec<G1Affine>, FormatError> {
    read_g1_vec_named(bytes, what)
}

/// [`read_g1_vec`] with a runtime name.
pub fn read_g1_vec_named(bytes: &[u8], what: &str) -> Result<Vec<G1Affine>, FormatError> {
    check_len(bytes, G1_SIZE, what)?;
    let res: Result<Vec<G1Affine>, ()> =
        bytes.par_chunks_exact(G1_SIZE).enumerate().map(|(i, c)| read_g1_at(c, what, i).map_err(|_| ())).collect();
    match res {
        Ok(v) => Ok(v),
        Err(()) => Err(first_error(bytes, G1_SIZE, |c, i| read_g1_at(c, what, i).err())),
    }
}

/// Reads consecutive G2 points in parallel, with subgroup checks. The error is the one of the
/// first bad point.
pub fn read_g2_vec(bytes: &[u8], what: &'static str) -> Result<Vec<G2Affine>, FormatError> {
    read_g2_vec_named(bytes, what)
}

/// Reads G2 points checking coordinates and the curve equation but not the prime-order subgroup
/// (0.32 ms a point): for sections that are compared with trusted points before use.
pub fn read_g2_vec_on_curve(bytes: &[u8], what: &str) -> Result<Vec<G2Affine>, FormatError> {
    check_len(bytes, G2_SIZE, what)?;
    let res: Result<Vec<G2Affine>, ()> = bytes
        .par_chunks_exact(G2_SIZE)
        .enumerate()
        .map(|(i, c)| read_g2_unchecked_subgroup(c, what, i).map_err(|_| ()))
        .collect();
    match res {
        Ok(v) => Ok(v),
        Err(()) => Err(first_error(bytes, G2_SIZE, |c, i| read_g2_unchecked_subgroup(c, what, i).err())),
    }
}

/// [`read_g2_vec`] with a runtime name.
pub fn read_g2_vec_named(bytes: &[u8], what: &str) -> Result<Vec<G2Affine>, FormatError> {
    check_len(bytes, G2_SIZE, what)?;
    let res: Result<Vec<G2Affine>, ()> =
        bytes.par_chunks_exact(G2_SIZE).enumerate().map(|(i, c)| read_g2_at(c, what, i).map_err(|_| ())).collect();
    match res {
        Ok(v) => Ok(v),
        Err(()) => Err(first_error(bytes, G2_SIZE, |c, i| read_g2_at(c, what, i).err())),
    }
}

fn first_error(bytes: &[u8], size: usize, check: impl Fn(&[u8], usize) -> Option<FormatError> + Sync) -> FormatError {
    bytes.par_chunks_exact(size).enumerate().find_map_first(|(i, c)| check(c, i)).unwrap_or_else(|| {
        FormatError::Invalid { what: "point vector".into(), reason: "inconsistent validation".into() }
    })
}

/// Appends `ps` in the file encoding, in parallel.
pub fn write_g1_vec(ps: &[G1Affine], out: &mut Vec<u8>) {
    let n = out.len();
    out.resize(n + ps.len() * G1_SIZE, 0);
    out[n..].par_chunks_exact_mut(G1_SIZE).zip(ps.par_iter()).for_each(|(o, p)| g1_to_lem(p, o));
}

/// Appends `ps` in the file encoding, in parallel.
pub fn write_g2_vec(ps: &[G2Affine], out: &mut Vec<u8>) {
    let n = out.len();
    out.resize(n + ps.len() * G2_SIZE, 0);
    out[n..].par_chunks_exact_mut(G2_SIZE).zip(ps.par_iter()).for_each(|(o, p)| g2_to_lem(p, o));
}

/// ffjavascript's `toRprUncompressed` of a G1 point: `x BE || y BE` in standard form; infinity is
/// 64 zero bytes (no flag bit).
pub fn g1_uncompressed(p: &G1Affine) -> [u8; 64] {
    let mut out = [0u8; 64];
    if !p.is_zero() {
        fq_to_be(&p.x, &mut out[0..32]);
        fq_to_be(&p.y, &mut out[32..64]);
    }
    out
}

/// ffjavascript's `toRprUncompressed` of a G2 point: `x.c1 x.c0 y.c1 y.c0`, each 32 bytes BE in
/// standard form; infinity is 128 zero bytes.
pub fn g2_uncompressed(p: &G2Affine) -> [u8; 128] {
    let mut out = [0u8; 128];
    if !p.is_zero() {
        fq_to_be(&p.x.c1, &mut out[0..32]);
        fq_to_be(&p.x.c0, &mut out[32..64]);
        fq_to_be(&p.y.c1, &mut out[64..96]);
        fq_to_be(&p.y.c0, &mut out[96..128]);
    }
    out
}

/// A scalar as 32 bytes little-endian, standard (non-Montgomery) form, as in `.r1cs` files.
pub fn fr_to_le(x: &Fr) -> [u8; 32] {
    let mut out = [0u8; 32];
    put_limbs_le(&x.into_bigint().0, &mut out);
    out
}

/// Reads a scalar from 32 bytes little-endian standard form, rejecting values `>= r`.
pub fn fr_from_le(b: &[u8]) -> Result<Fr, FormatError> {
    if b.len() != FIELD_SIZE {
        return Err(FormatError::Truncated { what: "Fr scalar".into(), needed: 32, have: b.len() as u64 });
    }
    Fr::from_bigint(BigInt(limbs_le(b))).ok_or(FormatError::CoordinateOutOfRange { what: "Fr scalar".into(), index: 0 })
}

/// A zkey section-4 coefficient: snarkjs stores `value * R^2 mod r` (R = 2^256) as 32 bytes LE,
/// which is the Montgomery representation of `value * R`.
pub fn fr_to_le_r2(x: &Fr) -> [u8; 32] {
    let r = Fr::new_unchecked(<ark_bn254::FrConfig as MontConfig<4>>::R2); // the element R
    let mut out = [0u8; 32];
    put_limbs_le(&(*x * r).0 .0, &mut out);
    out
}

/// Inverse of [`fr_to_le_r2`]: `None` if the stored integer is not below r.
pub fn fr_from_le_r2(b: &[u8]) -> Option<Fr> {
    if b.len() != FIELD_SIZE {
        return None;
    }
    let big = BigInt::<4>(limbs_le(b));
    if big >= <ark_bn254::FrConfig as MontConfig<4>>::MODULUS {
        return None;
    }
    // new_unchecked(big) is big * R^-1; times R^-1 (Montgomery repr 1) gives big * R^-2.
    Some(Fr::new_unchecked(big) * Fr::new_unchecked(BigInt::one()))
}

/// The BN254 base-field modulus q, 32 bytes little-endian.
pub fn fq_modulus_le() -> [u8; 32] {
    let mut out = [0u8; 32];
    put_limbs_le(&<ark_bn254::FqConfig as MontConfig<4>>::MODULUS.0, &mut out);
    out
}

/// The BN254 scalar-field modulus r, 32 bytes little-endian.
pub fn fr_modulus_le() -> [u8; 32] {
    let mut out = [0u8; 32];
    put_limbs_le(&<ark_bn254::FrConfig as MontConfig<4>>::MODULUS.0, &mut out);
    out
}

/// Big-endian hex of a little-endian integer, leading zeros stripped (for error messages).
pub fn le_to_hex(le: &[u8]) -> String {
    let be: Vec<u8> = le.iter().rev().copied().collect();
    let h = hex::encode(be);
    let t = h.trim_start_matches('0');
    if t.is_empty() {
        "0".to_string()
    } else {
        t.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_ec::CurveGroup;
    use ark_ff::{Field, UniformRand};

    #[test]
    fn round_trips() {
        let mut rng = ark_std::test_rng();
        for _ in 0..20 {
            let p = (G1Affine::generator() * Fr::rand(&mut rng)).into_affine();
            let q = (G2Affine::generator() * Fr::rand(&mut rng)).into_affine();
            let mut b = Vec::new();
            write_g1(&p, &mut b);
            write_g2(&q, &mut b);
            assert_eq!(read_g1(&b[..64]).unwrap(), p);
            assert_eq!(read_g2(&b[64..]).unwrap(), q);
            let s = Fr::rand(&mut rng);
            assert_eq!(fr_from_le(&fr_to_le(&s)).unwrap(), s);
            assert_eq!(fr_from_le_r2(&fr_to_le_r2(&s)).unwrap(), s);
        }
        let mut b = Vec::new();
        write_g1(&G1Affine::identity(), &mut b);
        write_g2(&G2Affine::identity(), &mut b);
        assert!(b.iter().all(|&x| x == 0));
        assert!(read_g1(&b[..64]).unwrap().is_zero());
        assert!(read_g2(&b[64..]).unwrap().is_zero());
        assert_eq!(g1_uncompressed(&G1Affine::identity()), [0u8; 64]);
        // Generator of G1 is (1, 2): uncompressed is 1 BE || 2 BE; LEM is R mod q, 2R mod q.
        let u = g1_uncompressed(&G1Affine::generator());
        assert_eq!(u[31], 1);
        assert_eq!(u[63], 2);
        assert!(u[..31].iter().all(|&x| x == 0));
        // R^2 form: 1 is stored as R^2 mod r.
        let one = fr_to_le_r2(&Fr::ONE);
        let r2 = <ark_bn254::FrConfig as MontConfig<4>>::R2;
        assert_eq!(BigInt(limbs_le(&one)), r2);
        // Errors name the first bad index.
        let mut v = Vec::new();
        write_g1_vec(&[G1Affine::generator(); 5], &mut v);
        v[3 * 64] ^= 1;
        v[4 * 64] ^= 1;
        assert_eq!(read_g1_vec(&v, "t"), Err(FormatError::NotOnCurve { what: "t".into(), index: 3 }));
        v[3 * 64..3 * 64 + 32].fill(0xff);
        assert_eq!(read_g1_vec(&v, "t"), Err(FormatError::CoordinateOutOfRange { what: "t".into(), index: 3 }));
        // A G2 point on the curve but outside the subgroup.
        let mut x = Fq2::from(1u64);
        let bad = loop {
            if let Some(p) = G2Affine::get_point_from_x_unchecked(x, false) {
                if !p.is_in_correct_subgroup_assuming_on_curve() {
                    break p;
                }
            }
            x += Fq2::ONE;
        };
        let mut v = Vec::new();
        write_g2_vec(&[G2Affine::generator(), bad], &mut v);
        assert_eq!(read_g2_vec(&v, "b2"), Err(FormatError::NotInSubgroup { what: "b2".into(), index: 1 }));
    }
}
