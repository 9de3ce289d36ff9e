//! `wabill man`: the man pages, from the same clap definitions as `--help`.

use std::io::{self, Write};
use std::path::PathBuf;

use anyhow::Result;
use clap::Args;

use crate::error::Exit;

#[derive(Debug, Args)]
pub struct ManArgs {
    /// The command whose page to print (estimate, price, …) [default: one page with every command and its options]
    #[arg(value_name = "COMMAND", conflicts_with = "dir")]
    pub command: Option<String>,

    /// Write wabill.1 and one page per command (wabill-estimate.1, …) into DIR
    #[arg(long, value_name = "DIR")]
    pub dir: Option<PathBuf>,
}

/// `wabill man`: the complete page (wabill and every command with its
/// options) or one command's page on stdout, or one page per command into a
/// directory.
pub fn run(args: &ManArgs, cmd: clap::Command) -> Result<Exit> {
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
