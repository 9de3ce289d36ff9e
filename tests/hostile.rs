//! Hostile input (issue 26): bounded memory and time whatever the input,
//! nothing clobbered, no injection. Inputs are generated in temporary
//! directories; nothing large is kept in the repository.

use std::fs;

use crate::util::{run_in as wabill, text};
use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

const HEADER: &str =
    "timestamp,business,customer,direction,category,message_id,status,entry_point\n";
const ROW: &str =
    "2026-02-02T00:00:00Z,+551140000001,+5511987654321,out,marketing,wamid.h0,delivered,\n";

/// wabill with its address space limited to `mb` megabytes (`ulimit -v`):
/// a run that buffers more aborts.
fn wabill_within(dir: &Path, mb: u64, args: &[&str]) -> Output {
    Command::new("sh")
        .current_dir(dir)
        .arg("-c")
        .arg(format!(
            "ulimit -v {}; exec \"$0\" --no-config \"$@\"",
            mb * 1024
        ))
        .arg(env!("CARGO_BIN_EXE_wabill"))
        .args(args)
        .stdin(Stdio::null())
        .output()
        .expect("sh runs")
}

/// A zstd file: the header, `bytes` copies of `fill` on one line, a good row.
fn bomb(path: &Path, fill: u8, bytes: usize) {
    let file = fs::File::create(path).unwrap();
    let mut z = zstd::Encoder::new(file, 3).unwrap();
    z.write_all(HEADER.as_bytes()).unwrap();
    let chunk = vec![fill; 1 << 20];
    for _ in 0..bytes >> 20 {
        z.write_all(&chunk).unwrap();
    }
    z.write_all(b"\n").unwrap();
    z.write_all(ROW.as_bytes()).unwrap();
    z.finish().unwrap();
}

