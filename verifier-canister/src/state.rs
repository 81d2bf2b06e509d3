//! Canister state in stable memory (survives upgrades) plus a heap cache of prepared keys.
use crate::types::{Error, InitArgs, ModelInfo, Ticket};
use candid::{CandidType, Decode, Encode, Principal};
use ic_stable_structures::memory_manager::{MemoryId, MemoryManager, VirtualMemory};
use ic_stable_structures::storable::Bound;
use ic_stable_structures::{DefaultMemoryImpl, StableBTreeMap, StableCell, Storable};
use serde::Deserialize;
use std::borrow::Cow;
use std::cell::RefCell;
use std::collections::BTreeMap;
use std::marker::PhantomData;
use verinfer_verifier::PreparedVerifyingKey;

type Mem = VirtualMemory<DefaultMemoryImpl>;

/// A registered model as stored: its info and the verifying key bytes.
#[derive(CandidType, Deserialize, Clone, Debug)]
pub struct ModelRecord {
    /// Public info.
    pub info: ModelInfo,
    /// The `verifying.key` bytes.
    pub key: Vec<u8>,
}

/// Settings and counters.
#[derive(CandidType, Deserialize, Clone, Debug)]
pub struct Config {
    /// Next ticket id.
    pub next_ticket_id: u64,
    /// Ticket lifetime in ns.
    pub ticket_ttl_ns: u64,
    /// Ticket cap.
    pub max_tickets: u64,
}

impl Default for Config {
    fn default() -> Self {
        Config { next_ticket_id: 1, ticket_ttl_ns: 600 * 1_000_000_000, max_tickets: 10_000 }
    }
}

impl Config {
    /// Applies init/upgrade settings.
    pub fn apply(&mut self, args: &InitArgs) {
        if let Some(s) = args.ticket_ttl_seconds {
            self.ticket_ttl_ns = s.saturating_mul(1_000_000_000);
        }
        if let Some(m) = args.max_tickets {
            self.max_tickets = m;
        }
    }
}

/// A value held in stable memory as its candid bytes. Encoding happens in [`Stored::encode`], before
/// the value reaches a map, so that a value candid cannot encode is a typed error of the call that
/// tried to store it (never empty bytes written in its place); decoding is [`Stored::decode`].
pub struct Stored<T> {
    bytes: Vec<u8>,
    _value: PhantomData<T>,
}

impl<T: CandidType + for<'de> Deserialize<'de>> Stored<T> {
    /// The candid encoding of `value`.
    pub fn encode(value: &T) -> Result<Self, Error> {
        let bytes = Encode!(value).map_err(|e| state_error::<T>("encoding", e))?;
        Ok(Stored { bytes, _value: PhantomData })
    }
    /// The stored value.
    pub fn decode(&self) -> Result<T, Error> {
        Decode!(&self.bytes, T).map_err(|e| state_error::<T>("decoding", e))
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

thread_local! {
    static MEMORY: RefCell<MemoryManager<DefaultMemoryImpl>> = RefCell::new(MemoryManager::init(DefaultMemoryImpl::default()));
    /// Model hash -> record.
    pub static MODELS: RefCell<StableBTreeMap<[u8; 32], Stored<ModelRecord>, Mem>> =
        RefCell::new(StableBTreeMap::init(MEMORY.with(|m| m.borrow().get(MemoryId::new(0)))));
    /// Registrar principals.
    pub static REGISTRARS: RefCell<StableBTreeMap<Principal, u8, Mem>> =
        RefCell::new(StableBTreeMap::init(MEMORY.with(|m| m.borrow().get(MemoryId::new(1)))));
    /// Ticket id -> ticket.
    pub static TICKETS: RefCell<StableBTreeMap<u64, Stored<Ticket>, Mem>> =
        RefCell::new(StableBTreeMap::init(MEMORY.with(|m| m.borrow().get(MemoryId::new(2)))));
    /// Settings and counters.
    pub static CONFIG: RefCell<StableCell<Stored<Config>, Mem>> = RefCell::new(StableCell::init(
        MEMORY.with(|m| m.borrow().get(MemoryId::new(3))),
        // empty bytes never decode: `config()` then reports the state as corrupt instead of guessing
        Stored::encode(&Config::default()).unwrap_or(Stored { bytes: Vec::new(), _value: PhantomData }),
    ));
    /// Prepared verifying keys (heap): rebuilt after an upgrade from the stored key bytes.
    pub static PREPARED: RefCell<BTreeMap<[u8; 32], PreparedVerifyingKey>> = const { RefCell::new(BTreeMap::new()) };
}

/// The current settings.
pub fn config() -> Result<Config, Error> {
    CONFIG.with(|c| c.borrow().get().decode())
}

/// Updates the settings.
pub fn set_config(f: impl FnOnce(&mut Config)) -> Result<(), Error> {
    let mut cfg = config()?;
    f(&mut cfg);
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

/// Ids of expired tickets among the first `limit` (oldest first).
pub fn expired_tickets(now: u64, limit: usize) -> Result<Vec<u64>, Error> {
    TICKETS.with(|t| {
        let mut expired = Vec::new();
        for e in t.borrow().iter().take(limit) {
            if e.value().decode()?.expires_at < now {
                expired.push(*e.key());
            }
        }
        Ok(expired)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_bytes::ByteBuf;

    fn ticket() -> Ticket {
        Ticket {
            id: 7,
            model_hash: ByteBuf::from(vec![1; 32]),
            input_commitment: ByteBuf::from(vec![2; 32]),
            seed: ByteBuf::from(vec![3; 32]),
            caller: Principal::anonymous(),
            issued_at: 10,
            expires_at: 20,
            used: false,
        }
    }

    #[test]
    fn stored_values_keep_the_previous_versions_bytes() {
        // Stable memory written by the version that stored `Encode!(value)` directly must still decode.
        let t = ticket();
        let stored = Stored::encode(&t).unwrap();
        assert_eq!(stored.to_bytes().as_ref(), Encode!(&t).unwrap().as_slice());
        let back = Stored::<Ticket>::from_bytes(Cow::Owned(Encode!(&t).unwrap())).decode().unwrap();
        assert_eq!(back, t);
    }

    #[test]
    fn undecodable_state_is_a_typed_error() {
        for bytes in [vec![], b"DIDL\x00\x01\x71".to_vec(), Encode!(&Config::default()).unwrap()] {
            match Stored::<Ticket>::from_bytes(Cow::Owned(bytes)).decode() {
                Err(Error::StateCorrupt { reason }) => assert!(reason.contains("Ticket"), "{reason}"),
                other => panic!("expected StateCorrupt, got {other:?}"),
            }
        }
    }
}
