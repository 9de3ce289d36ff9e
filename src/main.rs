use std::io::{self, Write};
use std::process::ExitCode;

use clap::Parser;
use wabill::cli::Cli;
use wabill::error::{Exit, Failure};

fn main() -> ExitCode {
    match wabill::app::run(Cli::parse()) {
        Ok(exit) => exit.into(),
        Err(err) => {
            // `wabill … | head` closes the pipe early: that is not an error.
            if err.chain().any(is_broken_pipe) {
                return ExitCode::SUCCESS;
            }
            // A closed or full stderr must not turn an error into a panic.
            let _ = writeln!(io::stderr(), "wabill: {err:#}");
            err.downcast_ref::<Failure>()
                .map_or(Exit::Error, |f| f.exit)
                .into()
        }
    }
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
