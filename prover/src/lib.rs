//! The `verinfer` command-line tool and the library behind it.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod artifacts;
pub mod ceremony;
pub mod cmd;
pub mod fsutil;
pub mod pipeline;
pub mod progress;
pub mod proof_file;
pub mod setup_record;
pub mod snarkjs;
pub mod solidity;
