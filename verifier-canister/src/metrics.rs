//! `stats` and the `/metrics` endpoint (Prometheus text format, served by `http_request`).
use crate::state::{self, config};
use crate::types::{Error, HttpRequest, HttpResponse, Stats};
use serde_bytes::ByteBuf;

const SECOND: u64 = 1_000_000_000;

/// The canister's statistics.
pub fn stats() -> Result<Stats, Error> {
    let cfg = config()?;
    let c = cfg.counters;
    Ok(Stats {
        models: state::MODELS.with(|m| m.borrow().len()),
        tickets: state::TICKETS.with(|t| t.borrow().len()),
        open_tickets: cfg.open_tickets,
        next_ticket_id: cfg.next_ticket_id,
        ticket_ttl_seconds: cfg.ticket_ttl_ns / SECOND,
        max_tickets: cfg.max_tickets,
        max_tickets_per_caller: cfg.max_tickets_per_caller,
        retention_seconds: cfg.retention_ns / SECOND,
        request_seed_fee: cfg.request_seed_fee,
        verify_fee: cfg.verify_fee,
        subnet_cost_percent: cfg.subnet_cost_percent,
        require_ceremony: cfg.require_ceremony,
        ceremony_models: cfg.ceremony_models,
        tickets_issued: c.tickets_issued,
        tickets_consumed: c.tickets_consumed,
        tickets_abandoned: c.tickets_abandoned,
        verifications_accepted: c.verifications_accepted,
        verifications_refused: c.verifications_refused,
        verification_records: state::VERIFICATIONS.with(|v| v.borrow().len()),
        cycles_collected: c.cycles_collected,
        cycle_balance: ic_cdk::api::canister_cycle_balance(),
    })
}

/// The Prometheus exposition of `s`.
pub fn prometheus(s: &Stats) -> String {
    let rows: [(&str, &str, &str, u128); 15] = [
        ("verinfer_models", "gauge", "Registered models, retired included.", s.models as u128),
        (
            "verinfer_models_ceremony",
            "gauge",
            "Registered models whose key is declared as from a ceremony, retired included.",
            s.ceremony_models as u128,
        ),
        (
            "verinfer_models_single_party",
            "gauge",
            "Registered models whose key is single-party (verinfer setup), retired included.",
            s.models.saturating_sub(s.ceremony_models) as u128,
        ),
        (
            "verinfer_require_ceremony",
            "gauge",
            "1 if registrations and rotations refuse single-party keys.",
            s.require_ceremony as u128,
        ),
        ("verinfer_tickets_stored", "gauge", "Tickets stored (open and retained).", s.tickets as u128),
        ("verinfer_tickets_open", "gauge", "Open tickets.", s.open_tickets as u128),
        ("verinfer_tickets_issued_total", "counter", "Tickets issued.", s.tickets_issued as u128),
        (
            "verinfer_tickets_consumed_total",
            "counter",
            "Tickets consumed by a verified proof.",
            s.tickets_consumed as u128,
        ),
        (
            "verinfer_tickets_abandoned_total",
            "counter",
            "Tickets past their deadline unconsumed.",
            s.tickets_abandoned as u128,
        ),
        (
            "verinfer_verifications_accepted_total",
            "counter",
            "verify calls that accepted a proof.",
            s.verifications_accepted as u128,
        ),
        (
            "verinfer_verifications_refused_total",
            "counter",
            "verify calls that returned an error.",
            s.verifications_refused as u128,
        ),
        (
            "verinfer_verification_records",
            "gauge",
            "Certified verification records kept.",
            s.verification_records as u128,
        ),
        ("verinfer_cycles_collected_total", "counter", "Cycles callers paid.", s.cycles_collected),
        ("verinfer_cycle_balance", "gauge", "The canister's cycle balance.", s.cycle_balance),
        ("verinfer_max_tickets", "gauge", "Cap on open tickets.", s.max_tickets as u128),
    ];
    let mut out = String::new();
    for (name, kind, help, value) in rows {
        out.push_str(&format!("# HELP {name} {help}\n# TYPE {name} {kind}\n{name} {value}\n"));
    }
    out
}

fn response(status_code: u16, content_type: &str, body: String) -> HttpResponse {
    HttpResponse {
        status_code,
        headers: vec![("content-type".into(), content_type.into())],
        body: ByteBuf::from(body.into_bytes()),
    }
}

/// Answers `GET /metrics`; anything else is 404 (or 405 for other methods).
pub fn http(request: &HttpRequest) -> HttpResponse {
    let path = request.url.split('?').next().unwrap_or_default();
    match (request.method.as_str(), path) {
        ("GET", "/metrics") => match stats() {
            Ok(s) => response(200, "text/plain; version=0.0.4", prometheus(&s)),
            Err(e) => response(500, "text/plain", format!("{e:?}\n")),
        },
        (_, "/metrics") => response(405, "text/plain", "only GET\n".into()),
        _ => response(404, "text/plain", "not found; try GET /metrics\n".into()),
    }
}
