use std::process::ExitCode;

fn main() -> ExitCode {
    ExitCode::from(wabill_cli::main_from(std::env::args_os()))
}
