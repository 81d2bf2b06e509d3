//! Running one message: the state the system API sees, the per-call context saved between a call's
//! messages, the snapshot a trap rolls back to, the execution charge, and the answers to outgoing calls.
use crate::engine::{self, Global, Memory, Mutability, Val};
use crate::{counter, instrument, CallResult, Canister, Kind, Outcome};
use crate::{
    CYCLES_PER_INSTRUCTION, CYCLES_PER_UPDATE, INITIAL_BALANCE, INSPECT_LIMIT, INSTALL_LIMIT, QUERY_LIMIT, UPDATE_LIMIT,
};
use anyhow::{anyhow, Context, Result};
use candid::Principal;

/// Reject code of a call to a destination the harness does not emulate.
const DESTINATION_INVALID: u32 = 3;
/// Reject code of an explicit `msg_reject`.
const CANISTER_REJECT: u32 = 4;
/// Reject code of a trap in the callee.
const CANISTER_ERROR: u32 = 5;

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
    /// Cycles attached (already taken from the balance).
    pub cycles: u128,
}

/// One call's state, kept between its messages so that calls can interleave.
#[derive(Clone, Debug, Default)]
pub(crate) struct CallCtx {
    pub caller: Vec<u8>,
    pub method: String,
    /// `msg_reply` or `msg_reject` ran.
    pub answered: bool,
    /// The first reply, reject or trap.
    pub outcome: Option<Outcome>,
    /// Cycles attached to the call, those not yet accepted (0 once answered), and those accepted.
    pub attached: u128,
    pub available: u128,
    pub accepted: u128,
    /// Outgoing calls performed and not yet answered.
    pub performed: Vec<OutCall>,
}

impl CallCtx {
    pub fn new(caller: Principal, method: &str, cycles: u128) -> CallCtx {
        let caller = caller.as_slice().to_vec();
        CallCtx { caller, method: method.to_string(), attached: cycles, available: cycles, ..Default::default() }
    }

    /// The call's result once no message of it is left to run.
    pub fn into_result(self, instructions: Vec<u64>) -> CallResult {
        let outcome = self.outcome.unwrap_or_else(|| Outcome::Reject("the canister did not reply".into()));
        let cycles_refunded = self.attached - self.accepted;
        CallResult { outcome, instructions, cycles_accepted: self.accepted, cycles_refunded }
    }
}

/// A call the harness refused before running anything.
pub(crate) fn refused(msg: String) -> CallResult {
    CallResult { outcome: Outcome::Reject(msg), instructions: vec![], cycles_accepted: 0, cycles_refunded: 0 }
}

/// State the system API reads and writes: the message running, its call, and the canister.
pub(crate) struct Env {
    pub kind: Kind,
    pub arg: Vec<u8>,
    pub reject_code: u32,
    pub reject_msg: String,
    /// Reply data appended in this message (the replica keeps it for one message, not for the call).
    pub reply_buf: Vec<u8>,
    /// Cycles refunded with the response a callback handles.
    pub refunded: u128,
    pub building: Option<OutCall>,
    pub budget: u64,
    /// `accept_message` ran (in `canister_inspect_message`).
    pub accepted: bool,
    pub ctx: CallCtx,
    pub stable: Vec<u8>,
    pub time_ns: u64,
    pub self_id: Vec<u8>,
    pub controllers: Vec<Vec<u8>>,
    pub log: Vec<String>,
    pub balance: u128,
    pub certified: Vec<u8>,
}

impl Env {
    pub fn new(self_id: Vec<u8>, controllers: Vec<Vec<u8>>) -> Env {
        Env {
            kind: Kind::System,
            arg: Vec::new(),
            reject_code: 0,
            reject_msg: String::new(),
            reply_buf: Vec::new(),
            refunded: 0,
            building: None,
            budget: 0,
            accepted: false,
            ctx: CallCtx::default(),
            stable: Vec::new(),
            time_ns: 1_700_000_000_000_000_000,
            self_id,
            controllers,
            log: Vec::new(),
            balance: INITIAL_BALANCE,
            certified: Vec::new(),
        }
    }
}

/// Where a message starts.
pub(crate) enum Entry<'a> {
    /// An exported function (`canister_update m`, `canister_init`, ...).
    Export(&'a str),
    /// A callback: a function table entry called with `env`.
    Table { fun: u32, env: u32 },
}

