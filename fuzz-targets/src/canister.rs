//! Targets `canister_args` and `canister_structured`: the verifier canister's real Wasm in the
//! harness, called with fuzzed arguments.
//!
//! One canister per process is installed (built with `cargo build --profile canister`, or read from
//! `VERINFER_CANISTER_WASM`), with the iris MLP of `seeds/context/` registered and a registrar added,
//! and reinstalled every [`REINSTALL_EVERY`] calls so that state fuzzed into it stays small.
//!
//! - `canister_args`: byte 0 picks the method, byte 1 the caller, the rest is the raw candid argument.
//!   A reject or a trap on an argument that does not decode as the method's parameters is fine; a trap
//!   on a well-typed argument, a reply that does not decode as the method's result type, or an error of
//!   the harness itself is a finding.
//! - `canister_structured`: byte 0 picks a well-typed call built from the committed key and proof,
//!   byte 1 the caller (and `verify` or `verify_query`), the rest replaces one blob field (or
//!   supplies a text, a number or a principal). Any trap or reject is a finding.
use candid::utils::{decode_args_with_config, ArgumentDecoder};
use candid::{encode_args, encode_one, CandidType, DecoderConfig, Principal};
use serde_bytes::ByteBuf;
use std::sync::{Mutex, OnceLock};
use verinfer::proof_file::ProofFile;
use verinfer_ic_harness::{Canister, Outcome};
use verinfer_verifier_canister::types::*;

/// Cycles attached to every update call (the default `verify_fee`; the canister refunds the rest).
pub const ATTACHED_CYCLES: u128 = 1_000_000_000;

/// Calls between reinstalls of the canister.
pub const REINSTALL_EVERY: u64 = 2000;

/// The committed verifying key (iris MLP).
pub const KEY: &[u8] = include_bytes!("../seeds/context/verifying.key");
/// The committed proof file made for [`KEY`].
pub const PROOF_JSON: &str = include_str!("../seeds/context/proof.json");

/// The callers: a controller, a registrar, a stranger and the anonymous principal.
pub fn callers() -> [Principal; 4] {
    [
        Principal::from_slice(&[1; 29]),
        Principal::from_slice(&[3; 29]),
        Principal::from_slice(&[2; 29]),
        Principal::anonymous(),
    ]
}

fn wasm() -> &'static [u8] {
    static W: OnceLock<Vec<u8>> = OnceLock::new();
    W.get_or_init(|| verinfer_ic_harness::verifier_canister_wasm().expect("the verifier canister Wasm"))
}

/// A fresh canister with the iris model registered and a registrar added.
fn fresh() -> Canister {
    let [controller, registrar, ..] = callers();
    let init = InitArgs { ticket_ttl_seconds: Some(600), max_tickets: Some(16), ..InitArgs::default() };
    let mut c = Canister::install(wasm(), &[controller], encode_one(Some(init)).expect("candid")).expect("install");
    let r = c.update(controller, "add_registrar", encode_one(registrar).expect("candid")).expect("add_registrar");
    assert!(matches!(r.outcome, Outcome::Reply(_)), "add_registrar: {:?}", r.outcome);
    let r = c.update(controller, "register_model", encode_one(register_args(KEY.to_vec())).expect("candid"));
    let reply = r.expect("register_model").reply().map(|b| b.to_vec()).expect("register_model replies");
    let info: Result<ModelInfo, Error> = candid::decode_one(&reply).expect("a register_model result");
    info.expect("the committed key registers");
    c
}

struct Shared {
    canister: Canister,
    calls: u64,
}

/// Runs `f` on the shared canister (reinstalled every [`REINSTALL_EVERY`] calls).
fn with_canister<R>(f: impl FnOnce(&mut Canister) -> R) -> R {
    static C: OnceLock<Mutex<Option<Shared>>> = OnceLock::new();
    let mut guard = C.get_or_init(|| Mutex::new(None)).lock().unwrap_or_else(|e| e.into_inner());
    if guard.as_ref().is_none_or(|s| s.calls >= REINSTALL_EVERY) {
        *guard = Some(Shared { canister: fresh(), calls: 0 });
    }
    let shared = guard.as_mut().expect("installed above");
    shared.calls += 1;
    f(&mut shared.canister)
}

fn register_args(key: Vec<u8>) -> RegisterArgs {
    RegisterArgs {
        verifying_key: ByteBuf::from(key),
        name: "iris_mlp".into(),
        version: "1".into(),
        metadata: vec![("source".into(), "fuzz".into())],
        setup: None,
    }
}

/// The committed proof as `verify` arguments.
pub fn verify_args() -> VerifyArgs {
    let p = ProofFile::parse(PROOF_JSON).expect("the committed proof.json parses");
    p.canister_args(None).expect("the committed proof.json holds hex")
}

