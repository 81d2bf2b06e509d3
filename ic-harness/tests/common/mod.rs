//! Fixtures shared by the harness tests and the PocketIC tests: models, proofs, call arguments.
#![allow(dead_code)]
use candid::Principal;
use rand::SeedableRng;
use serde_bytes::ByteBuf;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use verinfer::pipeline::{compile_to_dir, load_model, load_proving_key, prove_sample, read_input, setup_dir};
use verinfer::proof_file::ProofFile;
use verinfer_compiler::CompileOptions;
use verinfer_verifier::Fr;
use verinfer_verifier_canister::types::*;

pub mod calls;
pub mod defi;

/// The release Wasm of the canister, built once (`cargo build --profile canister`).
pub fn canister_wasm() -> &'static [u8] {
    static WASM: OnceLock<Vec<u8>> = OnceLock::new();
    WASM.get_or_init(|| verinfer_ic_harness::verifier_canister_wasm().expect("the canister Wasm"))
}

pub fn controller() -> Principal {
    Principal::from_slice(&[1; 29])
}
pub fn stranger() -> Principal {
    Principal::from_slice(&[2; 29])
}
pub fn registrar() -> Principal {
    Principal::from_slice(&[3; 29])
}
/// A contract canister that calls the verifier with cycles attached.
pub fn contract() -> Principal {
    Principal::from_slice(&[0, 0, 0, 0, 0, 0x10, 0, 9, 1, 1])
}
/// Another canister (a third party, or an attacker's canister).
pub fn other_contract() -> Principal {
    Principal::from_slice(&[0, 0, 0, 0, 0, 0x10, 0, 9, 2, 1])
}
/// Cycles attached to `verify` (the canister's default `verify_fee`).
pub const VERIFY_CYCLES: u128 = 1_000_000_000;
/// Cycles attached to `request_seed` (the default `request_seed_fee`).
pub const SEED_CYCLES: u128 = 40_000_000;

/// The compressed encoding (ark-serialize) of the BN254 G2 generator: the `gamma_g2` of every key
/// from a snarkjs phase 2 (checked against arkworks in verifier-canister's registry tests).
pub const G2_GENERATOR: &str = "edf692d95cbdde46ddda5ef7d422436779445c5e66006a42761e1f12efde0018c212f3aeb785e49712e7a9353349aaf1255dfb31b7bf60723a480d9293938e19";
/// Where `gamma_g2` sits in a `verifying.key` file: after the 45-byte header, alpha_g1 (32 bytes)
/// and beta_g2 (64 bytes).
pub const GAMMA_G2_AT: usize = 45 + 32 + 64;

/// A declared ceremony: 3 contributions and a beacon.
pub fn ceremony_setup() -> SetupProvenance {
    SetupProvenance {
        kind: SetupKind::Ceremony,
        contributions: 3,
        transcript_hash: ByteBuf::from(vec![0xc1; 32]),
        ptau_hash: ByteBuf::from(vec![0x9a; 32]),
        beacon: Some(Beacon { hash: ByteBuf::from(vec![0xbe; 32]), iterations_exp: 10 }),
    }
}

/// A compiled, set-up model and a proof maker.
pub struct Model {
    _tmp: tempfile::TempDir,
    pub build: PathBuf,
    pub name: &'static str,
    pub key: Vec<u8>,
    /// How its keys were made, as `register_model` declares it: single-party for `verinfer setup`
    /// keys, the ceremony's provenance (from `setup.json`) for [`Model::with_ceremony`].
    pub setup: SetupProvenance,
}

/// The public beacon of the test ceremonies (the demo's).
pub const CEREMONY_BEACON: &str = "5e7e6f1d4c3b2a190817f6e5d4c3b2a1908172635445362718091a2b3c4d5e6f";

impl Model {
    pub fn new(name: &'static str) -> Model {
        Model::with_options(name, CompileOptions::default())
    }

