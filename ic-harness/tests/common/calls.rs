//! Typed calls to the verifier canister in the harness.
use super::*;
use candid::{decode_one, encode_args, encode_one, CandidType};
use serde::de::DeserializeOwned;
use verinfer_ic_harness::{CallResult, Canister};

/// Installs the verifier with `init` and `controller()` as its controller.
pub fn install_with(init: Option<InitArgs>) -> Canister {
    Canister::install(canister_wasm(), &[controller()], encode_one(init).unwrap()).unwrap()
}

/// Installs the verifier with the default settings.
pub fn install() -> Canister {
    install_with(None)
}

/// An update call with `cycles` attached, decoded.
pub fn call<R: CandidType + DeserializeOwned>(
    c: &mut Canister,
    who: Principal,
    method: &str,
    arg: Vec<u8>,
    cycles: u128,
) -> (R, CallResult) {
    let r = c.update_with_cycles(who, method, arg, cycles).unwrap();
    let bytes = r.reply().unwrap_or_else(|e| panic!("{method}: {e}"));
    (decode_one(bytes).unwrap(), r)
}

/// An update call without cycles; the reply and the instructions of its first message.
pub fn update<R: CandidType + DeserializeOwned>(
    c: &mut Canister,
    who: Principal,
    method: &str,
    arg: Vec<u8>,
) -> (R, u64) {
    let (r, res) = call(c, who, method, arg, 0);
    (r, res.instructions[0])
}

/// A query, decoded.
pub fn query<R: CandidType + DeserializeOwned>(c: &mut Canister, who: Principal, method: &str, arg: Vec<u8>) -> R {
    let r = c.query(who, method, arg).unwrap();
    decode_one(r.reply().unwrap_or_else(|e| panic!("{method}: {e}"))).unwrap()
}

/// `register_model` of `m` by `who` (no provenance: single-party).
pub fn register(c: &mut Canister, who: Principal, m: &Model) -> Result<ModelInfo, Error> {
    register_key(c, who, m, &m.key, None).0
}

/// `register_model` of `key` under `m`'s name, declaring `setup`; the result and its instructions.
pub fn register_key(
    c: &mut Canister,
    who: Principal,
    m: &Model,
    key: &[u8],
    setup: Option<SetupProvenance>,
) -> (Result<ModelInfo, Error>, u64) {
    let args = RegisterArgs {
        verifying_key: ByteBuf::from(key.to_vec()),
        name: m.name.into(),
        version: "1".into(),
        metadata: vec![("source".into(), "fixtures".into())],
        setup,
    };
    update::<Result<ModelInfo, Error>>(c, who, "register_model", encode_one(args).unwrap())
}

/// `rotate_key` to `key` by `who`, declaring `setup`.
pub fn rotate(
    c: &mut Canister,
    who: Principal,
    key: &[u8],
    setup: Option<SetupProvenance>,
) -> Result<ModelInfo, Error> {
    let args = RotateArgs { verifying_key: ByteBuf::from(key.to_vec()), reason: "new key".into(), setup };
    update::<Result<ModelInfo, Error>>(c, who, "rotate_key", encode_one(args).unwrap()).0
}

/// `get_model`.
pub fn get_model(c: &mut Canister, hash: ByteBuf) -> Option<ModelInfo> {
    query(c, stranger(), "get_model", encode_one(hash).unwrap())
}

/// `list_models`.
pub fn list_models(c: &mut Canister) -> Vec<ModelInfo> {
    query(c, stranger(), "list_models", encode_args(()).unwrap())
}

/// `verify` by `who` with [`VERIFY_CYCLES`] attached.
pub fn verify_as(c: &mut Canister, who: Principal, args: &VerifyArgs) -> (Result<Verified, Error>, CallResult) {
    call(c, who, "verify", encode_one(args).unwrap(), VERIFY_CYCLES)
}

/// `verify` by [`contract()`]; the result and the instructions of the call.
pub fn verify(c: &mut Canister, args: &VerifyArgs) -> (Result<Verified, Error>, u64) {
    let (r, res) = verify_as(c, contract(), args);
    (r, res.instructions[0])
}

/// `request_seed` by `who` with [`SEED_CYCLES`] attached.
pub fn request_seed_as(c: &mut Canister, who: Principal, req: &SeedRequest) -> Result<Ticket, Error> {
    call::<Result<Ticket, Error>>(c, who, "request_seed", encode_one(req).unwrap(), SEED_CYCLES).0
}

/// `request_seed` by [`contract()`] for `model` and `commitment`.
pub fn request_seed(c: &mut Canister, model: ByteBuf, commitment: ByteBuf) -> Result<Ticket, Error> {
    request_seed_as(c, contract(), &seed_request(model, commitment))
}

/// `get_ticket`.
pub fn ticket(c: &mut Canister, id: u64) -> Option<Ticket> {
    query(c, stranger(), "get_ticket", encode_one(id).unwrap())
}

/// `stats`.
pub fn stats(c: &mut Canister) -> Stats {
    query(c, stranger(), "stats", encode_args(()).unwrap())
}

/// `caller_stats(who)`.
pub fn caller_stats(c: &mut Canister, who: Principal) -> CallerStats {
    query(c, stranger(), "caller_stats", encode_one(who).unwrap())
}

/// The seed of a ticket as a prover input.
pub fn seed_of(t: &Ticket) -> [u8; 32] {
    t.seed.as_slice().try_into().unwrap()
}