/// A method: its name, whether it is a query, and checks of its argument and result types.
pub struct Method {
    /// Candid method name.
    pub name: &'static str,
    /// Query (else update).
    pub query: bool,
    /// Whether bytes decode as its parameters (as ic-cdk decodes them).
    pub well_typed: fn(&[u8]) -> bool,
    /// Whether bytes decode as its result.
    pub reply_ok: fn(&[u8]) -> bool,
}

fn decodes<T: for<'a> ArgumentDecoder<'a>>(bytes: &[u8]) -> bool {
    // ic-cdk's generated entry points: empty argument data reads as no values, skipping quota 10,000
    let bytes: &[u8] = if bytes.is_empty() { b"DIDL\x00\x00" } else { bytes };
    let mut config = DecoderConfig::new();
    config.set_skipping_quota(10000);
    decode_args_with_config::<T>(bytes, &config).is_ok()
}

/// Every method of `verifier.did`, in a fixed order (byte 0 of a `canister_args` input picks one).
pub const METHODS: &[Method] = &[
    Method {
        name: "register_model",
        query: false,
        well_typed: decodes::<(RegisterArgs,)>,
        reply_ok: decodes::<(Result<ModelInfo, Error>,)>,
    },
    Method {
        name: "retire_model",
        query: false,
        well_typed: decodes::<(ByteBuf,)>,
        reply_ok: decodes::<(Result<ModelInfo, Error>,)>,
    },
    Method {
        name: "get_model",
        query: true,
        well_typed: decodes::<(ByteBuf,)>,
        reply_ok: decodes::<(Option<ModelInfo>,)>,
    },
    Method { name: "list_models", query: true, well_typed: no_args, reply_ok: decodes::<(Vec<ModelInfo>,)> },
    Method {
        name: "add_registrar",
        query: false,
        well_typed: decodes::<(Principal,)>,
        reply_ok: decodes::<(Result<(), Error>,)>,
    },
    Method {
        name: "remove_registrar",
        query: false,
        well_typed: decodes::<(Principal,)>,
        reply_ok: decodes::<(Result<(), Error>,)>,
    },
    Method { name: "list_registrars", query: true, well_typed: no_args, reply_ok: decodes::<(Vec<Principal>,)> },
    Method {
        name: "request_seed",
        query: false,
        well_typed: decodes::<(SeedRequest,)>,
        reply_ok: decodes::<(Result<Ticket, Error>,)>,
    },
    Method { name: "get_ticket", query: true, well_typed: decodes::<(u64,)>, reply_ok: decodes::<(Option<Ticket>,)> },
    Method {
        name: "verify",
        query: false,
        well_typed: decodes::<(VerifyArgs,)>,
        reply_ok: decodes::<(Result<Verified, Error>,)>,
    },
    Method {
        name: "verify_query",
        query: true,
        well_typed: decodes::<(VerifyArgs,)>,
        reply_ok: decodes::<(Result<Verified, Error>,)>,
    },
    Method { name: "stats", query: true, well_typed: no_args, reply_ok: decodes::<(Stats,)> },
    Method {
        name: "rotate_key",
        query: false,
        well_typed: decodes::<(RotateArgs,)>,
        reply_ok: decodes::<(Result<ModelInfo, Error>,)>,
    },
    Method {
        name: "caller_stats",
        query: true,
        well_typed: decodes::<(Principal,)>,
        reply_ok: decodes::<(CallerStats,)>,
    },
    Method {
        name: "get_verification",
        query: true,
        well_typed: decodes::<(u64,)>,
        reply_ok: decodes::<(Option<CertifiedVerification>,)>,
    },
    Method {
        name: "http_request",
        query: true,
        well_typed: decodes::<(HttpRequest,)>,
        reply_ok: decodes::<(HttpResponse,)>,
    },
];

/// Methods without parameters read no argument data: any bytes are "well typed".
fn no_args(_: &[u8]) -> bool {
    true
}

/// Calls `method` as `caller` with `arg`; returns the outcome. A harness error is a finding.
fn call(method: &Method, caller: Principal, arg: Vec<u8>) -> Outcome {
    let r = with_canister(|c| {
        if method.query {
            c.query(caller, method.name, arg)
        } else {
            // as a canister that pays (the fee checks are not what stops most inputs)
            c.update_with_cycles(caller, method.name, arg, ATTACHED_CYCLES)
        }
    });
    match r {
        Ok(r) => r.outcome,
        Err(e) => panic!("the harness failed on {}: {e:#}", method.name),
    }
}

