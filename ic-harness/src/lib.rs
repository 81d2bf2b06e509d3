//! A test harness that runs a canister's real Wasm module under wasmtime or wasmi ([`engine`]).
//!
//! No Internet Computer replica can be installed where verinfer is developed, so this crate emulates
//! the `ic0` system API a Rust canister imports: argument data, reply and reject, caller and self id,
//! time, stable memory, inter-canister calls (to the management canister's `raw_rand` and to other
//! harness canisters), cycles, certified data, the performance counter, controllers, debug print and
//! trap. Install and upgrade (pre/post hooks with stable memory kept) are supported.
//!
//! What it models, as the replica does:
//! - **Instructions**: the replica's per-operator weights, counted inside the module by an
//!   instrumentation like the replica's ([`counter`]: engine-independent, no fuel),
//!   plus the replica's charge for each system call, a fixed overhead and a per-byte cost
//!   ([`costs::SYSTEM_API`]); limited to 40 B per update message, 5 B per query, 200 M for
//!   `canister_inspect_message`.
//! - **Rollback**: a trap rolls back everything its message did (memory, globals, stable memory,
//!   certified data, cycles accepted or attached, its reply and outgoing calls) except the execution
//!   charge; a query or `canister_inspect_message` always rolls back.
//! - **Cycles** on a 13-node subnet: each canister has a balance ([`Canister::balance`], 10 T at
//!   install). Every update or callback message costs [`CYCLES_PER_UPDATE`] plus
//!   [`CYCLES_PER_INSTRUCTION`] per instruction (queries, inspect and install hooks are free). An
//!   ingress message ([`Canister::ingress`]) also costs [`costs::ingress_fee`], once
//!   `canister_inspect_message` accepted it. Calls can carry cycles
//!   ([`Canister::update_with_cycles`], `ic0.call_cycles_add128` between harness canisters); the callee
//!   accepts some with `ic0.msg_cycles_accept128` and the rest is refunded to the caller, where a
//!   callback reads it with `ic0.msg_cycles_refunded128`. `call_perform` charges [`costs::call_fee`].
//! - **Interleaving**: a call's state (caller, method, whether and how it was answered, its cycles,
//!   its outgoing calls) lives in its own context, so [`Canister::begin_update`] can run a method up
//!   to its first `await` and [`Canister::finish`] complete it after other calls ran in between.
//!   Reply data appended belongs to one message: a message that appends and does not reply loses it,
//!   as on the replica.
//! - **Certified data**: `certified_data_set` (at most 32 bytes, kept only if the message commits);
//!   queries see a stand-in certificate, [`HARNESS_CERTIFICATE_PREFIX`] followed by the certified data
//!   (not a real IC certificate: tests compare a witness's root hash with
//!   [`Canister::certified_data`]). `canister_query http_request` is called with [`Canister::query`]
//!   like any query.
//!
//! Not modelled: the freezing threshold and the replica's prepayment of execution and response
//! cycles (a balance that cannot pay an execution charge drops to 0), deterministic time slicing
//! (a message runs to completion or to its limit), timers, composite queries, and charges that depend
//! on state the harness does not keep (see [`costs::logging_bytes`], [`costs::ingress_fee`]).
#![deny(missing_docs)]

pub mod costs;
pub mod counter;
pub mod engine;
mod exec;
pub mod instrument;
mod system_api;

use anyhow::{bail, Context, Result};
use candid::Principal;
use engine::{Engine, Instance, Linker, Module, Store};
use exec::{CallCtx, Entry, Env, Message};
use rand::SeedableRng;

/// Instructions allowed per update message.
pub const UPDATE_LIMIT: u64 = 40_000_000_000;
/// Instructions allowed per query.
pub const QUERY_LIMIT: u64 = 5_000_000_000;
/// Instructions allowed for `canister_inspect_message` (the replica's
/// `MAX_INSTRUCTIONS_FOR_MESSAGE_ACCEPTANCE_CALLS`).
pub const INSPECT_LIMIT: u64 = 200_000_000;
/// Instructions allowed for install and upgrade.
pub const INSTALL_LIMIT: u64 = 300_000_000_000;
/// Cycles per update message on a 13-node subnet (IC-NOTES).
pub const CYCLES_PER_UPDATE: u64 = 5_000_000;
/// Cycles per instruction on a 13-node subnet.
pub const CYCLES_PER_INSTRUCTION: u64 = 1;
/// A canister's cycle balance at install (10 T).
pub const INITIAL_BALANCE: u128 = 10_000_000_000_000;
/// The stand-in data certificate queries see starts with these bytes, then the certified data.
pub const HARNESS_CERTIFICATE_PREFIX: &[u8] = b"verinfer-harness-certificate:";

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
    /// `canister_inspect_message` (state changes discarded).
    Inspect,
    /// A query method called as an update (by another canister): replicated and charged like an
    /// update, its state changes discarded, no certificate, no calls.
    ReplicatedQuery,
}