/// The answer to an outgoing call.
pub(crate) enum Response {
    Reply(Vec<u8>),
    Reject(u32, String),
}

/// One message to run.
pub(crate) struct Message<'a> {
    kind: Kind,
    entry: Entry<'a>,
    arg: Vec<u8>,
    reject: Option<(u32, String)>,
    refunded: u128,
}

impl<'a> Message<'a> {
    pub fn new(kind: Kind, entry: Entry<'a>, arg: Vec<u8>) -> Message<'a> {
        Message { kind, entry, arg, reject: None, refunded: 0 }
    }

    /// The reply or reject callback of `call` for `response`, with `refunded` cycles.
    pub fn callback(call: &OutCall, response: Response, refunded: u128) -> Message<'a> {
        let (entry, arg, reject) = match response {
            Response::Reply(data) => (Entry::Table { fun: call.reply_fun, env: call.reply_env }, data, None),
            Response::Reject(code, msg) => {
                (Entry::Table { fun: call.reject_fun, env: call.reject_env }, Vec::new(), Some((code, msg)))
            }
        };
        Message { kind: Kind::Callback, entry, arg, reject, refunded }
    }
}

/// What a trap rolls back to.
struct Snapshot {
    memory: Vec<u8>,
    globals: Vec<Val>,
    stable: Vec<u8>,
    balance: u128,
    certified: Vec<u8>,
    ctx: CallCtx,
}

fn budget(kind: Kind) -> u64 {
    match kind {
        Kind::Update | Kind::Callback => UPDATE_LIMIT,
        Kind::Query | Kind::ReplicatedQuery => QUERY_LIMIT,
        Kind::Inspect => INSPECT_LIMIT,
        Kind::System => INSTALL_LIMIT,
    }
}

impl Canister {
    /// Runs one message of the call `ctx` and returns its instructions. A query or inspect message
    /// always rolls back; a trap rolls back everything but the execution charge and becomes the call's
    /// outcome unless it has one. Update and callback messages pay the execution charge.
    pub(crate) fn run(&mut self, msg: Message<'_>, ctx: &mut CallCtx) -> Result<u64> {
        let (kind, budget) = (msg.kind, budget(msg.kind));
        let entry = self.enter(msg, std::mem::take(ctx), budget);
        let snapshot = self.snapshot()?;
        let counter = self
            .instance
            .get_global(&mut self.store, counter::COUNTER_EXPORT)
            .ok_or_else(|| anyhow!("the module has no instruction counter"))?;
        engine::set_global(&mut self.store, &counter, Val::I64(budget as i64))?;
        let result = self.execute(&entry);
        let left = counter.get(&mut self.store).i64().unwrap_or(0);
        // a block or system call that would go over the limit is charged before it runs
        let used = budget.saturating_sub(left.max(0) as u64);
        match result {
            Ok(()) if matches!(kind, Kind::Query | Kind::Inspect | Kind::ReplicatedQuery) => {
                self.restore(snapshot, false)?
            }
            Ok(()) => self.commit(),
            Err(e) => {
                let trap = if left < 0 { format!("instruction limit of {budget} exceeded") } else { format!("{e:#}") };
                self.restore(snapshot, true)?;
                self.store.data_mut().ctx.outcome.get_or_insert(Outcome::Trap(trap));
            }
        }
        let env = self.store.data_mut();
        if matches!(kind, Kind::Update | Kind::Callback | Kind::ReplicatedQuery) {
            let charge = CYCLES_PER_UPDATE as u128 + used as u128 * CYCLES_PER_INSTRUCTION as u128;
            env.balance = env.balance.saturating_sub(charge);
        }
        *ctx = std::mem::take(&mut env.ctx);
        Ok(used)
    }

