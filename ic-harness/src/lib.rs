//! A test harness that runs a canister's real Wasm module under wasmtime.
//!
//! No Internet Computer replica can be installed where verinfer is developed, so this crate emulates
//! the `ic0` system API a Rust canister imports: argument data, reply and reject, caller and self id,
//! time, stable memory, inter-canister calls (to the management canister's `raw_rand`), the
//! performance counter, controllers, debug print and trap. Instructions are counted with the
//! replica's per-operator weights (wasmtime fuel) plus fixed charges for system calls, and limited to
//! the replica's budgets (40 B per update, 5 B per query). A trap or a query rolls back memory,
//! globals and stable memory, as the replica does. Install and upgrade (pre/post hooks with stable
//! memory kept) are supported.
#![deny(missing_docs)]

pub mod costs;
pub mod instrument;
mod system_api;

use anyhow::{anyhow, bail, Context, Result};
use candid::Principal;
use rand::SeedableRng;
use wasmtime::{Config, Engine, Instance, Linker, Module, Store, Val};

/// Instructions allowed per update message.
pub const UPDATE_LIMIT: u64 = 40_000_000_000;
/// Instructions allowed per query.
pub const QUERY_LIMIT: u64 = 5_000_000_000;
/// Instructions allowed for install and upgrade.
pub const INSTALL_LIMIT: u64 = 300_000_000_000;
/// Cycles per update message on a 13-node subnet (IC-NOTES).
pub const CYCLES_PER_UPDATE: u64 = 5_000_000;
/// Cycles per instruction on a 13-node subnet.
pub const CYCLES_PER_INSTRUCTION: u64 = 1;

/// What a message is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// Replicated update.
    Update,
    /// Non-replicated query (state changes discarded).
    Query,
    /// `canister_init`, `canister_pre_upgrade`, `canister_post_upgrade`.
    System,
    /// A reply or reject callback.
    Callback,
}

/// The outcome of a call.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// `msg_reply` with this data.
    Reply(Vec<u8>),
    /// `msg_reject` with this message.
    Reject(String),
    /// The canister trapped (or ran out of instructions).
    Trap(String),
}

/// A completed call: its outcome and the instructions of each message it took (the first is the
/// method itself, the rest are callbacks).
#[derive(Clone, Debug)]
pub struct CallResult {
    /// Outcome.
    pub outcome: Outcome,
    /// Instructions per message.
    pub instructions: Vec<u64>,
}

impl CallResult {
    /// The reply, or an error describing the reject or trap.
    pub fn reply(&self) -> Result<&[u8]> {
        match &self.outcome {
            Outcome::Reply(r) => Ok(r),
            Outcome::Reject(m) => bail!("rejected: {m}"),
            Outcome::Trap(m) => bail!("trapped: {m}"),
        }
    }
    /// Total instructions.
    pub fn total_instructions(&self) -> u64 {
        self.instructions.iter().sum()
    }
}

/// An outgoing call made by the canister.
#[derive(Clone, Debug, Default)]
pub(crate) struct OutCall {
    pub callee: Vec<u8>,
    pub method: String,
    pub reply_fun: u32,
    pub reply_env: u32,
    pub reject_fun: u32,
    pub reject_env: u32,
    pub data: Vec<u8>,
}

/// State the system API reads and writes.
pub(crate) struct Env {
    pub kind: Kind,
    pub arg: Vec<u8>,
    pub caller: Vec<u8>,
    pub method: String,
    pub reply_buf: Vec<u8>,
    pub outcome: Option<Outcome>,
    pub reject_code: u32,
    pub reject_msg: String,
    pub stable: Vec<u8>,
    pub time_ns: u64,
    pub self_id: Vec<u8>,
    pub controllers: Vec<Vec<u8>>,
    pub building: Option<OutCall>,
    pub performed: Vec<OutCall>,
    pub log: Vec<String>,
    pub budget: u64,
    pub accepted: bool,
    pub reported: bool,
}

/// A canister running in the harness.
pub struct Canister {
    engine: Engine,
    linker: Linker<Env>,
    store: Store<Env>,
    instance: Instance,
    rng: rand_chacha::ChaCha20Rng,
    /// Its id.
    pub id: Principal,
}

/// Loads (and instruments) a module.
fn load(engine: &Engine, wasm: &[u8]) -> Result<Module> {
    let wasm = instrument::instrument(wasm)?;
    Module::new(engine, wasm).map_err(anyhow::Error::from).context("compiling the canister Wasm")
}

