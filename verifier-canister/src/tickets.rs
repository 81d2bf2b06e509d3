//! Seed tickets: issue (with quotas checked before the `raw_rand` await), consumption by `verify`,
//! abandonment at the deadline, and removal after the retention period.
//!
//! Lifecycle: `open` -> `consumed` (a verified proof, by the requester or the consumer it named) or
//! `abandoned` (deadline passed; counted against the requester). Closed tickets stay readable for the
//! retention period, and while a ticket is stored its requester cannot obtain another one for the
//! same event or the same input commitment.
use crate::state::{self, config, set_config, CLOSED_BY_REMOVAL, OPEN_BY_DEADLINE, REQUEST_KEYS, TICKETS};
use crate::types::{Error, Ticket, TicketStatus, Verified};
use candid::Principal;
use serde_bytes::ByteBuf;
use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};

/// Largest event id.
pub const MAX_EVENT: usize = 64;
/// Tickets and records expired or removed per update call (bounds the work of any one call).
pub const HOUSEKEEPING_PER_CALL: usize = 32;
/// Work allowed before refusing a request for a full cap (expired tickets may free room).
pub const HOUSEKEEPING_BEFORE_REFUSAL: usize = 1_000;

/// Tickets whose seed is being drawn: counted against the caps so that calls interleaved across the
/// `raw_rand` await cannot overshoot them.
#[derive(Default)]
struct Reserved {
    total: u64,
    per_caller: BTreeMap<Principal, u64>,
    keys: BTreeSet<[u8; 32]>,
}

thread_local! {
    static RESERVED: RefCell<Reserved> = RefCell::new(Reserved::default());
}

/// A checked `request_seed` argument.
pub struct Request {
    /// Model hash.
    pub model: [u8; 32],
    /// Input commitment.
    pub commitment: [u8; 32],
    /// Event, if named.
    pub event: Option<ByteBuf>,
    /// Named consumer.
    pub consumer: Option<Principal>,
}

impl Request {
    /// The index keys that make this request unique for `caller`.
    fn keys(&self, caller: &Principal) -> Vec<([u8; 32], &'static str)> {
        let mut keys = vec![(state::request_key(caller, b"commitment", &self.commitment), "input_commitment")];
        if let Some(e) = &self.event {
            keys.push((state::request_key(caller, b"event", e), "event"));
        }
        keys
    }
}

/// A reservation for one ticket; released when dropped (also when the call's callback traps, as
/// ic-cdk drops the future in its cleanup).
pub struct Reservation {
    caller: Principal,
    keys: Vec<[u8; 32]>,
    request: Request,
}

impl Drop for Reservation {
    fn drop(&mut self) {
        RESERVED.with(|r| {
            let mut r = r.borrow_mut();
            r.total = r.total.saturating_sub(1);
            if let Some(n) = r.per_caller.get_mut(&self.caller) {
                *n = n.saturating_sub(1);
                if *n == 0 {
                    r.per_caller.remove(&self.caller);
                }
            }
            for k in &self.keys {
                r.keys.remove(k);
            }
        });
    }
}

/// Checks quotas, caps and uniqueness for `caller` and reserves a ticket.
pub fn reserve(caller: Principal, request: Request, now: u64) -> Result<Reservation, Error> {
    let keys = request.keys(&caller);
    for (key, what) in &keys {
        if let Some(id) = REQUEST_KEYS.with(|m| m.borrow().get(key)) {
            return Err(Error::DuplicateRequest { ticket: Some(id), reason: (*what).into() });
        }
        if RESERVED.with(|r| r.borrow().keys.contains(key)) {
            return Err(Error::DuplicateRequest { ticket: None, reason: (*what).into() });
        }
    }
    if full(&caller)?.is_some() {
        housekeeping(now, HOUSEKEEPING_BEFORE_REFUSAL)?;
    }
    let cfg = config()?;
    match full(&caller)? {
        Some(Full::Caller) => return Err(Error::QuotaExceeded { caller, limit: cfg.max_tickets_per_caller }),
        Some(Full::All) => return Err(Error::TooManyTickets { limit: cfg.max_tickets }),
        None => {}
    }
    let keys: Vec<[u8; 32]> = keys.into_iter().map(|(k, _)| k).collect();
    RESERVED.with(|r| {
        let mut r = r.borrow_mut();
        r.total += 1;
        *r.per_caller.entry(caller).or_default() += 1;
        r.keys.extend(keys.iter().copied());
    });
    Ok(Reservation { caller, keys, request })
}

enum Full {
    Caller,
    All,
}

fn full(caller: &Principal) -> Result<Option<Full>, Error> {
    let cfg = config()?;
    let (total, mine) = RESERVED.with(|r| {
        let r = r.borrow();
        (r.total, r.per_caller.get(caller).copied().unwrap_or(0))
    });
    if state::caller_stats(caller)?.open + mine >= cfg.max_tickets_per_caller {
        return Ok(Some(Full::Caller));
    }
    Ok((cfg.open_tickets + total >= cfg.max_tickets).then_some(Full::All))
}

