//! Counts a canister's instructions inside its own module, with the replica's weights, the way the
//! replica's instrumentation does: any Wasm engine can then run it, and no engine's fuel is needed.
//!
//! The module gets one more global, a mutable `i64` exported as [`COUNTER_EXPORT`]: the
//! instructions the message may still execute. Each basic block starts by subtracting what its
//! instructions weigh ([`weight`]) and trapping (`unreachable`) once the counter is negative; the
//! bulk memory operators also subtract their byte count just before they run. The harness sets the
//! counter to the message's limit, subtracts the system calls' charges from it, and reads it back.
//!
//! A basic block ends after every control operator (`block`, `loop`, `if`, `else`, `end`, the
//! branches, `return`, `unreachable`), so a block's instructions all run once it is entered and the
//! count is exact; a block is charged on entry, so a message that runs out is stopped at the start of
//! the block that would take it over its limit. Calls do not end a block: a callee's instructions are
//! counted in the callee.
use anyhow::{anyhow, bail, Context, Result};
use wasm_encoder::reencode::{Error as ReencodeError, Reencode};
use wasm_encoder::{ConstExpr, ExportKind, GlobalType, Instruction, SectionId, ValType};
use wasmparser::{Operator, Parser, Payload};

/// Export name of the instruction counter global.
pub const COUNTER_EXPORT: &str = "__harness_instructions";

/// The replica's weight of one operator (IC-NOTES): calls 5 (`call_indirect` 10), branches and
/// `if` 2, globals 2, integer division and remainder 10, `memory.size` 20, `memory.grow` 300, bulk
/// memory 100 plus one per byte (the bytes are charged where the operator runs), block markers 0,
/// everything else 1.
pub fn weight(op: &Operator) -> u64 {
    use Operator::*;
    match op {
        Block { .. } | Loop { .. } | End | Else => 0,
        Call { .. } | ReturnCall { .. } => 5,
        CallIndirect { .. } | ReturnCallIndirect { .. } => 10,
        Br { .. } | BrIf { .. } | BrTable { .. } | If { .. } => 2,
        GlobalGet { .. } | GlobalSet { .. } => 2,
        I32DivS | I32DivU | I32RemS | I32RemU | I64DivS | I64DivU | I64RemS | I64RemU => 10,
        MemorySize { .. } => 20,
        MemoryGrow { .. } => 300,
        MemoryCopy { .. } | MemoryFill { .. } | MemoryInit { .. } => 100,
        _ => 1,
    }
}

/// Whether a basic block ends after `op`.
fn ends_block(op: &Operator) -> bool {
    use Operator::*;
    matches!(
        op,
        Block { .. }
            | Loop { .. }
            | If { .. }
            | Else
            | End
            | Br { .. }
            | BrIf { .. }
            | BrTable { .. }
            | Return
            | Unreachable
    )
}

/// Whether `op` also costs one instruction per byte, the byte count being its last operand.
fn per_byte(op: &Operator) -> bool {
    matches!(op, Operator::MemoryCopy { .. } | Operator::MemoryFill { .. } | Operator::MemoryInit { .. })
}

/// Operators a canister built by rustc does not use and the counting does not handle.
fn unsupported(op: &Operator) -> bool {
    use Operator::*;
    matches!(
        op,
        TryTable { .. }
            | Throw { .. }
            | ThrowRef
            | Try { .. }
            | Catch { .. }
            | CatchAll
            | Delegate { .. }
            | Rethrow { .. }
    )
}

/// The module with the counter added (see the module docs).
pub fn count_instructions(wasm: &[u8]) -> Result<Vec<u8>> {
    let mut counter = Counter::of(wasm)?;
    let mut module = wasm_encoder::Module::new();
    counter.parse_core_module(&mut module, Parser::new(0), wasm).map_err(|e| anyhow!("{e}"))?;
    if !counter.global_added || counter.next != counter.params.len() {
        bail!("the module's sections are not in the order Wasm requires");
    }
    Ok(module.finish())
}

/// The re-encoder: what it must know of the module before the code section.
struct Counter {
    /// Parameters of each function the module defines, in order.
    params: Vec<u32>,
    /// The next defined function whose body is re-encoded.
    next: usize,
    /// Index of the counter global.
    global: u32,
    global_added: bool,
}

