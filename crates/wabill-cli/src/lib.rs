//! The wabill command as a library: `main.rs` and the Python package
//! (crates/wabill-py) both run it from here, so that `wabill` installed by
//! pip is the same program as the binary.

mod app;
mod choice;
mod cli;
mod color;
mod config;
mod error;
mod flags;
mod output;
mod partition;

use std::ffi::OsString;
use std::io::{self, Write};

use clap::FromArgMatches;

use crate::cli::Cli;
use crate::error::{Exit, Failure};

/// How a run ended when it did not end with an exit code of its own.
enum Failed {
    /// A usage error (or help and version), in clap's words.
    Clap(clap::Error),
    Run(anyhow::Error),
}

/// Parses `args` (the first is the program's name) with the config file's
/// settings and runs the command.
fn execute(args: &[OsString]) -> Result<u8, Failed> {
    let when = color::from_args(args);
    color::apply(when);
    let cli = cli::command(when)
        .try_get_matches_from(args)
        .and_then(|matches| Cli::from_arg_matches(&matches))
        .map_err(Failed::Clap)?;
    match configured(cli, args).and_then(|cli| cli.run()) {
        Ok(exit) => Ok(exit as u8),
        // The config file's arguments parsed with the command line's.
        Err(err) => match err.downcast::<clap::Error>() {
            Ok(e) => Err(Failed::Clap(e)),
            // `wabill … | head` closes the pipe early: that is not an error.
            Err(err) if err.chain().any(is_broken_pipe) => Ok(Exit::Ok as u8),
            Err(err) => Err(Failed::Run(err)),
        },
    }
}

/// The command line with the config file's settings added (`config.rs`).
fn configured(cli: Cli, args: &[OsString]) -> anyhow::Result<Cli> {
    config::Config::load(cli.config.as_deref(), cli.no_config)?.apply(cli, args)
}

fn collect<I, T>(args: I) -> Vec<OsString>
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    args.into_iter().map(Into::into).collect()
}

/// What `wabill ARGS…` does, start to end: parses `args` (the first is the
/// program's name), runs the command, prints a failure on stderr with the
/// `wabill:` prefix, and returns the exit code.
pub fn main_from<I, T>(args: I) -> u8
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    match execute(&collect(args)) {
        Ok(exit) => exit,
        Err(Failed::Clap(e)) => clap_error(e),
        Err(Failed::Run(err)) => {
            // A closed or full stderr must not turn an error into a panic;
            // file names and values from the input cannot move the cursor.
            let message = format!("{err:#}");
            let _ = writeln!(
                anstream::stderr(),
                "wabill: {}",
                wabill::display::printable(&message)
            );
            exit_of(&err) as u8
        }
    }
}

/// A run that failed: the exit code and the message `wabill` prints
/// (without its `wabill:` prefix).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunError {
    pub exit: u8,
    pub message: String,
}

/// Runs `wabill ARGS…` for a program that embeds it: as [`main_from`], but a
/// failure (a usage error included, exit 2) is returned rather than printed.
/// Help and version still go to stdout. Notes and progress go to stderr as
/// the command writes them.
pub fn run<I, T>(args: I) -> Result<u8, RunError>
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    match execute(&collect(args)) {
        Ok(exit) => Ok(exit),
        Err(Failed::Clap(e)) if !e.use_stderr() => {
            let _ = e.print();
            Ok(e.exit_code().clamp(0, 255) as u8)
        }
        Err(Failed::Clap(e)) => {
            let text = crate::error::with_wabill_prefix(&e.render().to_string());
            let message = text.strip_prefix("wabill: ").unwrap_or(&text);
            Err(RunError {
                exit: e.exit_code().clamp(0, 255) as u8,
                message: message.trim_end().to_string(),
            })
        }
        Err(Failed::Run(err)) => Err(RunError {
            exit: exit_of(&err) as u8,
            message: format!("{err:#}"),
        }),
    }
}

/// For the binary, before `main`: notes whether standard output was closed
/// (Rust's runtime reopens it on /dev/null; see `output::signals`).
pub fn check_stdout() {
    output::signals::check_stdout();
}

fn exit_of(err: &anyhow::Error) -> Exit {
    err.downcast_ref::<Failure>()
        .map_or(Exit::Error, |f| f.exit)
}

/// clap's usage errors with wabill's prefix (`wabill:`, not `error:`), its
/// usage and tip lines kept, exit code 2. Help and version go through clap.
fn clap_error(e: clap::Error) -> u8 {
    if !e.use_stderr() {
        e.exit();
    }
    // Rendered with styles; anstream drops them unless stderr is a terminal
    // that wants colour (NO_COLOR, CLICOLOR_FORCE), as clap itself does.
    let text = crate::error::with_wabill_prefix(&e.render().ansi().to_string());
    let _ = anstream::stderr().write_all(text.as_bytes());
    e.exit_code().clamp(0, 255) as u8
}

/// An EPIPE, however the writer that met it wrapped it.
fn is_broken_pipe(e: &(dyn std::error::Error + 'static)) -> bool {
    if let Some(io_error) = e.downcast_ref::<io::Error>() {
        // `From<csv::Error> for io::Error` hides the csv error inside.
        return io_error.kind() == io::ErrorKind::BrokenPipe
            || io_error
                .get_ref()
                .is_some_and(|inner| is_broken_pipe(inner));
    }
    if let Some(csv_error) = e.downcast_ref::<csv::Error>()
        && let csv::ErrorKind::Io(io_error) = csv_error.kind()
    {
        return io_error.kind() == io::ErrorKind::BrokenPipe;
    }
    if let Some(json_error) = e.downcast_ref::<serde_json::Error>() {
        return json_error.io_error_kind() == Some(io::ErrorKind::BrokenPipe);
    }
    false
}
