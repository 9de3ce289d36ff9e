use std::process::ExitCode;

/// Whether standard output is closed, seen before Rust's runtime reopens
/// it on /dev/null (see `wabill_cli::check_stdout`).
#[cfg(target_os = "linux")]
#[used]
#[unsafe(link_section = ".init_array")]
static CHECK_STDOUT: extern "C" fn() = {
    extern "C" fn check() {
        wabill_cli::check_stdout();
    }
    check
};

fn main() -> ExitCode {
    ExitCode::from(wabill_cli::main_from(std::env::args_os()))
}