#[test]
fn a_compression_bomb_of_nul_bytes_is_one_rejected_row_in_bounded_memory() {
    let dir = tempfile::tempdir().unwrap();
    bomb(&dir.path().join("bomb.csv.zst"), 0, 400 << 20);
    let out = wabill_within(dir.path(), 250, &["estimate", "bomb.csv.zst"]);
    let err = text(&out.stderr) + &text(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert!(
        err.contains(
            "bomb.csv.zst:2: row longer than 1048576 bytes (--max-row-bytes raises the bound)"
        ),
        "{err}"
    );
    assert!(
        err.contains("2 rows read = 0 inbound + 1 outbound + 0 merged + 1 rejected"),
        "{err}"
    );
}

#[test]
fn a_line_of_commas_is_one_rejected_row_in_bounded_memory() {
    let dir = tempfile::tempdir().unwrap();
    bomb(&dir.path().join("commas.csv.zst"), b',', 64 << 20);
    let out = wabill_within(dir.path(), 250, &["validate", "commas.csv.zst"]);
    let err = text(&out.stderr);
    let all = text(&out.stdout) + &err;
    assert_eq!(out.status.code(), Some(1), "{all}");
    assert_eq!(all.matches("row longer than").count(), 1, "{all}");
}

#[test]
fn max_row_bytes_raises_and_lowers_the_bound() {
    let dir = tempfile::tempdir().unwrap();
    let id = "x".repeat(2 << 20);
    let row = ROW.replace("wamid.h0", &id);
    fs::write(dir.path().join("long.csv"), format!("{HEADER}{row}{ROW}")).unwrap();
    let out = wabill(dir.path(), &["estimate", "long.csv"]);
    let err = text(&out.stderr) + &text(&out.stdout);
    assert!(
        err.contains("long.csv:2: row longer than 1048576 bytes"),
        "{err}"
    );
    assert!(err.contains("1 rejected"), "{err}");
    let out = wabill(
        dir.path(),
        &["estimate", "long.csv", "--max-row-bytes", "4M"],
    );
    let err = text(&out.stderr) + &text(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert!(err.contains("0 rejected"), "{err}");
    // Every command that reads a log takes it.
    for cmd in [
        &["price", "long.csv"][..],
        &["validate", "long.csv"],
        &["explain", "long.csv", "--message-id", "wamid.h0"],
        &["reconcile", "long.csv"],
        &["forecast", "--from-log", "long.csv", "--months", "1"],
    ] {
        let mut args = cmd.to_vec();
        args.extend(["--max-row-bytes", "100"]);
        let out = wabill(dir.path(), &args);
        let all = text(&out.stdout) + &text(&out.stderr);
        assert!(all.contains("row longer than 100 bytes"), "{cmd:?}: {all}");
    }
    let out = wabill(
        dir.path(),
        &["estimate", "long.csv", "--max-row-bytes", "0"],
    );
    assert_eq!(out.status.code(), Some(2));
    let out = wabill(
        dir.path(),
        &["estimate", "long.csv", "--max-row-bytes", "lots"],
    );
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn a_long_garbage_line_of_json_lines_is_one_rejected_row() {
    let dir = tempfile::tempdir().unwrap();
    let mut garbage = vec![b'x'; 10 << 20];
    garbage.push(b'\n');
    fs::write(dir.path().join("garbage.jsonl"), garbage).unwrap();
    let out = wabill(
        dir.path(),
        &[
            "estimate",
            "--input-format",
            "webhooks",
            "garbage.jsonl",
            "--allow-empty",
        ],
    );
    let err = text(&out.stderr) + &text(&out.stdout);
    assert!(
        err.contains("1 row read = 0 inbound + 0 outbound + 0 merged + 1 rejected"),
        "{err}"
    );
}

#[test]
fn one_large_json_notification_is_read_in_linear_time() {
    let dir = tempfile::tempdir().unwrap();
    // One webhook notification of about 16 MB (80,000 statuses).
    let mut statuses = Vec::new();
    for i in 0..80_000 {
        statuses.push(format!(
            r#"{{"id":"wamid.{i}","status":"delivered","timestamp":"1770000000","recipient_id":"5511987654{:03}","pricing":{{"billable":true,"pricing_model":"PMP","category":"marketing","type":"regular","padding":"{}"}}}}"#,
            i % 1000,
            "p".repeat(50)
        ));
    }
    let text_ = format!(
        r#"{{"object":"whatsapp_business_account","entry":[{{"id":"1","changes":[{{"field":"messages","value":{{"messaging_product":"whatsapp","metadata":{{"display_phone_number":"551140000001","phone_number_id":"1"}},"statuses":[{}]}}}}]}}]}}"#,
        statuses.join(",")
    );
    assert!(text_.len() > 15 << 20);
    fs::write(dir.path().join("big.json"), text_).unwrap();
    let start = Instant::now();
    let out = wabill(dir.path(), &["estimate", "big.json"]);
    let took = start.elapsed();
    let err = text(&out.stderr) + &text(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert!(err.contains("80,000 rows read"), "{err}");
    // Quadratic re-reading took about a minute here; linear takes seconds.
    assert!(took < Duration::from_secs(25), "took {took:?}");
}

fn repo(path: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join(path)
        .display()
        .to_string()
}

/// Partitions `log` into `parts` in `dir/parts`, prices each part and
/// merges the reports; returns the merge's output.
fn partition_price_merge(dir: &Path, log: &str, parts: u32, extra: &[&str]) -> Output {
    let n = parts.to_string();
    let mut args = vec!["partition", log, "--parts", &n, "--out", "parts"];
    args.extend(extra);
    let out = wabill(dir, &args);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let mut reports = Vec::new();
    for i in 0..parts {
        let part = format!("parts/part-{i:05}.csv");
        let report = format!("{part}.json");
        let mut args = vec![
            "estimate",
            &part,
            "--format",
            "json",
            "-o",
            &report,
            "-q",
            "--allow-empty",
        ];
        args.extend(extra.iter().filter(|a| a.starts_with("--templates")));
        let out = wabill(dir, &args);
        assert!(out.status.code() == Some(0), "{}", text(&out.stderr));
        reports.push(report);
    }
    let mut args = vec!["merge"];
    args.extend(reports.iter().map(String::as_str));
    wabill(dir, &args)
}

#[cfg(unix)]
#[test]
fn partition_creates_parts_new_never_through_links_fifos_or_old_parts() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    fs::write(d.join("log.csv"), format!("{HEADER}{ROW}")).unwrap();
    fs::create_dir(d.join("parts")).unwrap();
    // A planted link to a file outside, and a FIFO.
    fs::write(d.join("victim"), "keep me\n").unwrap();
    std::os::unix::fs::symlink(d.join("victim"), d.join("parts/part-00000.csv")).unwrap();
    let fifo = Command::new("mkfifo")
        .arg(d.join("parts/part-00001.csv"))
        .status()
        .unwrap();
    assert!(fifo.success());
    let out = wabill(
        d,
        &["partition", "log.csv", "--parts", "2", "--out", "parts"],
    );
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("already holds parts") && err.contains("--force"),
        "{err}"
    );
    assert_eq!(fs::read_to_string(d.join("victim")).unwrap(), "keep me\n");
    // --force unlinks them (the link's target is untouched) and writes new files.
    let out = wabill(
        d,
        &[
            "partition",
            "log.csv",
            "--parts",
            "2",
            "--out",
            "parts",
            "--force",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(fs::read_to_string(d.join("victim")).unwrap(), "keep me\n");
    for part in ["part-00000.csv", "part-00001.csv", "manifest.json"] {
        let meta = fs::symlink_metadata(d.join("parts").join(part)).unwrap();
        assert!(meta.file_type().is_file(), "{part}");
    }
    let manifest: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(d.join("parts/manifest.json")).unwrap()).unwrap();
    assert_eq!(manifest["rows"], 1);
    assert_eq!(manifest["parts"].as_array().unwrap().len(), 2);
    assert!(manifest["run_id"].as_str().is_some_and(|id| !id.is_empty()));
    // A second run into the same folder is refused.
    let out = wabill(
        d,
        &["partition", "log.csv", "--parts", "2", "--out", "parts"],
    );
    assert_eq!(out.status.code(), Some(1));
}

#[test]
fn merge_refuses_parts_without_a_complete_matching_manifest() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let other = ROW
        .replace("+551140000001", "+551140000002")
        .replace("wamid.h0", "wamid.h1");
    fs::write(d.join("log.csv"), format!("{HEADER}{ROW}{other}")).unwrap();
    let merged = partition_price_merge(d, "log.csv", 4, &[]);
    assert_eq!(merged.status.code(), Some(0), "{}", text(&merged.stderr));
    assert!(text(&merged.stdout).contains("2 rows read"));
    // A stale report left by an earlier run with more parts.
    let out = wabill(
        d,
        &[
            "partition",
            "log.csv",
            "--parts",
            "2",
            "--out",
            "parts",
            "--force",
        ],
    );
    assert_eq!(out.status.code(), Some(0));
    let mut reports: Vec<String> = (0..4)
        .map(|i| format!("parts/part-{i:05}.csv.json"))
        .collect();
    let mut args = vec!["merge"];
    args.extend(reports.iter().map(String::as_str));
    let out = wabill(d, &args);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stdout));
    // Without the manifest (a killed run), the parts are refused.
    fs::remove_file(d.join("parts/manifest.json")).unwrap();
    reports.truncate(2);
    let mut args = vec!["merge"];
    args.extend(reports.iter().map(String::as_str));
    let out = wabill(d, &args);
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1));
    assert!(err.contains("no manifest.json"), "{err}");
}

