//! A tool a pipeline can trust: output files, devices and pipes, inputs that
//! are also outputs, failed runs, exit codes. Every case works in its own
//! temporary directory; devices are only `/dev/null` written in place, and
//! FIFOs are made in the temporary directory.

use std::fs;

use crate::util::{run_in as wabill, text};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

const META: &str = "tests/cmd/estimate/001-meta-example-table.in/meta.csv";
const UNPRICED: &str = "tests/cmd/estimate/017-unknown-rate-north-america.in/na.csv";
const MIXED: &str = "tests/cmd/estimate/120-bad-rejects-file.in/mixed.csv";

/// A temporary directory holding copies of the named test logs.
fn sandbox(files: &[&str]) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    for f in files {
        let src = Path::new(env!("CARGO_MANIFEST_DIR")).join(f);
        fs::copy(&src, dir.path().join(src.file_name().unwrap())).unwrap();
    }
    let path = dir.path().to_path_buf();
    (dir, path)
}

fn names(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

#[test]
fn a_failed_run_does_not_replace_the_output_file() {
    let (_t, dir) = sandbox(&[UNPRICED]);
    fs::write(dir.join("report.csv"), "good report\n").unwrap();
    let out = wabill(&dir, &["estimate", "na.csv", "-o", "report.csv"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
    let err = text(&out.stderr);
    assert!(
        err.contains("could not be priced") && err.contains("report.csv was not written"),
        "{err}"
    );
    assert_eq!(
        fs::read_to_string(dir.join("report.csv")).unwrap(),
        "good report\n"
    );
    assert_eq!(
        names(&dir),
        ["na.csv", "report.csv"],
        "no temporary file left"
    );
    // price streams its rows, and still does not commit them.
    let out = wabill(&dir, &["price", "na.csv", "-o", "report.csv"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        fs::read_to_string(dir.join("report.csv")).unwrap(),
        "good report\n"
    );
    assert_eq!(names(&dir), ["na.csv", "report.csv"]);
}

#[test]
fn strict_failures_write_nothing_in_every_command() {
    let (_t, dir) = sandbox(&[MIXED]);
    for args in [
        &["estimate", "mixed.csv", "--strict", "-o", "out.csv"][..],
        &["price", "mixed.csv", "--strict", "-o", "out.csv"],
        &[
            "compare",
            "mixed.csv",
            "--strict",
            "--scenario",
            "a:",
            "--scenario",
            "b:",
            "-o",
            "out.csv",
        ],
    ] {
        let out = wabill(&dir, args);
        assert_eq!(out.status.code(), Some(1), "{args:?}");
        let err = text(&out.stderr);
        assert!(
            err.ends_with("wabill: 3 rows rejected (--strict); out.csv was not written\n"),
            "{args:?}: {err}"
        );
        assert!(!dir.join("out.csv").exists(), "{args:?}");
    }
}

#[test]
fn a_budget_verdict_still_writes_the_report() {
    let (_t, dir) = sandbox(&[META]);
    let out = wabill(
        &dir,
        &["estimate", "meta.csv", "--budget", "0.01", "-o", "r.md"],
    );
    assert_eq!(out.status.code(), Some(3));
    let report = fs::read_to_string(dir.join("r.md")).unwrap();
    assert!(report.starts_with("**wabill estimate**"), "{report}");
}

#[test]
fn the_format_follows_the_output_extension() {
    let (_t, dir) = sandbox(&[META]);
    for (file, start) in [
        ("r.csv", "market,category"),
        ("r.json", "{"),
        ("r.md", "**wabill estimate**"),
    ] {
        let out = wabill(&dir, &["estimate", "meta.csv", "-o", file]);
        assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
        let written = fs::read_to_string(dir.join(file)).unwrap();
        assert!(written.starts_with(start), "{file}: {written}");
    }
    // .txt names no format estimate writes (issue 26): a usage error, not a table.
    let out = wabill(&dir, &["estimate", "meta.csv", "-o", "r.txt"]);
    assert_eq!(out.status.code(), Some(2));
    // --format wins.
    let out = wabill(
        &dir,
        &["estimate", "meta.csv", "-o", "x.json", "--format", "csv"],
    );
    assert_eq!(out.status.code(), Some(0));
    assert!(
        fs::read_to_string(dir.join("x.json"))
            .unwrap()
            .starts_with("market,")
    );
    // price writes JSON lines for .json.
    let out = wabill(&dir, &["price", "meta.csv", "-o", "p.json"]);
    assert_eq!(out.status.code(), Some(0));
    assert!(
        fs::read_to_string(dir.join("p.json"))
            .unwrap()
            .starts_with("{\"")
    );
    // A format the command does not write is a usage error.
    let out = wabill(&dir, &["price", "meta.csv", "-o", "p.md"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("does not write markdown"));
    assert!(!dir.join("p.md").exists());
}

#[test]
fn dash_is_standard_output() {
    let (_t, dir) = sandbox(&[META]);
    let out = wabill(
        &dir,
        &["estimate", "meta.csv", "-o", "-", "--format", "csv"],
    );
    assert_eq!(out.status.code(), Some(0));
    assert!(text(&out.stdout).starts_with("market,category"));
    assert_eq!(names(&dir), ["meta.csv"]);
}

#[test]
fn an_input_is_never_an_output() {
    let (_t, dir) = sandbox(&[MIXED]);
    let before = fs::read(dir.join("mixed.csv")).unwrap();
    for (args, flag) in [
        (
            &["estimate", "mixed.csv", "--rejects", "mixed.csv"][..],
            "--rejects",
        ),
        (&["estimate", "mixed.csv", "-o", "./mixed.csv"], "-o"),
        (&["price", "mixed.csv", "-o", "mixed.csv"], "-o"),
        (
            &["validate", "mixed.csv", "--rejects", "mixed.csv"],
            "--rejects",
        ),
    ] {
        let out = wabill(&dir, args);
        assert_eq!(out.status.code(), Some(1), "{args:?}");
        let err = text(&out.stderr);
        assert!(
            err.contains(&format!("{flag} ")) && err.contains("is an input"),
            "{err}"
        );
        assert!(out.stdout.is_empty());
    }
    assert_eq!(fs::read(dir.join("mixed.csv")).unwrap(), before);
    assert_eq!(names(&dir), ["mixed.csv"]);
}

#[test]
fn the_same_file_twice_is_an_error() {
    let (_t, dir) = sandbox(&[META]);
    let out = wabill(&dir, &["estimate", "meta.csv", "meta.csv"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("meta.csv is given twice"));
    let out = wabill(&dir, &["estimate", "meta.csv", "./meta.csv"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("are the same file"));
}

#[test]
fn the_rejects_file_reads_back() {
    let (_t, dir) = sandbox(&[MIXED]);
    for command in ["estimate", "validate"] {
        let out = wabill(&dir, &[command, "mixed.csv", "--rejects", "rej.csv"]);
        assert!(out.status.code().is_some(), "{command}");
        let mut reader = csv::Reader::from_path(dir.join("rej.csv")).unwrap();
        let header = reader.headers().unwrap().clone();
        assert_eq!(
            header.iter().collect::<Vec<_>>(),
            [
                "file",
                "line",
                "column_number",
                "column",
                "value",
                "reason",
                "row"
            ]
        );
        // Rejected bytes are kept as they were, invalid UTF-8 included.
        let rows: Vec<csv::ByteRecord> = reader.byte_records().map(|r| r.unwrap()).collect();
        assert_eq!(rows.len(), 3, "{command}");
        // `direction` is the fourth field of mixed.csv: line 3, column 4.
        assert_eq!(
            (&rows[0][1], &rows[0][2], &rows[0][3]),
            (&b"3"[..], &b"4"[..], &b"direction"[..])
        );
        // A row with the wrong number of fields has no column.
        assert_eq!(&rows[2][2], b"");
        // The row column holds the rejected row as CSV: it parses back.
        let row = csv::ReaderBuilder::new()
            .has_headers(false)
            .from_reader(&rows[0][6])
            .records()
            .next()
            .unwrap()
            .unwrap();
        assert_eq!(&row[3], "sideways");
        assert_eq!(&row[7], "keeps \"quotes\", commas\nand a line break");
        fs::remove_file(dir.join("rej.csv")).unwrap();
    }
}

#[cfg(unix)]
mod unix {
    use super::*;
    use std::io::Read;
    use std::os::unix::fs::{FileTypeExt, PermissionsExt, symlink};

    #[test]
    fn dev_null_is_written_in_place() {
        let (_t, dir) = sandbox(&[META]);
        let out = wabill(&dir, &["estimate", "meta.csv", "-o", "/dev/null"]);
        assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
        let meta = fs::metadata("/dev/null").unwrap();
        assert!(meta.file_type().is_char_device());
    }

    #[test]
    fn a_fifo_is_written_in_place() {
        let (_t, dir) = sandbox(&[META]);
        let fifo = dir.join("pipe");
        let made = Command::new("mkfifo").arg(&fifo).status().unwrap();
        assert!(made.success());
        let reader = {
            let fifo = fifo.clone();
            std::thread::spawn(move || {
                let mut s = String::new();
                fs::File::open(fifo)
                    .unwrap()
                    .read_to_string(&mut s)
                    .unwrap();
                s
            })
        };
        let out = wabill(
            &dir,
            &["estimate", "meta.csv", "-o", "pipe", "--format", "csv"],
        );
        assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
        let read = reader.join().unwrap();
        assert!(read.starts_with("market,category"), "{read}");
        assert!(fs::metadata(&fifo).unwrap().file_type().is_fifo());
        assert_eq!(names(&dir), ["meta.csv", "pipe"]);
    }

    #[test]
    fn a_symlink_is_followed_and_kept_and_the_mode_too() {
        let (_t, dir) = sandbox(&[META]);
        fs::create_dir(dir.join("reports")).unwrap();
        let real = dir.join("reports/real.csv");
        fs::write(&real, "old\n").unwrap();
        fs::set_permissions(&real, fs::Permissions::from_mode(0o640)).unwrap();
        symlink("reports/real.csv", dir.join("link.csv")).unwrap();
        let out = wabill(&dir, &["estimate", "meta.csv", "-o", "link.csv"]);
        assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
        let link = fs::symlink_metadata(dir.join("link.csv")).unwrap();
        assert!(link.file_type().is_symlink());
        assert!(
            fs::read_to_string(&real)
                .unwrap()
                .starts_with("market,category")
        );
        let mode = fs::metadata(&real).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o640);
        assert_eq!(names(&dir.join("reports")), ["real.csv"]);
    }

    #[test]
    fn errors_name_the_path_typed() {
        let (_t, dir) = sandbox(&[META]);
        let out = wabill(&dir, &["estimate", "meta.csv", "-o", "missing/dir/r.csv"]);
        assert_eq!(out.status.code(), Some(1));
        let err = text(&out.stderr);
        assert!(
            err.starts_with("wabill: cannot create missing/dir/r.csv"),
            "{err}"
        );
        assert!(!err.contains("wabill-tmp"), "{err}");
    }
}

/// Runs wabill with the read end of its stdout (or stderr) closed at once,
/// as `wabill … | head -c0` does, and returns its exit code and stderr.
fn with_closed(dir: &Path, args: &[&str], close_stderr: bool) -> (Option<i32>, String) {
    let mut command = crate::util::wabill();
    command
        .current_dir(dir)
        .arg("--no-config")
        .args(args)
        .stdin(Stdio::null());
    if close_stderr {
        command.stdout(Stdio::null()).stderr(Stdio::piped());
    } else {
        command.stdout(Stdio::piped()).stderr(Stdio::piped());
    }
    let mut child = command.spawn().unwrap();
    let mut err = String::new();
    if close_stderr {
        drop(child.stderr.take());
    } else {
        drop(child.stdout.take());
        use std::io::Read;
        child
            .stderr
            .take()
            .unwrap()
            .read_to_string(&mut err)
            .unwrap();
    }
    (child.wait().unwrap().code(), err)
}

#[test]
fn a_closed_pipe_exits_0_quietly_in_every_command_and_format() {
    let (_t, dir) = sandbox(&[]);
    let made = wabill(&dir, &["generate", "--rows", "5k", "-o", "big.csv"]);
    assert_eq!(made.status.code(), Some(0));
    let by = ["--by", "day,market,category"];
    let mut cases: Vec<Vec<&str>> = Vec::new();
    for format in ["table", "csv", "json", "markdown"] {
        cases.push([&["estimate", "big.csv", "--format", format][..], &by].concat());
    }
    for format in ["csv", "json"] {
        cases.push(vec!["price", "big.csv", "--format", format]);
        cases.push(vec!["rates", "--date", "2026-02-01", "--format", format]);
    }
    cases.push(vec![
        "compare",
        "big.csv",
        "--scenario",
        "a:",
        "--scenario",
        "b:",
    ]);
    for shell in ["bash", "zsh", "fish"] {
        cases.push(vec!["completions", shell]);
    }
    cases.push(vec!["man"]);
    for args in &cases {
        let (code, err) = with_closed(&dir, args, false);
        assert_eq!(code, Some(0), "{args:?}: {err}");
        assert_eq!(err, "", "{args:?}");
    }
}

#[test]
fn an_unwritable_stderr_never_panics() {
    let (_t, dir) = sandbox(&[MIXED]);
    for (args, code) in [
        (&["estimate", "mixed.csv"][..], 0),
        (&["estimate", "missing.csv"], 1),
        (&["validate", "mixed.csv"], 1),
        (&["price", "mixed.csv", "--strict"], 1),
    ] {
        assert_eq!(with_closed(&dir, args, true).0, Some(code), "{args:?}");
    }
}

#[test]
fn an_unreadable_log_names_the_os_error_once() {
    let (_t, dir) = sandbox(&[]);
    let out = wabill(&dir, &["estimate", "missing.csv"]);
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert_eq!(err.matches("os error").count(), 1, "{err}");
    assert!(err.starts_with("wabill: missing.csv: "), "{err}");
}

#[test]
fn bad_flag_values_are_usage_errors() {
    let (_t, dir) = sandbox(&[META]);
    for (args, flag) in [
        (&["estimate", "meta.csv", "--by", "colour"][..], "--by"),
        (
            &[
                "compare",
                "meta.csv",
                "--by",
                "",
                "--scenario",
                "a:",
                "--scenario",
                "b:",
            ],
            "--by",
        ),
        (&["estimate", "meta.csv", "--budget", "1e5"], "--budget"),
        (&["estimate", "meta.csv", "--budget", "1_000"], "--budget"),
        (&["estimate", "meta.csv", "--tz", "Mars/Olympus"], "--tz"),
        (
            &["estimate", "meta.csv", "--currency", "dollars"],
            "--currency",
        ),
        (&["rates", "--date", "2026-02-30"], "--date"),
        (
            &["estimate", "meta.csv", "--column", "customer"],
            "--column",
        ),
        (
            &[
                "reconcile",
                "meta.csv",
                "--actual",
                "a.json",
                "--tolerance",
                "lots",
            ],
            "--tolerance",
        ),
        (
            &[
                "compare",
                "meta.csv",
                "--scenario",
                "a:colour=red",
                "--scenario",
                "b:",
            ],
            "--scenario",
        ),
    ] {
        let out = wabill(&dir, args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let err = text(&out.stderr);
        assert!(
            err.starts_with("wabill: invalid value '") && err.contains(&format!("for '{flag}")),
            "{args:?}: {err}"
        );
        assert!(out.stdout.is_empty());
    }
}

#[test]
fn reference_files_are_strict() {
    let (_t, dir) = sandbox(&[META]);
    fs::write(
        dir.join("deal.csv"),
        "market,category,rate,currency,effective_from\nBrasil,marketing,0.05,USD,2026-01-01\n",
    )
    .unwrap();
    let out = wabill(&dir, &["estimate", "meta.csv", "--rates", "deal.csv"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr)
            .starts_with("wabill: deal.csv:2:1: market \"Brasil\" is not in the market table"),
        "{}",
        text(&out.stderr)
    );
    // A tier file's market, at its line and column.
    fs::write(
        dir.join("tiers.csv"),
        "category,market,from,to,rate,currency,effective_from
         utility,brazil,1,,0.01,USD,2026-04-01
",
    )
    .unwrap();
    let out = wabill(&dir, &["estimate", "meta.csv", "--tiers", "tiers.csv"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        text(&out.stderr),
        "wabill: tiers.csv:2:2: market \"brazil\" is not known: did you mean \"Brazil\"?\n"
    );
    fs::write(
        dir.join("markets.csv"),
        "prefix,country,market,effective_from,effective_to\n",
    )
    .unwrap();
    let out = wabill(&dir, &["estimate", "meta.csv", "--markets", "markets.csv"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("markets.csv:1: the market table has no rows"));
}

#[test]
fn the_config_file_is_named_and_its_rates_are_kept() {
    let (_t, dir) = sandbox(&[META]);
    // The config's card sets Brazil marketing; the command line's sets India utility.
    fs::write(
        dir.join("team.csv"),
        "market,category,rate,currency\nBrazil,marketing,0.5,USD\n",
    )
    .unwrap();
    fs::write(
        dir.join("mine.csv"),
        "market,category,rate,currency\nBrazil,utility,0.25,USD\n",
    )
    .unwrap();
    fs::write(dir.join("wabill.toml"), "rates = [\"team.csv\"]\n").unwrap();
    let out = crate::util::wabill()
        .current_dir(&dir)
        .args(["estimate", "meta.csv", "--rates", "mine.csv"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let report = text(&out.stdout);
    assert!(
        report.contains("team.csv (USD)") && report.contains("mine.csv (USD)"),
        "{report}"
    );
    assert!(report.ends_with("defaults: wabill.toml\n"), "{report}");
}

/// Every report that prices names the `wabill.toml` it read, in its
/// provenance lines and in JSON, the same words as estimate's.
#[test]
fn every_pricing_report_names_the_config_file() {
    let (_t, dir) = sandbox(&[
        META,
        "tests/cmd/forecast/050-forecast-plan.in/plan.csv",
        "tests/cmd/reconcile/070-reconcile-match.in/analytics.csv",
    ]);
    fs::write(dir.join("wabill.toml"), "tz = \"UTC\"\n").unwrap();
    let run = |args: &[&str]| {
        let out = crate::util::wabill()
            .current_dir(&dir)
            .args(args)
            .stdin(Stdio::null())
            .output()
            .unwrap();
        assert!(
            matches!(out.status.code(), Some(0 | 4)),
            "{args:?}: {}",
            text(&out.stderr)
        );
        text(&out.stdout)
    };
    let scenarios = ["--scenario", "a:model=auto", "--scenario", "b:model=auto"];
    let reconcile = ["reconcile", "meta.csv", "--actual", "analytics.csv"];
    let commands: Vec<Vec<&str>> = vec![
        vec!["estimate", "meta.csv"],
        vec!["forecast", "--plan", "plan.csv"],
        [&["compare", "meta.csv"][..], &scenarios].concat(),
        reconcile.to_vec(),
    ];
    for args in &commands {
        let report = run(args);
        assert!(
            report.lines().any(|l| l == "defaults: wabill.toml"),
            "{args:?}: {report}"
        );
        let json = run(&[&args[..], &["--format", "json"]].concat());
        assert!(
            json.contains("\"config\": \"wabill.toml\""),
            "{args:?}: {json}"
        );
    }
    // Without a config file, no such line.
    let out = wabill(&dir, &reconcile);
    assert!(!text(&out.stdout).contains("defaults:"));
}

#[test]
fn csv_cells_from_the_input_cannot_run_as_formulas() {
    let (_t, dir) = sandbox(&[]);
    fs::write(
        dir.join("evil.csv"),
        "timestamp,business,customer,direction,category,message_id\n\
         2026-02-02T10:00:00Z,@SUM(1),+5511987650001,out,marketing,\"=HYPERLINK(\"\"http://x\"\")\"\n",
    )
    .unwrap();
    let out = wabill(&dir, &["price", "evil.csv"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let rows = text(&out.stdout);
    let row = rows.lines().nth(1).unwrap();
    assert!(
        row.starts_with(
            "\"'=HYPERLINK(\"\"http://x\"\")\",2026-02-02T10:00:00Z,'@SUM(1),+5511987650001,"
        ),
        "{row}"
    );
    let out = wabill(
        &dir,
        &[
            "estimate", "evil.csv", "--by", "business", "--format", "csv",
        ],
    );
    assert!(
        text(&out.stdout).contains("\n'@SUM(1),1,"),
        "{}",
        text(&out.stdout)
    );
    let out = wabill(&dir, &["--raw-csv", "price", "evil.csv"]);
    let rows = text(&out.stdout);
    assert!(
        rows.lines().nth(1).unwrap().starts_with("\"=HYPERLINK"),
        "{rows}"
    );
}

#[test]
fn control_characters_never_reach_the_terminal_raw() {
    let (_t, dir) = sandbox(&[]);
    fs::write(
        dir.join("esc.csv"),
        "timestamp,business,customer,direction,category\n\
         2026-02-02T10:00:00Z,\x1b[31mRED,+5511987650001,out,marketing\n",
    )
    .unwrap();
    let out = wabill(&dir, &["estimate", "esc.csv", "--by", "business"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(!out.stdout.contains(&0x1b), "{}", text(&out.stdout));
    assert!(text(&out.stdout).contains("\\u{1b}[31mRED"));
    // UTF-16 is named as such.
    fs::write(dir.join("u16.csv"), b"\xFF\xFEt\0i\0m\0e\0").unwrap();
    let out = wabill(&dir, &["estimate", "u16.csv"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("u16.csv: the file is UTF-16"),
        "{}",
        text(&out.stderr)
    );
}

/// `wabill man` with no command is one complete page: every visible
/// command with its synopsis and its options under their groups.
#[test]
fn man_without_a_command_is_one_complete_page() {
    let (_t, dir) = sandbox(&[]);
    let out = wabill(&dir, &["man"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let page = text(&out.stdout);
    assert_eq!(page.matches(".TH ").count(), 1, "one page");
    for command in [
        "estimate",
        "price",
        "explain",
        "validate",
        "rates",
        "forecast",
        "compare",
        "reconcile",
        "merge",
        "partition",
        "completions",
        "man",
    ] {
        let heading = format!(".SH \"WABILL {}\"", command.to_uppercase());
        let at = page
            .find(&heading)
            .unwrap_or_else(|| panic!("{heading} in the page"));
        let section = &page[at..];
        let end = section[1..].find("\n.SH ").map_or(section.len(), |e| e + 1);
        let section = &section[..end];
        assert!(
            section.contains(&format!("\\fBwabill {command}\\fR")),
            "{command}'s synopsis"
        );
        assert!(section.contains(".SS OPTIONS"), "{command}'s options");
    }
    let estimate = &page[page.find(".SH \"WABILL ESTIMATE\"").unwrap()..];
    let estimate = &estimate[..estimate[1..].find("\n.SH ").unwrap()];
    for option in ["\\-\\-budget", "\\-\\-rates", "\\-\\-rejects", "\\-\\-tz"] {
        assert!(estimate.contains(option), "{option} in estimate's section");
    }
    assert!(
        !page.contains("WABILL GENERATE"),
        "hidden commands stay hidden"
    );
}

#[test]
fn help_is_grouped_and_each_command_has_a_man_page() {
    let (_t, dir) = sandbox(&[]);
    let help = text(&wabill(&dir, &["estimate", "--help"]).stdout);
    let at = |h: &str| help.find(h).unwrap_or_else(|| panic!("{h} in {help}"));
    assert!(at("\nInput:\n") < at("\nPricing:\n") && at("\nPricing:\n") < at("\nOutput:\n"));
    assert!(help[at("\nOutput:\n")..].contains("--budget <AMOUNT>"));
    let page = wabill(&dir, &["man", "estimate"]);
    assert_eq!(page.status.code(), Some(0));
    assert!(text(&page.stdout).contains(".TH wabill-estimate 1"));
    assert_eq!(wabill(&dir, &["man", "frobnicate"]).status.code(), Some(2));
    let out = wabill(&dir, &["man", "--dir", "."]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let pages = names(&dir);
    for page in [
        "wabill.1",
        "wabill-estimate.1",
        "wabill-reconcile.1",
        "wabill-man.1",
    ] {
        assert!(pages.contains(&page.to_string()), "{pages:?}");
    }
    assert!(
        !pages.contains(&"wabill-generate.1".to_string()),
        "hidden commands have no page"
    );
}

#[test]
fn absurd_amounts_are_errors_naming_the_cell_not_panics() {
    let (_t, dir) = sandbox(&["tests/cmd/reconcile/070-reconcile-match.in/log.csv"]);
    let huge = "79228162514264337593543950335";
    fs::write(
        dir.join("a.csv"),
        format!(
            "start,end,country,pricing_category,pricing_type,volume,cost,currency\n\
             2026-01-05T00:00:00Z,2026-01-06T00:00:00Z,BR,MARKETING,REGULAR,2,{huge},USD\n"
        ),
    )
    .unwrap();
    let out = wabill(&dir, &["reconcile", "log.csv", "--actual", "a.csv"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).starts_with("wabill: a.csv:2:7: cost \"79228162514264337593543950335\""),
        "{}",
        text(&out.stderr)
    );
    fs::write(
        dir.join("r.csv"),
        format!("market,category,rate,currency\nBrazil,marketing,{huge},USD\n"),
    )
    .unwrap();
    let out = wabill(&dir, &["estimate", "log.csv", "--rates", "r.csv"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).starts_with("wabill: r.csv:2: rate "),
        "{}",
        text(&out.stderr)
    );
}
