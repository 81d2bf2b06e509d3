//! The `.r1cs`, `.ptau` and `.zkey` readers and writers against files made by snarkjs 0.7.6.
//!
//! Data in `tests/data/formats/` comes from `make_data.sh` there: the two toy `.r1cs` files are
//! written by [`R1cs::to_bytes`] (test `write_toy_r1cs`), everything else by snarkjs. Some tests
//! run snarkjs itself: it is found through `$VERINFER_SNARKJS`, else in
//! `~/.cache/verinfer/npm` (install it with `scripts/install-npm.sh`).

use ark_bn254::{Fq, Fq2, Fr, G1Affine, G2Affine};
use ark_ec::AffineRepr;
use ark_ff::{Field, PrimeField};
use blake2::{Blake2b512, Digest};
use std::path::{Path, PathBuf};
use std::process::Command;
use verinfer_ceremony::format_error::{hermez_ptau_file_name, prepared_ptau_size_without_contributions};
use verinfer_ceremony::point::{self, g1_uncompressed};
use verinfer_ceremony::ptau::Ptau;
use verinfer_ceremony::r1cs::R1cs;
use verinfer_ceremony::zkey::{ContributionKind, Zkey};
use verinfer_ceremony::FormatError;

fn data_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/formats")
}

fn read(name: &str) -> Vec<u8> {
    let p = data_dir().join(name);
    std::fs::read(&p)
        .unwrap_or_else(|e| panic!("{}: {e} (regenerate with tests/data/formats/make_data.sh)", p.display()))
}

fn snarkjs() -> PathBuf {
    if let Some(p) = std::env::var_os("VERINFER_SNARKJS") {
        let p = PathBuf::from(p);
        assert!(p.exists(), "VERINFER_SNARKJS={} does not exist; run scripts/install-npm.sh", p.display());
        return p;
    }
    let home = std::env::var_os("HOME").expect("HOME is not set");
    let p = Path::new(&home).join(".cache/verinfer/npm/node_modules/.bin/snarkjs");
    assert!(
        p.exists(),
        "snarkjs 0.7.6 not found at {} and VERINFER_SNARKJS is not set: run scripts/install-npm.sh \
         (or export VERINFER_SNARKJS=\"$(scripts/install-snarkjs.sh)\")",
        p.display()
    );
    p
}

fn run_snarkjs(args: &[&str]) -> String {
    let out = Command::new(snarkjs()).args(args).output().expect("cannot run snarkjs");
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "snarkjs {args:?} failed:\n{text}");
    text
}

fn tmp_dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("verinfer-formats-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    d
}

type Matrix = Vec<Vec<(Fr, usize)>>;

fn f(x: i64) -> Fr {
    if x < 0 {
        -Fr::from((-x) as u64)
    } else {
        Fr::from(x as u64)
    }
}

/// x * y = z with public inputs x, y; unsorted rows, a duplicate term and a zero sum to exercise
/// the normalisation. Variables: 0 ONE, 1 x, 2 y, 3 z, 4 w.
fn toy_matrices() -> (usize, usize, Matrix, Matrix, Matrix) {
    let a = vec![vec![(f(1), 1)], vec![(f(1), 3), (f(2), 0)], vec![(f(1), 4), (f(5), 2), (f(-5), 2)]];
    let b = vec![vec![(f(1), 2)], vec![(f(1), 1), (f(1), 1)], vec![(f(1), 0)]];
    let c = vec![vec![(f(1), 3)], vec![(f(1), 4)], vec![(f(1), 4)]];
    (3, 2, a, b, c)
}

fn toy_r1cs() -> R1cs {
    let (ni, nw, a, b, c) = toy_matrices();
    R1cs::from_matrices(ni, nw, &a, &b, &c)
}

/// A chain of 10 constraints (w0 = x y, w_{i+1} = w_i^2 + x) with 2 public inputs: domain 16,
/// the largest a power-4 ptau can serve (snarkjs then takes H from section 12's 2^(p+1) basis).
fn toy16_r1cs() -> R1cs {
    let (mut a, mut b, mut c): (Matrix, Matrix, Matrix) = (vec![], vec![], vec![]);
    a.push(vec![(f(1), 1)]);
    b.push(vec![(f(1), 2)]);
    c.push(vec![(f(1), 3)]);
    for i in 0..9 {
        let w = 3 + i;
        a.push(vec![(f(1), w)]);
        b.push(vec![(f(1), w)]);
        c.push(vec![(f(1), w + 1), (f(-1), 1)]);
    }
    R1cs::from_matrices(3, 10, &a, &b, &c)
}

