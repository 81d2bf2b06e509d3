//! The contract's state, all in stable memory (ic-stable-structures), so that an upgrade keeps open
//! requests, the uniqueness of events and commitments, and the operators' counters. Only the locks
//! held across an `await` live on the heap ([`InFlight`], [`Reserved`]): a canister is stopped
//! before an upgrade, which waits for its outstanding calls, so no lock is ever held across one.
//!
//! Every stored value is a [`Stored`]: one schema-version byte, then its candid encoding. Values
//! written by an earlier version are converted when read ([`Schema::from_v1`]); they are rewritten
//! in the current version the next time they are stored.
use crate::types::{DefiError, InitArgs, OperatorStats, Request, Settings};
use candid::{CandidType, Decode, Encode, Principal};
use ic_stable_structures::memory_manager::{MemoryId, MemoryManager, VirtualMemory};
use ic_stable_structures::storable::Bound;
use ic_stable_structures::{DefaultMemoryImpl, StableBTreeMap, StableCell, Storable};
use serde::Deserialize;
use serde_bytes::ByteBuf;
use sha2::{Digest, Sha256};
use std::borrow::Cow;
use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};
use std::marker::PhantomData;

type Mem = VirtualMemory<DefaultMemoryImpl>;

/// Schema version written in front of every stored value. Version 1 values are converted when read
/// (version 2 added `Config.max_settle_attempts`, `Request.refused_attempts` and
/// `Abandonment.exhausted`); a value of any other version is refused with `StateCorrupt` naming
/// both versions, never misread. Version 2 values may carry `Config.allow_single_party_setup` (an
/// `opt bool` of an earlier release that let the contract act on single-party keys): candid skips
/// the field, so they read as the same settings, and single-party keys are refused.
pub const SCHEMA_VERSION: u8 = 2;

/// Largest event, in bytes (the verifier's limit).
pub const MAX_EVENT_BYTES: usize = 64;
/// Most operators.
pub const MAX_OPERATORS: usize = 32;
/// Most closed requests removed by one `open` to make room.
pub const PRUNE_PER_CALL: usize = 64;

/// Defaults of the optional settings.
pub const DEFAULT_MAX_OPEN: u64 = 100;
/// Default most open requests per opener.
pub const DEFAULT_MAX_OPEN_PER_OPENER: u64 = 10;
/// Default most stored requests.
pub const DEFAULT_MAX_STORED: u64 = 10_000;
/// Default cycles for `request_seed` (the verifier's default `request_seed_fee`).
pub const DEFAULT_REQUEST_SEED_CYCLES: u64 = 40_000_000;
/// Default cycles for `verify` (the verifier's default `verify_fee`).
pub const DEFAULT_VERIFY_CYCLES: u64 = 1_000_000_000;
/// Default most refused `verify` calls per request.
pub const DEFAULT_MAX_SETTLE_ATTEMPTS: u32 = 3;

/// Settings and counts, kept in one stable cell.
#[derive(CandidType, Deserialize, Clone, Debug, PartialEq)]
pub struct Config {
    /// Verifier canister.
    pub verifier: Principal,
    /// Trusted model (32 bytes).
    pub model_hash: ByteBuf,
    /// Operators.
    pub operators: Vec<Principal>,
    /// Default class of new requests.
    pub default_class: u32,
    /// Caps.
    pub max_open_requests: u64,
    /// Per opener.
    pub max_open_per_opener: u64,
    /// Stored requests.
    pub max_stored_requests: u64,
    /// Cycles for `request_seed`.
    pub request_seed_cycles: u64,
    /// Cycles for `verify`.
    pub verify_cycles: u64,
    /// Most refused `verify` calls per request.
    pub max_settle_attempts: u32,
    /// Next request id.
    pub next_request_id: u64,
    /// Requests pending now.
    pub open_requests: u64,
}

