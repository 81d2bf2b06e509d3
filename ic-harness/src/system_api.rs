//! The `ic0` functions, emulated. Each call is charged the replica's instructions for it
//! ([`crate::costs::SYSTEM_API`]) before it runs, as the replica does.
use crate::costs::{self, SyscallCost};
use crate::engine::{self, Caller, Extern, ExternType, Global, Linker, Memory, Module, Result, Val};
use crate::exec::{Env, OutCall};
use crate::{Kind, Outcome, HARNESS_CERTIFICATE_PREFIX};
use std::collections::HashSet;

/// Returns a trap with a formatted message from a host function.
macro_rules! bail {
    ($($t:tt)*) => { return Err(engine::error(format!($($t)*))) };
}

/// A trap with a formatted message.
macro_rules! anyhow {
    ($($t:tt)*) => { engine::error(format!($($t)*)) };
}

/// Stable memory page size.
const PAGE: u64 = 64 * 1024;
/// Stable memory limit in pages (500 GiB; the harness keeps it in RAM, so tests stay small).
const MAX_STABLE_PAGES: u64 = 500 * 1024 * 16;
/// Most bytes `certified_data_set` takes.
const CERTIFIED_DATA_MAX: u64 = 32;

type C<'a> = Caller<'a, Env>;

/// The instructions the message may still execute ([`crate::counter`]).
fn counter(c: &mut C<'_>) -> Result<Global> {
    match c.get_export(crate::counter::COUNTER_EXPORT) {
        Some(Extern::Global(g)) => Ok(g),
        _ => bail!("the module has no instruction counter"),
    }
}

/// Takes `n` instructions from the message's budget; a trap when it runs out (the counter is then
/// negative, which the harness reads as the limit exceeded).
fn charge(c: &mut C<'_>, n: u64) -> Result<()> {
    let g = counter(c)?;
    let left = g.get(&mut *c).i64().unwrap_or(0).saturating_sub(n.min(i64::MAX as u64) as i64);
    engine::set_global_in(c, &g, Val::I64(left))?;
    if left < 0 {
        bail!("instruction limit exceeded");
    }
    Ok(())
}

fn memory(c: &mut C<'_>) -> Result<Memory> {
    match c.get_export("memory") {
        Some(Extern::Memory(m)) => Ok(m),
        _ => bail!("the canister exports no memory"),
    }
}

fn read(c: &mut C<'_>, ptr: u64, len: u64) -> Result<Vec<u8>> {
    let m = memory(c)?;
    let data = m.data(&*c);
    let end = ptr
        .checked_add(len)
        .filter(|&e| e <= data.len() as u64)
        .ok_or_else(|| anyhow!("read of {len} bytes at {ptr} is out of bounds"))?;
    Ok(data[ptr as usize..end as usize].to_vec())
}

fn write(c: &mut C<'_>, ptr: u64, bytes: &[u8]) -> Result<()> {
    let m = memory(c)?;
    let data = m.data_mut(&mut *c);
    let end = ptr
        .checked_add(bytes.len() as u64)
        .filter(|&e| e <= data.len() as u64)
        .ok_or_else(|| anyhow!("write of {} bytes at {ptr} is out of bounds", bytes.len()))?;
    data[ptr as usize..end as usize].copy_from_slice(bytes);
    Ok(())
}

/// Copies `src[off..off+size]` to guest memory at `dst`.
fn copy_out(c: &mut C<'_>, src: &[u8], dst: u64, off: u64, size: u64) -> Result<()> {
    let end = off
        .checked_add(size)
        .filter(|&e| e <= src.len() as u64)
        .ok_or_else(|| anyhow!("copy of {size} bytes at offset {off} from a {}-byte buffer", src.len()))?;
    let chunk = src[off as usize..end as usize].to_vec();
    write(c, dst, &chunk)
}

fn u(v: i32) -> u64 {
    v as u32 as u64
}

fn cycles(hi: i64, lo: i64) -> u128 {
    ((hi as u64 as u128) << 64) | lo as u64 as u128
}