/// `canister_args`: raw candid bytes to a method.
pub fn run_raw(data: &[u8]) {
    let [m, who, arg @ ..] = data else { return };
    let method = &METHODS[*m as usize % METHODS.len()];
    let caller = callers()[*who as usize % 4];
    match call(method, caller, arg.to_vec()) {
        Outcome::Reply(r) => {
            assert!((method.reply_ok)(&r), "{}: the reply does not decode as the method's result type", method.name)
        }
        Outcome::Reject(_) => {}
        Outcome::Trap(msg) => {
            assert!(!(method.well_typed)(arg), "{} trapped on a well-typed argument: {msg}", method.name)
        }
    }
}

/// Structured calls (byte 0 of a `canister_structured` input).
pub const STRUCTURED: &[&str] = &[
    "register_model: verifying_key",
    "register_model: name and metadata",
    "retire_model: model_hash",
    "get_model: model_hash",
    "request_seed: model_hash ++ input_commitment (flags: event, consumer)",
    "get_ticket: id",
    "verify: proof",
    "verify: model_hash",
    "verify: input_commitment",
    "verify: seed",
    "verify: output tensor (i64 LE)",
    "verify: output commitment",
    "verify: output_index and ticket",
    "add_registrar / remove_registrar: principal",
    "rotate_key: verifying_key",
    "http_request: url",
    "get_verification: id",
];

fn u64_of(p: &[u8]) -> u64 {
    let mut b = [0u8; 8];
    let n = p.len().min(8);
    b[..n].copy_from_slice(&p[..n]);
    u64::from_le_bytes(b)
}

/// The method and candid argument of structured call `op` with payload `p`.
pub fn structured_call(op: u8, flags: u8, p: &[u8]) -> Option<(&'static Method, Vec<u8>)> {
    let method = |name: &str| METHODS.iter().find(|m| m.name == name).expect("a method of verifier.did");
    let blob = || ByteBuf::from(p.to_vec());
    let text = || String::from_utf8_lossy(p).into_owned();
    let verify = |f: &dyn Fn(&mut VerifyArgs)| {
        let mut a = verify_args();
        f(&mut a);
        let name = if flags & 0x80 != 0 { "verify_query" } else { "verify" };
        Some((method(name), encode_one(a).ok()?))
    };
    match op as usize % STRUCTURED.len() {
        0 => Some((method("register_model"), encode_one(register_args(p.to_vec())).ok()?)),
        1 => {
            let mut a = register_args(KEY.to_vec());
            let split = p.len() / 2;
            a.name = text();
            a.metadata = (0..(flags as usize % 40))
                .map(|i| (format!("k{i}"), String::from_utf8_lossy(&p[split..]).into_owned()))
                .collect();
            Some((method("register_model"), encode_one(a).ok()?))
        }
        2 => Some((method("retire_model"), encode_one(blob()).ok()?)),
        3 => Some((method("get_model"), encode_one(blob()).ok()?)),
        4 => {
            let (a, b) = p.split_at(p.len().min(32));
            let request = SeedRequest {
                model_hash: ByteBuf::from(a.to_vec()),
                input_commitment: ByteBuf::from(b.to_vec()),
                event: (flags & 1 != 0).then(|| ByteBuf::from(p.iter().rev().copied().collect::<Vec<u8>>())),
                consumer: (flags & 2 != 0).then(|| callers()[flags as usize % 4]),
            };
            Some((method("request_seed"), encode_one(request).ok()?))
        }
        5 => Some((method("get_ticket"), encode_one(u64_of(p)).ok()?)),
        6 => verify(&|a| a.proof = blob()),
        7 => verify(&|a| a.statement.model_hash = blob()),
        8 => verify(&|a| a.statement.input_commitment = blob()),
        9 => verify(&|a| a.statement.seed = blob()),
        10 => verify(&|a| {
            a.statement.output = Output::Tensor(p.chunks(8).map(|c| u64_of(c) as i64).collect());
        }),
        11 => verify(&|a| a.statement.output = Output::Commitment(blob())),
        12 => verify(&|a| {
            a.statement.output_index = u64_of(p) as u32;
            a.ticket = (p.len() > 4).then(|| u64_of(&p[4..]));
        }),
        13 => {
            let principal = Principal::try_from_slice(p).ok()?;
            let name = if flags & 1 == 0 { "add_registrar" } else { "remove_registrar" };
            Some((method(name), encode_one(principal).ok()?))
        }
        14 => Some((
            method("rotate_key"),
            encode_one(RotateArgs { verifying_key: blob(), reason: "fuzz".into(), setup: None }).ok()?,
        )),
        15 => {
            let request = HttpRequest { method: "GET".into(), url: text(), headers: vec![], body: ByteBuf::new() };
            Some((method("http_request"), encode_one(request).ok()?))
        }
        _ => Some((method("get_verification"), encode_one(u64_of(p)).ok()?)),
    }
}