#[test]
fn rejected_rows_survive_partition_and_merge() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let long = "x".repeat(2 << 20);
    let other = ROW
        .replace("+551140000001", "+551140000002")
        .replace("wamid.h0", "wamid.h1");
    fs::write(d.join("log.csv"), format!("{HEADER}{ROW}{long}\n{other}")).unwrap();
    let merged = partition_price_merge(d, "log.csv", 3, &["--rejects", "rejects.csv"]);
    let all = text(&merged.stdout) + &text(&merged.stderr);
    assert_eq!(merged.status.code(), Some(0), "{all}");
    assert!(
        all.contains("3 rows read = 0 inbound + 2 outbound + 0 merged + 1 rejected"),
        "{all}"
    );
    let rejects = fs::read_to_string(d.join("rejects.csv")).unwrap();
    assert!(
        rejects.contains("log.csv,3,") && rejects.contains("row longer than"),
        "{rejects}"
    );
}

#[test]
fn partition_takes_every_input_option_estimate_does() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let twilio = repo("data/examples/inputs/twilio.csv");
    let templates = format!("--templates={}", repo("data/examples/templates.csv"));
    let whole = wabill(
        d,
        &["estimate", &twilio, &templates, "--input-format", "twilio"],
    );
    assert_eq!(whole.status.code(), Some(0), "{}", text(&whole.stderr));
    let merged = partition_price_merge(d, &twilio, 2, &[&templates, "--input-format", "twilio"]);
    assert_eq!(merged.status.code(), Some(0), "{}", text(&merged.stderr));
    let line = |o: &Output| {
        text(&o.stdout)
            .lines()
            .find(|l| l.contains("rows read"))
            .map(str::to_string)
    };
    assert_eq!(line(&merged), line(&whole));
    assert!(line(&whole).is_some());
}