impl Config {
    /// The checked settings of `args` (counts start at 0), or why they are invalid.
    pub fn from_args(args: &InitArgs) -> Result<Config, String> {
        if args.verifier == Principal::anonymous() || args.verifier == Principal::management_canister() {
            return Err(format!("InitArgs.verifier must be the verifier canister, not {}", args.verifier));
        }
        if args.model_hash.len() != 32 {
            return Err(format!("InitArgs.model_hash must be 32 bytes, got {}", args.model_hash.len()));
        }
        if args.operators.is_empty() || args.operators.len() > MAX_OPERATORS {
            return Err(format!(
                "InitArgs.operators must name 1 to {MAX_OPERATORS} principals, got {}",
                args.operators.len()
            ));
        }
        let mut seen = BTreeSet::new();
        for op in &args.operators {
            if *op == Principal::anonymous() || *op == args.verifier {
                return Err(format!("InitArgs.operators: {op} cannot be an operator"));
            }
            if !seen.insert(*op) {
                return Err(format!("InitArgs.operators names {op} twice"));
            }
        }
        let positive = |what: &str, v: Option<u64>, default: u64| match v.unwrap_or(default) {
            0 => Err(format!("InitArgs.{what} must be > 0")),
            v => Ok(v),
        };
        let max_open_requests = positive("max_open_requests", args.max_open_requests, DEFAULT_MAX_OPEN)?;
        let max_open_per_opener = positive(
            "max_open_per_opener",
            args.max_open_per_opener,
            DEFAULT_MAX_OPEN_PER_OPENER.min(max_open_requests),
        )?;
        let max_stored_requests =
            positive("max_stored_requests", args.max_stored_requests, DEFAULT_MAX_STORED.max(max_open_requests))?;
        if max_open_per_opener > max_open_requests {
            return Err(format!(
                "InitArgs.max_open_per_opener ({max_open_per_opener}) exceeds max_open_requests ({max_open_requests})"
            ));
        }
        if max_open_requests > max_stored_requests {
            return Err(format!(
                "InitArgs.max_open_requests ({max_open_requests}) exceeds max_stored_requests ({max_stored_requests}): open requests are never removed"
            ));
        }
        Ok(Config {
            verifier: args.verifier,
            model_hash: args.model_hash.clone(),
            operators: args.operators.clone(),
            default_class: args.default_class,
            max_open_requests,
            max_open_per_opener,
            max_stored_requests,
            request_seed_cycles: positive(
                "request_seed_cycles",
                args.request_seed_cycles,
                DEFAULT_REQUEST_SEED_CYCLES,
            )?,
            verify_cycles: positive("verify_cycles", args.verify_cycles, DEFAULT_VERIFY_CYCLES)?,
            max_settle_attempts: match args.max_settle_attempts.unwrap_or(DEFAULT_MAX_SETTLE_ATTEMPTS) {
                0 => return Err("InitArgs.max_settle_attempts must be >= 1".into()),
                n => n,
            },
            next_request_id: 1,
            open_requests: 0,
        })
    }

    /// Upgrade settings: `args` replace the settings, the counts carry over. While requests are
    /// open, the verifier and the model cannot change (their tickets live on that verifier).
    pub fn upgraded(&self, args: &InitArgs) -> Result<Config, String> {
        let mut next = Config::from_args(args)?;
        if self.open_requests > 0 && (next.verifier != self.verifier || next.model_hash != self.model_hash) {
            return Err(format!(
                "the verifier and the model cannot change while {} requests are open",
                self.open_requests
            ));
        }
        next.next_request_id = self.next_request_id;
        next.open_requests = self.open_requests;
        Ok(next)
    }

    /// Whether `p` is an operator.
    pub fn is_operator(&self, p: &Principal) -> bool {
        self.operators.contains(p)
    }

