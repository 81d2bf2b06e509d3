//! The replica's per-operator instruction weights as a wasmtime fuel table (see IC-NOTES):
//! most operators 1; calls 5 (`call_indirect` 10); branches 2; globals 2; integer division and
//! remainder 10; `memory.size` 20; `memory.grow` 300; bulk memory 100 + 1 per byte; block markers 0.
use wasmtime::OperatorCost;

/// The fuel table.
pub fn ic_operator_costs() -> OperatorCost {
    let mut c = OperatorCost::new();
    // wasmtime's defaults make these free; the replica charges 1.
    c.Nop = 1;
    c.Drop = 1;
    c.Return = 1;
    c.Unreachable = 1;
    // Block markers stay free: Block, Loop, End, Else = 0 (wasmtime's default).
    c.Call = 5;
    c.CallIndirect = 10;
    c.ReturnCall = 5;
    c.ReturnCallIndirect = 10;
    c.Br = 2;
    c.BrIf = 2;
    c.BrTable = 2;
    c.If = 2;
    c.GlobalGet = 2;
    c.GlobalSet = 2;
    for op in [
        &mut c.I32DivS,
        &mut c.I32DivU,
        &mut c.I32RemS,
        &mut c.I32RemU,
        &mut c.I64DivS,
        &mut c.I64DivU,
        &mut c.I64RemS,
        &mut c.I64RemU,
    ] {
        *op = 10;
    }
    c.MemorySize = 20;
    c.MemoryGrow = 255; // entries are one byte; the replica's 300 is capped here (noted in the docs)
    c.MemoryCopy = 100;
    c.MemoryFill = 100;
    c.MemoryInit = 100;
    c.variable.memory_copy_per_byte = 1;
    c.variable.memory_fill_per_byte = 1;
    c.variable.memory_init_per_byte = 1;
    c
}
