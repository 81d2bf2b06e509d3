//! Enables the PocketIC tests (`cfg(pocket_ic_server)`) when `POCKET_IC_BIN` names a server binary;
//! otherwise they are compiled but reported as ignored, with the reason.
fn main() {
    println!("cargo::rustc-check-cfg=cfg(pocket_ic_server)");
    println!("cargo::rerun-if-env-changed=POCKET_IC_BIN");
    if std::env::var_os("POCKET_IC_BIN").is_some_and(|p| std::path::Path::new(&p).is_file()) {
        println!("cargo::rustc-cfg=pocket_ic_server");
    }
}