/// `canister_structured`: well-typed calls with one field fuzzed. Any trap or reject is a finding.
pub fn run_structured(data: &[u8]) {
    let Some((method, outcome)) = structured_outcome(data) else { return };
    match outcome {
        Outcome::Reply(r) => {
            assert!((method.reply_ok)(&r), "{}: the reply does not decode as the method's result type", method.name)
        }
        Outcome::Reject(m) => panic!("{} rejected a well-typed argument: {m}", method.name),
        Outcome::Trap(m) => panic!("{} trapped on a well-typed argument: {m}", method.name),
    }
}

/// The method called and the outcome of the structured call `data` describes (`None` if none).
pub fn structured_outcome(data: &[u8]) -> Option<(&'static Method, Outcome)> {
    let [op, flags, p @ ..] = data else { return None };
    let (method, arg) = structured_call(*op, *flags, p)?;
    let caller = callers()[(*flags as usize >> 1) % 4];
    Some((method, call(method, caller, arg)))
}

/// The committed proof's `verify` on a freshly installed canister (the shared one may have had its
/// model retired by an earlier fuzzed call): the outcome, for the seeds' own test.
pub fn verify_on_fresh_canister() -> Outcome {
    let arg = encode_one(verify_args()).expect("candid");
    match fresh().update(callers()[0], "verify", arg) {
        Ok(r) => r.outcome,
        Err(e) => Outcome::Trap(format!("harness error: {e}")),
    }
}

/// Seeds for `canister_args`: a valid argument for every method, as each caller.
pub fn raw_seeds() -> Vec<Vec<u8>> {
    let va = verify_args();
    let hash = va.statement.model_hash.clone();
    let args: Vec<Vec<u8>> = vec![
        encode_one(register_args(KEY.to_vec())),
        encode_one(hash.clone()),
        encode_one(hash.clone()),
        encode_args(()),
        encode_one(callers()[1]),
        encode_one(callers()[1]),
        encode_args(()),
        encode_one(SeedRequest {
            model_hash: hash,
            input_commitment: va.statement.input_commitment.clone(),
            event: Some(ByteBuf::from(b"event-1".to_vec())),
            consumer: None,
        }),
        encode_one(0u64),
        encode_one(&va),
        encode_one(&va),
        encode_args(()),
        encode_one(RotateArgs { verifying_key: ByteBuf::from(KEY.to_vec()), reason: "rotation".into(), setup: None }),
        encode_one(callers()[2]),
        encode_one(1u64),
        encode_one(HttpRequest { method: "GET".into(), url: "/metrics".into(), headers: vec![], body: ByteBuf::new() }),
    ]
    .into_iter()
    .map(|r| r.expect("candid"))
    .collect();
    args.into_iter().enumerate().map(|(i, a)| [&[i as u8, (i % 4) as u8][..], &a].concat()).collect()
}

/// Seeds for `canister_structured`: each call with the real field value.
pub fn structured_seeds() -> Vec<Vec<u8>> {
    let va = verify_args();
    let s = &va.statement;
    let tensor: Vec<u8> = match &s.output {
        Output::Tensor(v) => v.iter().flat_map(|x| x.to_le_bytes()).collect(),
        Output::Commitment(c) => c.to_vec(),
    };
    let payloads: Vec<Vec<u8>> = vec![
        KEY.to_vec(),
        b"iris_mlp and its metadata".to_vec(),
        s.model_hash.to_vec(),
        s.model_hash.to_vec(),
        [s.model_hash.as_slice(), s.input_commitment.as_slice()].concat(),
        0u64.to_le_bytes().to_vec(),
        va.proof.to_vec(),
        s.model_hash.to_vec(),
        s.input_commitment.to_vec(),
        s.seed.to_vec(),
        tensor,
        s.input_commitment.to_vec(),
        [s.output_index.to_le_bytes().as_slice(), &1u64.to_le_bytes()].concat(),
        vec![3; 29],
        KEY.to_vec(),
        b"/metrics".to_vec(),
        1u64.to_le_bytes().to_vec(),
    ];
    let mut seeds: Vec<Vec<u8>> = payloads.iter().enumerate().map(|(i, p)| [&[i as u8, 0][..], p].concat()).collect();
    // verify_query, and a stranger's registration
    seeds.push([&[6, 0x84][..], &va.proof].concat());
    seeds.push([&[0, 0x04][..], KEY].concat());
    seeds
}

/// The candid bytes of a value (for tests).
pub fn encode<T: CandidType>(v: &T) -> Vec<u8> {
    encode_one(v).expect("candid")
}
