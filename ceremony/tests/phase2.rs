//! Phase 2 against files snarkjs 0.7.6 made (tests/data/formats/make_data.sh): our initial
//! parameters equal `snarkjs groth16 setup`'s, our beacon equals `snarkjs zkey beacon`'s byte for
//! byte, our verifier accepts snarkjs's ceremony and refuses each kind of tampering.
use ark_bn254::{Fr, G1Affine, G2Affine};
use ark_ec::{AffineRepr, CurveGroup};
use std::path::PathBuf;
use verinfer_ceremony::phase2::{self, CeremonyError};
use verinfer_ceremony::ptau::Ptau;
use verinfer_ceremony::r1cs::R1cs;
use verinfer_ceremony::rng::{contribution_rng, format_hash};
use verinfer_ceremony::zkey::Zkey;
use verinfer_ceremony::FormatError;

fn data(name: &str) -> Vec<u8> {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/formats").join(name);
    std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

fn zkey(name: &str) -> Zkey {
    Zkey::from_bytes(&data(name)).unwrap()
}

fn init(r1cs: &str) -> Zkey {
    let ptau = data("pot4_final.ptau");
    phase2::new_zkey(&R1cs::from_bytes(&data(r1cs)).unwrap(), &Ptau::parse(&ptau).unwrap()).unwrap()
}

#[test]
fn initial_parameters_equal_snarkjs_groth16_setup() {
    for (r1cs, zk) in [("toy.r1cs", "toy_0000.zkey"), ("toy16.r1cs", "toy16_0000.zkey")] {
        let ours = init(r1cs);
        let theirs = zkey(zk);
        assert_eq!(ours, theirs, "{r1cs}");
        assert_eq!(ours.to_bytes(), data(zk), "{r1cs}: byte for byte");
    }
}

#[test]
fn our_beacon_is_snarkjs_beacon_byte_for_byte() {
    let beacon = hex::decode("0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f").unwrap();
    let (ours, hash) = phase2::beacon(&zkey("toy_0001.zkey"), &beacon, 10, Some("final beacon".into())).unwrap();
    assert_eq!(ours.to_bytes(), data("toy_final.zkey"));
    let log = String::from_utf8(data("toy_final.log")).unwrap();
    assert!(log.contains(&format_hash(&hash)), "snarkjs printed another contribution hash:\n{log}");
}

#[test]
fn snarkjs_ceremony_verifies_and_prints_snarkjs_hashes() {
    let v = phase2::verify(&zkey("toy_final.zkey"), &init("toy.r1cs")).unwrap();
    assert_eq!(v.contributions.len(), 2);
    assert!(v.contributions[1].beacon.is_some() && v.contributions[0].beacon.is_none());
    let log = String::from_utf8(data("toy_0001.log")).unwrap();
    assert!(log.contains(&format_hash(&v.contributions[0].hash)), "{log}");
}

#[test]
fn our_contribution_verifies_and_chains() {
    let base = zkey("toy_final.zkey");
    let (next, hash) = phase2::contribute(&base, &mut contribution_rng(&[7; 64], "test"), Some("ours".into()));
    let v = phase2::verify(&next, &init("toy.r1cs")).unwrap();
    assert_eq!(v.contributions.len(), 3);
    assert_eq!(v.contributions[2].hash, hash);
    assert_ne!(next.delta1, base.delta1);
    // Round trip through the file format.
    let back = Zkey::from_bytes(&next.to_bytes()).unwrap();
    assert_eq!(back, next);
}

fn refused(z: &Zkey) -> CeremonyError {
    phase2::verify(z, &init("toy.r1cs")).expect_err("a tampered ceremony must be refused")
}

#[test]
fn a_wrong_proof_of_knowledge_is_refused() {
    let mut z = zkey("toy_final.zkey");
    z.contributions[0].g1_sx = (z.contributions[0].g1_sx + G1Affine::generator()).into_affine();
    assert!(matches!(refused(&z), CeremonyError::InvalidContribution { index: 1, .. }));
    // A consistent public key for another secret, without re-deriving the transcript.
    let mut z = zkey("toy_final.zkey");
    let x = Fr::from(5u64);
    z.contributions[0].g2_spx = (z.contributions[0].g2_spx * x).into_affine();
    assert!(matches!(refused(&z), CeremonyError::InvalidContribution { index: 1, .. }));
}

#[test]
fn a_swapped_delta_is_refused() {
    let mut z = zkey("toy_final.zkey");
    let x = Fr::from(3u64);
    z.delta1 = (z.delta1 * x).into_affine();
    z.delta2 = (z.delta2 * x).into_affine();
    assert!(matches!(refused(&z), CeremonyError::InvalidParameters(_)));
    let mut z = zkey("toy_final.zkey");
    z.delta2 = (G2Affine::generator() * x).into_affine();
    assert!(matches!(refused(&z), CeremonyError::InvalidParameters(_)));
}

#[test]
fn an_l_or_h_section_not_divided_by_delta_is_refused() {
    for section in ["L", "H"] {
        let mut z = zkey("toy_final.zkey");
        let s = if section == "L" { &mut z.c } else { &mut z.h };
        s[0] = (s[0] + G1Affine::generator()).into_affine();
        assert!(matches!(refused(&z), CeremonyError::InvalidParameters(m) if m.contains(section)));
    }
}

#[test]
fn a_zkey_for_another_circuit_is_refused() {
    let z = zkey("toy_final.zkey");
    assert!(matches!(phase2::verify(&z, &init("toy16.r1cs")), Err(CeremonyError::WrongCircuit(_))));
    let mut z = zkey("toy_final.zkey");
    z.a[1] = (z.a[1] + G1Affine::generator()).into_affine();
    assert!(matches!(refused(&z), CeremonyError::WrongCircuit(m) if m.contains("section A")));
}

#[test]
fn a_forged_beacon_is_refused() {
    // Re-label the secret contribution as a beacon: its key is not what the beacon derives.
    let mut z = zkey("toy_final.zkey");
    let kind = z.contributions[1].kind.clone();
    z.contributions[0].kind = kind;
    assert!(matches!(refused(&z), CeremonyError::InvalidContribution { index: 1, .. }));
}

#[test]
fn too_few_powers_names_the_file_to_download() {
    let ptau = data("pot4_final.ptau");
    let ptau = Ptau::parse(&ptau).unwrap();
    let mut r1cs = R1cs::from_bytes(&data("toy16.r1cs")).unwrap();
    let c = r1cs.constraints[0].clone();
    r1cs.constraints.extend(std::iter::repeat_n(c, 20));
    let e = phase2::new_zkey(&r1cs, &ptau).unwrap_err();
    assert!(
        matches!(
            &e,
            CeremonyError::CircuitTooLarge {
                source: FormatError::TooFewPowers { needed_power: 6, have_power: 4, .. },
                ..
            }
        ),
        "{e}"
    );
    assert!(e.to_string().contains("powersOfTau28_hez_final_08.ptau"), "{e}");
}

#[test]
fn a_b2_point_outside_the_subgroup_is_refused() {
    use ark_ff::Field;
    let mut x = ark_bn254::Fq2::ONE;
    let bad = loop {
        if let Some(p) = G2Affine::get_point_from_x_unchecked(x, false) {
            if !p.is_in_correct_subgroup_assuming_on_curve() {
                break p;
            }
        }
        x += ark_bn254::Fq2::ONE;
    };
    let mut z = zkey("toy_final.zkey");
    z.b2[1] = bad;
    let back = Zkey::from_bytes(&z.to_bytes()).unwrap();
    assert!(matches!(refused(&back), CeremonyError::WrongCircuit(m) if m.contains("section B2")));
}
