//! What the test modules share: running the built binary and reading its
//! output as text.

use std::path::Path;
use std::process::{Command, Output, Stdio};

/// The repository's root (test processes start there too).
pub fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The `wabill` binary, ready for arguments: no config file is looked for
/// (a developer's own `wabill.toml` or `$WABILL_CONFIG` must not change a
/// test) and standard input is empty.
pub fn wabill() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_wabill"));
    cmd.env_remove("WABILL_CONFIG")
        .env_remove("NO_COLOR")
        .env_remove("CLICOLOR_FORCE")
        .stdin(Stdio::null());
    cmd
}

/// Runs `wabill ARGS` from the repository root.
pub fn run(args: &[&str]) -> Output {
    wabill()
        .args(args)
        .output()
        .expect("the wabill binary runs")
}

/// Runs `wabill --no-config ARGS` in `dir`.
pub fn run_in(dir: &Path, args: &[&str]) -> Output {
    wabill()
        .current_dir(dir)
        .arg("--no-config")
        .args(args)
        .output()
        .expect("wabill runs")
}

/// The standard output of `wabill ARGS`, which must succeed.
pub fn ok(args: &[&str]) -> String {
    let out = run(args);
    assert!(
        out.status.success(),
        "wabill {args:?} failed: {}",
        text(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("reports are UTF-8")
}

/// Bytes as text, for messages and comparisons.
pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Every file in `tests/` is a module of the one test binary: a file that
/// is not would never run.
#[test]
fn every_test_file_is_a_module() {
    let listed = std::fs::read_to_string(root().join("tests/tests.rs")).unwrap();
    for entry in std::fs::read_dir(root().join("tests")).unwrap() {
        let name = entry.unwrap().file_name().into_string().unwrap();
        if let Some(module) = name.strip_suffix(".rs")
            && module != "tests"
        {
            assert!(
                listed.contains(&format!("\nmod {module};\n")),
                "tests/{name} is not a module of tests/tests.rs"
            );
        }
    }
}