#[test]
fn an_output_naming_any_file_the_run_reads_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    fs::write(d.join("log.csv"), format!("{HEADER}{ROW}")).unwrap();
    let card = fs::read_to_string(repo("data/cards/rates-2026-01-01-usd.csv")).unwrap();
    fs::write(d.join("card.csv"), &card).unwrap();
    fs::write(d.join("wabill.toml"), "tz = \"UTC\"\n").unwrap();
    let rec = "tests/cmd/reconcile/070-reconcile-match.in";
    for f in ["log.csv", "analytics.csv"] {
        fs::copy(repo(&format!("{rec}/{f}")), d.join(format!("r-{f}"))).unwrap();
    }
    let report = wabill(d, &["estimate", "log.csv", "--format", "json", "-q"]);
    fs::write(d.join("part.json"), &report.stdout).unwrap();
    let cases: &[(&[&str], &str)] = &[
        (
            &[
                "estimate", "log.csv", "--rates", "card.csv", "-o", "card.csv",
            ],
            "card.csv",
        ),
        (
            &[
                "estimate",
                "log.csv",
                "--rates",
                "card.csv",
                "--rejects",
                "card.csv",
            ],
            "card.csv",
        ),
        (
            &[
                "reconcile",
                "r-log.csv",
                "--actual",
                "r-analytics.csv",
                "-o",
                "r-analytics.csv",
            ],
            "r-analytics.csv",
        ),
        (&["merge", "part.json", "-o", "part.json"], "part.json"),
    ];
    for (args, file) in cases {
        let before = fs::read(d.join(file)).unwrap();
        let out = wabill(d, args);
        let err = text(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {err}");
        assert!(err.contains("is an input of this run"), "{args:?}: {err}");
        assert_eq!(fs::read(d.join(file)).unwrap(), before, "{args:?}");
    }
    // wabill.toml, read by default.
    let out = crate::util::wabill()
        .current_dir(d)
        .args(["estimate", "log.csv", "--rejects", "wabill.toml"])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    assert_eq!(
        fs::read_to_string(d.join("wabill.toml")).unwrap(),
        "tz = \"UTC\"\n"
    );
}

