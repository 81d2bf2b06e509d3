//! The Wasm engine the harness runs canisters on: wasmtime (feature `wasmtime`, the default: a JIT,
//! fast on the billions of instructions a halo2 registration takes, heavy to build) or wasmi
//! (feature `wasmi`: an interpreter, light to build, what the CLI's demo uses). With both features,
//! wasmtime runs. Instructions are counted by the module itself ([`crate::counter`]), so both engines
//! count the same; this file is the only place that knows which one runs.
//!
//! The two crates share most of their API (`Store`, `Linker`, `Caller`, `Instance`, `Global`,
//! `Memory`, `Val`); the few calls that differ are wrapped here.

#[cfg(not(any(feature = "wasmtime", feature = "wasmi")))]
compile_error!("verinfer-ic-harness needs a Wasm engine: enable the feature `wasmtime` or `wasmi`");

#[cfg(feature = "wasmtime")]
pub use wasmtime::{
    Caller, Engine, Extern, ExternType, Func, Global, Instance, Linker, Memory, Module, Mutability, Store, Val,
};

#[cfg(all(feature = "wasmi", not(feature = "wasmtime")))]
pub use wasmi::{
    Caller, Engine, Extern, ExternType, Func, Global, Instance, Linker, Memory, Module, Mutability, Store, Val,
};

/// The engine's error type (what host functions return).
#[cfg(feature = "wasmtime")]
pub type Error = wasmtime::Error;
/// The engine's error type (what host functions return).
#[cfg(all(feature = "wasmi", not(feature = "wasmtime")))]
pub type Error = wasmi::Error;

/// A result with the engine's error.
pub type Result<T> = std::result::Result<T, Error>;

/// An error with `message`, for a host function to return (the message traps).
pub fn error(message: String) -> Error {
    #[cfg(feature = "wasmtime")]
    return wasmtime::Error::msg(message);
    #[cfg(all(feature = "wasmi", not(feature = "wasmtime")))]
    return wasmi::Error::new(message);
}

/// The engine's name, for messages.
pub const NAME: &str = if cfg!(feature = "wasmtime") { "wasmtime" } else { "wasmi" };

/// An engine with the default configuration (no fuel: the module counts its instructions).
pub fn engine() -> Engine {
    Engine::default()
}

/// Compiles (or, for wasmi, validates and translates) a module.
pub fn compile(engine: &Engine, wasm: &[u8]) -> anyhow::Result<Module> {
    Module::new(engine, wasm).map_err(|e| anyhow::anyhow!("{e}"))
}

/// Instantiates `module` with `linker`'s definitions and runs its start function.
pub fn instantiate<T>(linker: &Linker<T>, store: &mut Store<T>, module: &Module) -> anyhow::Result<Instance> {
    #[cfg(feature = "wasmtime")]
    let instance = linker.instantiate(store, module);
    #[cfg(all(feature = "wasmi", not(feature = "wasmtime")))]
    let instance = linker.instantiate_and_start(store, module);
    instance.map_err(|e| anyhow::anyhow!("{e}"))
}

/// Sets a global's value.
pub fn set_global<T>(store: &mut Store<T>, global: &Global, value: Val) -> anyhow::Result<()> {
    global.set(store, value).map_err(|e| anyhow::anyhow!("{e}"))
}

/// Sets a global's value from a host function.
pub fn set_global_in<T>(caller: &mut Caller<'_, T>, global: &Global, value: Val) -> Result<()> {
    #[cfg(feature = "wasmtime")]
    return global.set(caller, value);
    #[cfg(all(feature = "wasmi", not(feature = "wasmtime")))]
    return global.set(caller, value).map_err(|e| wasmi::Error::new(e.to_string()));
}

/// The function at `index` of the instance's exported table `name`, if there is one.
pub fn table_func<T>(store: &mut Store<T>, instance: &Instance, name: &str, index: u64) -> Option<Func> {
    let table = instance.get_table(&mut *store, name)?;
    let entry = table.get(&mut *store, index)?;
    #[cfg(feature = "wasmtime")]
    return entry.as_func().flatten().copied();
    #[cfg(all(feature = "wasmi", not(feature = "wasmtime")))]
    return entry.as_func().and_then(|f| f.val().map(|f| **f));
}