impl Canister {
    /// Installs `wasm` with `controllers`, running `canister_init` with `init_arg` (candid bytes).
    pub fn install(wasm: &[u8], controllers: &[Principal], init_arg: Vec<u8>) -> Result<Canister> {
        Self::install_with_id(wasm, Principal::from_slice(&[0, 0, 0, 0, 0, 0x10, 0, 1, 1, 1]), controllers, init_arg)
    }

    /// Installs `wasm` under canister id `id` (to run several canisters that call each other).
    pub fn install_with_id(
        wasm: &[u8],
        id: Principal,
        controllers: &[Principal],
        init_arg: Vec<u8>,
    ) -> Result<Canister> {
        let mut config = Config::new();
        config.consume_fuel(true);
        config.operator_cost(costs::ic_operator_costs());
        let engine = Engine::new(&config)?;
        let module = load(&engine, wasm)?;
        let env = Env {
            kind: Kind::System,
            arg: Vec::new(),
            caller: Vec::new(),
            method: String::new(),
            reply_buf: Vec::new(),
            outcome: None,
            reject_code: 0,
            reject_msg: String::new(),
            stable: Vec::new(),
            time_ns: 1_700_000_000_000_000_000,
            self_id: id.as_slice().to_vec(),
            controllers: controllers.iter().map(|p| p.as_slice().to_vec()).collect(),
            building: None,
            performed: Vec::new(),
            log: Vec::new(),
            budget: 0,
            accepted: false,
            reported: false,
        };
        let mut store = Store::new(&engine, env);
        let mut linker = Linker::new(&engine);
        system_api::define(&mut linker, &module)?;
        store.set_fuel(INSTALL_LIMIT)?;
        let instance = linker
            .instantiate(&mut store, &module)
            .map_err(anyhow::Error::from)
            .context("instantiating the canister")?;
        let mut c = Canister { engine, linker, store, instance, rng: rand_chacha::ChaCha20Rng::seed_from_u64(7), id };
        let controller = controllers.first().copied().unwrap_or(Principal::anonymous());
        c.system("canister_init", controller, init_arg)?;
        Ok(c)
    }

    /// Upgrades to `wasm`: `canister_pre_upgrade` on the old module, a fresh instance with stable
    /// memory kept, then `canister_post_upgrade` with `arg`.
    pub fn upgrade(&mut self, wasm: &[u8], caller: Principal, arg: Vec<u8>) -> Result<()> {
        self.system("canister_pre_upgrade", caller, Vec::new())?;
        let module = load(&self.engine, wasm)?;
        let mut linker = Linker::new(&self.engine);
        system_api::define(&mut linker, &module)?;
        self.store.set_fuel(INSTALL_LIMIT)?;
        self.instance = linker
            .instantiate(&mut self.store, &module)
            .map_err(anyhow::Error::from)
            .context("instantiating the upgraded canister")?;
        self.linker = linker;
        self.system("canister_post_upgrade", caller, arg)
    }

    fn system(&mut self, export: &str, caller: Principal, arg: Vec<u8>) -> Result<()> {
        if self.instance.get_func(&mut self.store, export).is_none() {
            return Ok(()); // the hook is optional
        }
        let (outcome, _) = self.run(Kind::System, export, caller, arg, None)?;
        match outcome {
            Some(Outcome::Trap(m)) => bail!("{export} trapped: {m}"),
            _ => Ok(()),
        }
    }

    /// Advances the canister's clock.
    pub fn advance_time(&mut self, ns: u64) {
        self.store.data_mut().time_ns += ns;
    }

    /// The canister's clock (ns since the epoch).
    pub fn time(&self) -> u64 {
        self.store.data().time_ns
    }

    /// Lines the canister printed with `debug_print`.
    pub fn log(&self) -> &[String] {
        &self.store.data().log
    }

    /// Calls an update method.
    pub fn update(&mut self, caller: Principal, method: &str, arg: Vec<u8>) -> Result<CallResult> {
        self.call(Kind::Update, &format!("canister_update {method}"), caller, arg, &mut [])
    }

    /// Calls an update method; calls it makes to `peers` (by canister id) are delivered to them as
    /// update calls from this canister.
    pub fn update_via(
        &mut self,
        caller: Principal,
        method: &str,
        arg: Vec<u8>,
        peers: &mut [&mut Canister],
    ) -> Result<CallResult> {
        self.call(Kind::Update, &format!("canister_update {method}"), caller, arg, peers)
    }

    /// Calls a query method (its state changes are discarded).
    pub fn query(&mut self, caller: Principal, method: &str, arg: Vec<u8>) -> Result<CallResult> {
        self.call(Kind::Query, &format!("canister_query {method}"), caller, arg, &mut [])
    }

