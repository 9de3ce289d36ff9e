//! One file per command; each takes its parsed arguments and returns the
//! exit code. `anyhow` is used from here up, typed errors below.

mod compare;
mod config;
mod estimate;
mod explain;
mod finish;
mod forecast;
mod generate;
mod merge;
mod partition;
mod price;
mod rates;
mod reconcile;
mod reconcile_charges;
mod reconcile_messages;
mod settings;
mod validate;

use std::io::{self, Write};

use anyhow::Result;
use clap::CommandFactory;

pub use crate::engine::Engine;
pub use compare::check_scenario;

use crate::cli::{Cli, Command};
use crate::error::Exit;
use crate::output;

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
        Command::Merge(args) => merge::run(args),
        Command::Partition(args) => partition::run(args),
        Command::Completions { shell } => {
            // clap_complete panics on a failed write: generate in memory.
            let mut script = Vec::new();
            clap_complete::generate(*shell, &mut Cli::command(), "wabill", &mut script);
            let mut out = io::stdout().lock();
            out.write_all(&script)?;
            out.flush()?;
            Ok(Exit::Ok)
        }
        Command::Man(args) => man(args),
    }
}

/// `wabill man`: the page of wabill or of one command on stdout, or every
/// page into a directory.
fn man(args: &crate::cli::ManArgs) -> Result<Exit> {
    let cmd = Cli::command();
    if let Some(dir) = &args.dir {
        clap_mangen::generate_to(cmd, dir).map_err(|e| {
            anyhow::anyhow!("cannot write the man pages into {}: {e}", dir.display())
        })?;
        return Ok(Exit::Ok);
    }
    let page = match &args.command {
        None => clap_mangen::Man::new(cmd),
        Some(name) => {
            let mut cmd = cmd;
            cmd.build();
            let sub = cmd
                .get_subcommands()
                .find(|s| s.get_name() == name && !s.is_hide_set())
                .cloned()
                .ok_or_else(|| {
                    crate::error::Failure::new(
                        Exit::Usage,
                        format!("man: no command {name:?} (try `wabill --help`)"),
                    )
                })?;
            clap_mangen::Man::new(sub)
        }
    };
    let mut roff = Vec::new();
    page.render(&mut roff)?;
    let mut out = io::stdout().lock();
    out.write_all(&roff)?;
    out.flush()?;
    Ok(Exit::Ok)
}
