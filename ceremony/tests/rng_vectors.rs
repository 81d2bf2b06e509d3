//! `verinfer_ceremony::rng` against vectors from ffjavascript 0.3.1 and snarkjs 0.7.6 themselves
//! (`tests/data/rng_vectors.json`, written by `tests/data/make_rng_vectors.js` with the npm
//! modules installed by `scripts/install-snarkjs.sh`). This test only reads the JSON; it never
//! runs node.

use std::str::FromStr;

use ark_bn254::{Fq, Fq2, Fr, G1Affine, G2Affine};
use ark_ec::{AffineRepr, CurveGroup};
use ark_ff::{BigInt, BigInteger, Field, PrimeField};
use serde_json::Value;
use verinfer_ceremony::rng::{
    beacon_hash_iterated, beacon_iterations, beacon_rng, contribution_rng, format_hash, format_hash_with_title,
    fq2_is_negative, fq_is_negative, fr_from_rng, g1_from_rng, g2_from_rng, hash_to_g2, seed_from_hash, ChaCha,
    G2_COFACTOR,
};

fn vectors() -> Value {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/rng_vectors.json");
    let text = std::fs::read_to_string(path).expect("read rng_vectors.json");
    serde_json::from_str(&text).expect("parse rng_vectors.json")
}

fn s(v: &Value) -> &str {
    v.as_str().unwrap_or_else(|| panic!("not a string: {v}"))
}

fn bytes(v: &Value) -> Vec<u8> {
    hex::decode(s(v)).expect("hex")
}

fn bytes64(v: &Value) -> [u8; 64] {
    bytes(v).try_into().expect("64 bytes")
}

fn u32_of(v: &Value) -> u32 {
    u32::try_from(v.as_u64().unwrap_or_else(|| panic!("not a u32: {v}"))).expect("u32")
}

fn seed(v: &Value) -> [u32; 8] {
    let words: Vec<u32> = v.as_array().expect("seed array").iter().map(u32_of).collect();
    words.try_into().expect("8 seed words")
}

fn fr(v: &Value) -> Fr {
    Fr::from_str(s(v)).unwrap_or_else(|_| panic!("bad Fr {v}"))
}

fn fq(v: &Value) -> Fq {
    Fq::from_str(s(v)).unwrap_or_else(|_| panic!("bad Fq {v}"))
}

fn fq2(v: &Value) -> Fq2 {
    Fq2::new(fq(&v[0]), fq(&v[1]))
}

fn g1(v: &Value) -> G1Affine {
    let p = G1Affine::new_unchecked(fq(&v[0]), fq(&v[1]));
    assert!(p.is_on_curve() && p.is_in_correct_subgroup_assuming_on_curve(), "node's G1 point {v} is not valid");
    p
}

fn g2(v: &Value) -> G2Affine {
    let p = G2Affine::new_unchecked(fq2(&v[0]), fq2(&v[1]));
    assert!(p.is_on_curve() && p.is_in_correct_subgroup_assuming_on_curve(), "node's G2 point {v} is not valid");
    p
}

/// `words_used` of a case: the u32 words ffjavascript drew for each value.
fn words_used(case: &Value, n: usize) -> Vec<u64> {
    let used: Vec<u64> =
        case["words_used"].as_array().expect("words_used").iter().map(|w| w.as_u64().unwrap()).collect();
    assert_eq!(used.len(), n);
    used
}

/// Little-endian bytes of the Montgomery representation, as ffjavascript holds field elements.
fn mont_hex(x: &Fr) -> String {
    hex::encode(x.0.to_bytes_le())
}

#[test]
fn versions_are_the_pinned_ones() {
    let v = vectors();
    assert_eq!(s(&v["versions"]["snarkjs"]), "0.7.6");
    assert_eq!(s(&v["versions"]["ffjavascript"]), "0.3.1");
}

#[test]
fn chacha_words() {
    let v = vectors();
    let cases = v["chacha"].as_array().unwrap();
    assert_eq!(cases.len(), 2);
    for case in cases {
        let mut rng = ChaCha::new(seed(&case["seed"]));
        let want: Vec<u32> = case["first_u32"].as_array().unwrap().iter().map(u32_of).collect();
        assert_eq!(want.len(), 40);
        let got: Vec<u32> = (0..want.len()).map(|_| rng.next_u32()).collect();
        assert_eq!(got, want, "seed {}", case["seed"]);
        for w in case["then_u64"].as_array().unwrap() {
            assert_eq!(rng.next_u64(), u64::from_str(s(w)).unwrap());
        }
    }
}

#[test]
fn fr_from_rng_matches() {
    let v = vectors();
    let case = &v["fr_from_rng"];
    let mut rng = ChaCha::new(seed(&case["seed"]));
    let values = case["values"].as_array().unwrap();
    assert_eq!(values.len(), 5);
    for (want, used) in values.iter().zip(words_used(case, values.len())) {
        let before = rng.words_used();
        let got = fr_from_rng(&mut rng);
        assert_eq!(rng.words_used() - before, used, "words drawn");
        assert_eq!(got, fr(&want["value"]));
        assert_eq!(mont_hex(&got), s(&want["mont_hex"]));
    }
    assert_eq!(rng.next_u32(), u32_of(&case["next_u32_after"]), "words consumed differ");
}

