//! Command-line snapshots: every `tests/cmd/*.toml` case runs `wabill` in its
//! `.in/` directory and compares stdout, stderr and the exit code. Expected
//! files were generated with `TRYCMD=overwrite cargo test --test cli` and then
//! checked by hand against PRICING.md.

use std::fs;
use std::path::Path;

#[test]
fn cli_cases() {
    trycmd::TestCases::new().case("tests/cmd/**/*.toml");
}

fn stdout_of(case: &str) -> String {
    let path = Path::new("tests/cmd").join(format!("{case}.stdout"));
    fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Row order and file layout must not change the report: these cases price
/// the same messages (sorted, shuffled, split over two files with
/// interleaved times, and read from standard input) and must print the same
/// bytes. Checked here so that regenerating one snapshot cannot let them
/// drift apart.
#[test]
fn order_and_files_do_not_change_the_report() {
    let reference = stdout_of("010-order-sorted");
    for case in ["011-order-shuffled", "012-order-split-files"] {
        assert_eq!(
            stdout_of(case),
            reference,
            "{case} differs from 010-order-sorted"
        );
    }
}

/// The four report formats of the Meta example agree on the total.
#[test]
fn every_format_of_the_meta_example_totals_0_0693() {
    assert!(stdout_of("001-meta-example-table").contains(
        "│ Total  ┆           ┆        4 ┆       2 ┆    2 ┆             0 ┆     0.0693 │"
    ));
    assert!(stdout_of("002-meta-example-csv").ends_with("total,total,4,2,2,0,0.0693,USD\n"));
    assert!(stdout_of("003-meta-example-json").contains("\"cost\": \"0.0693\""));
    assert!(
        stdout_of("004-meta-example-markdown")
            .contains("| **Total** |  | **4** | **2** | **2** | **0** | **0.0693** |")
    );
}