/// Writes `toy.r1cs` and `toy16.r1cs` (run by make_data.sh).
#[test]
#[ignore = "writes the test data; run by tests/data/formats/make_data.sh"]
fn write_toy_r1cs() {
    std::fs::create_dir_all(data_dir()).unwrap();
    std::fs::write(data_dir().join("toy.r1cs"), toy_r1cs().to_bytes()).unwrap();
    std::fs::write(data_dir().join("toy16.r1cs"), toy16_r1cs().to_bytes()).unwrap();
}

fn normalized_expected() -> Vec<[Vec<(u32, Fr)>; 3]> {
    vec![
        [vec![(1, f(1))], vec![(2, f(1))], vec![(3, f(1))]],
        [vec![(0, f(2)), (3, f(1))], vec![(1, f(2))], vec![(4, f(1))]],
        [vec![(4, f(1))], vec![(0, f(1))], vec![(4, f(1))]],
    ]
}

#[test]
fn r1cs_from_matrices_normalizes() {
    let r = toy_r1cs();
    assert_eq!((r.n_wires, r.n_pub_out, r.n_pub_in, r.n_prv_in, r.n_labels), (5, 0, 2, 0, 5));
    assert_eq!(r.n_public(), 2);
    let got: Vec<[Vec<(u32, Fr)>; 3]> = r.constraints.iter().map(|c| [c.a.clone(), c.b.clone(), c.c.clone()]).collect();
    assert_eq!(got, normalized_expected());
}