    /// The settings as `settings` reports them.
    pub fn settings(&self) -> Settings {
        Settings {
            verifier: self.verifier,
            model_hash: self.model_hash.clone(),
            operators: self.operators.clone(),
            default_class: self.default_class,
            max_open_requests: self.max_open_requests,
            max_open_per_opener: self.max_open_per_opener,
            max_stored_requests: self.max_stored_requests,
            request_seed_cycles: self.request_seed_cycles,
            verify_cycles: self.verify_cycles,
            max_settle_attempts: self.max_settle_attempts,
            open_requests: self.open_requests,
            stored_requests: REQUESTS.with(|r| r.borrow().len()),
            next_request_id: self.next_request_id,
        }
    }
}

/// A value held in stable memory: [`SCHEMA_VERSION`], then its candid bytes (encoded before the
/// insert, so an encoding failure is a typed error of the call, never empty bytes stored).
pub struct Stored<T> {
    bytes: Vec<u8>,
    _value: PhantomData<T>,
}

/// A stored type: how its values written by schema version 1 are read.
pub trait Schema: CandidType + for<'de> Deserialize<'de> + Sized {
    /// A value from the candid bytes of version 1 (by default, the same type).
    fn from_v1(candid: &[u8]) -> Result<Self, candid::Error> {
        Decode!(candid, Self)
    }
}

impl Schema for OperatorStats {}

impl Schema for Option<Config> {
    fn from_v1(candid: &[u8]) -> Result<Self, candid::Error> {
        Ok(Decode!(candid, Option<v1::Config>)?.map(Config::from))
    }
}

impl Schema for Request {
    fn from_v1(candid: &[u8]) -> Result<Self, candid::Error> {
        Ok(Decode!(candid, v1::Request)?.into())
    }
}

/// The stored types of schema version 1, as far as they differ from the current ones.
pub mod v1 {
    use crate::types::RequestOutcome;
    use candid::{CandidType, Principal};
    use serde::Deserialize;
    use serde_bytes::ByteBuf;

    /// `Config` without `max_settle_attempts`.
    #[derive(CandidType, Deserialize, Clone, Debug, PartialEq)]
    #[allow(missing_docs)]
    pub struct Config {
        pub verifier: Principal,
        pub model_hash: ByteBuf,
        pub operators: Vec<Principal>,
        pub default_class: u32,
        pub max_open_requests: u64,
        pub max_open_per_opener: u64,
        pub max_stored_requests: u64,
        pub request_seed_cycles: u64,
        pub verify_cycles: u64,
        pub next_request_id: u64,
        pub open_requests: u64,
    }

    /// `Request` without `refused_attempts` (its outcome's `Abandonment.exhausted` is an `opt`
    /// field: absent, it reads as none).
    #[derive(CandidType, Deserialize, Clone, Debug, PartialEq)]
    #[allow(missing_docs)]
    pub struct Request {
        pub id: u64,
        pub event: String,
        pub input_commitment: ByteBuf,
        pub ticket: u64,
        pub seed: ByteBuf,
        pub operator: Principal,
        pub opener: Principal,
        pub opened_at: u64,
        pub deadline: u64,
        pub default_class: u32,
        pub outcome: RequestOutcome,
        pub closed_at: Option<u64>,
    }
}

impl From<v1::Config> for Config {
    fn from(c: v1::Config) -> Config {
        Config {
            verifier: c.verifier,
            model_hash: c.model_hash,
            operators: c.operators,
            default_class: c.default_class,
            max_open_requests: c.max_open_requests,
            max_open_per_opener: c.max_open_per_opener,
            max_stored_requests: c.max_stored_requests,
            request_seed_cycles: c.request_seed_cycles,
            verify_cycles: c.verify_cycles,
            max_settle_attempts: DEFAULT_MAX_SETTLE_ATTEMPTS,
            next_request_id: c.next_request_id,
            open_requests: c.open_requests,
        }
    }
}

