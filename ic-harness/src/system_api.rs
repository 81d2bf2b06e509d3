//! The `ic0` functions, emulated. Costs: each call is charged a fixed overhead and data copies one
//! instruction per byte (an approximation of the replica's `system_api_complexity`).
use crate::{Env, Kind, OutCall, Outcome};
use std::collections::HashSet;
use wasmtime::{bail, format_err as anyhow, Result};
use wasmtime::{Caller, Extern, Linker, Module};

/// Fixed instructions charged per system call.
const SYSCALL_OVERHEAD: u64 = 20;
/// The canister's cycle balance (10 T).
const BALANCE: u128 = 10_000_000_000_000;
/// Stable memory page size.
const PAGE: u64 = 64 * 1024;
/// Stable memory limit in pages (500 GiB; the harness keeps it in RAM, so tests stay small).
const MAX_STABLE_PAGES: u64 = 500 * 1024 * 16;

type C<'a> = Caller<'a, Env>;

fn charge(c: &mut C<'_>, n: u64) -> Result<()> {
    let fuel = c.get_fuel()?;
    if fuel < n {
        c.set_fuel(0)?;
        return Err(wasmtime::Trap::OutOfFuel.into());
    }
    c.set_fuel(fuel - n)?;
    Ok(())
}

fn memory(c: &mut C<'_>) -> Result<wasmtime::Memory> {
    match c.get_export("memory") {
        Some(Extern::Memory(m)) => Ok(m),
        _ => bail!("the canister exports no memory"),
    }
}

fn read(c: &mut C<'_>, ptr: u64, len: u64) -> Result<Vec<u8>> {
    charge(c, SYSCALL_OVERHEAD + len)?;
    let m = memory(c)?;
    let data = m.data(&*c);
    let end = ptr
        .checked_add(len)
        .filter(|&e| e <= data.len() as u64)
        .ok_or_else(|| anyhow!("read of {len} bytes at {ptr} is out of bounds"))?;
    Ok(data[ptr as usize..end as usize].to_vec())
}