/// The outcome of a call.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// `msg_reply` with this data.
    Reply(Vec<u8>),
    /// `msg_reject` with this message (or a refusal by the harness: no method, inspect_message).
    Reject(String),
    /// The canister trapped (or ran out of instructions).
    Trap(String),
}

/// A completed call: its outcome, the instructions of each message it took (the first is the method
/// itself, the rest are callbacks) and the cycles it carried.
#[derive(Clone, Debug)]
pub struct CallResult {
    /// Outcome.
    pub outcome: Outcome,
    /// Instructions per message.
    pub instructions: Vec<u64>,
    /// Cycles the canister accepted from those attached to the call.
    pub cycles_accepted: u128,
    /// Cycles attached and not accepted, returned to the caller.
    pub cycles_refunded: u128,
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

/// A call whose first message ran ([`Canister::begin_update`]): its context, with the outgoing calls
/// it made, waits for [`Canister::finish`]. Dropping it drops those calls unanswered (the cycles they
/// carried stay spent).
#[derive(Debug)]
#[must_use = "a pending call does nothing until Canister::finish runs its callbacks"]
pub struct PendingCall {
    canister: Principal,
    ctx: CallCtx,
    instructions: Vec<u64>,
}

impl PendingCall {
    /// The outcome so far (set once the method replied, rejected or trapped).
    pub fn outcome(&self) -> Option<&Outcome> {
        self.ctx.outcome.as_ref()
    }
    /// Outgoing calls waiting to be delivered.
    pub fn outgoing_calls(&self) -> usize {
        self.ctx.performed.len()
    }
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
    let wasm = counter::count_instructions(&instrument::instrument(wasm)?)?;
    engine::compile(engine, &wasm).context("compiling the canister Wasm")
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
        let engine = engine::engine();
        let module = load(&engine, wasm)?;
        let controllers = controllers.iter().map(|p| p.as_slice().to_vec()).collect();
        let mut store = Store::new(&engine, Env::new(id.as_slice().to_vec(), controllers));
        let mut linker = Linker::new(&engine);
        system_api::define(&mut linker, &module)?;
        let instance = engine::instantiate(&linker, &mut store, &module).context("instantiating the canister")?;
        let mut c = Canister { engine, linker, store, instance, rng: rand_chacha::ChaCha20Rng::seed_from_u64(7), id };
        let controller = c.store.data().controllers.first().cloned();
        let controller = controller.map_or(Principal::anonymous(), |p| Principal::from_slice(&p));
        c.system("canister_init", controller, init_arg)?;
        Ok(c)
    }

    /// Upgrades to `wasm`: `canister_pre_upgrade` on the old module, a fresh instance with stable
    /// memory, cycle balance and certified data kept, then `canister_post_upgrade` with `arg`.
    pub fn upgrade(&mut self, wasm: &[u8], caller: Principal, arg: Vec<u8>) -> Result<()> {
        self.system("canister_pre_upgrade", caller, Vec::new())?;
        let module = load(&self.engine, wasm)?;
        let mut linker = Linker::new(&self.engine);
        system_api::define(&mut linker, &module)?;
        self.instance =
            engine::instantiate(&linker, &mut self.store, &module).context("instantiating the upgraded canister")?;
        self.linker = linker;
        self.system("canister_post_upgrade", caller, arg)
    }

    fn system(&mut self, export: &str, caller: Principal, arg: Vec<u8>) -> Result<()> {
        if !self.exports(export) {
            return Ok(()); // the hook is optional
        }
        let mut ctx = CallCtx::new(caller, export, 0);
        self.run(Message::new(Kind::System, Entry::Export(export), arg), &mut ctx)?;
        match ctx.outcome {
            Some(Outcome::Trap(m)) => bail!("{export} trapped: {m}"),
            _ => Ok(()),
        }
    }