impl From<v1::Request> for Request {
    fn from(r: v1::Request) -> Request {
        Request {
            id: r.id,
            event: r.event,
            input_commitment: r.input_commitment,
            ticket: r.ticket,
            seed: r.seed,
            operator: r.operator,
            opener: r.opener,
            opened_at: r.opened_at,
            deadline: r.deadline,
            default_class: r.default_class,
            outcome: r.outcome,
            closed_at: r.closed_at,
            refused_attempts: 0,
        }
    }
}

impl<T: Schema> Stored<T> {
    /// The versioned candid encoding of `value`.
    pub fn encode(value: &T) -> Result<Self, DefiError> {
        let mut bytes = vec![SCHEMA_VERSION];
        bytes.extend(Encode!(value).map_err(|e| state_error::<T>("encoding", e))?);
        Ok(Stored { bytes, _value: PhantomData })
    }
    /// The stored value.
    pub fn decode(&self) -> Result<T, DefiError> {
        match self.bytes.split_first() {
            Some((&SCHEMA_VERSION, candid)) => Decode!(candid, T).map_err(|e| state_error::<T>("decoding", e)),
            Some((1, candid)) => T::from_v1(candid).map_err(|e| state_error::<T>("decoding (version 1)", e)),
            Some((v, _)) => Err(state_error::<T>(
                "decoding",
                format!("schema version {v}, this code reads versions 1 to {SCHEMA_VERSION}"),
            )),
            None => Err(state_error::<T>("decoding", "no bytes")),
        }
    }
}

fn state_error<T>(what: &str, e: impl std::fmt::Display) -> DefiError {
    DefiError::StateCorrupt { reason: format!("{what} a stored {}: {e}", std::any::type_name::<T>()) }
}

impl<T> Storable for Stored<T> {
    fn to_bytes(&self) -> Cow<'_, [u8]> {
        Cow::Borrowed(&self.bytes)
    }
    fn into_bytes(self) -> Vec<u8> {
        self.bytes
    }
    fn from_bytes(bytes: Cow<[u8]>) -> Self {
        Stored { bytes: bytes.into_owned(), _value: PhantomData }
    }
    const BOUND: Bound = Bound::Unbounded;
}

fn memory(id: u8) -> Mem {
    MEMORY.with(|m| m.borrow().get(MemoryId::new(id)))
}

/// Requests reserved across the `request_seed` await (counted against the caps).
#[derive(Default)]
pub struct Reserved {
    /// All openers.
    pub total: u64,
    /// Per opener.
    pub per_opener: BTreeMap<Principal, u64>,
}

thread_local! {
    static MEMORY: RefCell<MemoryManager<DefaultMemoryImpl>> = RefCell::new(MemoryManager::init(DefaultMemoryImpl::default()));
    /// Settings and counts (`None` before `init`).
    static CONFIG: RefCell<StableCell<Stored<Option<Config>>, Mem>> = RefCell::new(StableCell::init(
        memory(0),
        // empty bytes never decode: `config()` then reports the state as corrupt instead of guessing
        Stored::encode(&None).unwrap_or(Stored { bytes: Vec::new(), _value: PhantomData }),
    ));
    /// Request id -> request.
    pub static REQUESTS: RefCell<StableBTreeMap<u64, Stored<Request>, Mem>> = RefCell::new(StableBTreeMap::init(memory(1)));
    /// SHA-256 of ("event" | event) or ("commitment" | commitment) -> the request opened for it.
    /// Never removed: one request per event and per commitment, ever.
    pub static KEYS: RefCell<StableBTreeMap<[u8; 32], u64, Mem>> = RefCell::new(StableBTreeMap::init(memory(2)));
    /// Operator -> counters.
    pub static OPERATORS: RefCell<StableBTreeMap<Principal, Stored<OperatorStats>, Mem>> = RefCell::new(StableBTreeMap::init(memory(3)));
    /// Opener -> requests it has open.
    pub static OPEN_BY_OPENER: RefCell<StableBTreeMap<Principal, u64, Mem>> = RefCell::new(StableBTreeMap::init(memory(4)));
    /// Closed requests by closing time: (closed_at, id); the first ones are removed first.
    pub static CLOSED: RefCell<StableBTreeMap<(u64, u64), (), Mem>> = RefCell::new(StableBTreeMap::init(memory(5)));
    /// Requests being opened (heap; see the module docs).
    pub static RESERVED: RefCell<Reserved> = RefCell::new(Reserved::default());
    /// Requests whose settlement waits for the verifier (heap; see the module docs).
    pub static IN_FLIGHT: RefCell<BTreeSet<u64>> = const { RefCell::new(BTreeSet::new()) };
}