/// Traps unless the message is one of `kinds` (the replica allows each call only in some messages).
fn only(c: &C<'_>, name: &str, kinds: &[Kind]) -> Result<()> {
    let kind = c.data().kind;
    if !kinds.contains(&kind) {
        bail!("ic0.{name} cannot be called in a {kind:?} message");
    }
    Ok(())
}

/// The certificate queries see (not a real IC certificate; see the crate docs).
fn certificate(env: &Env) -> Result<Vec<u8>> {
    if env.kind != Kind::Query {
        bail!("no data certificate: it is available in queries only");
    }
    Ok([HARNESS_CERTIFICATE_PREFIX, &env.certified].concat())
}

/// Links `$name` with closure `$f`, which charges with `$k`, the name's [`SyscallCost`].
macro_rules! def {
    ($l:expr, $set:expr, $name:literal, |$k:ident| $f:expr) => {{
        let $k: SyscallCost =
            costs::system_call($name).ok_or_else(|| anyhow!("no cost for ic0.{} in costs::SYSTEM_API", $name))?;
        $l.func_wrap("ic0", $name, $f)?;
        $set.insert($name);
    }};
}

/// Defines every `ic0` import of `module` in `linker`; ones the harness does not emulate trap when called.
pub(crate) fn define(l: &mut Linker<Env>, module: &Module) -> Result<()> {
    let mut s: HashSet<&'static str> = HashSet::new();
    define_message(l, &mut s)?;
    define_reply(l, &mut s)?;
    define_cycles(l, &mut s)?;
    define_calls(l, &mut s)?;
    define_stable(l, &mut s)?;
    define_canister(l, &mut s)?;
    define_certification(l, &mut s)?;
    // Anything else the module imports traps with a clear message when called.
    for imp in module.imports() {
        if imp.module() == "ic0" && !s.contains(imp.name()) {
            if let ExternType::Func(ty) = imp.ty() {
                let name = imp.name().to_string();
                l.func_new("ic0", imp.name(), ty.clone(), move |_, _, _| {
                    bail!("ic0.{name} is not emulated by the harness")
                })?;
            }
        } else if imp.module() != "ic0" {
            bail!("the canister imports {}.{}, which is not part of the IC system API", imp.module(), imp.name());
        }
    }
    Ok(())
}

type Names = HashSet<&'static str>;

/// The message's argument, caller and method name, and `accept_message`.
fn define_message(l: &mut Linker<Env>, s: &mut Names) -> Result<()> {
    def!(l, s, "msg_arg_data_size", |k| move |mut c: C<'_>| -> Result<i32> {
        charge(&mut c, k.of(0))?;
        Ok(c.data().arg.len() as i32)
    });
    def!(l, s, "msg_arg_data_copy", |k| move |mut c: C<'_>, dst: i32, off: i32, size: i32| -> Result<()> {
        charge(&mut c, k.of(u(size)))?;
        let arg = std::mem::take(&mut c.data_mut().arg);
        let r = copy_out(&mut c, &arg, u(dst), u(off), u(size));
        c.data_mut().arg = arg;
        r
    });
    def!(l, s, "msg_caller_size", |k| move |mut c: C<'_>| -> Result<i32> {
        charge(&mut c, k.of(0))?;
        Ok(c.data().ctx.caller.len() as i32)
    });
    def!(l, s, "msg_caller_copy", |k| move |mut c: C<'_>, dst: i32, off: i32, size: i32| -> Result<()> {
        charge(&mut c, k.of(u(size)))?;
        let v = c.data().ctx.caller.clone();
        copy_out(&mut c, &v, u(dst), u(off), u(size))
    });
    def!(l, s, "msg_method_name_size", |k| move |mut c: C<'_>| -> Result<i32> {
        charge(&mut c, k.of(0))?;
        Ok(c.data().ctx.method.len() as i32)
    });
    def!(l, s, "msg_method_name_copy", |k| move |mut c: C<'_>, dst: i32, off: i32, size: i32| -> Result<()> {
        charge(&mut c, k.of(u(size)))?;
        let v = c.data().ctx.method.clone().into_bytes();
        copy_out(&mut c, &v, u(dst), u(off), u(size))
    });
    def!(l, s, "accept_message", |k| move |mut c: C<'_>| -> Result<()> {
        charge(&mut c, k.of(0))?;
        only(&c, "accept_message", &[Kind::Inspect])?;
        if std::mem::replace(&mut c.data_mut().accepted, true) {
            bail!("ic0.accept_message: the message was already accepted");
        }
        Ok(())
    });
    def!(l, s, "msg_deadline", |k| move |mut c: C<'_>| -> Result<i64> {
        charge(&mut c, k.of(0))?;
        Ok(0)
    });
    Ok(())
}

