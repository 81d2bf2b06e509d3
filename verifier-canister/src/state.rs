//! Canister state in stable memory (survives upgrades) plus two heap caches rebuilt after an upgrade:
//! prepared verifying keys and the certified tree of verification records.
//!
//! Every stored value is a [`Stored`]: one schema-version byte, then its candid encoding. Values
//! written by an earlier version are converted when read ([`Schema::from_v1`]); they are rewritten
//! in the current version the next time they are stored.
use crate::types::{CallerStats, Error, InitArgs, ModelInfo, SetupProvenance, Ticket, Verified};
use candid::{CandidType, Decode, Encode, Principal};
use ic_certified_map::{AsHashTree, Hash, RbTree};
use ic_stable_structures::memory_manager::{MemoryId, MemoryManager, VirtualMemory};
use ic_stable_structures::storable::Bound;
use ic_stable_structures::{DefaultMemoryImpl, StableBTreeMap, StableCell, Storable};
use serde::Deserialize;
use serde_bytes::ByteBuf;
use sha2::{Digest, Sha256};
use std::borrow::Cow;
use std::rc::Rc;

/// A registered key ready to check proofs, by backend (the heap cache [`PREPARED`]).
#[derive(Clone)]
pub enum Prepared {
    /// Groth16.
    Groth16(verinfer_verifier::PreparedVerifyingKey),
    /// halo2 (its parameters and regenerated key: shared, not copied, by each verify).
    Halo2(Rc<verinfer_halo2::verifier::PreparedKey>),
}
use std::cell::RefCell;
use std::collections::BTreeMap;
use std::marker::PhantomData;

type Mem = VirtualMemory<DefaultMemoryImpl>;

/// Schema version written in front of every stored value. Version 1 values are converted when read
/// (version 2 added `ModelInfo.setup`, `Config.require_ceremony` and `Config.ceremony_models`: a
/// version-1 model reads as single-party); a value of any other version is refused with
/// `StateCorrupt` naming both versions, never misread. A later version that changes a stored type
/// bumps this and converts the old bytes in [`Stored::decode`].
pub const SCHEMA_VERSION: u8 = 2;

/// A registered model as stored: its info and the verifying key bytes.
#[derive(CandidType, Deserialize, Clone, Debug)]
pub struct ModelRecord {
    /// Public info.
    pub info: ModelInfo,
    /// The `verifying.key` bytes (a blob: candid decodes `Vec<u8>` byte by byte).
    pub key: ByteBuf,
}

/// Counters since install.
#[derive(CandidType, Deserialize, Clone, Debug, Default, PartialEq)]
pub struct Counters {
    /// Tickets issued.
    pub tickets_issued: u64,
    /// Tickets consumed by a verified proof.
    pub tickets_consumed: u64,
    /// Tickets whose deadline passed unconsumed.
    pub tickets_abandoned: u64,
    /// `verify` calls that accepted a proof.
    pub verifications_accepted: u64,
    /// `verify` calls that returned an error.
    pub verifications_refused: u64,
    /// Cycles callers paid.
    pub cycles_collected: u128,
}

/// Settings and counters.
#[derive(CandidType, Deserialize, Clone, Debug, PartialEq)]
pub struct Config {
    /// Next ticket id.
    pub next_ticket_id: u64,
    /// Next verification record id.
    pub next_verification_id: u64,
    /// Settlement window of a ticket (ns).
    pub ticket_ttl_ns: u64,
    /// Cap on open tickets, all callers.
    pub max_tickets: u64,
    /// Cap on open tickets per caller.
    pub max_tickets_per_caller: u64,
    /// How long closed tickets and verification records are kept (ns).
    pub retention_ns: u64,
    /// Cycles `request_seed` costs a caller.
    pub request_seed_fee: u64,
    /// Cycles `verify` requires attached.
    pub verify_fee: u64,
    /// Subnet cost multiplier, percent of a 13-node subnet.
    pub subnet_cost_percent: u64,
    /// Open tickets now.
    pub open_tickets: u64,
    /// Counters.
    pub counters: Counters,
    /// Whether registrations and rotations refuse single-party keys.
    pub require_ceremony: bool,
    /// Registered models whose current key is declared as from a ceremony.
    pub ceremony_models: u64,
}