    fn call(
        &mut self,
        kind: Kind,
        export: &str,
        caller: Principal,
        arg: Vec<u8>,
        peers: &mut [&mut Canister],
    ) -> Result<CallResult> {
        if self.instance.get_func(&mut self.store, export).is_none() {
            return Ok(CallResult {
                outcome: Outcome::Reject(format!("the canister has no method '{export}'")),
                instructions: vec![],
            });
        }
        let mut instructions = Vec::new();
        let (mut outcome, n) = self.run(kind, export, caller, arg, None)?;
        instructions.push(n);
        // Deliver the responses of the calls the canister made, running its callbacks.
        while outcome.is_none() || !self.store.data().performed.is_empty() {
            let calls = std::mem::take(&mut self.store.data_mut().performed);
            if calls.is_empty() {
                break;
            }
            for call in calls {
                let (ok, payload) = self.respond(&call, peers)?;
                let (fun, env) = if ok { (call.reply_fun, call.reply_env) } else { (call.reject_fun, call.reject_env) };
                let (o, n) = self.run(Kind::Callback, "", caller, payload, Some((fun, env, ok)))?;
                instructions.push(n);
                if outcome.is_none() {
                    outcome = o;
                }
            }
        }
        let outcome = outcome.unwrap_or_else(|| Outcome::Reject("the canister did not reply".into()));
        Ok(CallResult { outcome, instructions })
    }

    /// Re-seeds the emulated `raw_rand` (deterministic by default, for reproducible tests).
    pub fn seed_raw_rand(&mut self, seed: [u8; 32]) {
        use rand::SeedableRng;
        self.rng = rand_chacha::ChaCha20Rng::from_seed(seed);
    }

    /// The management canister's answer to an outgoing call.
    fn respond(&mut self, call: &OutCall, peers: &mut [&mut Canister]) -> Result<(bool, Vec<u8>)> {
        use rand::RngCore;
        if call.callee.is_empty() && call.method == "raw_rand" {
            let mut b = vec![0u8; 32];
            self.rng.fill_bytes(&mut b);
            let bytes = serde_bytes_compat::Bytes(b);
            return Ok((true, candid::encode_one(bytes).context("encoding the emulated raw_rand reply")?));
        }
        if let Some(peer) = peers.iter_mut().find(|p| p.id.as_slice() == call.callee.as_slice()) {
            let r = peer.update(self.id, &call.method, call.data.clone())?;
            return Ok(match r.outcome {
                Outcome::Reply(b) => (true, b),
                Outcome::Reject(m) | Outcome::Trap(m) => (false, m.into_bytes()),
            });
        }
        let msg = format!("the harness does not emulate {}.{}", Principal::from_slice(&call.callee), call.method);
        Ok((false, msg.into_bytes()))
    }