#[test]
fn g1_from_rng_matches() {
    let v = vectors();
    let case = &v["g1_from_rng"];
    let mut rng = ChaCha::new(seed(&case["seed"]));
    let points = case["points"].as_array().unwrap();
    assert_eq!(points.len(), 3);
    for (want, used) in points.iter().zip(words_used(case, points.len())) {
        let before = rng.words_used();
        assert_eq!(g1_from_rng(&mut rng), g1(want));
        assert_eq!(rng.words_used() - before, used, "words drawn");
    }
    assert_eq!(rng.next_u32(), u32_of(&case["next_u32_after"]), "words consumed differ");
}

#[test]
fn g2_from_rng_matches() {
    let v = vectors();
    let case = &v["g2_from_rng"];
    let mut rng = ChaCha::new(seed(&case["seed"]));
    let points = case["points"].as_array().unwrap();
    assert_eq!(points.len(), 3);
    for (want, used) in points.iter().zip(words_used(case, points.len())) {
        let before = rng.words_used();
        assert_eq!(g2_from_rng(&mut rng), g2(want));
        assert_eq!(rng.words_used() - before, used, "words drawn");
    }
    assert_eq!(rng.next_u32(), u32_of(&case["next_u32_after"]), "words consumed differ");
}

#[test]
fn hash_to_g2_matches() {
    let v = vectors();
    let cases = v["hash_to_g2"].as_array().unwrap();
    assert_eq!(cases.len(), 3);
    for case in cases {
        let t = bytes64(&case["transcript_hex"]);
        assert_eq!(hash_to_g2(&t), g2(&case["point"]), "transcript {}", s(&case["transcript_hex"]));
    }
}

#[test]
fn contribution_rng_matches() {
    let v = vectors();
    let c = &v["contribution"];
    let os_random = bytes64(&c["os_random_hex"]);
    let entropy = s(&c["entropy"]);
    assert!(!entropy.is_ascii(), "the vector should exercise UTF-8");

    // The seed: blake2b-512(os_random || utf8(entropy)), first 32 bytes big-endian.
    let seed_hash = bytes(&c["blake2b_seed_hash_hex"]);
    let mut from_seed = ChaCha::new(seed_from_hash(&seed_hash));
    let mut rng = contribution_rng(&os_random, entropy);
    let mut a = rng.clone();
    for _ in 0..20 {
        assert_eq!(a.next_u32(), from_seed.next_u32());
    }

    // zkey_contribute.js: prvKey = Fr.fromRng(rng); g1_s = G1.fromRng(rng); g1_sx = prvKey * g1_s.
    let prv_key = fr_from_rng(&mut rng);
    assert_eq!(prv_key, fr(&c["prv_key"]));
    assert_eq!(mont_hex(&prv_key), s(&c["prv_key_mont_hex"]));
    let g1_s = g1_from_rng(&mut rng);
    assert_eq!(g1_s, g1(&c["g1_s"]));
    assert_eq!((g1_s * prv_key).into_affine(), g1(&c["g1_sx"]));
    assert_eq!(rng.next_u32(), u32_of(&c["next_u32_after"]), "words consumed differ");

    // g2_sp = hashToG2(transcript); g2_spx = prvKey * g2_sp.
    let g2_sp = hash_to_g2(&bytes64(&c["transcript_hex"]));
    assert_eq!(g2_sp, g2(&c["g2_sp"]));
    assert_eq!((g2_sp * prv_key).into_affine(), g2(&c["g2_spx"]));
}

#[test]
fn beacon_rng_matches() {
    let v = vectors();
    let b = &v["beacon"];
    let hash = bytes(&b["beacon_hash_hex"]);
    let exp = u8::try_from(b["iterations_exp"].as_u64().unwrap()).unwrap();
    assert_eq!(exp, 10);
    assert_eq!(hex::encode(beacon_hash_iterated(&hash, exp)), s(&b["iterated_hash_hex"]));
    let mut rng = beacon_rng(&hash, exp);
    assert_eq!(fr_from_rng(&mut rng), fr(&b["prv_key"]));
    assert_eq!(g1_from_rng(&mut rng), g1(&b["g1_s"]));
    assert_eq!(rng.next_u32(), u32_of(&b["next_u32_after"]), "words consumed differ");

    let short = &v["beacon_short"];
    let exp = u8::try_from(short["iterations_exp"].as_u64().unwrap()).unwrap();
    let mut rng = beacon_rng(&bytes(&short["beacon_hash_hex"]), exp);
    assert_eq!(fr_from_rng(&mut rng), fr(&short["prv_key"]));
}

