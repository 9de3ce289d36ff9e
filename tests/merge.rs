//! A log split by portfolio (`wabill partition`), priced part by part
//! (`wabill estimate --format json`) and merged (`wabill merge`) gives the
//! report of the whole log, byte for byte, in every format. The generated
//! logs hold a conversation-priced period (June 2025), volume tiers (April
//! 2026, with a tier table) and the service allowance of October 2026,
//! several businesses in several portfolios and time zones, and one
//! business the businesses file does not list.

use std::path::{Path, PathBuf};
use std::process::Output;

use crate::util::run;

const FORMATS: [&str; 4] = ["table", "csv", "json", "markdown"];

fn wabill(args: &[&str]) -> Vec<u8> {
    let out = run(args);
    assert!(
        out.status.success(),
        "wabill {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

fn temp(test: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("wabill-merge-{test}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

fn fixture(name: &str) -> String {
    format!("{}/tests/merge/{name}", env!("CARGO_MANIFEST_DIR"))
}

/// Three generated logs: conversations (June 2025), tiers (April 2026),
/// the service allowance (October 2026); six business numbers.
fn logs(dir: &Path) -> Vec<PathBuf> {
    let spec = [
        ("a.csv", "10k", "3", "2025-06-25", "10"),
        ("b.csv", "30k", "4", "2026-04-01", "20"),
        ("c.csv", "60k", "5", "2026-10-01", "31"),
    ];
    spec.iter()
        .map(|(name, rows, seed, start, days)| {
            let path = dir.join(name);
            wabill(&[
                "generate",
                "--rows",
                rows,
                "--seed",
                seed,
                "--businesses",
                "6",
                "--start",
                start,
                "--days",
                days,
                "--status-event-share",
                "0.2",
                "-o",
                s(&path),
            ]);
            path
        })
        .collect()
}

fn pricing() -> Vec<String> {
    vec![
        "--rates".into(),
        fixture("rates-fill.csv"),
        "--tiers".into(),
        fixture("tiers.csv"),
        "--businesses".into(),
        fixture("businesses.csv"),
        "--by".into(),
        "market,category,month,pricing_type".into(),
        "-q".into(),
    ]
}

fn estimate(inputs: &[PathBuf], format: &str) -> Vec<u8> {
    let mut args: Vec<String> = vec!["estimate".into()];
    args.extend(inputs.iter().map(|p| s(p).to_string()));
    args.extend(pricing());
    // A part may hold no row of the generated log.
    args.extend(["--format".into(), format.into(), "--allow-empty".into()]);
    wabill(&args.iter().map(String::as_str).collect::<Vec<_>>())
}

/// Partitions the logs and prices each part; returns the parts and their
/// JSON reports.
fn price_parts(dir: &Path, logs: &[PathBuf], parts: &str) -> (Vec<PathBuf>, Vec<PathBuf>) {
    let out = dir.join("parts");
    let mut args = vec!["partition"];
    args.extend(logs.iter().map(|p| s(p)));
    args.extend([
        "--by",
        "portfolio",
        "--parts",
        parts,
        "--out",
        s(&out),
        "--businesses",
    ]);
    let businesses = fixture("businesses.csv");
    args.push(&businesses);
    wabill(&args);
    let n: usize = parts.parse().unwrap();
    let files: Vec<PathBuf> = (0..n)
        .map(|i| out.join(format!("part-{i:05}.csv")))
        .collect();
    let reports = files
        .iter()
        .map(|part| {
            let report = part.with_extension("json");
            std::fs::write(&report, estimate(std::slice::from_ref(part), "json")).unwrap();
            report
        })
        .collect();
    (files, reports)
}

fn merge(reports: &[PathBuf], format: &str) -> Output {
    let mut args = vec!["merge"];
    args.extend(reports.iter().map(|p| s(p)));
    args.extend(["--format", format]);
    run(&args)
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8(bytes.to_vec()).unwrap()
}

#[test]
fn merged_parts_print_the_whole_log_report_byte_for_byte() {
    let dir = temp("whole");
    let logs = logs(&dir);
    let (parts, reports) = price_parts(&dir, &logs, "4");

    // Every row lands in exactly one part, each part keeps the header, and
    // the split is not degenerate.
    let lines = |p: &Path| std::fs::read_to_string(p).unwrap().lines().count();
    let input_rows: usize = logs.iter().map(|p| lines(p) - 1).sum();
    let part_rows: Vec<usize> = parts.iter().map(|p| lines(p) - 1).collect();
    assert_eq!(part_rows.iter().sum::<usize>(), input_rows);
    assert!(
        part_rows.iter().filter(|n| **n > 0).count() >= 3,
        "{part_rows:?}"
    );
    let header = std::fs::read_to_string(&logs[0]).unwrap();
    let header = header.lines().next().unwrap();
    for p in &parts {
        assert_eq!(
            std::fs::read_to_string(p).unwrap().lines().next(),
            Some(header)
        );
    }

    let mut whole_json = Vec::new();
    for format in FORMATS {
        let whole = estimate(&parts, format);
        if format == "json" {
            whole_json = whole.clone();
        }
        let merged = merge(&reports, format);
        assert!(merged.status.success(), "{}", text(&merged.stderr));
        assert_eq!(
            text(&merged.stdout),
            text(&whole),
            "merged {format} report differs from the whole log's"
        );
    }

    // The log exercises what the issue asks: conversations, tiers priced by
    // several portfolios, the 2026-10 service allowance.
    let json = text(&whole_json);
    for needle in [
        "\"conversation-2023\"",
        "\"per-message-2026-10\"",
        "\"free_tier\"",
        "\"in_conversation\"",
        "\"tiers\"",
        "\"portfolio:acme\"",
        "\"portfolio:globex\"",
        "\"business:15550100005\"",
    ] {
        assert!(json.contains(needle), "{needle} missing from {json}");
    }
    // Service messages past the 1,000 free a month of October 2026 paid.
    let report: serde_json::Value = serde_json::from_str(&json).unwrap();
    let charged_service = report["rows"].as_array().unwrap().iter().any(|row| {
        row["keys"][1] == "service"
            && row["keys"][2] == "2026-10"
            && row["keys"][3] == "regular"
            && row["charged"].as_u64() > Some(0)
    });
    assert!(charged_service, "no service message past the allowance");

    // Priced from the original files, only the list of inputs differs.
    for format in ["table", "csv", "markdown"] {
        assert_eq!(
            text(&estimate(&logs, format)),
            text(&merge(&reports, format).stdout)
        );
    }
    let original: serde_json::Value = serde_json::from_slice(&estimate(&logs, "json")).unwrap();
    let mut merged: serde_json::Value =
        serde_json::from_slice(&merge(&reports, "json").stdout).unwrap();
    merged["meta"]["inputs"] = original["meta"]["inputs"].clone();
    assert_eq!(merged, original);
}

#[test]
fn overlapping_or_differently_priced_reports_are_refused() {
    let dir = temp("refuse");
    let log = dir.join("log.csv");
    wabill(&[
        "generate",
        "--rows",
        "5k",
        "--businesses",
        "3",
        "--start",
        "2026-04-01",
        "--days",
        "5",
        "-o",
        s(&log),
    ]);
    let part = |name: &str, business: &str| {
        let text = std::fs::read_to_string(&log).unwrap();
        let mut lines = text.lines();
        let mut out = format!("{}\n", lines.next().unwrap());
        for l in lines.filter(|l| l.contains(business)) {
            out.push_str(l);
            out.push('\n');
        }
        let path = dir.join(name);
        std::fs::write(&path, out).unwrap();
        path
    };
    // +15550100000 and +15550100001 are both in portfolio acme.
    let b0 = part("b0.csv", ",+15550100000,");
    let b1 = part("b1.csv", ",+15550100001,");
    let report = |log: &Path, extra: &[&str]| {
        let path = dir.join(format!(
            "{}-{}.json",
            log.file_stem().unwrap().to_str().unwrap(),
            extra.len()
        ));
        let mut args = vec!["estimate", s(log), "--format", "json", "-q"];
        let rates = fixture("rates-fill.csv");
        let tiers = fixture("tiers.csv");
        let businesses = fixture("businesses.csv");
        args.extend(["--rates", &rates, "--businesses", &businesses]);
        if !extra.contains(&"--no-tiers") {
            args.extend(["--tiers", &tiers]);
        }
        args.extend(extra.iter());
        std::fs::write(&path, wabill(&args)).unwrap();
        path
    };
    let refused = |reports: &[PathBuf], why: &str| {
        let out = merge(reports, "table");
        assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
        assert!(out.stdout.is_empty());
        let stderr = text(&out.stderr);
        assert!(stderr.starts_with("wabill: "), "{stderr}");
        assert!(stderr.contains(why), "{stderr} should say {why}");
    };
    let r0 = report(&b0, &[]);
    let r1 = report(&b1, &[]);

    // The same business in two parts.
    refused(
        &[r0.clone(), r0.clone()],
        "both price business \"15550100000\"",
    );
    // Two businesses of one portfolio, each counting volume tiers.
    refused(&[r0.clone(), r1.clone()], "portfolio \"portfolio:acme\"");
    // Without a tier table, portfolios change nothing: the same two merge.
    let n0 = report(&b0, &["--no-tiers"]);
    let n1 = report(&b1, &["--no-tiers"]);
    let merged = merge(&[n0.clone(), n1.clone()], "csv");
    assert!(merged.status.success(), "{}", text(&merged.stderr));
    // Settings that differ.
    refused(&[r0.clone(), n1.clone()], "tiers");
    refused(
        &[r0.clone(), report(&b1, &["--by", "market"])],
        "different --by",
    );
    refused(
        &[r0.clone(), report(&b1, &["--model", "per-message-2025"])],
        "--model",
    );
    refused(
        &[r0.clone(), report(&b1, &["--tz", "Asia/Kolkata"])],
        "time zones",
    );
    // Not a partial report at all.
    let plain = dir.join("plain.json");
    std::fs::write(&plain, "{\"meta\": 1}").unwrap();
    refused(&[plain], "not a JSON report");
}

/// The provider's own prices (one business's rows have none, one message
/// is priced in another currency) merge per currency into the whole log's
/// lines, in every format.
#[test]
fn provider_charges_merge_per_currency_byte_for_byte() {
    let dir = temp("provider");
    let source = format!(
        "{}/tests/cmd/estimate/133-provider-charges.in/log.csv",
        env!("CARGO_MANIFEST_DIR")
    );
    let text_log = std::fs::read_to_string(source).unwrap();
    // Business 14155238886's rows lose their price.
    let log: String = text_log
        .lines()
        .map(|l| {
            if l.contains(",+14155238886,") {
                let cut = l.rsplitn(3, ',').nth(2).unwrap();
                format!("{cut},,\n")
            } else {
                format!("{l}\n")
            }
        })
        .collect();
    // One part per business, as `wabill partition --by business` would.
    let header = log.lines().next().unwrap();
    let parts: Vec<PathBuf> = ["+14155238886", "+551140000001"]
        .iter()
        .enumerate()
        .map(|(i, business)| {
            let rows: String = log
                .lines()
                .skip(1)
                .filter(|l| l.contains(&format!(",{business},")))
                .map(|l| format!("{l}\n"))
                .collect();
            let part = dir.join(format!("part-{i}.csv"));
            std::fs::write(&part, format!("{header}\n{rows}")).unwrap();
            part
        })
        .collect();
    let run_estimate = |inputs: &[PathBuf], format: &str| {
        let mut args = vec!["estimate"];
        args.extend(inputs.iter().map(|p| s(p)));
        args.extend(["--format", format, "-q"]);
        wabill(&args)
    };
    let reports: Vec<PathBuf> = parts
        .iter()
        .map(|part| {
            let report = part.with_extension("json");
            std::fs::write(&report, run_estimate(std::slice::from_ref(part), "json")).unwrap();
            report
        })
        .collect();
    for format in FORMATS {
        let merged = merge(&reports, format);
        assert!(merged.status.success(), "{}", text(&merged.stderr));
        assert_eq!(text(&merged.stdout), text(&run_estimate(&parts, format)));
    }
    let json: serde_json::Value = serde_json::from_slice(&merge(&reports, "json").stdout).unwrap();
    assert_eq!(
        json["provider_charges"],
        serde_json::json!([
            {"currency": "EUR", "messages": 1, "inbound": 1, "outbound": 0, "amount": "0.0046"},
            {"currency": "USD", "messages": 5, "inbound": 1, "outbound": 4, "amount": "0.0947"}
        ])
    );
    let table = text(&merge(&reports, "table").stdout);
    assert!(
        table.contains("provider's charge: 7 messages without a price in the export"),
        "{table}"
    );
}