/// Replies and rejects, given and received.
fn define_reply(l: &mut Linker<Env>, s: &mut Names) -> Result<()> {
    const ANSWERING: &[Kind] = &[Kind::Update, Kind::Query, Kind::ReplicatedQuery, Kind::Callback];
    def!(l, s, "msg_reject_code", |k| move |mut c: C<'_>| -> Result<i32> {
        charge(&mut c, k.of(0))?;
        Ok(c.data().reject_code as i32)
    });
    def!(l, s, "msg_reject_msg_size", |k| move |mut c: C<'_>| -> Result<i32> {
        charge(&mut c, k.of(0))?;
        Ok(c.data().reject_msg.len() as i32)
    });
    def!(l, s, "msg_reject_msg_copy", |k| move |mut c: C<'_>, dst: i32, off: i32, size: i32| -> Result<()> {
        charge(&mut c, k.of(u(size)))?;
        let v = c.data().reject_msg.clone().into_bytes();
        copy_out(&mut c, &v, u(dst), u(off), u(size))
    });
    def!(l, s, "msg_reply_data_append", |k| move |mut c: C<'_>, src: i32, size: i32| -> Result<()> {
        charge(&mut c, k.of(u(size)))?;
        only(&c, "msg_reply_data_append", ANSWERING)?;
        let bytes = read(&mut c, u(src), u(size))?;
        c.data_mut().reply_buf.extend_from_slice(&bytes);
        Ok(())
    });
    def!(l, s, "msg_reply", |k| move |mut c: C<'_>| -> Result<()> {
        charge(&mut c, k.of(0))?;
        only(&c, "msg_reply", ANSWERING)?;
        let env = c.data_mut();
        let reply = Outcome::Reply(std::mem::take(&mut env.reply_buf));
        answer(&mut env.ctx, reply)
    });
    def!(l, s, "msg_reject", |k| move |mut c: C<'_>, src: i32, size: i32| -> Result<()> {
        charge(&mut c, k.of(u(size)))?;
        only(&c, "msg_reject", ANSWERING)?;
        let bytes = read(&mut c, u(src), u(size))?;
        answer(&mut c.data_mut().ctx, Outcome::Reject(String::from_utf8_lossy(&bytes).into_owned()))
    });
    Ok(())
}

/// Answers the call: cycles not accepted go back with the answer.
fn answer(ctx: &mut crate::exec::CallCtx, outcome: Outcome) -> Result<()> {
    if std::mem::replace(&mut ctx.answered, true) {
        bail!("the call was already answered");
    }
    ctx.available = 0;
    ctx.outcome.get_or_insert(outcome);
    Ok(())
}

