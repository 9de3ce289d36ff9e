//! One file per command; each takes its parsed arguments and returns the
//! exit code. `anyhow` is used from here up, typed errors below.

mod compare;
mod config;
mod estimate;
mod explain;
mod finish;
mod forecast;
mod generate;
mod output;
mod pipeline;
mod price;
mod progress;
mod rates;
mod reconcile;
mod rejects;
mod settings;
mod stream;
mod validate;

use std::io::{self, Write};

use anyhow::Result;
use clap::CommandFactory;

pub use compare::check_scenario;
pub use pipeline::Engine;

use crate::cli::{Cli, Command};
use crate::error::Exit;

pub fn run(mut cli: Cli) -> Result<Exit> {
    config::Config::load(cli.config.as_deref(), cli.no_config)?.apply(&mut cli);
    crate::render::set_raw_csv(cli.raw_csv);
    match &cli.command {
        Command::Estimate(args) => estimate::run(args),
        Command::Price(args) => price::run(args),
        Command::Explain(args) => explain::run(args),
        Command::Validate(args) => validate::run(args),
        Command::Rates(args) => rates::run(args),
        Command::Generate(args) => generate::run(args),
        Command::Forecast(args) => forecast::run(args),
        Command::Compare(args) => compare::run(args),
        Command::Reconcile(args) => reconcile::run(args),
        Command::Completions { shell } => {
            // clap_complete panics on a failed write: generate in memory.
            let mut script = Vec::new();
            clap_complete::generate(*shell, &mut Cli::command(), "wabill", &mut script);
            let mut out = io::stdout().lock();
            out.write_all(&script)?;
            out.flush()?;
            Ok(Exit::Ok)
        }
        Command::Man => {
            let mut out = io::stdout().lock();
            clap_mangen::Man::new(Cli::command()).render(&mut out)?;
            out.flush()?;
            Ok(Exit::Ok)
        }
    }
}