#[test]
fn rejects_cells_that_a_spreadsheet_would_run_are_neutralised() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let bad = ROW.replace("out,marketing", "=HYPERLINK(\"x\"),marketing");
    fs::write(d.join("@log.csv"), format!("{HEADER}{bad}{ROW}")).unwrap();
    let out = wabill(
        d,
        &["estimate", "@log.csv", "--rejects", "rejects.csv", "-q"],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let rejects = fs::read_to_string(d.join("rejects.csv")).unwrap();
    let mut rows = csv::Reader::from_reader(rejects.as_bytes());
    let row = rows.records().next().unwrap().unwrap();
    assert_eq!(&row[0], "'@log.csv", "{rejects}");
    assert_eq!(&row[4], "'=HYPERLINK(\"x\")", "{rejects}");
    assert!(row[6].starts_with("2026-"), "{rejects}");
    // A row starting with a formula.
    fs::write(d.join("f.csv"), format!("{HEADER}=1+2,x\n")).unwrap();
    wabill(
        d,
        &[
            "estimate",
            "f.csv",
            "--rejects",
            "rejects.csv",
            "-q",
            "--allow-empty",
        ],
    );
    let rejects = fs::read_to_string(d.join("rejects.csv")).unwrap();
    assert!(rejects.contains(",\"'=1+2,x\""), "{rejects}");
    // --raw-csv keeps them.
    wabill(
        d,
        &[
            "--raw-csv",
            "estimate",
            "@log.csv",
            "--rejects",
            "rejects.csv",
            "-q",
        ],
    );
    let rejects = fs::read_to_string(d.join("rejects.csv")).unwrap();
    assert!(rejects.contains("\n@log.csv,2,"), "{rejects}");
}

#[test]
fn terminal_escapes_in_file_names_are_escaped_in_diagnostics_and_the_rates_line() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let log = "log\u{1b}]0;pwned\u{7}.csv";
    let card = "card\u{1b}[31m.csv";
    fs::write(d.join(log), format!("{HEADER}{ROW}bad,row\n")).unwrap();
    let rates = fs::read_to_string(repo("data/cards/rates-2026-01-01-usd.csv")).unwrap();
    fs::write(d.join(card), rates).unwrap();
    let out = wabill(d, &["estimate", log, "--rates", card]);
    let all = text(&out.stdout) + &text(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{all}");
    assert!(!all.contains('\u{1b}') && !all.contains('\u{7}'), "{all:?}");
    assert!(
        all.contains("log\\u{1b}]0;pwned\\u{7}.csv:3: expected 8 fields"),
        "{all}"
    );
    assert!(all.contains("rates: card\\u{1b}[31m.csv"), "{all}");
    // An error naming the file.
    fs::write(d.join(log), "").unwrap();
    let out = wabill(
        d,
        &["estimate", log, "--format", "csv", "--input-format", "nope"],
    );
    assert!(!text(&out.stderr).contains('\u{1b}'));
    let out = wabill(d, &["estimate", &format!("missing{log}")]);
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        !err.contains('\u{1b}') && err.contains("\\u{1b}"),
        "{err:?}"
    );
}