const SECOND: u64 = 1_000_000_000;

impl Default for Config {
    fn default() -> Self {
        Config {
            next_ticket_id: 1,
            next_verification_id: 1,
            ticket_ttl_ns: 600 * SECOND,
            max_tickets: 10_000,
            max_tickets_per_caller: 100,
            retention_ns: 86_400 * SECOND,
            request_seed_fee: 40_000_000,
            verify_fee: 1_000_000_000,
            subnet_cost_percent: 260,
            open_tickets: 0,
            counters: Counters::default(),
            require_ceremony: false,
            ceremony_models: 0,
        }
    }
}

impl Config {
    /// Applies init/upgrade settings; every given value must be positive (and fit in ns).
    pub fn apply(&mut self, args: &InitArgs) -> Result<(), Error> {
        let positive = |what: &str, v: Option<u64>| -> Result<Option<u64>, Error> {
            match v {
                Some(0) => Err(Error::InvalidArgument { reason: format!("InitArgs.{what} must be > 0") }),
                v => Ok(v),
            }
        };
        let ns = |what: &str, v: Option<u64>| -> Result<Option<u64>, Error> {
            positive(what, v)?
                .map(|s| {
                    s.checked_mul(SECOND).ok_or_else(|| Error::InvalidArgument {
                        reason: format!("InitArgs.{what} is too large: {s} s"),
                    })
                })
                .transpose()
        };
        let mut next = self.clone();
        if let Some(v) = ns("ticket_ttl_seconds", args.ticket_ttl_seconds)? {
            next.ticket_ttl_ns = v;
        }
        if let Some(v) = ns("retention_seconds", args.retention_seconds)? {
            next.retention_ns = v;
        }
        let fields = [
            ("max_tickets", args.max_tickets, &mut next.max_tickets),
            ("max_tickets_per_caller", args.max_tickets_per_caller, &mut next.max_tickets_per_caller),
            ("request_seed_fee", args.request_seed_fee, &mut next.request_seed_fee),
            ("verify_fee", args.verify_fee, &mut next.verify_fee),
            ("subnet_cost_percent", args.subnet_cost_percent, &mut next.subnet_cost_percent),
        ];
        for (what, v, slot) in fields {
            if let Some(v) = positive(what, v)? {
                *slot = v;
            }
        }
        if let Some(v) = args.require_ceremony {
            next.require_ceremony = v;
        }
        *self = next;
        Ok(())
    }
}

/// A value held in stable memory: [`SCHEMA_VERSION`], then its candid bytes. Encoding happens in
/// [`Stored::encode`], before the value reaches a map, so that a value candid cannot encode is a typed
/// error of the call that tried to store it (never empty bytes written in its place).
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

impl Schema for Ticket {}
impl Schema for CallerStats {}
impl Schema for Verified {}

impl Schema for ModelRecord {
    fn from_v1(candid: &[u8]) -> Result<Self, candid::Error> {
        Ok(Decode!(candid, v1::ModelRecord)?.into())
    }
}

impl Schema for Config {
    fn from_v1(candid: &[u8]) -> Result<Self, candid::Error> {
        Ok(Decode!(candid, v1::Config)?.into())
    }
}

/// The stored types of schema version 1, as far as they differ from the current ones.
pub mod v1 {
    use super::Counters;
    use crate::types::{Backend, OutputMode};
    use candid::{CandidType, Principal};
    use serde::Deserialize;
    use serde_bytes::ByteBuf;

    /// `ModelInfo` without `setup`.
    #[derive(CandidType, Deserialize, Clone, Debug, PartialEq)]
    #[allow(missing_docs)]
    pub struct ModelInfo {
        pub model_hash: ByteBuf,
        pub name: String,
        pub version: String,
        pub backend: Backend,
        pub output_mode: OutputMode,
        pub output_len: u32,
        pub public_inputs: u32,
        pub metadata: Vec<(String, String)>,
        pub registered_by: Principal,
        pub registered_at: u64,
        pub registration_instructions: u64,
        pub retired: bool,
        pub key_hash: ByteBuf,
        pub key_rotations: u32,
    }

