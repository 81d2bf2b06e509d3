//! Canister state in stable memory (survives upgrades) plus a heap cache of prepared keys.
use crate::types::{InitArgs, ModelInfo, Ticket};
use candid::{CandidType, Decode, Encode, Principal};
use ic_stable_structures::memory_manager::{MemoryId, MemoryManager, VirtualMemory};
use ic_stable_structures::storable::Bound;
use ic_stable_structures::{DefaultMemoryImpl, StableBTreeMap, StableCell, Storable};
use serde::Deserialize;
use std::borrow::Cow;
use std::cell::RefCell;
use std::collections::BTreeMap;
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

macro_rules! candid_storable {
    ($t:ty) => {
        impl Storable for $t {
            fn to_bytes(&self) -> Cow<'_, [u8]> {
                Cow::Owned(Encode!(self).unwrap_or_default())
            }
            fn into_bytes(self) -> Vec<u8> {
                Encode!(&self).unwrap_or_default()
            }
            fn from_bytes(bytes: Cow<[u8]>) -> Self {
                // Only this canister writes these bytes; a decoding failure is a bug in an upgrade.
                Decode!(bytes.as_ref(), $t).unwrap_or_else(|e| ic_cdk::trap(format!("corrupt stable state: {e}")))
            }
            const BOUND: Bound = Bound::Unbounded;
        }
    };
}
candid_storable!(ModelRecord);
candid_storable!(Ticket);
candid_storable!(Config);

thread_local! {
    static MEMORY: RefCell<MemoryManager<DefaultMemoryImpl>> = RefCell::new(MemoryManager::init(DefaultMemoryImpl::default()));
    /// Model hash -> record.
    pub static MODELS: RefCell<StableBTreeMap<[u8; 32], ModelRecord, Mem>> =
        RefCell::new(StableBTreeMap::init(MEMORY.with(|m| m.borrow().get(MemoryId::new(0)))));
    /// Registrar principals.
    pub static REGISTRARS: RefCell<StableBTreeMap<Principal, u8, Mem>> =
        RefCell::new(StableBTreeMap::init(MEMORY.with(|m| m.borrow().get(MemoryId::new(1)))));
    /// Ticket id -> ticket.
    pub static TICKETS: RefCell<StableBTreeMap<u64, Ticket, Mem>> =
        RefCell::new(StableBTreeMap::init(MEMORY.with(|m| m.borrow().get(MemoryId::new(2)))));
    /// Settings and counters.
    pub static CONFIG: RefCell<StableCell<Config, Mem>> =
        RefCell::new(StableCell::init(MEMORY.with(|m| m.borrow().get(MemoryId::new(3))), Config::default()));
    /// Prepared verifying keys (heap): rebuilt after an upgrade from the stored key bytes.
    pub static PREPARED: RefCell<BTreeMap<[u8; 32], PreparedVerifyingKey>> = const { RefCell::new(BTreeMap::new()) };
}

/// The current settings.
pub fn config() -> Config {
    CONFIG.with(|c| c.borrow().get().clone())
}

/// Updates the settings.
pub fn set_config(f: impl FnOnce(&mut Config)) {
    CONFIG.with(|c| {
        let mut cfg = c.borrow().get().clone();
        f(&mut cfg);
        c.borrow_mut().set(cfg);
    });
}