/// What a terminal shows of `command` (a pseudo-terminal from `script`;
/// run by a POSIX sh, `$SHELL` as `script` reads it, with `env` set), or
/// `None` where `script` is not installed.
#[cfg(target_os = "linux")]
fn on_terminal(dir: &Path, command: &str, env: &[(&str, &str)]) -> Option<String> {
    if Command::new("script").arg("--version").output().is_err() {
        eprintln!("note: `script` is not installed: skipped");
        return None;
    }
    let cmd = format!("{} --no-config {command}", env!("CARGO_BIN_EXE_wabill"));
    let out = Command::new("script")
        .current_dir(dir)
        .env("SHELL", "/bin/sh")
        .envs(env.iter().copied())
        .args(["-qec", &cmd, "/dev/null"])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    Some(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// CSV printed on a terminal (a pseudo-terminal from `script`) has its
/// control characters escaped.
#[cfg(target_os = "linux")]
#[test]
fn csv_printed_on_a_terminal_escapes_control_characters() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let row = ROW.replace("wamid.h0", "wamid.\u{1b}]0;pwned\u{7}");
    fs::write(d.join("log.csv"), format!("{HEADER}{row}")).unwrap();
    let Some(shown) = on_terminal(d, "price log.csv --format csv", &[]) else {
        return;
    };
    assert!(shown.contains("wamid.\\u{1b}]0;pwned\\u{7}"), "{shown:?}");
    assert!(!shown.contains('\u{7}'), "{shown:?}");
    // validate's problem list names the file. The name travels in the
    // environment: a POSIX sh has no `$'…'` quoting.
    let bad = "bad\u{1b}[2J.csv";
    fs::write(d.join(bad), format!("{HEADER}x,y\n")).unwrap();
    let shown = on_terminal(d, "validate \"$BAD_NAME\"", &[("BAD_NAME", bad)]).unwrap();
    assert!(shown.contains("bad\\u{1b}[2J.csv:2"), "{shown:?}");
    assert!(!shown.contains('\u{1b}'), "{shown:?}");
    // Into a pipe or a file, the bytes are kept.
    let out = wabill(d, &["price", "log.csv", "--format", "csv"]);
    assert!(text(&out.stdout).contains("wamid.\u{1b}]0;pwned\u{7}"));
}

/// A workbook is a zip: refused on a terminal (exit 2), written to a pipe.
#[cfg(target_os = "linux")]
#[test]
fn a_workbook_is_not_printed_on_a_terminal() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    fs::write(d.join("log.csv"), format!("{HEADER}{ROW}")).unwrap();
    for command in ["price", "estimate"] {
        let run = format!("{command} log.csv --format xlsx; echo \"exit $?\"");
        let Some(shown) = on_terminal(d, &run, &[]) else {
            return;
        };
        assert!(shown.contains("not printed on a terminal"), "{shown:?}");
        assert!(shown.contains("exit 2"), "{shown:?}");
        assert!(!shown.contains("PK"), "{shown:?}");
        let piped = wabill(d, &[command, "log.csv", "--format", "xlsx"]);
        assert!(piped.status.success(), "{}", text(&piped.stderr));
        assert!(piped.stdout.starts_with(b"PK"));
    }
}

#[test]
fn validate_fails_what_estimate_fails() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    fs::write(d.join("empty.csv"), "").unwrap();
    fs::write(d.join("header.csv"), HEADER).unwrap();
    fs::write(
        d.join("graph-error.json"),
        r#"{"error":{"message":"Invalid OAuth access token.","type":"OAuthException","code":190,"fbtrace_id":"AbC"}}"#,
    )
    .unwrap();
    for log in ["empty.csv", "header.csv", "graph-error.json"] {
        let estimate = wabill(d, &["estimate", log]);
        let validate = wabill(d, &["validate", log]);
        assert_eq!(estimate.status.code(), Some(1), "{log}");
        assert_eq!(
            validate.status.code(),
            Some(1),
            "{log}: {}",
            text(&validate.stderr)
        );
        if log == "graph-error.json" {
            // Not a notification: a rejected row, a problem in both commands.
            assert!(text(&validate.stderr).contains("1 problem"), "{log}");
            continue;
        }
        assert!(text(&validate.stderr).contains("--allow-empty"), "{log}");
        let allowed = wabill(d, &["validate", log, "--allow-empty"]);
        assert_eq!(allowed.status.code(), Some(0), "{log}");
    }
}