impl Counter {
    fn of(wasm: &[u8]) -> Result<Counter> {
        let (mut types, mut funcs, mut globals) = (Vec::new(), Vec::new(), 0u32);
        for payload in Parser::new(0).parse_all(wasm) {
            match payload.context("parsing the canister Wasm")? {
                Payload::TypeSection(s) => {
                    for ty in s.into_iter_err_on_gc_types() {
                        types.push(ty?.params().len() as u32);
                    }
                }
                Payload::ImportSection(s) => {
                    for imp in s.into_imports() {
                        if let wasmparser::TypeRef::Global(_) = imp?.ty {
                            globals += 1;
                        }
                    }
                }
                Payload::FunctionSection(s) => {
                    for ty in s {
                        let n = types.get(ty? as usize).copied().context("a function of an unknown type")?;
                        funcs.push(n);
                    }
                }
                Payload::GlobalSection(s) => globals += s.count(),
                _ => {}
            }
        }
        Ok(Counter { params: funcs, next: 0, global: globals, global_added: false })
    }

    /// Subtracts the `i64` that `amount` pushes from the counter; traps once it is negative.
    fn subtract(&self, f: &mut wasm_encoder::Function, amount: &[Instruction]) {
        f.instruction(&Instruction::GlobalGet(self.global));
        for i in amount {
            f.instruction(i);
        }
        f.instruction(&Instruction::I64Sub);
        f.instruction(&Instruction::GlobalSet(self.global));
        f.instruction(&Instruction::GlobalGet(self.global));
        f.instruction(&Instruction::I64Const(0));
        f.instruction(&Instruction::I64LtS);
        f.instruction(&Instruction::If(wasm_encoder::BlockType::Empty));
        f.instruction(&Instruction::Unreachable);
        f.instruction(&Instruction::End);
    }

    /// The counter global's type and initial value: the harness sets it before every message;
    /// until then nothing is counted against it.
    fn add_global(&mut self, globals: &mut wasm_encoder::GlobalSection) {
        let ty = GlobalType { val_type: ValType::I64, mutable: true, shared: false };
        globals.global(ty, &ConstExpr::i64_const(i64::MAX));
        self.global_added = true;
    }

    /// Charges a block of `cost` instructions.
    fn charge(&self, f: &mut wasm_encoder::Function, cost: u64) {
        if cost > 0 {
            self.subtract(f, &[Instruction::I64Const(cost as i64)]);
        }
    }
}

type Reencoded<T> = std::result::Result<T, ReencodeError<String>>;

/// A section's place in a module (its id is not its order).
fn order(id: SectionId) -> u8 {
    use SectionId::*;
    match id {
        Custom => 0,
        Type => 1,
        Import => 2,
        Function => 3,
        Table => 4,
        Memory => 5,
        Tag => 6,
        Global => 7,
        Export => 8,
        Start => 9,
        Element => 10,
        DataCount => 11,
        Code => 12,
        Data => 13,
    }
}

impl Reencode for Counter {
    type Error = String;

    fn parse_global_section(
        &mut self,
        globals: &mut wasm_encoder::GlobalSection,
        section: wasmparser::GlobalSectionReader<'_>,
    ) -> Reencoded<()> {
        wasm_encoder::reencode::utils::parse_global_section(self, globals, section)?;
        self.add_global(globals);
        Ok(())
    }

    /// A module without globals gets a global section holding the counter alone.
    fn intersperse_section_hook(
        &mut self,
        module: &mut wasm_encoder::Module,
        _after: Option<SectionId>,
        before: Option<SectionId>,
    ) -> Reencoded<()> {
        if !self.global_added && before.is_none_or(|s| order(s) > order(SectionId::Global)) {
            let mut globals = wasm_encoder::GlobalSection::new();
            self.add_global(&mut globals);
            module.section(&globals);
        }
        Ok(())
    }

    fn parse_export_section(
        &mut self,
        exports: &mut wasm_encoder::ExportSection,
        section: wasmparser::ExportSectionReader<'_>,
    ) -> Reencoded<()> {
        wasm_encoder::reencode::utils::parse_export_section(self, exports, section)?;
        exports.export(COUNTER_EXPORT, ExportKind::Global, self.global);
        Ok(())
    }

