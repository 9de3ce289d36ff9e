//! One file per command: its clap arguments (`XArgs`, flattened with the
//! shared groups of `flags.rs`) next to the `run` that takes them and returns
//! the exit code; `cli.rs` lists the commands. `anyhow` is used from here
//! up, typed errors below.

pub mod compare;
pub mod estimate;
pub mod explain;
mod finish;
pub mod forecast;
pub mod generate;
pub mod man;
pub mod merge;
pub mod partition;
pub mod price;
pub mod rates;
pub mod reconcile;
mod settings;
pub mod validate;

use crate::output;