/// The balance and the cycles a call carries in and gets back.
fn define_cycles(l: &mut Linker<Env>, s: &mut Names) -> Result<()> {
    def!(l, s, "msg_cycles_available128", |k| move |mut c: C<'_>, dst: i32| -> Result<()> {
        charge(&mut c, k.of(0))?;
        let v = c.data().ctx.available;
        write(&mut c, u(dst), &v.to_le_bytes())
    });
    def!(l, s, "msg_cycles_refunded128", |k| move |mut c: C<'_>, dst: i32| -> Result<()> {
        charge(&mut c, k.of(0))?;
        let v = c.data().refunded;
        write(&mut c, u(dst), &v.to_le_bytes())
    });
    def!(l, s, "msg_cycles_accept128", |k| move |mut c: C<'_>, hi: i64, lo: i64, dst: i32| -> Result<()> {
        charge(&mut c, k.of(0))?;
        let env = c.data_mut();
        let n = cycles(hi, lo).min(env.ctx.available);
        env.ctx.available -= n;
        env.ctx.accepted += n;
        env.balance += n;
        write(&mut c, u(dst), &n.to_le_bytes())
    });
    def!(l, s, "cycles_burn128", |k| move |mut c: C<'_>, hi: i64, lo: i64, dst: i32| -> Result<()> {
        charge(&mut c, k.of(0))?;
        let env = c.data_mut();
        let n = cycles(hi, lo).min(env.balance);
        env.balance -= n;
        write(&mut c, u(dst), &n.to_le_bytes())
    });
    def!(l, s, "canister_cycle_balance128", |k| move |mut c: C<'_>, dst: i32| -> Result<()> {
        charge(&mut c, k.of(0))?;
        let v = c.data().balance;
        write(&mut c, u(dst), &v.to_le_bytes())
    });
    def!(l, s, "canister_liquid_cycle_balance128", |k| move |mut c: C<'_>, dst: i32| -> Result<()> {
        charge(&mut c, k.of(0))?;
        let v = c.data().balance;
        write(&mut c, u(dst), &v.to_le_bytes())
    });
    def!(l, s, "cost_call", |k| move |mut c: C<'_>, name_size: i64, payload_size: i64, dst: i32| -> Result<()> {
        charge(&mut c, k.of(0))?;
        write(&mut c, u(dst), &costs::call_fee(name_size as u64, payload_size as u64).to_le_bytes())
    });
    Ok(())
}

/// Building and performing inter-canister calls.
fn define_calls(l: &mut Linker<Env>, s: &mut Names) -> Result<()> {
    def!(l, s, "call_new", |k| move |mut c: C<'_>,
                                     callee_src: i32,
                                     callee_size: i32,
                                     name_src: i32,
                                     name_size: i32,
                                     reply_fun: i32,
                                     reply_env: i32,
                                     reject_fun: i32,
                                     reject_env: i32|
          -> Result<()> {
        charge(&mut c, k.of(u(callee_size) + u(name_size)))?;
        let callee = read(&mut c, u(callee_src), u(callee_size))?;
        let method = String::from_utf8_lossy(&read(&mut c, u(name_src), u(name_size))?).into_owned();
        let (reply_fun, reply_env, reject_fun, reject_env) =
            (reply_fun as u32, reply_env as u32, reject_fun as u32, reject_env as u32);
        let call = OutCall { callee, method, reply_fun, reply_env, reject_fun, reject_env, ..Default::default() };
        let env = c.data_mut();
        if let Some(old) = env.building.replace(call) {
            env.balance += old.cycles; // a call built and never performed returns its cycles
        }
        Ok(())
    });
    def!(l, s, "call_on_cleanup", |k| move |mut c: C<'_>, _f: i32, _e: i32| -> Result<()> { charge(&mut c, k.of(0)) });
    def!(l, s, "call_with_best_effort_response", |k| move |mut c: C<'_>, _t: i32| -> Result<()> {
        charge(&mut c, k.of(0))
    });
    def!(l, s, "call_cycles_add128", |k| move |mut c: C<'_>, hi: i64, lo: i64| -> Result<()> {
        charge(&mut c, k.of(0))?;
        let n = cycles(hi, lo);
        let env = c.data_mut();
        let Some(call) = env.building.as_mut() else { bail!("ic0.call_cycles_add128 without call_new") };
        if n > env.balance {
            bail!("ic0.call_cycles_add128: cannot attach {n} cycles with a balance of {}", env.balance);
        }
        env.balance -= n;
        call.cycles += n;
        Ok(())
    });
    def!(l, s, "call_data_append", |k| move |mut c: C<'_>, src: i32, size: i32| -> Result<()> {
        charge(&mut c, k.of(u(size)))?;
        let bytes = read(&mut c, u(src), u(size))?;
        match c.data_mut().building.as_mut() {
            Some(call) => call.data.extend_from_slice(&bytes),
            None => bail!("call_data_append without call_new"),
        }
        Ok(())
    });
    def!(l, s, "call_perform", |k| move |mut c: C<'_>| -> Result<i32> {
        charge(&mut c, k.of(0))?;
        only(&c, "call_perform", &[Kind::Update, Kind::Callback])?;
        let env = c.data_mut();
        let call = env.building.take().ok_or_else(|| anyhow!("call_perform without call_new"))?;
        let fee = costs::call_fee(call.method.len() as u64, call.data.len() as u64);
        if env.balance < fee {
            env.balance += call.cycles;
            return Ok(2); // SYS_TRANSIENT: the call is not made and its cycles return
        }
        env.balance -= fee;
        env.ctx.performed.push(call);
        Ok(0)
    });
    Ok(())
}