    pub fn with_options(name: &'static str, opts: CompileOptions) -> Model {
        let tmp = tempfile::tempdir().unwrap();
        let build = tmp.path().join("build");
        let onnx = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures").join(name).join("model.onnx");
        compile_to_dir(&onnx, None, &build, &opts).unwrap();
        setup_dir(&build, &mut rand_chacha::ChaCha20Rng::seed_from_u64(11)).unwrap();
        let key = std::fs::read(build.join("verifying.key")).unwrap();
        Model { _tmp: tmp, build, name, key, setup: SetupProvenance::single_party() }
    }

    /// The model with keys from a real phase 2 ceremony, as `verinfer demo` runs one: initial
    /// parameters from the bundled power-12 ptau, two contributions with OS randomness, a public
    /// beacon, the transcript verified against the initial parameters, then `proving.key`,
    /// `verifying.key` and `setup.json` (kind `ceremony`) written into the build directory.
    /// [`Model::setup`] is the provenance `verinfer canister register-args` derives from it.
    pub fn with_ceremony(name: &'static str, opts: CompileOptions) -> Model {
        use verinfer::ceremony as c;
        let tmp = tempfile::tempdir().unwrap();
        let build = tmp.path().join("build");
        let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures");
        compile_to_dir(&fixtures.join(name).join("model.onnx"), None, &build, &opts).unwrap();
        let ptau = fixtures.join("ptau/pot12_final.ptau");
        let z = |i: usize| tmp.path().join(format!("{i:04}.zkey"));
        let (init, ptau_info) = c::initial_zkey(&build, &ptau).unwrap();
        c::write_zkey(&z(0), &init).unwrap();
        c::contribute(&z(0), &z(1), Some("alice".into()), "").unwrap();
        c::contribute(&z(1), &z(2), Some("bob".into()), "").unwrap();
        c::beacon(&z(2), &z(3), CEREMONY_BEACON, 10, Some("beacon".into())).unwrap();
        let checked = c::verify_against(&z(3), &init, &ptau_info).unwrap();
        c::write_checked(&checked, &z(3), &build).unwrap();
        let key = std::fs::read(build.join(verinfer::artifacts::VERIFYING_KEY)).unwrap();
        let record = verinfer::pipeline::read_setup_record(&build.join(verinfer::artifacts::SETUP)).unwrap();
        let setup = verinfer::cmd::canister::provenance(&record).unwrap();
        assert!(setup.kind == SetupKind::Ceremony && setup.contributions == 2 && setup.beacon.is_some(), "{setup:?}");
        Model { _tmp: tmp, build, name, key, setup }
    }

    /// The model with a halo2 key (`verinfer setup --backend halo2`: the model and the
    /// parameters); [`Model::prove`] then makes halo2 proofs.
    pub fn halo2(name: &'static str) -> Model {
        let tmp = tempfile::tempdir().unwrap();
        let build = tmp.path().join("build");
        let onnx = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures").join(name).join("model.onnx");
        compile_to_dir(&onnx, None, &build, &CompileOptions::default()).unwrap();
        verinfer::pipeline::setup_dir_halo2(&build).unwrap();
        let key = std::fs::read(build.join("verifying.key")).unwrap();
        Model { _tmp: tmp, build, name, key, setup: SetupProvenance::transparent() }
    }

    /// The same model with keys from another setup (another RNG seed): same model hash, other key.
    pub fn rekeyed(&self, rng_seed: u64) -> Model {
        let tmp = tempfile::tempdir().unwrap();
        let build = tmp.path().join("build");
        std::fs::create_dir_all(&build).unwrap();
        for f in ["model.compiled", "report.json"] {
            if self.build.join(f).exists() {
                std::fs::copy(self.build.join(f), build.join(f)).unwrap();
            }
        }
        setup_dir(&build, &mut rand_chacha::ChaCha20Rng::seed_from_u64(rng_seed)).unwrap();
        let key = std::fs::read(build.join("verifying.key")).unwrap();
        Model { _tmp: tmp, build, name: self.name, key, setup: SetupProvenance::single_party() }
    }

