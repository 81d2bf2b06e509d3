//! The `verinfer` binary.
use clap::Parser;
use verinfer::cmd::{self, Cli, Command};

fn main() {
    let cli = Cli::parse();
    if let Some(n) = cli.threads {
        if let Err(e) = rayon::ThreadPoolBuilder::new().num_threads(n.max(1)).build_global() {
            eprintln!("error: --threads {n}: {e}");
            std::process::exit(2);
        }
    }
    let result = match &cli.command {
        Command::Compile(a) => cmd::compile::run(a, cli.json),
        Command::Setup(a) => cmd::setup::run(a, cli.json),
        Command::Commit(a) => cmd::commit::run(a, cli.json),
        Command::Prove(a) => cmd::prove::run(a, cli.json),
        Command::Verify(a) => std::process::exit(cmd::verify::run(a, cli.json)),
        Command::Inspect(a) => cmd::inspect::run(a, cli.json),
        Command::Demo(a) => cmd::demo::run(a, cli.json),
        Command::Canister(c) => cmd::canister::run(c),
        Command::Ceremony(c) => cmd::ceremony::run(c, cli.json),
        Command::Export(c) => cmd::export::run(c, cli.json),
    };
    if let Err(e) = result {
        eprintln!("error: {}", cmd::error_line(&e));
        std::process::exit(1);
    }
}