/// Issues the reserved ticket with `seed`.
pub fn issue(reservation: Reservation, seed: ByteBuf, now: u64) -> Result<Ticket, Error> {
    let cfg = config()?;
    let r = &reservation.request;
    let ticket = Ticket {
        id: cfg.next_ticket_id,
        model_hash: ByteBuf::from(r.model.to_vec()),
        input_commitment: ByteBuf::from(r.commitment.to_vec()),
        seed,
        caller: reservation.caller,
        consumer: r.consumer,
        event: r.event.clone(),
        issued_at: now,
        expires_at: now.saturating_add(cfg.ticket_ttl_ns),
        status: TicketStatus::Open,
    };
    state::put_ticket(&ticket)?;
    OPEN_BY_DEADLINE.with(|m| m.borrow_mut().insert((ticket.expires_at, ticket.id), ()));
    REQUEST_KEYS.with(|m| {
        let mut m = m.borrow_mut();
        for k in &reservation.keys {
            m.insert(*k, ticket.id);
        }
    });
    set_config(|c| {
        c.next_ticket_id += 1;
        c.open_tickets += 1;
        c.counters.tickets_issued += 1;
        Ok(())
    })?;
    state::update_caller(ticket.caller, |s| {
        s.issued += 1;
        s.open += 1;
    })?;
    drop(reservation);
    Ok(ticket)
}

/// The ticket as it stands at `now` (an open ticket past its deadline reads as abandoned).
pub fn view(mut t: Ticket, now: u64) -> Ticket {
    if t.status == TicketStatus::Open && now > t.expires_at {
        t.status = TicketStatus::Abandoned { expired_at: t.expires_at };
    }
    t
}

/// Checks that `caller` may use ticket `id` for a statement now (ownership only in updates).
pub fn usable(id: u64, caller: Option<&Principal>, now: u64) -> Result<Ticket, Error> {
    let t = state::ticket(id)?.ok_or(Error::UnknownTicket { id })?;
    if let Some(c) = caller {
        if *c != t.caller && Some(*c) != t.consumer {
            return Err(Error::TicketNotYours { id, caller: *c });
        }
    }
    match view(t, now) {
        t @ Ticket { status: TicketStatus::Open, .. } => Ok(t),
        Ticket { status: TicketStatus::Consumed(_), .. } => Err(Error::TicketAlreadyUsed { id }),
        Ticket { expires_at, .. } => Err(Error::TicketExpired { id, expired_at: expires_at }),
    }
}

/// Marks an open ticket consumed by the verification `v`.
pub fn consume(mut t: Ticket, v: &Verified, now: u64) -> Result<(), Error> {
    let cfg = config()?;
    t.status = TicketStatus::Consumed(v.clone());
    close(&t, now.saturating_add(cfg.retention_ns))?;
    set_config(|c| {
        c.counters.tickets_consumed += 1;
        Ok(())
    })?;
    state::update_caller(t.caller, |s| s.consumed += 1)
}

/// Stores a closing ticket, moves it to the removal index and frees its place under the caps.
fn close(t: &Ticket, remove_at: u64) -> Result<(), Error> {
    state::put_ticket(t)?;
    OPEN_BY_DEADLINE.with(|m| m.borrow_mut().remove(&(t.expires_at, t.id)));
    CLOSED_BY_REMOVAL.with(|m| m.borrow_mut().insert((remove_at, t.id), ()));
    set_config(|c| {
        c.open_tickets = c.open_tickets.saturating_sub(1);
        Ok(())
    })?;
    state::update_caller(t.caller, |s| s.open = s.open.saturating_sub(1))
}

/// A stored ticket, or `None` (and its bytes dropped, reported in the log) if it cannot be decoded:
/// one unreadable ticket must not stop every later call's housekeeping.
fn readable_ticket(id: u64) -> Option<Ticket> {
    match state::ticket(id) {
        Ok(t) => t,
        Err(e) => {
            ic_cdk::println!("dropping ticket {id}: {e:?}");
            TICKETS.with(|m| m.borrow_mut().remove(&id));
            None
        }
    }
}

/// Abandons tickets past their deadline, then removes closed tickets and verification records past
/// their retention: at most `limit` of each, by time (not by id).
pub fn housekeeping(now: u64, limit: usize) -> Result<(), Error> {
    let cfg = config()?;
    for (deadline, id) in OPEN_BY_DEADLINE.with(|m| state::due(m, now, limit)) {
        let Some(mut t) = readable_ticket(id) else {
            OPEN_BY_DEADLINE.with(|m| m.borrow_mut().remove(&(deadline, id)));
            continue;
        };
        t.status = TicketStatus::Abandoned { expired_at: deadline };
        close(&t, deadline.saturating_add(cfg.retention_ns))?;
        set_config(|c| {
            c.counters.tickets_abandoned += 1;
            Ok(())
        })?;
        state::update_caller(t.caller, |s| s.abandoned += 1)?;
    }
    for (at, id) in CLOSED_BY_REMOVAL.with(|m| state::due(m, now, limit)) {
        if let Some(t) = readable_ticket(id) {
            let request = Request {
                model: t.model_hash.as_slice().try_into().unwrap_or_default(),
                commitment: t.input_commitment.as_slice().try_into().unwrap_or_default(),
                event: t.event.clone(),
                consumer: None,
            };
            REQUEST_KEYS.with(|m| {
                let mut m = m.borrow_mut();
                for (k, _) in request.keys(&t.caller) {
                    m.remove(&k);
                }
            });
            TICKETS.with(|m| m.borrow_mut().remove(&id));
        }
        CLOSED_BY_REMOVAL.with(|m| m.borrow_mut().remove(&(at, id)));
    }
    remove_old_records(now.saturating_sub(cfg.retention_ns), limit)
}

/// Removes up to `limit` verification records made before `cutoff`, oldest first (ids grow with
/// time); stops at the first record that is not due.
fn remove_old_records(cutoff: u64, limit: usize) -> Result<(), Error> {
    let mut removed = 0;
    while removed < limit {
        let Some(first) = state::VERIFICATIONS.with(|m| m.borrow().first_key_value()) else { break };
        let (id, stored) = first;
        if stored.decode()?.verified_at >= cutoff {
            break;
        }
        state::remove_verification(id);
        removed += 1;
    }
    if removed > 0 {
        state::certify();
    }
    Ok(())
}
