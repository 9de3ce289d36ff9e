mod app;
mod choice;
mod cli;
mod color;
mod error;
mod output;
mod partition;

use std::io::{self, Write};
use std::process::ExitCode;

use clap::FromArgMatches;

use crate::cli::Cli;
use crate::error::{Exit, Failure};

/// Whether standard output is closed, seen before Rust's runtime reopens
/// it on /dev/null (see `output::signals::check_stdout`).
#[cfg(target_os = "linux")]
#[used]
#[unsafe(link_section = ".init_array")]
static CHECK_STDOUT: extern "C" fn() = {
    extern "C" fn check() {
        crate::output::signals::check_stdout();
    }
    check
};

fn main() -> ExitCode {
    let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    let when = color::from_args(&args);
    color::apply(when);
    let parsed = cli::command(when)
        .try_get_matches_from(&args)
        .and_then(|matches| Cli::from_arg_matches(&matches));
    let cli = match parsed {
        Ok(cli) => cli,
        Err(e) => return clap_error(e),
    };
    match crate::app::run(cli, &args) {
        Ok(exit) => exit.into(),
        Err(err) => {
            // The config file's arguments parsed with the command line's.
            let err = match err.downcast::<clap::Error>() {
                Ok(e) => return clap_error(e),
                Err(err) => err,
            };
            // `wabill … | head` closes the pipe early: that is not an error.
            if err.chain().any(is_broken_pipe) {
                return ExitCode::SUCCESS;
            }
            // A closed or full stderr must not turn an error into a panic.
            let message = format!("{err:#}");
            let _ = writeln!(
                anstream::stderr(),
                "wabill: {}",
                wabill::display::printable(&message)
            );
            err.downcast_ref::<Failure>()
                .map_or(Exit::Error, |f| f.exit)
                .into()
        }
    }
}

/// clap's usage errors with wabill's prefix (`wabill:`, not `error:`), its
/// usage and tip lines kept, exit code 2. Help and version go through clap.
fn clap_error(e: clap::Error) -> ExitCode {
    if !e.use_stderr() {
        e.exit();
    }
    // Rendered with styles; anstream drops them unless stderr is a terminal
    // that wants colour (NO_COLOR, CLICOLOR_FORCE), as clap itself does.
    let text = crate::error::with_wabill_prefix(&e.render().ansi().to_string());
    let _ = anstream::stderr().write_all(text.as_bytes());
    ExitCode::from(e.exit_code().clamp(0, 255) as u8)
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