#[test]
fn r1cs_files_round_trip_and_snarkjs_reads_them() {
    for (name, r) in [("toy.r1cs", toy_r1cs()), ("toy16.r1cs", toy16_r1cs())] {
        let file = read(name);
        assert_eq!(r.to_bytes(), file, "{name}: R1cs::to_bytes differs from the committed file");
        assert_eq!(R1cs::from_bytes(&file).unwrap(), r, "{name}");
    }

    // snarkjs reads what we write: counts from `r1cs info`, constraints from `r1cs export json`.
    let dir = tmp_dir("r1cs");
    let path = dir.join("toy.r1cs");
    std::fs::write(&path, toy_r1cs().to_bytes()).unwrap();
    let info = run_snarkjs(&["r1cs", "info", path.to_str().unwrap()]);
    for line in [
        "Curve: bn-128",
        "# of Wires: 5",
        "# of Constraints: 3",
        "# of Private Inputs: 0",
        "# of Public Inputs: 2",
        "# of Labels: 5",
        "# of Outputs: 0",
    ] {
        assert!(info.contains(line), "snarkjs r1cs info lacks {line:?}:\n{info}");
    }
    let json_path = dir.join("toy.json");
    run_snarkjs(&["r1cs", "export", "json", path.to_str().unwrap(), json_path.to_str().unwrap()]);
    let json: serde_json::Value = serde_json::from_slice(&std::fs::read(&json_path).unwrap()).unwrap();
    assert_eq!(json["nVars"], 5);
    assert_eq!(json["nPubInputs"], 2);
    assert_eq!(json["map"], serde_json::json!([0, 1, 2, 3, 4]));
    let constraints = json["constraints"].as_array().unwrap();
    assert_eq!(constraints.len(), 3);
    for (c, expected) in constraints.iter().zip(normalized_expected()) {
        for (lc, terms) in c.as_array().unwrap().iter().zip(expected) {
            let lc = lc.as_object().unwrap();
            assert_eq!(lc.len(), terms.len());
            for (wire, coef) in terms {
                assert_eq!(lc[&wire.to_string()].as_str().unwrap(), coef.into_bigint().to_string());
            }
        }
    }
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn r1cs_errors() {
    let file = read("toy.r1cs");
    // The prime is at bytes 12 (file header) + 12 (section header) + 4 (n8) = 28.
    let mut bls = file.clone();
    let bls_r = hex::decode("73eda753299d7d483339d80809a1d80553bda402fffe5bfeffffffff00000001").unwrap();
    bls[28..60].copy_from_slice(&bls_r.iter().rev().copied().collect::<Vec<_>>());
    match R1cs::from_bytes(&bls) {
        Err(e @ FormatError::WrongCurve { .. }) => assert!(e.to_string().contains("BLS12-381"), "{e}"),
        other => panic!("expected WrongCurve, got {other:?}"),
    }
    // The first wire id of constraint 0 (after header section 12 + 64 and section 2's header 12, then n).
    let mut bad = file.clone();
    let p = 12 + 12 + 64 + 12 + 4;
    assert_eq!(&bad[p..p + 4], &1u32.to_le_bytes());
    bad[p..p + 4].copy_from_slice(&5u32.to_le_bytes());
    assert!(matches!(R1cs::from_bytes(&bad), Err(FormatError::Invalid { .. })), "{:?}", R1cs::from_bytes(&bad));
    bad[p + 4..p + 36].fill(0xff);
    bad[p..p + 4].copy_from_slice(&1u32.to_le_bytes());
    assert_eq!(
        R1cs::from_bytes(&bad),
        Err(FormatError::CoordinateOutOfRange { what: "r1cs constraint coefficient".into(), index: 0 })
    );
    let mut magic = file.clone();
    magic[0] = b'x';
    assert!(matches!(R1cs::from_bytes(&magic), Err(FormatError::BadMagic { .. })));
    for n in 0..file.len() {
        assert!(R1cs::from_bytes(&file[..n]).is_err(), "prefix of {n} bytes accepted");
    }
    let file = read("toy16.r1cs");
    for i in 0..file.len() {
        let mut b = file.clone();
        b[i] ^= 1 << (i % 8);
        let _ = R1cs::from_bytes(&b); // must not panic
    }
}

fn g1_sum(ps: &[G1Affine]) -> G1Affine {
    use ark_ec::CurveGroup;
    ps.iter().fold(ark_bn254::G1Projective::default(), |acc, p| acc + p).into_affine()
}

fn g2_sum(ps: &[G2Affine]) -> G2Affine {
    use ark_ec::CurveGroup;
    ps.iter().fold(ark_bn254::G2Projective::default(), |acc, p| acc + p).into_affine()
}

#[test]
fn ptau_reads_snarkjs_file() {
    let bytes = read("pot4_final.ptau");
    let p = Ptau::parse(&bytes).unwrap();
    assert_eq!((p.power, p.ceremony_power), (4, 4));
    assert!(p.is_prepared());
    assert_eq!(p.n_contributions().unwrap(), 1);
    // The size formula behind TooFewPowers' download size, against a real prepared file.
    let contributions = p.bin().section(7).unwrap().len() as u64;
    assert_eq!(bytes.len() as u64, prepared_ptau_size_without_contributions(4) + contributions);
    assert_eq!(p.bin().section_ids(), vec![1, 2, 3, 4, 5, 6, 7, 12, 13, 14, 15]);

    assert_eq!(p.tau_g1(0, 1).unwrap()[0], G1Affine::generator());
    assert_eq!(p.tau_g2(0, 1).unwrap()[0], G2Affine::generator());
    assert_eq!(p.tau_g1(0, 31).unwrap().len(), 31);
    assert!(p.tau_g1(0, 32).is_err());
    let alpha = p.alpha_g1().unwrap();
    let beta = p.beta_g1().unwrap();
    let beta2 = p.beta_g2().unwrap();
    // sum_i L_i(tau) = 1 for every domain: the Lagrange sections sum to g, alpha g, beta g.
    for k in 0..=4 {
        let n = 1usize << k;
        assert_eq!(g1_sum(&p.lagrange_tau_g1(n).unwrap()), G1Affine::generator(), "domain {n}");
        assert_eq!(g2_sum(&p.lagrange_tau_g2(n).unwrap()), G2Affine::generator(), "domain {n}");
        assert_eq!(g1_sum(&p.lagrange_alpha_tau_g1(n).unwrap()), alpha, "domain {n}");
        assert_eq!(g1_sum(&p.lagrange_beta_tau_g1(n).unwrap()), beta, "domain {n}");
        assert_eq!(p.h_bases(n).unwrap().len(), n);
    }
    // The G2 encoding is c0 || c1: beta in G2 pairs like beta in G1.
    use ark_ec::pairing::Pairing;
    assert_eq!(
        ark_bn254::Bn254::pairing(beta, G2Affine::generator()),
        ark_bn254::Bn254::pairing(G1Affine::generator(), beta2)
    );
}

#[test]
fn ptau_errors() {
    let bls = read("bls12381_pot4_0000.ptau");
    match Ptau::parse(&bls) {
        Err(e @ FormatError::WrongCurve { .. }) => {
            assert!(e.to_string().contains("BLS12-381 base field"), "{e}");
        }
        other => panic!("expected WrongCurve, got {other:?}"),
    }

    let raw = read("pot4_0001.ptau");
    let p = Ptau::parse(&raw).unwrap();
    assert!(!p.is_prepared());
    assert_eq!(p.check_phase2(8), Err(FormatError::NotPreparedForPhase2));
    assert_eq!(p.h_bases(8), Err(FormatError::NotPreparedForPhase2));
    assert!(p.alpha_g1().is_ok());

    let bytes = read("pot4_final.ptau");
    let p = Ptau::parse(&bytes).unwrap();
    assert_eq!(p.check_phase2(16), Ok(()));
    assert_eq!(
        p.check_phase2(32),
        Err(FormatError::TooFewPowers {
            needed_power: 5,
            have_power: 4,
            download: "powersOfTau28_hez_final_08.ptau".into()
        })
    );
    assert!(matches!(p.lagrange_tau_g1(64), Err(FormatError::TooFewPowers { needed_power: 6, .. })));
    let e = p.check_phase2(1 << 15).unwrap_err();
    assert_eq!(e, FormatError::TooFewPowers { needed_power: 15, have_power: 4, download: hermez_ptau_file_name(15) });
    let msg = e.to_string();
    assert!(msg.contains("2^15") && msg.contains("powersOfTau28_hez_final_15.ptau") && msg.contains("~38 MB"), "{msg}");
    assert!(matches!(p.check_phase2(12), Err(FormatError::Invalid { .. })));
    assert!(matches!(p.check_phase2(0), Err(FormatError::Invalid { .. })));
}

/// Reads every point of a ptau file.
fn read_all_ptau(p: &Ptau) -> Result<(), FormatError> {
    let n = 1usize << p.power;
    p.tau_g1(0, 2 * n - 1)?;
    p.tau_g2(0, n)?;
    let _ = (p.alpha_g1()?, p.beta_g1()?, p.beta_g2()?);
    point::read_g1_vec(p.bin().section(4)?, "alphaTauG1")?;
    point::read_g1_vec(p.bin().section(5)?, "betaTauG1")?;
    point::read_g1_vec(p.bin().section(12)?, "12")?;
    point::read_g2_vec(p.bin().section(13)?, "13")?;
    point::read_g1_vec(p.bin().section(14)?, "14")?;
    point::read_g1_vec(p.bin().section(15)?, "15")?;
    p.check_phase2(n)?;
    p.n_contributions()?;
    Ok(())
}

#[test]
fn ptau_truncated_or_flipped() {
    let bytes = read("pot4_final.ptau");
    read_all_ptau(&Ptau::parse(&bytes).unwrap()).unwrap();
    for n in 0..bytes.len() {
        assert!(Ptau::parse(&bytes[..n]).is_err(), "prefix of {n} bytes accepted");
    }
    let f = Ptau::parse(&bytes).unwrap();
    // Section 7 is only checked for its framing (the points, hashes and names in it are not read),
    // and the ceremony power is informative.
    let s7 = f.bin().section_offset(7).unwrap();
    let s7_end = s7 + f.bin().section(7).unwrap().len();
    let ceremony_power = f.bin().section_offset(1).unwrap() + 4 + 32 + 4;
    for i in (0..bytes.len()).step_by(29) {
        let mut b = bytes.clone();
        b[i] ^= 1 << (i % 8);
        let res = Ptau::parse(&b).and_then(|p| read_all_ptau(&p));
        let free = (s7 + 4..s7_end).contains(&i) || (ceremony_power..ceremony_power + 4).contains(&i);
        if !free {
            assert!(res.is_err(), "flip at byte {i} accepted");
        }
    }
}

fn hash_from_log(log: &str, label: &str, nth: usize) -> Vec<u8> {
    let start = log.match_indices(label).nth(nth).unwrap_or_else(|| panic!("no {label:?} in log")).0 + label.len();
    let hexs: String = log[start..].split_whitespace().take(16).collect::<Vec<_>>().concat();
    hex::decode(hexs).unwrap()
}

fn blake(parts: &[&[u8]]) -> Vec<u8> {
    let mut h = Blake2b512::new();
    for p in parts {
        h.update(p);
    }
    h.finalize().to_vec()
}

fn fq(s: &serde_json::Value) -> Fq {
    use std::str::FromStr;
    Fq::from_str(s.as_str().unwrap()).unwrap()
}

fn json_g1(v: &serde_json::Value) -> G1Affine {
    assert_eq!(v[2], "1");
    G1Affine::new(fq(&v[0]), fq(&v[1]))
}

fn json_g2(v: &serde_json::Value) -> G2Affine {
    assert_eq!(v[2], serde_json::json!(["1", "0"]));
    G2Affine::new(Fq2::new(fq(&v[0][0]), fq(&v[0][1])), Fq2::new(fq(&v[1][0]), fq(&v[1][1])))
}

#[test]
fn zkeys_round_trip_byte_for_byte() {
    for name in ["toy_0000.zkey", "toy_0001.zkey", "toy_final.zkey", "toy16_0000.zkey"] {
        let bytes = read(name);
        let z = Zkey::from_bytes(&bytes).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(z.encoded_len(), bytes.len(), "{name}");
        assert!(z.to_bytes() == bytes, "{name}: to_bytes differs from snarkjs's file");
    }
    // snarkjs's section orders.
    let order = |name: &str| verinfer_ceremony::binfile::BinFile::parse(&read(name), b"zkey").unwrap().section_ids();
    assert_eq!(order("toy_0000.zkey"), vec![1, 2, 4, 3, 9, 8, 5, 6, 7, 10]);
    assert_eq!(order("toy_final.zkey"), vec![1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
}

#[test]
fn zkey_content_matches_snarkjs() {
    let ptau_bytes = read("pot4_final.ptau");
    let ptau = Ptau::parse(&ptau_bytes).unwrap();
    let z0 = Zkey::from_bytes(&read("toy_0000.zkey")).unwrap();
    let z1 = Zkey::from_bytes(&read("toy_0001.zkey")).unwrap();
    let z2 = Zkey::from_bytes(&read("toy_final.zkey")).unwrap();
    let z16 = Zkey::from_bytes(&read("toy16_0000.zkey")).unwrap();
    assert_eq!((z0.n_vars, z0.n_public, z0.domain_size), (5, 2, 8));
    assert_eq!((z16.n_vars, z16.n_public, z16.domain_size), (13, 2, 16));

    // Header points come from the ptau; gamma and the initial delta are the generators.
    for z in [&z0, &z16] {
        assert_eq!(z.alpha1, ptau.alpha_g1().unwrap());
        assert_eq!(z.beta1, ptau.beta_g1().unwrap());
        assert_eq!(z.beta2, ptau.beta_g2().unwrap());
        assert_eq!(z.gamma2, G2Affine::generator());
        assert_eq!((z.delta1, z.delta2), (G1Affine::generator(), G2Affine::generator()));
        assert!(z.contributions.is_empty());
        // H before any contribution: the odd points of the 2n Lagrange basis.
        assert_eq!(z.h, ptau.h_bases(z.domain_size as usize).unwrap());
        assert_eq!(z.c.len() as u32, z.n_vars - z.n_public - 1);
    }
    // Contributions leave IC, coefficients, A, B1, B2 alone.
    for z in [&z1, &z2] {
        assert_eq!((&z.ic, &z.coefs, &z.a, &z.b1, &z.b2), (&z0.ic, &z0.coefs, &z0.a, &z0.b1, &z0.b2));
        assert_eq!(z.cs_hash, z0.cs_hash);
        assert_eq!(z.delta1, z.contributions.last().unwrap().delta_after);
    }

    // Section 4: per r1cs constraint its A terms then its B terms (value * R^2 in the file),
    // then one A term per public signal at the input constraints.
    let r1cs = toy_r1cs();
    let mut expected = Vec::new();
    for (i, c) in r1cs.constraints.iter().enumerate() {
        for (m, lc) in [(0, &c.a), (1, &c.b)] {
            for &(s, v) in lc {
                expected.push((m, i as u32, s, v));
            }
        }
    }
    for s in 0..=r1cs.n_public() {
        expected.push((0, r1cs.constraints.len() as u32 + s, s, Fr::ONE));
    }
    let got: Vec<_> = z0.coefs.iter().map(|c| (c.matrix, c.constraint, c.signal, c.value)).collect();
    assert_eq!(got, expected);
    // Signals 3 and 4 never occur in B: snarkjs writes infinity there, as 64 / 128 zero bytes
    // (the byte-for-byte round trip above relies on it).
    assert!(z0.b1[3].is_zero() && z0.b1[4].is_zero() && z0.b2[3].is_zero() && z0.b2[4].is_zero());
    assert!(!z0.b2[0].is_zero() && !z0.b2[1].is_zero() && !z0.b2[2].is_zero());
    let s7 = find_points_offset(&read("toy_0000.zkey"), 7);
    assert!(read("toy_0000.zkey")[s7 + 3 * 128..s7 + 5 * 128].iter().all(|&b| b == 0));

    // Contributions: names, kinds, hashes printed by snarkjs, transcripts.
    let log1 = std::fs::read_to_string(data_dir().join("toy_0001.log")).unwrap();
    let log2 = std::fs::read_to_string(data_dir().join("toy_final.log")).unwrap();
    assert_eq!(z0.cs_hash.to_vec(), hash_from_log(&log1, "Circuit Hash:", 0));
    assert_eq!(z2.contributions.len(), 2);
    let (c1, c2) = (&z2.contributions[0], &z2.contributions[1]);
    assert_eq!(c1, &z1.contributions[0]);
    assert_eq!(c1.name.as_deref(), Some("first contributor – ünïcödé"));
    assert_eq!(c1.kind, ContributionKind::Contribution);
    assert_eq!(c2.name.as_deref(), Some("final beacon"));
    assert_eq!(c2.kind, ContributionKind::Beacon { hash: (1u8..=31).collect(), iterations_exp: 10 });
    assert_eq!(blake(&[&Zkey::hash_pub_key(c1)]), hash_from_log(&log1, "Contribution Hash:", 0));
    assert_eq!(blake(&[&Zkey::hash_pub_key(c2)]), hash_from_log(&log2, "Contribution Hash:", 0));
    let u = |p: &G1Affine| g1_uncompressed(p).to_vec();
    assert_eq!(c1.transcript.to_vec(), blake(&[&z0.cs_hash, &u(&c1.g1_s), &u(&c1.g1_sx)]));
    assert_eq!(c2.transcript.to_vec(), blake(&[&z0.cs_hash, &Zkey::hash_pub_key(c1), &u(&c2.g1_s), &u(&c2.g1_sx)]));

    // The verification key snarkjs exports decodes to the same points.
    let vk: serde_json::Value = serde_json::from_slice(&read("toy_final_vk.json")).unwrap();
    assert_eq!(vk["nPublic"], 2);
    assert_eq!(json_g1(&vk["vk_alpha_1"]), z2.alpha1);
    assert_eq!(json_g2(&vk["vk_beta_2"]), z2.beta2);
    assert_eq!(json_g2(&vk["vk_gamma_2"]), z2.gamma2);
    assert_eq!(json_g2(&vk["vk_delta_2"]), z2.delta2);
    let ic: Vec<G1Affine> = vk["IC"].as_array().unwrap().iter().map(json_g1).collect();
    assert_eq!(ic, z2.ic);
}

/// Byte ranges of `zkey` in which any change must be rejected: the framing, sections 1-3 and
/// 5-9, the points, counts, types and lengths of section 10 and section 4's count and matrix ids.
fn zkey_rejecting_flips(bytes: &[u8], z: &Zkey) -> Vec<std::ops::Range<usize>> {
    let f = verinfer_ceremony::binfile::BinFile::parse(bytes, b"zkey").unwrap();
    let mut r = vec![0..12];
    for id in 1..=10u32 {
        let o = f.section_offset(id).unwrap();
        let len = f.section(id).unwrap().len();
        r.push(o - 12..o);
        match id {
            4 => {
                r.push(o..o + 4);
                // The matrix id: its lowest bit may flip A <-> B, the others make it invalid.
                for i in 0..z.coefs.len() {
                    r.push(o + 4 + 44 * i + 1..o + 4 + 44 * i + 4);
                }
            }
            10 => {
                r.push(o + 64..o + 68);
                let mut p = o + 68;
                for c in &z.contributions {
                    r.push(p..p + 3 * 64 + 128);
                    p += 3 * 64 + 128 + 64;
                    r.push(p..p + 8);
                    let plen = u32::from_le_bytes(bytes[p + 4..p + 8].try_into().unwrap()) as usize;
                    p += 8 + plen;
                    let _ = c;
                }
                assert_eq!(p, o + len);
            }
            _ => r.push(o..o + len),
        }
    }
    r
}

#[test]
fn zkey_truncated_or_flipped() {
    let bytes = read("toy_final.zkey");
    let z = Zkey::from_bytes(&bytes).unwrap();
    for n in 0..bytes.len() {
        assert!(Zkey::from_bytes(&bytes[..n]).is_err(), "prefix of {n} bytes accepted");
    }
    let strict = zkey_rejecting_flips(&bytes, &z);
    let mut accepted = 0;
    for i in 0..bytes.len() {
        let mut b = bytes.clone();
        b[i] ^= 1 << (i % 8);
        match Zkey::from_bytes(&b) {
            Err(_) => {}
            Ok(zz) => {
                accepted += 1;
                assert!(!strict.iter().any(|r| r.contains(&i)), "flip at byte {i} accepted");
                // Whatever is accepted is a different key that writes back the same bytes.
                assert_ne!(zz, z, "flip at byte {i} lost");
                assert!(zz.to_bytes() == b, "flip at byte {i} not reproduced");
            }
        }
    }
    // Hashes, transcripts, names, coefficient values and indices can change validly.
    assert!(accepted > 0 && accepted < bytes.len() / 2, "{accepted} of {} flips accepted", bytes.len());
}

fn find_points_offset(bytes: &[u8], id: u32) -> usize {
    verinfer_ceremony::binfile::BinFile::parse(bytes, b"zkey").unwrap().section_offset(id).unwrap()
}

#[test]
fn zkey_errors() {
    let bytes = read("toy_final.zkey");
    let s1 = find_points_offset(&bytes, 1);
    let s2 = find_points_offset(&bytes, 2);

    let mut b = bytes.clone();
    b[s1] = 2;
    assert_eq!(Zkey::from_bytes(&b), Err(FormatError::NotGroth16 { protocol: 2 }));

    let mut b = bytes.clone();
    b[s2 + 4] ^= 2;
    assert!(matches!(Zkey::from_bytes(&b), Err(FormatError::WrongCurve { .. })));
    let mut b = bytes.clone();
    b[s2 + 4 + 32 + 4] ^= 2;
    assert!(matches!(Zkey::from_bytes(&b), Err(FormatError::WrongCurve { .. })));

    // nVars + 1: section 5 (A) is then one point short.
    let mut b = bytes.clone();
    b[s2 + 72] += 1;
    assert_eq!(
        Zkey::from_bytes(&b),
        Err(FormatError::SectionSize { kind: "zkey".into(), id: 5, expected: 6 * 64, found: 5 * 64 })
    );
    // domain size 12 is not a power of two.
    let mut b = bytes.clone();
    b[s2 + 80] = 12;
    assert!(matches!(Zkey::from_bytes(&b), Err(FormatError::Invalid { .. })));

    // A[1].x = q: out of range.
    let s5 = find_points_offset(&bytes, 5);
    let mut b = bytes.clone();
    b[s5 + 64..s5 + 96].copy_from_slice(&point::fq_modulus_le());
    assert_eq!(Zkey::from_bytes(&b), Err(FormatError::CoordinateOutOfRange { what: "zkey A".into(), index: 1 }));

    // H[2] off the curve, and the first bad point is reported.
    let s9 = find_points_offset(&bytes, 9);
    let mut b = bytes.clone();
    b[s9 + 2 * 64] ^= 1;
    b[s9 + 5 * 64] ^= 1;
    assert_eq!(Zkey::from_bytes(&b), Err(FormatError::NotOnCurve { what: "zkey H".into(), index: 2 }));

    // B2[1] on the curve but outside the prime-order subgroup.
    let mut x = Fq2::ONE;
    let bad = loop {
        if let Some(p) = G2Affine::get_point_from_x_unchecked(x, false) {
            if !p.is_in_correct_subgroup_assuming_on_curve() {
                break p;
            }
        }
        x += Fq2::ONE;
    };
    let mut enc = Vec::new();
    point::write_g2(&bad, &mut enc);
    let s7 = find_points_offset(&bytes, 7);
    let mut b = bytes.clone();
    b[s7 + 128..s7 + 256].copy_from_slice(&enc);
    // It is read (on the curve); `phase2::verify` refuses it against the recomputed initial
    // parameters (tests/phase2.rs).
    assert_eq!(Zkey::from_bytes(&b).unwrap().b2[1], bad);

    // A beacon type without its parameters, and unsorted parameters.
    let z = Zkey::from_bytes(&bytes).unwrap();
    let mut zz = z.clone();
    zz.contributions[0].name = None;
    let mut b = zz.to_bytes();
    let s10 = find_points_offset(&b, 10);
    let ty = s10 + 68 + 3 * 64 + 128 + 64;
    b[ty] = 1;
    assert!(matches!(Zkey::from_bytes(&b), Err(FormatError::Invalid { .. })));

    let mut b = bytes.clone();
    b[0] = b'p';
    assert!(matches!(Zkey::from_bytes(&b), Err(FormatError::BadMagic { .. })));
    let mut b = bytes.clone();
    b.push(0);
    assert!(matches!(Zkey::from_bytes(&b), Err(FormatError::Invalid { .. })));
    assert!(matches!(Zkey::from_bytes(&read("pot4_final.ptau")), Err(FormatError::BadMagic { .. })));
}

#[test]
fn zkey_writer_follows_snarkjs_for_names() {
    let mut z = Zkey::from_bytes(&read("toy_final.zkey")).unwrap();
    z.contributions[0].name = Some("y".repeat(100));
    let back = Zkey::from_bytes(&z.to_bytes()).unwrap();
    assert_eq!(back.contributions[0].name, Some("y".repeat(64)));
    z.contributions[0].name = Some(String::new());
    let back = Zkey::from_bytes(&z.to_bytes()).unwrap();
    assert_eq!(back.contributions[0].name, None);
}

/// A larger synthetic key: parallel parse and write stay fast (timings with --nocapture).
#[test]
fn zkey_large_round_trip() {
    use ark_ec::CurveGroup;
    let mut z = Zkey::from_bytes(&read("toy_final.zkey")).unwrap();
    let g1: Vec<G1Affine> = (1..=64u64).map(|i| (G1Affine::generator() * Fr::from(i)).into_affine()).collect();
    let g2: Vec<G2Affine> = (1..=64u64).map(|i| (G2Affine::generator() * Fr::from(i)).into_affine()).collect();
    // B2 of real keys is mostly infinity (signals never in B): one point in 8 here.
    let n = 1 << 16;
    z.n_vars = n as u32;
    z.domain_size = 1 << 17;
    z.a = (0..n).map(|i| g1[i % 64]).collect();
    z.b1 = z.a.clone();
    z.b2 = (0..n).map(|i| if i % 8 == 0 { g2[i % 64] } else { G2Affine::identity() }).collect();
    z.c = z.a[..n - 3].to_vec();
    z.h = (0..1 << 17).map(|i| g1[i % 64]).collect();
    let t = std::time::Instant::now();
    let bytes = z.to_bytes();
    let write = t.elapsed();
    let t = std::time::Instant::now();
    let back = Zkey::from_bytes(&bytes).unwrap();
    let parse = t.elapsed();
    assert!(back == z);
    println!("{} MB: to_bytes {write:?}, from_bytes {parse:?}", bytes.len() >> 20);
}