#[test]
fn an_output_extension_naming_no_format_is_a_usage_error() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    fs::write(d.join("log.csv"), format!("{HEADER}{ROW}")).unwrap();
    // (.xlsx is a format: `estimate -o costs.xlsx` writes a workbook.)
    for ext in ["tsv", "txt", "parquet", "pdf"] {
        let out_file = format!("costs.{ext}");
        let out = wabill(d, &["estimate", "log.csv", "-o", &out_file]);
        assert_eq!(out.status.code(), Some(2), "{ext}: {}", text(&out.stderr));
        assert!(!d.join(&out_file).exists(), "{ext}");
    }
    // merge -o whole.csv writes CSV, not a table.
    let report = wabill(d, &["estimate", "log.csv", "--format", "json", "-q"]);
    fs::write(d.join("r.json"), &report.stdout).unwrap();
    let out = wabill(d, &["merge", "r.json", "-o", "whole.csv"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let whole = fs::read_to_string(d.join("whole.csv")).unwrap();
    assert!(whole.starts_with("market,category,"), "{whole}");
    assert_eq!(
        wabill(d, &["merge", "r.json", "-o", "whole.pdf"])
            .status
            .code(),
        Some(2)
    );
    assert_eq!(
        wabill(d, &["merge", "r.json", "-o", "whole.xlsx"])
            .status
            .code(),
        Some(0),
        "merge writes a workbook"
    );
    // rates, validate and explain take -o.
    let out = wabill(d, &["rates", "--date", "2026-02-01", "-o", "rates.csv"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(
        fs::read_to_string(d.join("rates.csv"))
            .unwrap()
            .starts_with("market,")
    );
    let out = wabill(d, &["validate", "log.csv", "-o", "problems.json"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(
        fs::read_to_string(d.join("problems.json")).unwrap().trim(),
        "[]"
    );
    let out = wabill(
        d,
        &[
            "explain",
            "log.csv",
            "--message-id",
            "wamid.h0",
            "-o",
            "why.txt",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(
        fs::read_to_string(d.join("why.txt"))
            .unwrap()
            .contains("wamid.h0")
    );
    let out = wabill(
        d,
        &[
            "explain",
            "log.csv",
            "--message-id",
            "wamid.h0",
            "-o",
            "why.pdf",
        ],
    );
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn bad_flag_values_are_usage_errors() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    fs::write(d.join("log.csv"), format!("{HEADER}{ROW}")).unwrap();
    for bad in [
        &["estimate", "log.csv", "--delimiter", "ab"][..],
        &["estimate", "log.csv", "--service-window-hours", "0"],
        &["estimate", "log.csv", "--entry-point-hours", "0"],
        &["estimate", "log.csv", "--budget=-5"],
        &["estimate", "-", "-"],
        &["estimate", "log.csv", "--input-format", "foo"],
        &[
            "compare",
            "log.csv",
            "--scenario",
            "a:currency=US",
            "--scenario",
            "b:tax=lots",
        ],
        &[
            "forecast",
            "--from-log",
            "log.csv",
            "--months",
            "2",
            "--growth",
            "abc",
        ],
    ] {
        let out = wabill(d, bad);
        assert_eq!(out.status.code(), Some(2), "{bad:?}: {}", text(&out.stderr));
    }
    assert_eq!(
        wabill(d, &["estimate", "log.csv", "--budget=0"])
            .status
            .code(),
        Some(3)
    );
}

#[test]
fn offsets_beyond_a_day_and_underscored_amounts_are_rejected() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let late = ROW
        .replace("T00:00:00Z", "T00:00:00+24:00")
        .replace("h0", "h1");
    fs::write(d.join("log.csv"), format!("{HEADER}{ROW}{late}")).unwrap();
    let out = wabill(d, &["estimate", "log.csv"]);
    let all = text(&out.stdout) + &text(&out.stderr);
    assert!(
        all.contains("UTC offset beyond ±23:59") && all.contains("1 rejected"),
        "{all}"
    );
    let header = HEADER.trim_end().to_string() + ",cost_amount,cost_currency\n";
    let row = ROW.trim_end().to_string() + ",1_0,USD\n";
    fs::write(d.join("cost.csv"), format!("{header}{row}")).unwrap();
    let out = wabill(d, &["estimate", "cost.csv", "--allow-empty"]);
    let all = text(&out.stdout) + &text(&out.stderr);
    assert!(all.contains("1_0") && all.contains("1 rejected"), "{all}");
}

#[test]
fn wabill_toml_errors_name_the_file_and_key_and_its_note_is_always_printed() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    fs::write(d.join("log.csv"), format!("{HEADER}{ROW}")).unwrap();
    let run = |args: &[&str]| {
        crate::util::wabill()
            .current_dir(d)
            .args(args)
            .stdin(Stdio::null())
            .output()
            .unwrap()
    };
    fs::write(d.join("wabill.toml"), "tz = \"Asia/Kolkatta\"\n").unwrap();
    let out = run(&["estimate", "log.csv"]);
    let err = text(&out.stderr);
    // A usage error, as the same value given as --tz is.
    assert_eq!(out.status.code(), Some(2));
    assert!(
        err.contains("wabill.toml: tz:") && !err.contains("--tz"),
        "{err}"
    );
    fs::write(d.join("wabill.toml"), "tz = \"UTC\"\n").unwrap();
    let out = run(&["estimate", "log.csv"]);
    assert!(
        text(&out.stderr).contains("defaults from wabill.toml"),
        "{}",
        text(&out.stderr)
    );
}

/// The temporary files of the outputs in `dir`.
fn temporaries(dir: &Path) -> Vec<String> {
    fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".wabill-tmp"))
        .collect()
}

#[cfg(unix)]
#[test]
fn a_signal_removes_the_temporary_output_files() {
    use std::os::unix::process::ExitStatusExt;
    for (signal, number) in [("INT", 2), ("TERM", 15), ("HUP", 1)] {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        let fifo = d.join("log.csv");
        assert!(
            Command::new("mkfifo")
                .arg(&fifo)
                .status()
                .unwrap()
                .success()
        );
        let mut child = crate::util::wabill()
            .current_dir(d)
            .args([
                "--no-config",
                "estimate",
                "log.csv",
                "--rejects",
                "rejects.csv",
                "-o",
                "out.csv",
            ])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        // The log stays open: wabill waits for the rest of it.
        let mut log = fs::OpenOptions::new().write(true).open(&fifo).unwrap();
        log.write_all(format!("{HEADER}{ROW}").as_bytes()).unwrap();
        let start = Instant::now();
        while temporaries(d).is_empty() && start.elapsed() < Duration::from_secs(20) {
            std::thread::sleep(Duration::from_millis(20));
        }
        assert!(
            !temporaries(d).is_empty(),
            "SIG{signal}: no temporary file to remove"
        );
        let killed = Command::new("kill")
            .args([&format!("-{signal}"), &child.id().to_string()])
            .status()
            .unwrap();
        assert!(killed.success());
        let status = child.wait().unwrap();
        drop(log);
        assert_eq!(status.signal(), Some(number), "SIG{signal}: {status:?}");
        assert_eq!(temporaries(d), Vec::<String>::new(), "SIG{signal}");
        assert!(!d.join("out.csv").exists() && !d.join("rejects.csv").exists());
    }
}

#[cfg(target_os = "linux")]
#[test]
fn a_closed_standard_output_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    fs::write(d.join("log.csv"), format!("{HEADER}{ROW}")).unwrap();
    let out = Command::new("sh")
        .current_dir(d)
        .arg("-c")
        .arg("exec \"$0\" --no-config estimate log.csv >&-")
        .arg(env!("CARGO_BIN_EXE_wabill"))
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("standard output is closed"), "{err}");
    // With -o, standard output is not needed.
    let out = Command::new("sh")
        .current_dir(d)
        .arg("-c")
        .arg("exec \"$0\" --no-config estimate log.csv -o r.csv >&-")
        .arg(env!("CARGO_BIN_EXE_wabill"))
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
}

#[test]
fn release_builds_are_stripped_and_profiling_keeps_line_tables() {
    let manifest: toml::Value =
        toml::from_str(&fs::read_to_string(repo("Cargo.toml")).unwrap()).unwrap();
    let profile = &manifest["profile"];
    assert_eq!(profile["release"]["strip"].as_bool(), Some(true));
    assert_eq!(profile["release"]["debug"].as_bool(), Some(false));
    assert_eq!(profile["profiling"]["inherits"].as_str(), Some("release"));
    assert_eq!(
        profile["profiling"]["debug"].as_str(),
        Some("line-tables-only")
    );
    assert_eq!(profile["profiling"]["strip"].as_bool(), Some(false));
}