/// Stable memory (Wasm-native in the replica: its own charges, see [`costs::SYSTEM_API`]).
fn define_stable(l: &mut Linker<Env>, s: &mut Names) -> Result<()> {
    def!(l, s, "stable64_size", |k| move |mut c: C<'_>| -> Result<i64> {
        charge(&mut c, k.of(0))?;
        Ok((c.data().stable.len() as u64 / PAGE) as i64)
    });
    def!(l, s, "stable64_grow", |k| move |mut c: C<'_>, pages: i64| -> Result<i64> {
        charge(&mut c, k.of(0))?;
        let env = c.data_mut();
        let old = env.stable.len() as u64 / PAGE;
        let new = old.checked_add(pages as u64).filter(|&n| n <= MAX_STABLE_PAGES);
        Ok(match new {
            Some(n) => {
                env.stable.resize((n * PAGE) as usize, 0);
                old as i64
            }
            None => -1,
        })
    });
    def!(l, s, "stable64_write", |k| move |mut c: C<'_>, off: i64, src: i64, size: i64| -> Result<()> {
        charge(&mut c, k.of(size as u64))?;
        let bytes = read(&mut c, src as u64, size as u64)?;
        let st = &mut c.data_mut().stable;
        let end = (off as u64)
            .checked_add(size as u64)
            .filter(|&e| e <= st.len() as u64)
            .ok_or_else(|| anyhow!("stable64_write out of bounds"))?;
        st[off as usize..end as usize].copy_from_slice(&bytes);
        Ok(())
    });
    def!(l, s, "stable64_read", |k| move |mut c: C<'_>, dst: i64, off: i64, size: i64| -> Result<()> {
        charge(&mut c, k.of(size as u64))?;
        let st = &c.data().stable;
        let end = (off as u64)
            .checked_add(size as u64)
            .filter(|&e| e <= st.len() as u64)
            .ok_or_else(|| anyhow!("stable64_read out of bounds"))?;
        let bytes = st[off as usize..end as usize].to_vec();
        write(&mut c, dst as u64, &bytes)
    });
    Ok(())
}