    fn exports(&mut self, export: &str) -> bool {
        self.instance.get_func(&mut self.store, export).is_some()
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

    /// The canister's cycle balance.
    pub fn balance(&self) -> u128 {
        self.store.data().balance
    }

    /// The data the canister certified with `certified_data_set` (at most 32 bytes).
    pub fn certified_data(&self) -> Vec<u8> {
        self.store.data().certified.clone()
    }

    /// Re-seeds the emulated `raw_rand` (deterministic by default, for reproducible tests).
    pub fn seed_raw_rand(&mut self, seed: [u8; 32]) {
        self.rng = rand_chacha::ChaCha20Rng::from_seed(seed);
    }

    /// Calls an update method (as another canister would, without cycles; see [`Canister::ingress`]
    /// for a user's message).
    pub fn update(&mut self, caller: Principal, method: &str, arg: Vec<u8>) -> Result<CallResult> {
        self.update_with_cycles(caller, method, arg, 0)
    }

    /// Calls an update method from another canister with `cycles` attached: the method sees them with
    /// `msg_cycles_available128` and accepts some with `msg_cycles_accept128`; the rest is refunded
    /// ([`CallResult::cycles_refunded`]).
    pub fn update_with_cycles(
        &mut self,
        caller: Principal,
        method: &str,
        arg: Vec<u8>,
        cycles: u128,
    ) -> Result<CallResult> {
        let pending = self.begin_update(caller, method, arg, cycles)?;
        self.finish(pending, &mut [])
    }

    /// Calls an update method; calls it makes to `peers` (by canister id) are delivered to them as
    /// update calls from this canister, with the cycles attached to them.
    pub fn update_via(
        &mut self,
        caller: Principal,
        method: &str,
        arg: Vec<u8>,
        peers: &mut [&mut Canister],
    ) -> Result<CallResult> {
        let pending = self.begin_update(caller, method, arg, 0)?;
        self.finish(pending, peers)
    }

    /// A user's ingress message: `canister_inspect_message` runs first (if exported) with this caller,
    /// method and argument, its state changes discarded. If it did not call `accept_message` (or
    /// trapped), the outcome is a [`Outcome::Reject`] and nothing is charged; otherwise the canister
    /// pays [`costs::ingress_fee`] and the method runs as [`Canister::update`] runs it. Ingress carries
    /// no cycles.
    pub fn ingress(&mut self, caller: Principal, method: &str, arg: Vec<u8>) -> Result<CallResult> {
        let export = format!("canister_update {method}");
        if !self.exports(&export) {
            return Ok(exec::refused(format!("the canister has no method '{export}'")));
        }
        if !self.inspect(caller, method, &arg)? {
            let msg = format!("canister_inspect_message refused the ingress message for '{method}'");
            return Ok(exec::refused(msg));
        }
        let fee = costs::ingress_fee(method.len() as u64, arg.len() as u64);
        let env = self.store.data_mut();
        if env.balance < fee {
            let msg = format!("the canister cannot pay the ingress fee of {fee} cycles (balance {})", env.balance);
            return Ok(exec::refused(msg));
        }
        env.balance -= fee;
        self.update(caller, method, arg)
    }

    /// Whether `canister_inspect_message` (if exported) accepts this ingress message.
    fn inspect(&mut self, caller: Principal, method: &str, arg: &[u8]) -> Result<bool> {
        const EXPORT: &str = "canister_inspect_message";
        if !self.exports(EXPORT) {
            return Ok(true);
        }
        let mut ctx = CallCtx::new(caller, method, 0);
        self.run(Message::new(Kind::Inspect, Entry::Export(EXPORT), arg.to_vec()), &mut ctx)?;
        let trapped = matches!(ctx.outcome, Some(Outcome::Trap(_)));
        Ok(self.store.data().accepted && !trapped)
    }

    /// Runs an update method's first message (up to its first `await`) with `cycles` attached; the
    /// calls it made wait in the returned [`PendingCall`] until [`Canister::finish`]. Other calls may
    /// run in between, which is how a race across an `await` is tested.
    pub fn begin_update(&mut self, caller: Principal, method: &str, arg: Vec<u8>, cycles: u128) -> Result<PendingCall> {
        let export = format!("canister_update {method}");
        let query = format!("canister_query {method}");
        let mut ctx = CallCtx::new(caller, method, cycles);
        let mut instructions = Vec::new();
        if self.exports(&export) {
            instructions.push(self.run(Message::new(Kind::Update, Entry::Export(&export), arg), &mut ctx)?);
        } else if self.exports(&query) {
            // as the replica runs a query method called as an update
            let msg = Message::new(Kind::ReplicatedQuery, Entry::Export(&query), arg);
            instructions.push(self.run(msg, &mut ctx)?);
        } else {
            ctx.outcome = Some(Outcome::Reject(format!("the canister has no method '{export}'")));
        }
        Ok(PendingCall { canister: self.id, ctx, instructions })
    }

    /// Completes `pending`: delivers its outgoing calls (to the management canister's `raw_rand`, or
    /// to `peers` by canister id), runs the callbacks with the call's own context restored, and so on
    /// until no call is outstanding.
    pub fn finish(&mut self, pending: PendingCall, peers: &mut [&mut Canister]) -> Result<CallResult> {
        if pending.canister != self.id {
            bail!("the pending call belongs to canister {}, not {}", pending.canister, self.id);
        }
        let PendingCall { mut ctx, mut instructions, .. } = pending;
        loop {
            let calls = std::mem::take(&mut ctx.performed);
            if calls.is_empty() {
                break;
            }
            for call in calls {
                let (response, refund) = self.respond(&call, peers)?;
                self.store.data_mut().balance += refund; // credited when the response arrives
                instructions.push(self.run(Message::callback(&call, response, refund), &mut ctx)?);
            }
        }
        Ok(ctx.into_result(instructions))
    }

    /// Calls a query method (its state changes are discarded; it sees the stand-in data certificate).
    pub fn query(&mut self, caller: Principal, method: &str, arg: Vec<u8>) -> Result<CallResult> {
        let export = format!("canister_query {method}");
        if !self.exports(&export) {
            return Ok(exec::refused(format!("the canister has no method '{export}'")));
        }
        let mut ctx = CallCtx::new(caller, method, 0);
        let n = self.run(Message::new(Kind::Query, Entry::Export(&export), arg), &mut ctx)?;
        Ok(ctx.into_result(vec![n]))
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