    /// Sets up the system API's state for `msg` of the call `ctx`; returns where `msg` starts.
    fn enter<'a>(&mut self, msg: Message<'a>, ctx: CallCtx, budget: u64) -> Entry<'a> {
        let env = self.store.data_mut();
        env.kind = msg.kind;
        env.ctx = ctx;
        env.arg = msg.arg;
        (env.reject_code, env.reject_msg) = msg.reject.unwrap_or_default();
        env.refunded = msg.refunded;
        env.reply_buf.clear();
        env.building = None;
        env.budget = budget;
        env.accepted = false;
        msg.entry
    }

    fn execute(&mut self, entry: &Entry<'_>) -> engine::Result<()> {
        match *entry {
            Entry::Export(name) => {
                let f = self.instance.get_typed_func::<(), ()>(&mut self.store, name)?;
                f.call(&mut self.store, ())
            }
            Entry::Table { fun, env } => {
                let f = engine::table_func(&mut self.store, &self.instance, instrument::TABLE_EXPORT, fun as u64)
                    .ok_or_else(|| engine::error(format!("callback {fun} is not in the function table")))?;
                f.typed::<i32, ()>(&self.store)?.call(&mut self.store, env as i32)
            }
        }
    }

    /// A message that completed keeps its changes; a call it built but did not perform returns its cycles.
    fn commit(&mut self) {
        let env = self.store.data_mut();
        if let Some(call) = env.building.take() {
            env.balance += call.cycles;
        }
    }

    fn snapshot(&mut self) -> Result<Snapshot> {
        let memory = self.memory()?.data(&self.store).to_vec();
        let globals = self.globals().iter().map(|g| g.get(&mut self.store)).collect();
        let env = self.store.data();
        let (stable, balance, certified, ctx) =
            (env.stable.clone(), env.balance, env.certified.clone(), env.ctx.clone());
        Ok(Snapshot { memory, globals, stable, balance, certified, ctx })
    }

    /// Restores the canister's state (and, with `call`, the call's context) from `s`.
    fn restore(&mut self, s: Snapshot, call: bool) -> Result<()> {
        let data = self.memory()?.data_mut(&mut self.store);
        data[..s.memory.len()].copy_from_slice(&s.memory);
        data[s.memory.len()..].fill(0);
        for (g, v) in self.globals().iter().zip(&s.globals) {
            if g.ty(&self.store).mutability() == Mutability::Var {
                engine::set_global(&mut self.store, g, v.clone())?;
            }
        }
        let env = self.store.data_mut();
        (env.stable, env.balance, env.certified) = (s.stable, s.balance, s.certified);
        env.building = None;
        if call {
            env.ctx = s.ctx;
        } else {
            env.ctx.performed.clear(); // a query or inspect message makes no calls
        }
        Ok(())
    }

    fn memory(&mut self) -> Result<Memory> {
        self.instance.get_memory(&mut self.store, "memory").ok_or_else(|| anyhow!("the canister exports no memory"))
    }

    fn globals(&mut self) -> Vec<Global> {
        let names: Vec<String> = self
            .instance
            .exports(&mut self.store)
            .map(|e| e.name().to_string())
            .filter(|n| n.starts_with(instrument::GLOBAL_PREFIX))
            .collect();
        names.iter().filter_map(|n| self.instance.get_global(&mut self.store, n)).collect()
    }

    /// The answer to an outgoing call, and the cycles refunded with it.
    pub(crate) fn respond(&mut self, call: &OutCall, peers: &mut [&mut Canister]) -> Result<(Response, u128)> {
        use rand::RngCore;
        if call.callee.is_empty() && call.method == "raw_rand" {
            let mut b = vec![0u8; 32];
            self.rng.fill_bytes(&mut b);
            let reply = candid::encode_one(crate::serde_bytes_compat::Bytes(b));
            return Ok((Response::Reply(reply.context("encoding the emulated raw_rand reply")?), call.cycles));
        }
        if let Some(peer) = peers.iter_mut().find(|p| p.id.as_slice() == call.callee.as_slice()) {
            let r = peer.update_with_cycles(self.id, &call.method, call.data.clone(), call.cycles)?;
            let response = match r.outcome {
                Outcome::Reply(b) => Response::Reply(b),
                Outcome::Reject(m) => Response::Reject(CANISTER_REJECT, m),
                Outcome::Trap(m) => Response::Reject(CANISTER_ERROR, m),
            };
            return Ok((response, r.cycles_refunded));
        }
        let msg = format!("the harness does not emulate {}.{}", Principal::from_slice(&call.callee), call.method);
        Ok((Response::Reject(DESTINATION_INVALID, msg), call.cycles))
    }
}