/// The canister's id, status, clock, controllers, counters and log.
fn define_canister(l: &mut Linker<Env>, s: &mut Names) -> Result<()> {
    def!(l, s, "canister_self_size", |k| move |mut c: C<'_>| -> Result<i32> {
        charge(&mut c, k.of(0))?;
        Ok(c.data().self_id.len() as i32)
    });
    def!(l, s, "canister_self_copy", |k| move |mut c: C<'_>, dst: i32, off: i32, size: i32| -> Result<()> {
        charge(&mut c, k.of(u(size)))?;
        let v = c.data().self_id.clone();
        copy_out(&mut c, &v, u(dst), u(off), u(size))
    });
    def!(l, s, "canister_status", |k| move |mut c: C<'_>| -> Result<i32> { charge(&mut c, k.of(0)).map(|_| 1) });
    def!(l, s, "canister_version", |k| move |mut c: C<'_>| -> Result<i64> { charge(&mut c, k.of(0)).map(|_| 1) });
    def!(l, s, "time", |k| move |mut c: C<'_>| -> Result<i64> {
        charge(&mut c, k.of(0))?;
        Ok(c.data().time_ns as i64)
    });
    def!(l, s, "global_timer_set", |k| move |mut c: C<'_>, _t: i64| -> Result<i64> {
        charge(&mut c, k.of(0)).map(|_| 0)
    });
    def!(l, s, "performance_counter", |k| move |mut c: C<'_>, kind: i32| -> Result<i64> {
        charge(&mut c, k.of(0))?;
        let g = counter(&mut c)?;
        let left = g.get(&mut c).i64().unwrap_or(0);
        let used = c.data().budget.saturating_sub(left.max(0) as u64);
        match kind {
            0 | 1 => Ok(used as i64),
            k => bail!("performance_counter type {k} is not emulated"),
        }
    });
    def!(l, s, "is_controller", |k| move |mut c: C<'_>, src: i32, size: i32| -> Result<i32> {
        charge(&mut c, k.of(u(size)))?;
        let p = read(&mut c, u(src), u(size))?;
        Ok(c.data().controllers.contains(&p) as i32)
    });
    def!(l, s, "in_replicated_execution", |k| move |mut c: C<'_>| -> Result<i32> {
        charge(&mut c, k.of(0))?;
        Ok(!matches!(c.data().kind, Kind::Query | Kind::Inspect) as i32)
    });
    def!(l, s, "debug_print", |k| move |mut c: C<'_>, src: i32, size: i32| -> Result<()> {
        charge(&mut c, k.of(u(size)) + costs::logging_bytes(u(size)))?;
        let bytes = read(&mut c, u(src), u(size))?;
        c.data_mut().log.push(String::from_utf8_lossy(&bytes).into_owned());
        Ok(())
    });
    def!(l, s, "trap", |k| move |mut c: C<'_>, src: i32, size: i32| -> Result<()> {
        charge(&mut c, k.of(u(size)) + costs::logging_bytes(u(size)))?;
        let bytes = read(&mut c, u(src), u(size))?;
        bail!("canister trapped: {}", String::from_utf8_lossy(&bytes))
    });
    Ok(())
}

/// Certified data and the (stand-in) data certificate.
fn define_certification(l: &mut Linker<Env>, s: &mut Names) -> Result<()> {
    def!(l, s, "certified_data_set", |k| move |mut c: C<'_>, src: i32, size: i32| -> Result<()> {
        charge(&mut c, k.of(u(size)))?;
        only(&c, "certified_data_set", &[Kind::Update, Kind::Callback, Kind::System])?;
        if u(size) > CERTIFIED_DATA_MAX {
            bail!("ic0.certified_data_set: {} bytes, at most {CERTIFIED_DATA_MAX} are allowed", u(size));
        }
        c.data_mut().certified = read(&mut c, u(src), u(size))?;
        Ok(())
    });
    def!(l, s, "data_certificate_present", |k| move |mut c: C<'_>| -> Result<i32> {
        charge(&mut c, k.of(0))?;
        Ok((c.data().kind == Kind::Query) as i32)
    });
    def!(l, s, "data_certificate_size", |k| move |mut c: C<'_>| -> Result<i32> {
        charge(&mut c, k.of(0))?;
        Ok(certificate(c.data())?.len() as i32)
    });
    def!(l, s, "data_certificate_copy", |k| move |mut c: C<'_>, dst: i32, off: i32, size: i32| -> Result<()> {
        charge(&mut c, k.of(u(size)))?;
        let cert = certificate(c.data())?;
        copy_out(&mut c, &cert, u(dst), u(off), u(size))
    });
    Ok(())
}