/// The settings and counts.
pub fn config() -> Result<Config, DefiError> {
    CONFIG
        .with(|c| c.borrow().get().decode())?
        .ok_or_else(|| DefiError::StateCorrupt { reason: "the contract was never initialised".into() })
}

/// Stores the settings and counts.
pub fn put_config(cfg: &Config) -> Result<(), DefiError> {
    let stored = Stored::encode(&Some(cfg.clone()))?;
    CONFIG.with(|c| c.borrow_mut().set(stored));
    Ok(())
}

/// Updates the settings and counts.
pub fn update_config(f: impl FnOnce(&mut Config)) -> Result<(), DefiError> {
    let mut cfg = config()?;
    f(&mut cfg);
    put_config(&cfg)
}

/// A request.
pub fn request(id: u64) -> Result<Option<Request>, DefiError> {
    REQUESTS.with(|r| r.borrow().get(&id)).map(|s| s.decode()).transpose()
}

/// Stores a request.
pub fn put_request(req: &Request) -> Result<(), DefiError> {
    let stored = Stored::encode(req)?;
    REQUESTS.with(|r| r.borrow_mut().insert(req.id, stored));
    Ok(())
}

/// Up to `limit` requests with id >= `start`, by id.
pub fn requests_from(start: u64, limit: usize) -> Result<Vec<Request>, DefiError> {
    REQUESTS.with(|r| r.borrow().range(start..).take(limit).map(|e| e.value().decode()).collect())
}

/// An operator's counters.
pub fn operator_stats(p: &Principal) -> Result<OperatorStats, DefiError> {
    Ok(OPERATORS.with(|o| o.borrow().get(p)).map(|s| s.decode()).transpose()?.unwrap_or_default())
}

/// Updates an operator's counters.
pub fn update_operator(p: Principal, f: impl FnOnce(&mut OperatorStats)) -> Result<(), DefiError> {
    let mut stats = operator_stats(&p)?;
    f(&mut stats);
    let stored = Stored::encode(&stats)?;
    OPERATORS.with(|o| o.borrow_mut().insert(p, stored));
    Ok(())
}

/// Requests `opener` has open (stored ones, not counting reservations).
pub fn open_by(opener: &Principal) -> u64 {
    OPEN_BY_OPENER.with(|m| m.borrow().get(opener)).unwrap_or(0)
}

/// Adds `delta` (+1 or -1) to `opener`'s open requests.
pub fn add_open_by(opener: Principal, delta: i64) {
    let n = open_by(&opener).saturating_add_signed(delta);
    OPEN_BY_OPENER.with(|m| {
        let mut m = m.borrow_mut();
        if n == 0 {
            m.remove(&opener);
        } else {
            m.insert(opener, n);
        }
    });
}

/// The uniqueness key of an event or an input commitment.
pub fn unique_key(kind: &[u8], value: &[u8]) -> [u8; 32] {
    let mut h = Sha256::new();
    for part in [kind, value] {
        h.update((part.len() as u32).to_be_bytes());
        h.update(part);
    }
    h.finalize().into()
}