    /// `ModelRecord` with a version-1 `ModelInfo`.
    #[derive(CandidType, Deserialize, Clone, Debug, PartialEq)]
    #[allow(missing_docs)]
    pub struct ModelRecord {
        pub info: ModelInfo,
        pub key: ByteBuf,
    }

    /// `Config` without `require_ceremony` and `ceremony_models`.
    #[derive(CandidType, Deserialize, Clone, Debug, PartialEq)]
    #[allow(missing_docs)]
    pub struct Config {
        pub next_ticket_id: u64,
        pub next_verification_id: u64,
        pub ticket_ttl_ns: u64,
        pub max_tickets: u64,
        pub max_tickets_per_caller: u64,
        pub retention_ns: u64,
        pub request_seed_fee: u64,
        pub verify_fee: u64,
        pub subnet_cost_percent: u64,
        pub open_tickets: u64,
        pub counters: Counters,
    }
}

impl From<v1::ModelRecord> for ModelRecord {
    /// Every key registered before provenance existed came from `verinfer setup`.
    fn from(r: v1::ModelRecord) -> ModelRecord {
        let i = r.info;
        ModelRecord {
            info: ModelInfo {
                model_hash: i.model_hash,
                name: i.name,
                version: i.version,
                backend: i.backend,
                output_mode: i.output_mode,
                output_len: i.output_len,
                public_inputs: i.public_inputs,
                metadata: i.metadata,
                registered_by: i.registered_by,
                registered_at: i.registered_at,
                registration_instructions: i.registration_instructions,
                retired: i.retired,
                key_hash: i.key_hash,
                key_rotations: i.key_rotations,
                setup: SetupProvenance::single_party(),
            },
            key: r.key,
        }
    }
}

impl From<v1::Config> for Config {
    /// Version 1 had no ceremonies: none required, no ceremony model registered.
    fn from(c: v1::Config) -> Config {
        Config {
            next_ticket_id: c.next_ticket_id,
            next_verification_id: c.next_verification_id,
            ticket_ttl_ns: c.ticket_ttl_ns,
            max_tickets: c.max_tickets,
            max_tickets_per_caller: c.max_tickets_per_caller,
            retention_ns: c.retention_ns,
            request_seed_fee: c.request_seed_fee,
            verify_fee: c.verify_fee,
            subnet_cost_percent: c.subnet_cost_percent,
            open_tickets: c.open_tickets,
            counters: c.counters,
            require_ceremony: false,
            ceremony_models: 0,
        }
    }
}

impl<T: Schema> Stored<T> {
    /// The versioned candid encoding of `value`.
    pub fn encode(value: &T) -> Result<Self, Error> {
        let mut bytes = vec![SCHEMA_VERSION];
        bytes.extend(Encode!(value).map_err(|e| state_error::<T>("encoding", e))?);
        Ok(Stored { bytes, _value: PhantomData })
    }
    /// The stored value.
    pub fn decode(&self) -> Result<T, Error> {
        match self.bytes.split_first() {
            Some((&SCHEMA_VERSION, candid)) => Decode!(candid, T).map_err(|e| state_error::<T>("decoding", e)),
            Some((1, candid)) => T::from_v1(candid).map_err(|e| state_error::<T>("decoding version 1 of", e)),
            Some((v, _)) => Err(state_error::<T>(
                "decoding",
                format!("schema version {v}, this code reads versions 1 and {SCHEMA_VERSION}"),
            )),
            None => Err(state_error::<T>("decoding", "no bytes")),
        }
    }
    /// The candid encoding (what the certified tree holds the hash of, for a record).
    pub fn candid(&self) -> &[u8] {
        self.bytes.get(1..).unwrap_or_default()
    }
    /// SHA-256 of [`Stored::candid`].
    pub fn candid_hash(&self) -> Hash {
        Sha256::digest(self.candid()).into()
    }
}