#[test]
fn format_hash_matches() {
    let v = vectors();
    let cases = v["format_hash"].as_array().unwrap();
    assert_eq!(cases.len(), 2);
    for case in cases {
        let h = bytes64(&case["hash_hex"]);
        assert_eq!(format_hash(&h), s(&case["plain"]));
        assert_eq!(format_hash_with_title(&h, "Contribution Hash: "), s(&case["titled"]));
    }
}

#[test]
fn drawn_values_are_not_trivial() {
    // Guards against vectors that would pass for a broken port (e.g. all points the generator).
    let v = vectors();
    let pts: Vec<G1Affine> = v["g1_from_rng"]["points"].as_array().unwrap().iter().map(g1).collect();
    assert!(pts.iter().all(|p| *p != G1Affine::generator()));
    assert!(pts[0] != pts[1] && pts[1] != pts[2]);
    let x = fr(&v["fr_from_rng"]["values"][0]["value"]);
    assert!(x.into_bigint().num_bits() > 200);
}

#[test]
fn cofactor_is_ark_bn254s() {
    assert_eq!(&G2_COFACTOR[..], <ark_bn254::g2::Config as ark_ec::CurveConfig>::COFACTOR);
}

#[test]
fn new_unchecked_is_v_times_r_inverse() {
    // The claim ffjavascript's fromRng relies on: the drawn integer v is the element v * R^-1.
    let r = Fr::from(2u64).pow([256u64]); // R mod r
    let v = BigInt::<4>::from(0x1234_5678_9abc_def0u64);
    assert_eq!(Fr::new_unchecked(v) * r, Fr::from_bigint(v).unwrap());
    let rq = Fq::from(2u64).pow([256u64]);
    assert_eq!(Fq::new_unchecked(v) * rq, Fq::from_bigint(v).unwrap());
}

#[test]
fn chacha_is_rfc8439_with_zero_nonce() {
    // The all-zero key's first keystream bytes are 76 b8 e0 ad a0 f1 3d 90 40 5d 6a e5 53 86 bd 28
    // (RFC 8439 with a zero nonce and counter 0), i.e. little-endian words 0xade0b876, ...
    let mut c = ChaCha::new([0; 8]);
    assert_eq!(c.next_u32(), 0xade0_b876);
    assert_eq!(c.next_u32(), 0x903d_f1a0);
    assert_eq!(c.next_u64(), (0xe56a_5d40u64 << 32) | 0x28bd_8653);
}

#[test]
fn drawn_points_are_in_the_subgroups() {
    let mut rng = ChaCha::new([7; 8]);
    for _ in 0..4 {
        let p = g1_from_rng(&mut rng);
        assert!(p.is_on_curve() && p.is_in_correct_subgroup_assuming_on_curve());
        let q = g2_from_rng(&mut rng);
        assert!(q.is_on_curve() && q.is_in_correct_subgroup_assuming_on_curve());
    }
}

#[test]
fn sign_helpers() {
    assert!(!fq_is_negative(&Fq::from(0u64)));
    assert!(!fq_is_negative(&Fq::from(1u64)));
    assert!(fq_is_negative(&-Fq::from(1u64)));
    let half = Fq::from_bigint(Fq::MODULUS_MINUS_ONE_DIV_TWO).unwrap(); // (q-1)/2: not negative
    assert!(!fq_is_negative(&half));
    assert!(fq_is_negative(&(half + Fq::from(1u64))));
    assert!(fq2_is_negative(&Fq2::new(Fq::from(1u64), -Fq::from(1u64))));
    assert!(!fq2_is_negative(&Fq2::new(-Fq::from(1u64), Fq::from(1u64))));
    assert!(fq2_is_negative(&Fq2::new(-Fq::from(1u64), Fq::from(0u64))));
}

#[test]
fn format_hash_layout() {
    let h: [u8; 64] = core::array::from_fn(|i| i as u8);
    let s = format_hash(&h);
    assert_eq!(s.lines().next().unwrap(), "\t\t00010203 04050607 08090a0b 0c0d0e0f");
    assert_eq!(s.lines().count(), 4);
    assert!(!s.ends_with('\n'));
    assert_eq!(format_hash_with_title(&h, "T: "), format!("T: \n{s}"));
    assert_eq!(format_hash_with_title(&h, ""), s);
}

#[test]
fn beacon_iteration_counts() {
    assert_eq!(beacon_iterations(0), 1);
    assert_eq!(beacon_iterations(10), 1024);
    assert_eq!(beacon_iterations(31), 1 << 31);
    assert_eq!(beacon_iterations(32), 1 << 32);
    assert_eq!(beacon_iterations(63), 1 << 63);
    // JavaScript's `1 << n` takes n mod 32.
    assert_eq!(beacon_iterations(64), 1 << 32);
    assert_eq!(beacon_iterations(255), 1 << 63);
}

#[test]
fn debug_does_not_show_the_state() {
    let mut rng = contribution_rng(&[1; 64], "secret");
    rng.next_u64();
    assert_eq!(format!("{rng:?}"), "ChaCha { words_used: 2, .. }");
}