    /// This model's key with `gamma_g2` replaced by the G2 generator, as a snarkjs phase 2 makes
    /// it: it decodes, and the canister accepts a ceremony claim for it, but no proof verifies under
    /// it (its other points are this setup's; a real ceremony key comes from `verinfer ceremony`).
    pub fn gamma_one_key(&self) -> Vec<u8> {
        let mut key = self.key.clone();
        key[GAMMA_G2_AT..GAMMA_G2_AT + 64].copy_from_slice(&hex::decode(G2_GENERATOR).unwrap());
        assert_ne!(key, self.key, "a setup drew gamma = 1");
        key
    }

    pub fn hash(&self) -> ByteBuf {
        ByteBuf::from(load_model(&self.build).unwrap().model_hash().unwrap().0.to_vec())
    }

    pub fn input(&self) -> Vec<f64> {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures").join(self.name).join("input.json");
        read_input(&path, &load_model(&self.build).unwrap().graph.input).unwrap()
    }

    /// The input commitment `prove` will produce for this model's fixture input and `salt`.
    pub fn commitment(&self, salt: u64) -> ByteBuf {
        let model = load_model(&self.build).unwrap();
        let q = verinfer_ir::quantize_input(&model.graph, &self.input()).unwrap();
        let c = verinfer_circuits::commit::commit(
            verinfer_circuits::commit::INPUT_DOMAIN,
            Fr::from(salt),
            &q,
            model.graph.nodes[0].bits.0,
        );
        ByteBuf::from(verinfer_verifier::fr_to_bytes(&c).to_vec())
    }

    pub fn prove(&self, seed: [u8; 32], salt: u64) -> ProofFile {
        let model = load_model(&self.build).unwrap();
        if self.setup.kind == SetupKind::Transparent {
            let key = verinfer::pipeline::load_halo2_key(&self.build, &model).unwrap();
            let mut t = Default::default();
            return verinfer::pipeline::prove_sample_halo2(&model, &key, &self.input(), (seed, Fr::from(salt)), &mut t)
                .unwrap()
                .file;
        }
        let pk = load_proving_key(&self.build, &model).unwrap();
        prove_sample(
            &model,
            &pk,
            &self.input(),
            seed,
            Fr::from(salt),
            &mut rand_chacha::ChaCha20Rng::seed_from_u64(seed[0] as u64),
        )
        .unwrap()
        .file
    }
}

/// The digits MLP with a halo2 key.
pub fn digits_halo2() -> &'static Model {
    static M: OnceLock<Model> = OnceLock::new();
    M.get_or_init(|| Model::halo2("digits_mlp"))
}

pub fn digits() -> &'static Model {
    static M: OnceLock<Model> = OnceLock::new();
    M.get_or_init(|| Model::new("digits_mlp"))
}
/// The digits MLP drawing its class from softmax(logits / 4) with the seed.
pub fn digits_sampled() -> &'static Model {
    static M: OnceLock<Model> = OnceLock::new();
    M.get_or_init(|| {
        let sampling = verinfer_ir::SamplingSpec::Categorical { temperature: 4.0 };
        Model::with_options("digits_mlp", CompileOptions { sampling, ..CompileOptions::default() })
    })
}
/// [`digits_sampled`] with its keys from a real ceremony ([`Model::with_ceremony`]), made once
/// per test binary: the model of the DeFi example's tests, which acts only on ceremony keys.
pub fn digits_sampled_ceremony() -> &'static Model {
    static M: OnceLock<Model> = OnceLock::new();
    M.get_or_init(|| {
        let sampling = verinfer_ir::SamplingSpec::Categorical { temperature: 4.0 };
        Model::with_ceremony("digits_mlp", CompileOptions { sampling, ..CompileOptions::default() })
    })
}
pub fn iris() -> &'static Model {
    static M: OnceLock<Model> = OnceLock::new();
    M.get_or_init(|| Model::new("iris_mlp"))
}

pub fn args_of(p: &ProofFile, ticket: Option<u64>) -> VerifyArgs {
    p.canister_args(ticket).unwrap()
}

/// `request_seed`'s argument for a model and commitment, with no event and no named consumer.
pub fn seed_request(model: ByteBuf, input_commitment: ByteBuf) -> SeedRequest {
    SeedRequest { model_hash: model, input_commitment, event: None, consumer: None }
}