/// Removes the oldest closed requests until fewer than `max` are stored (at most
/// [`PRUNE_PER_CALL`]); whether there is room for one more.
pub fn make_room(max: u64) -> bool {
    for _ in 0..PRUNE_PER_CALL {
        if REQUESTS.with(|r| r.borrow().len()) < max {
            return true;
        }
        let Some(((at, id), ())) = CLOSED.with(|c| c.borrow().first_key_value()) else {
            return false;
        };
        CLOSED.with(|c| c.borrow_mut().remove(&(at, id)));
        REQUESTS.with(|r| r.borrow_mut().remove(&id));
    }
    REQUESTS.with(|r| r.borrow().len()) < max
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::RequestOutcome;

    fn args() -> InitArgs {
        InitArgs {
            verifier: Principal::from_slice(&[9; 10]),
            model_hash: ByteBuf::from(vec![1; 32]),
            operators: vec![Principal::from_slice(&[5; 29])],
            default_class: 0,
            max_open_requests: None,
            max_open_per_opener: None,
            max_stored_requests: None,
            request_seed_cycles: None,
            verify_cycles: None,
            max_settle_attempts: None,
        }
    }

    #[test]
    fn init_args_are_checked() {
        let c = Config::from_args(&args()).unwrap();
        assert_eq!((c.max_open_requests, c.max_open_per_opener, c.max_stored_requests), (100, 10, 10_000));
        assert_eq!((c.request_seed_cycles, c.verify_cycles), (40_000_000, 1_000_000_000));
        assert_eq!(c.max_settle_attempts, 3);
        assert_eq!(
            Config::from_args(&InitArgs { max_settle_attempts: Some(1), ..args() }).unwrap().max_settle_attempts,
            1
        );
        let op = args().operators[0];
        let bad: Vec<(InitArgs, &str)> = vec![
            (InitArgs { verifier: Principal::anonymous(), ..args() }, "verifier"),
            (InitArgs { model_hash: ByteBuf::from(vec![1; 31]), ..args() }, "model_hash"),
            (InitArgs { operators: vec![], ..args() }, "operators"),
            (InitArgs { operators: vec![op, op], ..args() }, "twice"),
            (InitArgs { operators: vec![Principal::anonymous()], ..args() }, "operator"),
            (InitArgs { operators: vec![Principal::from_slice(&[9; 10])], ..args() }, "operator"),
            (InitArgs { max_open_requests: Some(0), ..args() }, "max_open_requests"),
            (InitArgs { verify_cycles: Some(0), ..args() }, "verify_cycles"),
            (InitArgs { max_settle_attempts: Some(0), ..args() }, "max_settle_attempts must be >= 1"),
            (InitArgs { max_open_requests: Some(5), max_stored_requests: Some(4), ..args() }, "exceeds"),
            (InitArgs { max_open_requests: Some(5), max_open_per_opener: Some(6), ..args() }, "exceeds"),
        ];
        for (a, word) in bad {
            let e = Config::from_args(&a).unwrap_err();
            assert!(e.contains(word), "{a:?}: {e}");
        }
        // small caps: the defaults of the others follow them
        let c = Config::from_args(&InitArgs { max_open_requests: Some(3), ..args() }).unwrap();
        assert_eq!((c.max_open_per_opener, c.max_stored_requests), (3, 10_000));
    }

    #[test]
    fn an_upgrade_keeps_counts_and_the_verifier_of_open_requests() {
        let mut c = Config::from_args(&args()).unwrap();
        c.next_request_id = 7;
        c.open_requests = 2;
        let other = InitArgs { verifier: Principal::from_slice(&[8; 10]), ..args() };
        assert!(c.upgraded(&other).unwrap_err().contains("cannot change"));
        let next = c.upgraded(&InitArgs { default_class: 3, max_settle_attempts: Some(5), ..args() }).unwrap();
        assert_eq!((next.next_request_id, next.open_requests, next.default_class), (7, 2, 3));
        assert_eq!(next.max_settle_attempts, 5);
        assert!(c.upgraded(&InitArgs { max_settle_attempts: Some(0), ..args() }).unwrap_err().contains(">= 1"));
    }

    /// A version-2 `Config` stored while `allow_single_party_setup` existed (an `opt bool`, set or
    /// not) reads as the same settings and counts; the field is ignored, so a contract that allowed
    /// single-party keys refuses them after the upgrade. Upgrade arguments that still carry the
    /// field decode too (candid drops record fields the type does not name).
    #[test]
    fn a_config_stored_with_allow_single_party_setup_still_reads() {
        #[derive(CandidType, Deserialize)]
        struct Before {
            verifier: Principal,
            model_hash: ByteBuf,
            operators: Vec<Principal>,
            default_class: u32,
            max_open_requests: u64,
            max_open_per_opener: u64,
            max_stored_requests: u64,
            request_seed_cycles: u64,
            verify_cycles: u64,
            max_settle_attempts: u32,
            allow_single_party_setup: Option<bool>,
            next_request_id: u64,
            open_requests: u64,
        }
        let c = Config::from_args(&args()).unwrap();
        for allow in [Some(true), None] {
            let before = Before {
                verifier: c.verifier,
                model_hash: c.model_hash.clone(),
                operators: c.operators.clone(),
                default_class: c.default_class,
                max_open_requests: c.max_open_requests,
                max_open_per_opener: c.max_open_per_opener,
                max_stored_requests: c.max_stored_requests,
                request_seed_cycles: c.request_seed_cycles,
                verify_cycles: c.verify_cycles,
                max_settle_attempts: 4,
                allow_single_party_setup: allow,
                next_request_id: 9,
                open_requests: 2,
            };
            let bytes = [&[SCHEMA_VERSION][..], &Encode!(&Some(before)).unwrap()].concat();
            let read = Stored::<Option<Config>>::from_bytes(Cow::Owned(bytes)).decode().unwrap().unwrap();
            let expected = Config { max_settle_attempts: 4, next_request_id: 9, open_requests: 2, ..c.clone() };
            assert_eq!(read, expected, "allow_single_party_setup = {allow:?}");
            // written back, it reads the same
            let again = Stored::encode(&Some(read.clone())).unwrap();
            assert_eq!(Stored::<Option<Config>>::from_bytes(again.to_bytes()).decode().unwrap(), Some(read));
        }

        /// `InitArgs` as a client of the earlier interface sends them.
        #[derive(CandidType)]
        struct OldInitArgs {
            verifier: Principal,
            model_hash: ByteBuf,
            operators: Vec<Principal>,
            default_class: u32,
            max_open_requests: Option<u64>,
            max_open_per_opener: Option<u64>,
            max_stored_requests: Option<u64>,
            request_seed_cycles: Option<u64>,
            verify_cycles: Option<u64>,
            max_settle_attempts: Option<u32>,
            allow_single_party_setup: Option<bool>,
        }
        let a = args();
        let old = OldInitArgs {
            verifier: a.verifier,
            model_hash: a.model_hash.clone(),
            operators: a.operators.clone(),
            default_class: 5,
            max_open_requests: None,
            max_open_per_opener: None,
            max_stored_requests: None,
            request_seed_cycles: None,
            verify_cycles: None,
            max_settle_attempts: Some(2),
            allow_single_party_setup: Some(true),
        };
        let decoded = Decode!(&Encode!(&Some(old)).unwrap(), Option<InitArgs>).unwrap();
        assert_eq!(decoded, Some(InitArgs { default_class: 5, max_settle_attempts: Some(2), ..a }));
    }

    #[test]
    fn stored_values_carry_the_schema_version() {
        let stats = OperatorStats { opened: 3, settled: 1, abandoned: 2 };
        let s = Stored::encode(&stats).unwrap();
        assert_eq!(s.to_bytes()[0], SCHEMA_VERSION);
        assert_eq!(&s.to_bytes()[1..], Encode!(&stats).unwrap().as_slice());
        assert_eq!(Stored::<OperatorStats>::from_bytes(s.to_bytes()).decode().unwrap(), stats);
        let mut other = s.to_bytes().into_owned();
        other[0] = SCHEMA_VERSION + 1;
        for bytes in [other, vec![], Encode!(&RequestOutcome::Pending).unwrap()] {
            assert!(matches!(
                Stored::<OperatorStats>::from_bytes(Cow::Owned(bytes)).decode(),
                Err(DefiError::StateCorrupt { .. })
            ));
        }
    }

    /// Values written by schema version 1 (before `max_settle_attempts`) read as version 2: the
    /// default limit, no refused attempts, abandonments without `exhausted`.
    #[test]
    fn version_1_values_are_converted() {
        let c1 = v1::Config {
            verifier: Principal::from_slice(&[9; 10]),
            model_hash: ByteBuf::from(vec![1; 32]),
            operators: vec![Principal::from_slice(&[5; 29])],
            default_class: 2,
            max_open_requests: 100,
            max_open_per_opener: 10,
            max_stored_requests: 10_000,
            request_seed_cycles: 40_000_000,
            verify_cycles: 1_000_000_000,
            next_request_id: 8,
            open_requests: 1,
        };
        let old = |candid: Vec<u8>| Cow::Owned([&[1u8][..], &candid].concat());
        let c = Stored::<Option<Config>>::from_bytes(old(Encode!(&Some(c1.clone())).unwrap())).decode().unwrap();
        let c = c.unwrap();
        assert_eq!((c.max_settle_attempts, c.next_request_id, c.open_requests), (3, 8, 1));
        assert_eq!(Config::from(c1), c);

        /// Version 1's `Abandonment` (no `exhausted`).
        #[derive(CandidType, Deserialize)]
        struct OldAbandonment {
            default_class: u32,
        }
        #[derive(CandidType, Deserialize)]
        enum OldOutcome {
            #[serde(rename = "abandoned")]
            Abandoned(OldAbandonment),
        }
        #[derive(CandidType, Deserialize)]
        struct OldRequest {
            id: u64,
            event: String,
            input_commitment: ByteBuf,
            ticket: u64,
            seed: ByteBuf,
            operator: Principal,
            opener: Principal,
            opened_at: u64,
            deadline: u64,
            default_class: u32,
            outcome: OldOutcome,
            closed_at: Option<u64>,
        }
        let r1 = OldRequest {
            id: 4,
            event: "loan".into(),
            input_commitment: ByteBuf::from(vec![3; 32]),
            ticket: 6,
            seed: ByteBuf::from(vec![7; 32]),
            operator: Principal::from_slice(&[5; 29]),
            opener: Principal::from_slice(&[6; 29]),
            opened_at: 10,
            deadline: 20,
            default_class: 2,
            outcome: OldOutcome::Abandoned(OldAbandonment { default_class: 2 }),
            closed_at: Some(21),
        };
        let r = Stored::<Request>::from_bytes(old(Encode!(&r1).unwrap())).decode().unwrap();
        assert_eq!((r.id, r.ticket, r.closed_at, r.refused_attempts), (4, 6, Some(21), 0));
        assert_eq!(
            r.outcome,
            RequestOutcome::Abandoned(crate::types::Abandonment { default_class: 2, exhausted: None })
        );
        // written back, it is version 2 and reads the same
        let again = Stored::encode(&r).unwrap();
        assert_eq!(again.to_bytes()[0], 2);
        assert_eq!(Stored::<Request>::from_bytes(again.to_bytes()).decode().unwrap(), r);
        // version 1 operator counters are unchanged
        let stats = OperatorStats { opened: 3, settled: 1, abandoned: 2 };
        assert_eq!(Stored::<OperatorStats>::from_bytes(old(Encode!(&stats).unwrap())).decode().unwrap(), stats);
    }
}
