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

use crate::cli::{Cli, Command};
use crate::error::Exit;
use crate::output;

/// Runs the command `args` (the whole command line, already parsed as
/// `cli`) asks for, with the config file's settings added.
pub fn run(cli: Cli, args: &[std::ffi::OsString]) -> Result<Exit> {
    let cli = config::Config::load(cli.config.as_deref(), cli.no_config)?.apply(cli, args)?;
    wabill::render::set_raw_csv(cli.raw_csv);
    wabill::render::set_dialect(cli.dialect());
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

/// `wabill man`: the complete page (wabill and every command with its
/// options) or one command's page on stdout, or one page per command into a
/// directory.
fn man(args: &crate::cli::ManArgs) -> Result<Exit> {
    let cmd = Cli::command();
    if let Some(dir) = &args.dir {
        clap_mangen::generate_to(cmd, dir).map_err(|e| {
            anyhow::anyhow!("cannot write the man pages into {}: {e}", dir.display())
        })?;
        return Ok(Exit::Ok);
    }
    let mut roff = Vec::new();
    match &args.command {
        None => complete_man_page(cmd, &mut roff)?,
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
            clap_mangen::Man::new(sub).render(&mut roff)?;
        }
    }
    let mut out = io::stdout().lock();
    out.write_all(&roff)?;
    out.flush()?;
    Ok(Exit::Ok)
}

/// One page for all of wabill: its own sections, then a section per visible
/// command holding that command's synopsis, description, options (grouped
/// as in `--help`) and examples, their headings demoted to subsections.
fn complete_man_page(mut cmd: clap::Command, roff: &mut Vec<u8>) -> io::Result<()> {
    cmd.build();
    let page = clap_mangen::Man::new(cmd.clone());
    // Each `render_*` call starts with roff's preamble (`.ie`/`.el`): the
    // page keeps the first.
    page.render_title(roff)?;
    let mut sections = Vec::new();
    page.render_name_section(&mut sections)?;
    page.render_synopsis_section(&mut sections)?;
    page.render_description_section(&mut sections)?;
    page.render_options_section(&mut sections)?;
    page.render_subcommands_section(&mut sections)?;
    for sub in cmd
        .get_subcommands()
        .filter(|s| !s.is_hide_set() && s.get_name() != "help")
    {
        let name = format!("wabill {}", sub.get_name());
        writeln!(sections, ".SH \"{}\"", name.to_uppercase())?;
        let sub_page = clap_mangen::Man::new(sub.clone().bin_name(&name));
        let mut parts = Vec::new();
        sub_page.render_synopsis_section(&mut parts)?;
        sub_page.render_description_section(&mut parts)?;
        if sub.get_arguments().any(|a| !a.is_hide_set()) {
            sub_page.render_options_section(&mut parts)?;
        }
        if sub.get_after_help().is_some() || sub.get_after_long_help().is_some() {
            sub_page.render_extra_section(&mut parts)?;
        }
        for line in String::from_utf8_lossy(&parts).lines() {
            match line.strip_prefix(".SH ") {
                Some(heading) => writeln!(sections, ".SS {heading}")?,
                None => writeln!(sections, "{line}")?,
            }
        }
    }
    if cmd.get_after_help().is_some() || cmd.get_after_long_help().is_some() {
        page.render_extra_section(&mut sections)?;
    }
    page.render_version_section(&mut sections)?;
    for line in String::from_utf8_lossy(&sections).lines() {
        if !(line.starts_with(".ie \\n(.g .ds Aq") || line.starts_with(".el .ds Aq")) {
            writeln!(roff, "{line}")?;
        }
    }
    Ok(())
}