    /// Runs one message; returns its outcome (if it replied, rejected or trapped) and instructions.
    fn run(
        &mut self,
        kind: Kind,
        export: &str,
        caller: Principal,
        arg: Vec<u8>,
        callback: Option<(u32, u32, bool)>,
    ) -> Result<(Option<Outcome>, u64)> {
        let budget = match kind {
            Kind::Update | Kind::Callback => UPDATE_LIMIT,
            Kind::Query => QUERY_LIMIT,
            Kind::System => INSTALL_LIMIT,
        };
        // Snapshot for rollback.
        let memory = self
            .instance
            .get_memory(&mut self.store, "memory")
            .ok_or_else(|| anyhow!("the canister exports no memory"))?;
        let mem_snapshot = memory.data(&self.store).to_vec();
        let globals = self.globals();
        let global_snapshot: Vec<Val> = globals.iter().map(|g| g.get(&mut self.store)).collect();
        let stable_snapshot = self.store.data().stable.clone();

        {
            let env = self.store.data_mut();
            env.kind = kind;
            env.caller = caller.as_slice().to_vec();
            env.method = export
                .strip_prefix("canister_update ")
                .or_else(|| export.strip_prefix("canister_query "))
                .unwrap_or(export)
                .to_string();
            env.budget = budget;
            env.accepted = false;
            env.building = None;
            match callback {
                Some((_, _, true)) => {
                    env.arg = arg;
                    env.reject_code = 0;
                    env.reject_msg.clear();
                }
                Some((_, _, false)) => {
                    env.arg = Vec::new();
                    env.reject_code = 3; // destination invalid
                    env.reject_msg = String::from_utf8_lossy(&arg).into_owned();
                }
                None => {
                    env.arg = arg;
                    env.reply_buf.clear();
                    env.outcome = None;
                    env.reported = false;
                }
            }
        }
        self.store.set_fuel(budget)?;
        let result = match callback {
            None => {
                let f = self.instance.get_typed_func::<(), ()>(&mut self.store, export)?;
                f.call(&mut self.store, ())
            }
            Some((fun, env, _)) => {
                let table = self
                    .instance
                    .get_table(&mut self.store, instrument::TABLE_EXPORT)
                    .ok_or_else(|| anyhow!("no function table"))?;
                let f = table
                    .get(&mut self.store, fun as u64)
                    .and_then(|r| r.as_func().flatten().copied())
                    .ok_or_else(|| anyhow!("callback {fun} is not in the table"))?;
                f.typed::<i32, ()>(&self.store)?.call(&mut self.store, env as i32)
            }
        };
        let used = budget - self.store.get_fuel().unwrap_or(0);
        let rollback = |c: &mut Canister| -> Result<()> {
            let memory = c.instance.get_memory(&mut c.store, "memory").ok_or_else(|| anyhow!("no memory"))?;
            let data = memory.data_mut(&mut c.store);
            data[..mem_snapshot.len()].copy_from_slice(&mem_snapshot);
            data[mem_snapshot.len()..].fill(0);
            for (g, v) in c.globals().iter().zip(&global_snapshot) {
                if g.ty(&c.store).mutability() == wasmtime::Mutability::Var {
                    g.set(&mut c.store, *v)?;
                }
            }
            c.store.data_mut().stable = stable_snapshot.clone();
            Ok(())
        };
        match result {
            Ok(()) => {
                if kind == Kind::Query {
                    rollback(self)?;
                    self.store.data_mut().performed.clear();
                }
                // Report the outcome once: from the first message that replied or rejected.
                let env = self.store.data_mut();
                let o = if env.reported { None } else { env.outcome.clone() };
                if o.is_some() {
                    env.reported = true;
                }
                Ok((o, used))
            }
            Err(e) => {
                rollback(self)?;
                self.store.data_mut().performed.clear();
                let msg = match e.downcast_ref::<wasmtime::Trap>() {
                    Some(wasmtime::Trap::OutOfFuel) => format!("instruction limit of {budget} exceeded"),
                    _ => format!("{e:#}"),
                };
                Ok((Some(Outcome::Trap(msg)), used))
            }
        }
    }

    fn globals(&mut self) -> Vec<wasmtime::Global> {
        let names: Vec<String> = self
            .instance
            .exports(&mut self.store)
            .map(|e| e.name().to_string())
            .filter(|n| n.starts_with(instrument::GLOBAL_PREFIX))
            .collect();
        names.iter().filter_map(|n| self.instance.get_global(&mut self.store, n)).collect()
    }
}

mod serde_bytes_compat {
    //! A blob for candid without another dependency.
    use candid::CandidType;

    /// Bytes encoded as candid `blob`.
    pub struct Bytes(pub Vec<u8>);

    impl CandidType for Bytes {
        fn _ty() -> candid::types::Type {
            <Vec<u8> as CandidType>::ty()
        }
        fn idl_serialize<S: candid::types::Serializer>(&self, serializer: S) -> Result<(), S::Error> {
            serializer.serialize_blob(&self.0)
        }
    }
}

/// The verifier canister's release Wasm: `VERINFER_CANISTER_WASM` if set, else built (or found up to
/// date) with `cargo build --profile canister` in this workspace.
pub fn verifier_canister_wasm() -> Result<Vec<u8>> {
    if let Ok(p) = std::env::var("VERINFER_CANISTER_WASM") {
        return std::fs::read(&p).with_context(|| format!("reading VERINFER_CANISTER_WASM={p}"));
    }
    workspace_canister_wasm("verinfer-verifier-canister", "verinfer_verifier_canister")
}

/// A workspace canister's release Wasm, built (or found up to date) with `cargo build --profile canister`.
pub fn workspace_canister_wasm(package: &str, artifact: &str) -> Result<Vec<u8>> {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let out = std::process::Command::new(&cargo)
        .current_dir(&root)
        .args(["build", "--profile", "canister", "-p", package, "--target", "wasm32-unknown-unknown"])
        .output()
        .with_context(|| format!("running {cargo} to build the canister Wasm"))?;
    if !out.status.success() {
        bail!(
            "building the canister Wasm failed (is the wasm32-unknown-unknown target installed? `rustup target add wasm32-unknown-unknown`):\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let target =
        std::env::var("CARGO_TARGET_DIR").map(std::path::PathBuf::from).unwrap_or_else(|_| root.join("target"));
    let path = target.join(format!("wasm32-unknown-unknown/canister/{artifact}.wasm"));
    std::fs::read(&path).with_context(|| format!("reading {}", path.display()))
}