    fn parse_function_body(
        &mut self,
        code: &mut wasm_encoder::CodeSection,
        func: wasmparser::FunctionBody<'_>,
    ) -> Reencoded<()> {
        let user = |m: String| ReencodeError::UserError(m);
        let params = *self.params.get(self.next).ok_or_else(|| user("more bodies than functions".into()))?;
        self.next += 1;
        // the body's operators, and where each basic block starts with its weight
        let mut ops = Vec::new();
        let mut reader = func.get_operators_reader()?;
        while !reader.eof() {
            ops.push(reader.read()?);
        }
        let mut starts = vec![(0usize, 0u64)];
        for (i, op) in ops.iter().enumerate() {
            if unsupported(op) {
                return Err(user(format!("operator {op:?} is not supported by the instruction counter")));
            }
            if let Some(last) = starts.last_mut() {
                last.1 += weight(op);
            }
            if ends_block(op) && i + 1 < ops.len() {
                starts.push((i + 1, 0));
            }
        }
        // one more i32 local holds a bulk operator's byte count
        let mut locals = Vec::new();
        let mut declared = 0u32;
        for pair in func.get_locals_reader()? {
            let (n, ty) = pair?;
            declared += n;
            locals.push((n, self.val_type(ty)?));
        }
        let bytes_local = params + declared;
        locals.push((1, ValType::I32));
        let mut f = wasm_encoder::Function::new(locals);
        let mut next_start = starts.iter().peekable();
        for (i, op) in ops.into_iter().enumerate() {
            if let Some(&(_, cost)) = next_start.next_if(|(at, _)| *at == i) {
                self.charge(&mut f, cost);
            }
            if per_byte(&op) {
                f.instruction(&Instruction::LocalTee(bytes_local));
                self.subtract(&mut f, &[Instruction::LocalGet(bytes_local), Instruction::I64ExtendI32U]);
            }
            f.instruction(&self.instruction(op)?);
        }
        code.function(&f);
        Ok(())
    }
}

#[cfg(all(test, feature = "wasmtime"))]
mod tests {
    use super::*;
    use wasmtime::OperatorCost;
    use wasmtime::{Config, Engine, Instance, Module, Store, Val};

    // The oracle: the harness counted with wasmtime's fuel and this table before the counter
    // existed. Two mechanisms that agree on every program below.
    /// Fuel wasmtime charges on entering any Wasm function (its translator starts each function's count
    /// at 1); the replica charges nothing there. So the table charges calls one less, the system API
    /// charges this for each `ic0` call (an import enters no Wasm function), and a message gets it on top
    /// of its budget for entering its exported function or callback. Exact for `call`, `call_indirect` and
    /// tail calls of Wasm functions and direct calls of imports; an import called through the table would
    /// be one short.
    const FUNCTION_ENTRY_FUEL: u64 = 1;

