//! Prepares a canister module for the harness the way the replica's instrumentation does: the
//! function table and every global are exported, so that the harness can run inter-canister
//! callbacks (table entries) and roll a trapped or query message back (globals and memory).
use anyhow::{Context, Result};
use wasm_encoder::{ExportKind, ExportSection, Module, RawSection};
use wasmparser::{Parser, Payload};

/// Export name of the function table.
pub const TABLE_EXPORT: &str = "__harness_table";
/// Prefix of global exports.
pub const GLOBAL_PREFIX: &str = "__harness_global_";

/// The module with the table and globals exported.
pub fn instrument(wasm: &[u8]) -> Result<Vec<u8>> {
    let mut out = Module::new();
    let (mut tables, mut globals) = (0u32, 0u32);
    let mut exports_done = false;
    let mut pending_exports: Vec<(String, ExportKind, u32)> = Vec::new();
    for payload in Parser::new(0).parse_all(wasm) {
        let payload = payload.context("parsing the canister Wasm")?;
        match &payload {
            Payload::ImportSection(s) => {
                for imp in s.clone().into_imports() {
                    match imp?.ty {
                        wasmparser::TypeRef::Table(_) => tables += 1,
                        wasmparser::TypeRef::Global(_) => globals += 1,
                        _ => {}
                    }
                }
            }
            Payload::TableSection(s) => tables += s.count(),
            Payload::GlobalSection(s) => globals += s.count(),
            Payload::ExportSection(s) => {
                for e in s.clone() {
                    let e = e?;
                    let kind = match e.kind {
                        wasmparser::ExternalKind::Func => ExportKind::Func,
                        wasmparser::ExternalKind::Table => ExportKind::Table,
                        wasmparser::ExternalKind::Memory => ExportKind::Memory,
                        wasmparser::ExternalKind::Global => ExportKind::Global,
                        _ => continue,
                    };
                    pending_exports.push((e.name.to_string(), kind, e.index));
                }
            }
            _ => {}
        }
        // Re-emit: the export section is rebuilt, everything else copied byte for byte.
        if let Some((id, range)) = payload.as_section() {
            if id == 7 {
                out.section(&exports(&pending_exports, tables, globals));
                exports_done = true;
            } else {
                out.section(&RawSection { id, data: &wasm[range] });
            }
        }
    }
    if !exports_done {
        anyhow::bail!("the module has no export section");
    }
    Ok(out.finish())
}

fn exports(existing: &[(String, ExportKind, u32)], tables: u32, globals: u32) -> ExportSection {
    let mut s = ExportSection::new();
    for (name, kind, index) in existing {
        s.export(name, *kind, *index);
    }
    if tables > 0 {
        s.export(TABLE_EXPORT, ExportKind::Table, 0);
    }
    for g in 0..globals {
        s.export(&format!("{GLOBAL_PREFIX}{g}"), ExportKind::Global, g);
    }
    s
}
