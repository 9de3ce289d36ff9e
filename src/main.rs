use std::io;
use std::process::ExitCode;

use clap::Parser;
use wabill::cli::Cli;
use wabill::error::{Exit, Failure};

fn main() -> ExitCode {
    match wabill::app::run(Cli::parse()) {
        Ok(exit) => exit.into(),
        Err(err) => {
            // `wabill … | head` closes the pipe early: that is not an error.
            let broken_pipe = err.chain().any(|e| {
                let io_error = e.downcast_ref::<io::Error>().or_else(|| {
                    match e.downcast_ref::<csv::Error>()?.kind() {
                        csv::ErrorKind::Io(io_error) => Some(io_error),
                        _ => None,
                    }
                });
                io_error.is_some_and(|e| e.kind() == io::ErrorKind::BrokenPipe)
            });
            if broken_pipe {
                return ExitCode::SUCCESS;
            }
            eprintln!("wabill: {err:#}");
            err.downcast_ref::<Failure>()
                .map_or(Exit::Error, |f| f.exit)
                .into()
        }
    }
}