    /// The fuel table.
    fn ic_operator_costs() -> OperatorCost {
        let mut c = OperatorCost::new();
        // wasmtime's defaults make these free; the replica charges 1.
        c.Nop = 1;
        c.Drop = 1;
        c.Return = 1;
        c.Unreachable = 1;
        // Block markers stay free: Block, Loop, End, Else = 0 (wasmtime's default).
        // wasmtime adds FUNCTION_ENTRY_FUEL on entering the callee; the replica's 5 and 10 include it.
        c.Call = 5 - FUNCTION_ENTRY_FUEL as u8;
        c.CallIndirect = 10 - FUNCTION_ENTRY_FUEL as u8;
        c.ReturnCall = 5 - FUNCTION_ENTRY_FUEL as u8;
        c.ReturnCallIndirect = 10 - FUNCTION_ENTRY_FUEL as u8;
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

    /// Loops, branches (br_if, br_table, if/else), direct and indirect calls, globals, division,
    /// memory.size and the bulk operators with sizes known only at run time.
    const PROGRAM: &str = r#"
      (module
        (type $t (func (param i64) (result i64)))
        (memory 1)
        (global $g (mut i64) (i64.const 3))
        (table 2 funcref)
        (elem (i32.const 0) $twice $half)
        (func $twice (type $t) (i64.mul (local.get 0) (i64.const 2)))
        (func $half (type $t) (i64.div_u (local.get 0) (i64.const 2)))
        (func (export "run") (param $n i32) (result i64)
          (local $i i32) (local $acc i64)
          (block $out
            (loop $top
              (br_if $out (i32.ge_u (local.get $i) (local.get $n)))
              (local.set $acc (i64.add (local.get $acc) (call $twice (i64.extend_i32_u (local.get $i)))))
              (if (i32.and (local.get $i) (i32.const 1))
                (then (local.set $acc (call_indirect (type $t) (local.get $acc) (i32.const 1))))
                (else (global.set $g (i64.add (global.get $g) (local.get $acc)))))
              (block $a (block $b (br_table $a $b (i32.rem_u (local.get $i) (i32.const 3)))) (nop))
              (memory.fill (i32.const 0) (i32.const 7) (i32.mul (local.get $i) (i32.const 10)))
              (memory.copy (i32.const 100) (i32.const 0) (local.get $i))
              (drop (memory.size))
              (local.set $i (i32.add (local.get $i) (i32.const 1)))
              (br $top)))
          (i64.add (local.get $acc) (global.get $g))))
    "#;

    const LIMIT: u64 = 1_000_000;

    /// Instructions by wasmtime's fuel with the harness's table (the oracle), and the result.
    fn by_fuel(wasm: &[u8], n: i32) -> (u64, i64) {
        let mut config = Config::new();
        config.consume_fuel(true).operator_cost(ic_operator_costs());
        let engine = Engine::new(&config).unwrap();
        let mut store = Store::new(&engine, ());
        let instance = Instance::new(&mut store, &Module::new(&engine, wasm).unwrap(), &[]).unwrap();
        store.set_fuel(LIMIT + FUNCTION_ENTRY_FUEL).unwrap();
        let run = instance.get_typed_func::<i32, i64>(&mut store, "run").unwrap();
        let out = run.call(&mut store, n).unwrap();
        (LIMIT - store.get_fuel().unwrap(), out)
    }

    /// Instructions by the counter in the module (no fuel), and the result or the trap.
    fn by_counter(wasm: &[u8], n: i32, limit: u64) -> (u64, Result<i64, String>) {
        let engine = Engine::default();
        let mut store = Store::new(&engine, ());
        let counted = count_instructions(wasm).unwrap();
        let instance = Instance::new(&mut store, &Module::new(&engine, &counted).unwrap(), &[]).unwrap();
        let counter = instance.get_global(&mut store, COUNTER_EXPORT).unwrap();
        counter.set(&mut store, Val::I64(limit as i64)).unwrap();
        let run = instance.get_typed_func::<i32, i64>(&mut store, "run").unwrap();
        let out = run.call(&mut store, n).map_err(|e| format!("{e:#}"));
        let left = counter.get(&mut store).unwrap_i64();
        (limit.wrapping_sub(left as u64), out)
    }

    #[test]
    fn the_counter_agrees_with_the_fuel_table_instruction_for_instruction() {
        let wasm = wat::parse_str(PROGRAM).unwrap();
        for n in [0, 1, 2, 7, 50] {
            let (fuel, want) = by_fuel(&wasm, n);
            let (counted, got) = by_counter(&wasm, n, LIMIT);
            assert_eq!(got, Ok(want), "n = {n}");
            assert_eq!(counted, fuel, "n = {n}");
            assert!(n == 0 || counted > 100 * n as u64, "n = {n}: {counted}");
        }
    }

    #[test]
    fn a_message_over_its_limit_traps_with_the_counter_negative() {
        let wasm = wat::parse_str(PROGRAM).unwrap();
        let (needed, _) = by_fuel(&wasm, 20);
        let (used, out) = by_counter(&wasm, 20, needed - 1);
        assert!(out.is_err(), "{out:?}");
        assert!(used > needed - 1, "charged {used} of a limit of {}", needed - 1);
        let (used, out) = by_counter(&wasm, 20, needed);
        assert!(out.is_ok() && used == needed);
    }

    #[test]
    fn memory_grow_weighs_what_the_replica_charges() {
        let wasm = wat::parse_str(
            r#"(module (memory 1) (func (export "run") (param i32) (result i64)
            (i64.extend_i32_s (memory.grow (local.get 0)))))"#,
        )
        .unwrap();
        let (used, out) = by_counter(&wasm, 1, LIMIT);
        assert_eq!(out, Ok(1));
        // local.get 1 + memory.grow 300 + i64.extend 1 (the fuel table can only say 255)
        assert_eq!(used, 302);
    }
}
