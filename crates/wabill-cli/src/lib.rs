//! The wabill command as a library: `main.rs` and the Python package
//! (crates/wabill-py) both run it from here, so that `wabill` installed by
//! pip is the same program as the binary.

mod app;
mod choice;
mod cli;
mod error;
mod output;
mod partition;

use std::ffi::OsString;
use std::io::{self, Write};

use crate::cli::Cli;
use crate::error::{Exit, Failure};
use clap::Parser;

/// What `wabill ARGS…` does, start to end: parses `args` (the first is the
/// program's name), runs the command, prints a failure on stderr with the
/// `wabill:` prefix, and returns the exit code.
pub fn main_from<I, T>(args: I) -> u8
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(e) => return clap_error(e),
    };
    match crate::app::run(cli) {
        Ok(exit) => exit as u8,
        Err(err) => {
            // `wabill … | head` closes the pipe early: that is not an error.
            if err.chain().any(is_broken_pipe) {
                return Exit::Ok as u8;
            }
            // A closed or full stderr must not turn an error into a panic.
            let _ = writeln!(io::stderr(), "wabill: {err:#}");
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
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(e) if !e.use_stderr() => {
            let _ = e.print();
            return Ok(e.exit_code().clamp(0, 255) as u8);
        }
        Err(e) => {
            let text = crate::error::with_wabill_prefix(&e.render().to_string());
            let message = text.strip_prefix("wabill: ").unwrap_or(&text);
            return Err(RunError {
                exit: e.exit_code().clamp(0, 255) as u8,
                message: message.trim_end().to_string(),
            });
        }
    };
    match crate::app::run(cli) {
        Ok(exit) => Ok(exit as u8),
        Err(err) if err.chain().any(is_broken_pipe) => Ok(Exit::Ok as u8),
        Err(err) => Err(RunError {
            exit: exit_of(&err) as u8,
            message: format!("{err:#}"),
        }),
    }
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