fn write(c: &mut C<'_>, ptr: u64, bytes: &[u8]) -> Result<()> {
    charge(c, SYSCALL_OVERHEAD + bytes.len() as u64)?;
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

macro_rules! def {
    ($l:expr, $set:expr, $name:literal, $f:expr) => {
        $l.func_wrap("ic0", $name, $f)?;
        $set.insert($name);
    };
}

/// Defines every `ic0` import of `module` in `linker`; ones the harness does not emulate trap when called.
pub(crate) fn define(l: &mut Linker<Env>, module: &Module) -> Result<()> {
    let mut s: HashSet<&'static str> = HashSet::new();
    def!(l, s, "msg_arg_data_size", |mut c: C<'_>| -> Result<i32> {
        charge(&mut c, SYSCALL_OVERHEAD)?;
        Ok(c.data().arg.len() as i32)
    });
    def!(l, s, "msg_arg_data_copy", |mut c: C<'_>, dst: i32, off: i32, size: i32| -> Result<()> {
        let arg = c.data().arg.clone();
        copy_out(&mut c, &arg, u(dst), u(off), u(size))
    });
    def!(l, s, "msg_caller_size", |c: C<'_>| -> Result<i32> { Ok(c.data().caller.len() as i32) });
    def!(l, s, "msg_caller_copy", |mut c: C<'_>, dst: i32, off: i32, size: i32| -> Result<()> {
        let v = c.data().caller.clone();
        copy_out(&mut c, &v, u(dst), u(off), u(size))
    });
    def!(l, s, "msg_method_name_size", |c: C<'_>| -> Result<i32> { Ok(c.data().method.len() as i32) });
    def!(l, s, "msg_method_name_copy", |mut c: C<'_>, dst: i32, off: i32, size: i32| -> Result<()> {
        let v = c.data().method.clone().into_bytes();
        copy_out(&mut c, &v, u(dst), u(off), u(size))
    });
    def!(l, s, "msg_reject_code", |c: C<'_>| -> Result<i32> { Ok(c.data().reject_code as i32) });
    def!(l, s, "msg_reject_msg_size", |c: C<'_>| -> Result<i32> { Ok(c.data().reject_msg.len() as i32) });
    def!(l, s, "msg_reject_msg_copy", |mut c: C<'_>, dst: i32, off: i32, size: i32| -> Result<()> {
        let v = c.data().reject_msg.clone().into_bytes();
        copy_out(&mut c, &v, u(dst), u(off), u(size))
    });
    def!(l, s, "msg_deadline", |_c: C<'_>| -> Result<i64> { Ok(0) });
    def!(l, s, "msg_reply_data_append", |mut c: C<'_>, src: i32, size: i32| -> Result<()> {
        let bytes = read(&mut c, u(src), u(size))?;
        c.data_mut().reply_buf.extend_from_slice(&bytes);
        Ok(())
    });
    def!(l, s, "msg_reply", |mut c: C<'_>| -> Result<()> {
        charge(&mut c, SYSCALL_OVERHEAD)?;
        let env = c.data_mut();
        if env.outcome.is_some() {
            bail!("msg_reply: the call was already answered");
        }
        env.outcome = Some(Outcome::Reply(std::mem::take(&mut env.reply_buf)));
        Ok(())
    });
    def!(l, s, "msg_reject", |mut c: C<'_>, src: i32, size: i32| -> Result<()> {
        let bytes = read(&mut c, u(src), u(size))?;
        let env = c.data_mut();
        if env.outcome.is_some() {
            bail!("msg_reject: the call was already answered");
        }
        env.outcome = Some(Outcome::Reject(String::from_utf8_lossy(&bytes).into_owned()));
        Ok(())
    });
    def!(l, s, "accept_message", |mut c: C<'_>| -> Result<()> {
        c.data_mut().accepted = true;
        Ok(())
    });
    for name in ["msg_cycles_available128", "msg_cycles_refunded128"] {
        l.func_wrap("ic0", name, |mut c: C<'_>, dst: i32| -> Result<()> { write(&mut c, u(dst), &[0u8; 16]) })?;
        s.insert(name);
    }
    for name in ["canister_cycle_balance128", "canister_liquid_cycle_balance128"] {
        l.func_wrap("ic0", name, |mut c: C<'_>, dst: i32| -> Result<()> {
            write(&mut c, u(dst), &BALANCE.to_le_bytes())
        })?;
        s.insert(name);
    }
    // Cost of an inter-canister call on a 13-node subnet: 260 K cycles + 1 K per byte sent.
    def!(l, s, "cost_call", |mut c: C<'_>, name_size: i64, payload_size: i64, dst: i32| -> Result<()> {
        let cost = 260_000u128 + 1_000 * (name_size as u128 + payload_size as u128);
        write(&mut c, u(dst), &cost.to_le_bytes())
    });
    def!(l, s, "msg_cycles_accept128", |mut c: C<'_>, _hi: i64, _lo: i64, dst: i32| -> Result<()> {
        write(&mut c, u(dst), &[0u8; 16])
    });
    def!(l, s, "canister_self_size", |c: C<'_>| -> Result<i32> { Ok(c.data().self_id.len() as i32) });
    def!(l, s, "canister_self_copy", |mut c: C<'_>, dst: i32, off: i32, size: i32| -> Result<()> {
        let v = c.data().self_id.clone();
        copy_out(&mut c, &v, u(dst), u(off), u(size))
    });
    def!(l, s, "canister_status", |_c: C<'_>| -> Result<i32> { Ok(1) });
    def!(l, s, "canister_version", |_c: C<'_>| -> Result<i64> { Ok(1) });
    def!(l, s, "call_new", |mut c: C<'_>,
                            callee_src: i32,
                            callee_size: i32,
                            name_src: i32,
                            name_size: i32,
                            reply_fun: i32,
                            reply_env: i32,
                            reject_fun: i32,
                            reject_env: i32|
     -> Result<()> {
        let callee = read(&mut c, u(callee_src), u(callee_size))?;
        let method = String::from_utf8_lossy(&read(&mut c, u(name_src), u(name_size))?).into_owned();
        c.data_mut().building = Some(OutCall {
            callee,
            method,
            reply_fun: reply_fun as u32,
            reply_env: reply_env as u32,
            reject_fun: reject_fun as u32,
            reject_env: reject_env as u32,
            data: Vec::new(),
        });
        Ok(())
    });
    def!(l, s, "call_on_cleanup", |_c: C<'_>, _f: i32, _e: i32| -> Result<()> { Ok(()) });
    def!(l, s, "call_with_best_effort_response", |_c: C<'_>, _t: i32| -> Result<()> { Ok(()) });
    def!(l, s, "call_cycles_add128", |_c: C<'_>, _hi: i64, _lo: i64| -> Result<()> { Ok(()) });
    def!(l, s, "call_data_append", |mut c: C<'_>, src: i32, size: i32| -> Result<()> {
        let bytes = read(&mut c, u(src), u(size))?;
        match c.data_mut().building.as_mut() {
            Some(call) => call.data.extend_from_slice(&bytes),
            None => bail!("call_data_append without call_new"),
        }
        Ok(())
    });
    def!(l, s, "call_perform", |mut c: C<'_>| -> Result<i32> {
        charge(&mut c, SYSCALL_OVERHEAD)?;
        let env = c.data_mut();
        if matches!(env.kind, Kind::Query | Kind::System) {
            bail!("call_perform is not allowed in this kind of message");
        }
        let call = env.building.take().ok_or_else(|| anyhow!("call_perform without call_new"))?;
        env.performed.push(call);
        Ok(0)
    });
    def!(l, s, "stable64_size", |c: C<'_>| -> Result<i64> { Ok((c.data().stable.len() as u64 / PAGE) as i64) });
    def!(l, s, "stable64_grow", |mut c: C<'_>, pages: i64| -> Result<i64> {
        charge(&mut c, SYSCALL_OVERHEAD)?;
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
    def!(l, s, "stable64_write", |mut c: C<'_>, off: i64, src: i64, size: i64| -> Result<()> {
        let bytes = read(&mut c, src as u64, size as u64)?;
        let st = &mut c.data_mut().stable;
        let end = (off as u64)
            .checked_add(size as u64)
            .filter(|&e| e <= st.len() as u64)
            .ok_or_else(|| anyhow!("stable64_write out of bounds"))?;
        st[off as usize..end as usize].copy_from_slice(&bytes);
        Ok(())
    });
    def!(l, s, "stable64_read", |mut c: C<'_>, dst: i64, off: i64, size: i64| -> Result<()> {
        let st = &c.data().stable;
        let end = (off as u64)
            .checked_add(size as u64)
            .filter(|&e| e <= st.len() as u64)
            .ok_or_else(|| anyhow!("stable64_read out of bounds"))?;
        let bytes = st[off as usize..end as usize].to_vec();
        write(&mut c, dst as u64, &bytes)
    });
    def!(l, s, "time", |c: C<'_>| -> Result<i64> { Ok(c.data().time_ns as i64) });
    def!(l, s, "global_timer_set", |_c: C<'_>, _t: i64| -> Result<i64> { Ok(0) });
    def!(l, s, "performance_counter", |c: C<'_>, kind: i32| -> Result<i64> {
        let used = c.data().budget.saturating_sub(c.get_fuel()?);
        match kind {
            0 | 1 => Ok(used as i64),
            k => bail!("performance_counter type {k} is not emulated"),
        }
    });
    def!(l, s, "is_controller", |mut c: C<'_>, src: i32, size: i32| -> Result<i32> {
        let p = read(&mut c, u(src), u(size))?;
        Ok(c.data().controllers.contains(&p) as i32)
    });
    def!(l, s, "in_replicated_execution", |c: C<'_>| -> Result<i32> { Ok((c.data().kind != Kind::Query) as i32) });
    def!(l, s, "debug_print", |mut c: C<'_>, src: i32, size: i32| -> Result<()> {
        let bytes = read(&mut c, u(src), u(size))?;
        c.data_mut().log.push(String::from_utf8_lossy(&bytes).into_owned());
        Ok(())
    });
    def!(l, s, "trap", |mut c: C<'_>, src: i32, size: i32| -> Result<()> {
        let bytes = read(&mut c, u(src), u(size))?;
        bail!("canister trapped: {}", String::from_utf8_lossy(&bytes))
    });
    def!(l, s, "data_certificate_present", |_c: C<'_>| -> Result<i32> { Ok(0) });
    def!(l, s, "certified_data_set", |_c: C<'_>, _s: i32, _n: i32| -> Result<()> { Ok(()) });

    // Anything else the module imports traps with a clear message when called.
    for imp in module.imports() {
        if imp.module() == "ic0" && !s.contains(imp.name()) {
            if let wasmtime::ExternType::Func(ty) = imp.ty() {
                let name = imp.name().to_string();
                l.func_new("ic0", imp.name(), ty, move |_, _, _| bail!("ic0.{name} is not emulated by the harness"))?;
            }
        } else if imp.module() != "ic0" {
            bail!("the canister imports {}.{}, which is not part of the IC system API", imp.module(), imp.name());
        }
    }
    Ok(())
}
