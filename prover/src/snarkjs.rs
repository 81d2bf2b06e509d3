//! snarkjs's JSON files for a verinfer key and proof (`verinfer export snarkjs`):
//! `verification_key.json`, `proof.json` and `public.json`, as `snarkjs groth16 verify` reads them.
//! Coordinates are decimal strings; a G2 coordinate is `[c0, c1]`; points are projective with
//! `z = 1`.
use ark_bn254::{Bn254, Fq, Fq2, G1Affine, G2Affine};
use ark_ec::pairing::Pairing;
use ark_ec::AffineRepr;
use serde_json::{json, Value};
use verinfer_verifier::{Fr, Proof, PublicInputs, Statement, VerifyError, VerifyingKey};

fn fq(x: &Fq) -> Value {
    Value::String(x.to_string())
}

fn fq2(x: &Fq2) -> Value {
    json!([fq(&x.c0), fq(&x.c1)])
}

fn g1(p: &G1Affine) -> Value {
    match p.xy() {
        Some((x, y)) => json!([fq(&x), fq(&y), "1"]),
        None => json!(["0", "1", "0"]),
    }
}

fn g2(p: &G2Affine) -> Value {
    match p.xy() {
        Some((x, y)) => json!([fq2(&x), fq2(&y), ["1", "0"]]),
        None => json!([["0", "0"], ["1", "0"], ["0", "0"]]),
    }
}

/// `verification_key.json`.
pub fn verification_key(vk: &VerifyingKey) -> Value {
    let k = &vk.vk;
    let ab = Bn254::pairing(k.alpha_g1, k.beta_g2).0;
    let alphabeta: Vec<Value> =
        [ab.c0, ab.c1].iter().map(|c6| Value::Array([c6.c0, c6.c1, c6.c2].iter().map(fq2).collect())).collect();
    json!({
        "protocol": "groth16",
        "curve": "bn128",
        "nPublic": k.gamma_abc_g1.len() - 1,
        "vk_alpha_1": g1(&k.alpha_g1),
        "vk_beta_2": g2(&k.beta_g2),
        "vk_gamma_2": g2(&k.gamma_g2),
        "vk_delta_2": g2(&k.delta_g2),
        "vk_alphabeta_12": alphabeta,
        "IC": k.gamma_abc_g1.iter().map(g1).collect::<Vec<_>>(),
    })
}

/// `proof.json`.
pub fn proof(p: &Proof) -> Value {
    json!({
        "pi_a": g1(&p.0.a),
        "pi_b": g2(&p.0.b),
        "pi_c": g1(&p.0.c),
        "protocol": "groth16",
        "curve": "bn128",
    })
}

/// `public.json`: the statement's public inputs in circuit order, as decimal strings.
pub fn public(statement: &Statement) -> Result<Value, VerifyError> {
    let inputs: Vec<Fr> = statement.public_inputs()?;
    Ok(Value::Array(inputs.iter().map(|x| Value::String(x.to_string())).collect()))
}
