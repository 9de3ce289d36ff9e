//! `wabill_cli::run`, the command for programs that embed it (the Python
//! package): the same exit codes and messages as the binary, failures
//! returned rather than printed.

fn binary(args: &[&str]) -> (i32, String) {
    let out = crate::util::wabill()
        .args(args)
        .output()
        .expect("run wabill");
    (
        out.status.code().expect("an exit code"),
        String::from_utf8(out.stderr).expect("UTF-8 stderr"),
    )
}

fn embedded(args: &[&str]) -> Result<u8, wabill_cli::RunError> {
    wabill_cli::run(std::iter::once("wabill").chain(args.iter().copied()))
}

#[test]
fn a_usage_error_is_returned_as_the_binary_prints_it() {
    let args = ["estimate", "data/sample/messages.csv", "--bogus"];
    let err = embedded(&args).unwrap_err();
    let (code, stderr) = binary(&args);
    assert_eq!((i32::from(err.exit), code), (2, 2));
    assert_eq!(format!("wabill: {}\n", err.message), stderr);
}

#[test]
fn a_failed_run_is_returned_with_its_exit_code() {
    let args = ["estimate", "no/such/log.csv"];
    let err = embedded(&args).unwrap_err();
    let (code, stderr) = binary(&args);
    assert_eq!((i32::from(err.exit), code), (1, 1));
    assert_eq!(format!("wabill: {}\n", err.message), stderr);
    assert!(err.message.contains("no/such/log.csv"), "{}", err.message);
}

#[test]
fn a_run_writes_its_report_and_returns_the_exit_code() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("report.json");
    let out = out.to_str().unwrap();
    let args = [
        "estimate",
        "data/sample/messages.csv",
        "--format",
        "json",
        "-o",
        out,
    ];
    assert_eq!(embedded(&args), Ok(0));
    let written = std::fs::read_to_string(out).unwrap();
    let printed = crate::util::wabill()
        .args(["estimate", "data/sample/messages.csv", "--format", "json"])
        .output()
        .unwrap()
        .stdout;
    assert_eq!(written.as_bytes(), printed);
    // Over budget: the report is written, the exit code is 3, no error.
    let args = [
        "estimate",
        "data/sample/messages.csv",
        "--budget",
        "1",
        "-q",
        "-o",
        out,
    ];
    assert_eq!(embedded(&args), Ok(3));
}