fn state_error<T>(what: &str, e: impl std::fmt::Display) -> Error {
    Error::StateCorrupt { reason: format!("{what} a stored {}: {e}", std::any::type_name::<T>()) }
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

thread_local! {
    static MEMORY: RefCell<MemoryManager<DefaultMemoryImpl>> = RefCell::new(MemoryManager::init(DefaultMemoryImpl::default()));
    /// Model hash -> record.
    pub static MODELS: RefCell<StableBTreeMap<[u8; 32], Stored<ModelRecord>, Mem>> = RefCell::new(StableBTreeMap::init(memory(0)));
    /// Registrar principals.
    pub static REGISTRARS: RefCell<StableBTreeMap<Principal, u8, Mem>> = RefCell::new(StableBTreeMap::init(memory(1)));
    /// Ticket id -> ticket.
    pub static TICKETS: RefCell<StableBTreeMap<u64, Stored<Ticket>, Mem>> = RefCell::new(StableBTreeMap::init(memory(2)));
    /// Settings and counters.
    pub static CONFIG: RefCell<StableCell<Stored<Config>, Mem>> = RefCell::new(StableCell::init(
        memory(3),
        // empty bytes never decode: `config()` then reports the state as corrupt instead of guessing
        Stored::encode(&Config::default()).unwrap_or(Stored { bytes: Vec::new(), _value: PhantomData }),
    ));
    /// Open tickets by deadline: (expires_at, id).
    pub static OPEN_BY_DEADLINE: RefCell<StableBTreeMap<(u64, u64), (), Mem>> = RefCell::new(StableBTreeMap::init(memory(4)));
    /// Closed tickets by removal time: (removed_at, id).
    pub static CLOSED_BY_REMOVAL: RefCell<StableBTreeMap<(u64, u64), (), Mem>> = RefCell::new(StableBTreeMap::init(memory(5)));
    /// SHA-256 of (caller, kind, value) -> ticket id: one ticket per caller and event or commitment.
    pub static REQUEST_KEYS: RefCell<StableBTreeMap<[u8; 32], u64, Mem>> = RefCell::new(StableBTreeMap::init(memory(6)));
    /// Per-principal counters.
    pub static CALLERS: RefCell<StableBTreeMap<Principal, Stored<CallerStats>, Mem>> = RefCell::new(StableBTreeMap::init(memory(7)));
    /// Verification records by id.
    pub static VERIFICATIONS: RefCell<StableBTreeMap<u64, Stored<Verified>, Mem>> = RefCell::new(StableBTreeMap::init(memory(8)));
    /// Prepared verifying keys (heap): rebuilt lazily from the stored key bytes.
    pub static PREPARED: RefCell<BTreeMap<[u8; 32], Prepared>> = const { RefCell::new(BTreeMap::new()) };
    /// Certified tree of verification records (heap): id (8 bytes big-endian) -> SHA-256 of the
    /// record's candid; rebuilt from `VERIFICATIONS` after an upgrade.
    pub static CERTIFIED: RefCell<RbTree<Vec<u8>, Hash>> = const { RefCell::new(RbTree::new()) };
}

/// The current settings.
pub fn config() -> Result<Config, Error> {
    CONFIG.with(|c| c.borrow().get().decode())
}

/// Updates the settings.
pub fn set_config(f: impl FnOnce(&mut Config) -> Result<(), Error>) -> Result<(), Error> {
    let mut cfg = config()?;
    f(&mut cfg)?;
    let stored = Stored::encode(&cfg)?;
    CONFIG.with(|c| c.borrow_mut().set(stored));
    Ok(())
}

/// A registered model.
pub fn model(hash: &[u8; 32]) -> Result<Option<ModelRecord>, Error> {
    MODELS.with(|m| m.borrow().get(hash)).map(|s| s.decode()).transpose()
}

/// Every registered model, by hash.
pub fn models() -> Result<Vec<([u8; 32], ModelRecord)>, Error> {
    MODELS.with(|m| m.borrow().iter().map(|e| Ok((*e.key(), e.value().decode()?))).collect())
}

/// Stores a model record.
pub fn put_model(hash: [u8; 32], record: &ModelRecord) -> Result<(), Error> {
    let stored = Stored::encode(record)?;
    MODELS.with(|m| m.borrow_mut().insert(hash, stored));
    Ok(())
}

/// A ticket.
pub fn ticket(id: u64) -> Result<Option<Ticket>, Error> {
    TICKETS.with(|t| t.borrow().get(&id)).map(|s| s.decode()).transpose()
}

/// Stores a ticket.
pub fn put_ticket(ticket: &Ticket) -> Result<(), Error> {
    let stored = Stored::encode(ticket)?;
    TICKETS.with(|t| t.borrow_mut().insert(ticket.id, stored));
    Ok(())
}

/// A principal's counters.
pub fn caller_stats(p: &Principal) -> Result<CallerStats, Error> {
    Ok(CALLERS.with(|c| c.borrow().get(p)).map(|s| s.decode()).transpose()?.unwrap_or_default())
}

/// Updates a principal's counters.
pub fn update_caller(p: Principal, f: impl FnOnce(&mut CallerStats)) -> Result<(), Error> {
    let mut stats = caller_stats(&p)?;
    f(&mut stats);
    let stored = Stored::encode(&stats)?;
    CALLERS.with(|c| c.borrow_mut().insert(p, stored));
    Ok(())
}

/// The key under which a caller's request for `kind` (`b"event"` or `b"commitment"`) is indexed
/// (whatever the model: one draw per requester and event, and per requester and commitment).
pub fn request_key(caller: &Principal, kind: &[u8], value: &[u8]) -> [u8; 32] {
    let mut h = Sha256::new();
    for part in [caller.as_slice(), kind, value] {
        h.update((part.len() as u32).to_be_bytes());
        h.update(part);
    }
    h.finalize().into()
}

/// The first `limit` keys of a (time, id) index with time < `now`.
pub fn due(index: &RefCell<StableBTreeMap<(u64, u64), (), Mem>>, now: u64, limit: usize) -> Vec<(u64, u64)> {
    index.borrow().iter().take(limit).map(|e| *e.key()).take_while(|(t, _)| *t < now).collect()
}

/// Stores a verification record and certifies it.
pub fn put_verification(v: &Verified) -> Result<(), Error> {
    let stored = Stored::encode(v)?;
    let leaf = stored.candid_hash();
    VERIFICATIONS.with(|m| m.borrow_mut().insert(v.id, stored));
    CERTIFIED.with(|t| t.borrow_mut().insert(v.id.to_be_bytes().to_vec(), leaf));
    certify();
    Ok(())
}

/// Removes a verification record from the store and the certified tree.
pub fn remove_verification(id: u64) {
    VERIFICATIONS.with(|m| m.borrow_mut().remove(&id));
    CERTIFIED.with(|t| t.borrow_mut().delete(&id.to_be_bytes()));
}

/// A stored verification record.
pub fn verification(id: u64) -> Result<Option<Verified>, Error> {
    VERIFICATIONS.with(|m| m.borrow().get(&id)).map(|s| s.decode()).transpose()
}

/// A stored verification record and its certified candid bytes.
pub fn certified_verification(id: u64) -> Result<Option<(Verified, Vec<u8>)>, Error> {
    let Some(stored) = VERIFICATIONS.with(|m| m.borrow().get(&id)) else { return Ok(None) };
    Ok(Some((stored.decode()?, stored.candid().to_vec())))
}

/// Label of the verification subtree in the certified data.
pub const CERTIFIED_LABEL: &[u8] = b"verifications";

/// Sets the canister's certified data to the root of the verification tree.
pub fn certify() {
    let root = CERTIFIED.with(|t| ic_certified_map::labeled_hash(CERTIFIED_LABEL, &t.borrow().root_hash()));
    ic_cdk::api::certified_data_set(root);
}

/// Rebuilds the certified tree from stable memory (after an upgrade) and certifies it.
pub fn rebuild_certified_tree() {
    CERTIFIED.with(|t| {
        let mut tree = RbTree::new();
        VERIFICATIONS.with(|m| {
            for e in m.borrow().iter() {
                tree.insert(e.key().to_be_bytes().to_vec(), e.value().candid_hash());
            }
        });
        *t.borrow_mut() = tree;
    });
    certify();
}

/// The CBOR witness of record `id` (labeled under [`CERTIFIED_LABEL`]).
pub fn witness(id: u64) -> Result<Vec<u8>, Error> {
    let tree = CERTIFIED.with(|t| {
        let t = t.borrow();
        let w = ic_certified_map::labeled(CERTIFIED_LABEL, t.witness(&id.to_be_bytes()));
        let mut s = serde_cbor::ser::Serializer::new(Vec::new());
        s.self_describe().and_then(|_| serde::Serialize::serialize(&w, &mut s)).map(|_| s.into_inner())
    });
    tree.map_err(|e| Error::StateCorrupt { reason: format!("encoding a witness: {e}") })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::TicketStatus;
    use serde_bytes::ByteBuf;

    fn ticket() -> Ticket {
        Ticket {
            id: 7,
            model_hash: ByteBuf::from(vec![1; 32]),
            input_commitment: ByteBuf::from(vec![2; 32]),
            seed: ByteBuf::from(vec![3; 32]),
            caller: Principal::anonymous(),
            consumer: None,
            event: None,
            issued_at: 10,
            expires_at: 20,
            status: TicketStatus::Open,
        }
    }

    #[test]
    fn stored_values_carry_the_schema_version() {
        let t = ticket();
        let stored = Stored::encode(&t).unwrap();
        assert_eq!(stored.to_bytes()[0], SCHEMA_VERSION);
        assert_eq!(&stored.to_bytes()[1..], Encode!(&t).unwrap().as_slice());
        assert_eq!(Stored::<Ticket>::from_bytes(stored.to_bytes()).decode().unwrap(), t);
        // bytes of another version (or the unversioned bytes of the first release) are refused
        let mut other = stored.to_bytes().into_owned();
        other[0] = SCHEMA_VERSION + 1;
        let unversioned = Encode!(&t).unwrap();
        for bytes in [other, unversioned] {
            match Stored::<Ticket>::from_bytes(Cow::Owned(bytes)).decode() {
                Err(Error::StateCorrupt { reason }) => assert!(reason.contains("schema version"), "{reason}"),
                r => panic!("expected StateCorrupt, got {r:?}"),
            }
        }
    }

    fn v1_record() -> v1::ModelRecord {
        v1::ModelRecord {
            info: v1::ModelInfo {
                model_hash: ByteBuf::from(vec![1; 32]),
                name: "digits".into(),
                version: "1".into(),
                backend: crate::types::Backend::Groth16,
                output_mode: crate::types::OutputMode::Tensor,
                output_len: 10,
                public_inputs: 16,
                metadata: vec![("k".into(), "v".into())],
                registered_by: Principal::anonymous(),
                registered_at: 5,
                registration_instructions: 88,
                retired: true,
                key_hash: ByteBuf::from(vec![2; 32]),
                key_rotations: 2,
            },
            key: ByteBuf::from(vec![3; 100]),
        }
    }

    #[test]
    fn version_1_values_read_as_single_party_and_no_ceremony_required() {
        let old = v1_record();
        let bytes = [&[1u8][..], &Encode!(&old).unwrap()].concat();
        let record = Stored::<ModelRecord>::from_bytes(Cow::Owned(bytes)).decode().unwrap();
        assert_eq!(record.info.setup, SetupProvenance::single_party());
        assert_eq!((record.info.name.as_str(), record.info.retired, record.info.key_rotations), ("digits", true, 2));
        assert_eq!((&record.info.metadata, &record.key), (&old.info.metadata, &old.key));
        // stored again, it is written in the current version
        let again = Stored::encode(&record).unwrap();
        assert_eq!(again.to_bytes()[0], SCHEMA_VERSION);
        // the settings and counters carry over
        let c = v1::Config {
            next_ticket_id: 7,
            next_verification_id: 3,
            ticket_ttl_ns: 1,
            max_tickets: 2,
            max_tickets_per_caller: 3,
            retention_ns: 4,
            request_seed_fee: 5,
            verify_fee: 6,
            subnet_cost_percent: 100,
            open_tickets: 1,
            counters: Counters { tickets_issued: 9, cycles_collected: 10, ..Counters::default() },
        };
        let bytes = [&[1u8][..], &Encode!(&c).unwrap()].concat();
        let cfg = Stored::<Config>::from_bytes(Cow::Owned(bytes)).decode().unwrap();
        assert_eq!((cfg.next_ticket_id, cfg.subnet_cost_percent, cfg.counters.tickets_issued), (7, 100, 9));
        assert_eq!((cfg.require_ceremony, cfg.ceremony_models), (false, 0));
        // unchanged types read as they were
        let t = ticket();
        let bytes = [&[1u8][..], &Encode!(&t).unwrap()].concat();
        assert_eq!(Stored::<Ticket>::from_bytes(Cow::Owned(bytes)).decode().unwrap(), t);
        // a version-2 record is not read as version 1, nor the other way round
        let v2 = [&[SCHEMA_VERSION][..], &Encode!(&old).unwrap()].concat();
        assert!(matches!(Stored::<ModelRecord>::from_bytes(Cow::Owned(v2)).decode(), Err(Error::StateCorrupt { .. })));
        let v0 = [&[0u8][..], &Encode!(&old).unwrap()].concat();
        match Stored::<ModelRecord>::from_bytes(Cow::Owned(v0)).decode() {
            Err(Error::StateCorrupt { reason }) => assert!(reason.contains("schema version 0"), "{reason}"),
            r => panic!("{r:?}"),
        }
    }

    #[test]
    fn undecodable_state_is_a_typed_error() {
        let config = [&[SCHEMA_VERSION][..], &Encode!(&Config::default()).unwrap()].concat();
        for bytes in [vec![], vec![SCHEMA_VERSION], [&[SCHEMA_VERSION][..], b"DIDL\x00\x01\x71"].concat(), config] {
            match Stored::<Ticket>::from_bytes(Cow::Owned(bytes)).decode() {
                Err(Error::StateCorrupt { reason }) => assert!(reason.contains("Ticket"), "{reason}"),
                other => panic!("expected StateCorrupt, got {other:?}"),
            }
        }
    }

    #[test]
    fn init_args_must_be_positive() {
        let mut c = Config::default();
        for args in [
            InitArgs { ticket_ttl_seconds: Some(0), ..Default::default() },
            InitArgs { max_tickets: Some(0), ..Default::default() },
            InitArgs { max_tickets_per_caller: Some(0), ..Default::default() },
            InitArgs { retention_seconds: Some(u64::MAX), ..Default::default() },
            InitArgs { verify_fee: Some(0), ..Default::default() },
        ] {
            assert!(matches!(c.apply(&args), Err(Error::InvalidArgument { .. })), "{args:?}");
            assert_eq!(c, Config::default(), "a refused argument changes nothing");
        }
        c.apply(&InitArgs { ticket_ttl_seconds: Some(5), max_tickets: Some(3), ..Default::default() }).unwrap();
        assert_eq!((c.ticket_ttl_ns, c.max_tickets, c.max_tickets_per_caller), (5 * SECOND, 3, 100));
        // require_ceremony: set, kept when omitted, cleared when false
        assert!(!c.require_ceremony);
        c.apply(&InitArgs { require_ceremony: Some(true), ..Default::default() }).unwrap();
        c.apply(&InitArgs { max_tickets: Some(4), ..Default::default() }).unwrap();
        assert!(c.require_ceremony);
        c.apply(&InitArgs { require_ceremony: Some(false), ..Default::default() }).unwrap();
        assert!(!c.require_ceremony);
    }
}
