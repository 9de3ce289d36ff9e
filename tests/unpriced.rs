//! Unpriced messages (no known rate) are counted in the report's rows and
//! totals, under the market they are priced in, and the total says it
//! leaves them out (issue 26): a total is never read as complete when it is
//! not. The run still fails (exit 1). The sample: EUR in Mexico in November
//! 2026, where the built-in EUR card of 2026-10-01 marks Mexico marketing
//! as changed, value not published; Brazil marketing and Mexico utility
//! are priced.

use std::path::Path;

use crate::util::{run, text};

const LOG: &str = "\
timestamp,business,customer,direction,category,message_id
2026-11-03T10:00:00Z,+525500000001,+5215512345678,out,marketing,m1
2026-11-03T11:00:00Z,+525500000001,+5215512345679,out,utility,m2
2026-11-03T12:00:00Z,+551100000002,+5511987654321,out,marketing,m3
2026-11-04T12:00:00Z,+551100000002,+5215512345670,out,marketing,m4
";

/// Two portfolios, so `partition` puts each business in its own part and
/// each part holds one unpriced message.
const BUSINESSES: &str = "\
business,timezone,portfolio,home_country
+525500000001,,a,
+551100000002,,b,
";

fn write(dir: &Path, name: &str, body: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, body).unwrap();
    path.to_str().unwrap().to_string()
}

/// `wabill ARGS`, which fails with exit 1 (unpriced messages), and its
/// standard output: the report is still written.
fn fails_with_report(args: &[&str]) -> String {
    let out = run(args);
    assert_eq!(
        out.status.code(),
        Some(1),
        "wabill {args:?}: {}",
        text(&out.stderr)
    );
    assert!(
        text(&out.stderr).contains("could not be priced"),
        "{}",
        text(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn estimate(log: &str, businesses: &str, format: &str) -> String {
    fails_with_report(&[
        "estimate",
        log,
        "--businesses",
        businesses,
        "--currency",
        "EUR",
        "-q",
        "--format",
        format,
    ])
}

#[test]
fn unpriced_messages_are_in_their_market_row_and_the_totals() {
    let dir = tempfile::tempdir().unwrap();
    let log = write(dir.path(), "mx.csv", LOG);
    let businesses = write(dir.path(), "businesses.csv", BUSINESSES);

    let table = estimate(&log, &businesses, "table");
    let row = |market: &str, category: &str| {
        table
            .lines()
            .find(|l| l.contains(market) && l.contains(category))
            .unwrap_or_else(|| panic!("no {market} {category} row in\n{table}"))
            .split('┆')
            .map(|c| c.trim_matches(|ch: char| ch == '│' || ch.is_whitespace()))
            .map(str::to_string)
            .collect::<Vec<_>>()
    };
    assert!(
        table.contains("not delivered ┆ unpriced ┆ cost (EUR)"),
        "{table}"
    );
    // market, category, messages, charged, free, not delivered, unpriced, cost
    assert_eq!(
        row("Mexico", "marketing"),
        ["Mexico", "marketing", "2", "0", "0", "0", "2", "0.0000"]
    );
    assert_eq!(
        row("Brazil", "marketing"),
        ["Brazil", "marketing", "1", "1", "0", "0", "0", "0.0518"]
    );
    assert_eq!(
        row("Total", ""),
        ["Total", "", "4", "2", "0", "0", "2", "0.0589"]
    );
    assert!(
        table.contains("total excludes 2 unpriced messages: no known rate"),
        "{table}"
    );
    assert!(table.contains("4 outbound = 2 charged + 0 free + 0 not delivered + 2 unpriced"));

    let csv = estimate(&log, &businesses, "csv");
    assert_eq!(
        csv,
        "market,category,messages,charged,free,not_delivered,unpriced,cost,currency\n\
         Brazil,marketing,1,1,0,0,0,0.0518,EUR\n\
         Mexico,marketing,2,0,0,0,2,0.0000,EUR\n\
         Mexico,utility,1,1,0,0,0,0.0071,EUR\n\
         total,total,4,2,0,0,2,0.0589,EUR\n"
    );

    let json: serde_json::Value =
        serde_json::from_str(&estimate(&log, &businesses, "json")).unwrap();
    let rows = json["rows"].as_array().unwrap();
    let mexico = rows
        .iter()
        .find(|r| r["keys"] == serde_json::json!(["Mexico", "marketing"]))
        .expect("a Mexico marketing row");
    assert_eq!(mexico["messages"], 2);
    assert_eq!(mexico["unpriced"], 2);
    assert_eq!(mexico["cost"], "0.0000");
    assert!(rows.iter().all(|r| r.get("unpriced").is_some()));
    assert_eq!(json["totals"]["unpriced"], 2);
    assert_eq!(json["totals"]["messages"], 4);
    assert_eq!(json["accounting"]["unpriced"], 2);

    let markdown = estimate(&log, &businesses, "markdown");
    assert!(markdown.contains("| Mexico | marketing | 2 | 0 | 0 | 0 | 2 | 0.0000 |"));
    assert!(markdown.contains("- total excludes 2 unpriced messages"));
    let html = estimate(&log, &businesses, "html");
    assert!(
        html.contains("total excludes 2 unpriced messages"),
        "{html}"
    );
}

/// A report without unpriced messages keeps its columns: no `unpriced`.
#[test]
fn priced_reports_have_no_unpriced_column() {
    let dir = tempfile::tempdir().unwrap();
    let log = write(dir.path(), "br.csv", &LOG.replace("+52155", "+55119"));
    let out = run(&["estimate", &log, "--currency", "EUR", "--format", "csv"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(
        text(&out.stdout).lines().next().unwrap(),
        "market,category,messages,charged,free,not_delivered,cost,currency"
    );
}

#[test]
fn partition_and_merge_add_the_unpriced_counts() {
    let dir = tempfile::tempdir().unwrap();
    let log = write(dir.path(), "mx.csv", LOG);
    let businesses = write(dir.path(), "businesses.csv", BUSINESSES);
    let parts = dir.path().join("parts");
    let parts_dir = parts.to_str().unwrap();
    let out = run(&[
        "partition",
        &log,
        "--by",
        "portfolio",
        "--parts",
        "2",
        "--out",
        parts_dir,
        "--businesses",
        &businesses,
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let reports: Vec<String> = (0..2)
        .map(|i| {
            let part = parts.join(format!("part-{i:05}.csv"));
            let json = estimate(part.to_str().unwrap(), &businesses, "json");
            let v: serde_json::Value = serde_json::from_str(&json).unwrap();
            // Each part holds one of the two unpriced messages.
            assert_eq!(v["totals"]["unpriced"], 1, "part {i}: {json}");
            write(dir.path(), &format!("p{i}.json"), &json)
        })
        .collect();
    for format in ["table", "csv", "json", "markdown"] {
        let merged = fails_with_report(&["merge", &reports[0], &reports[1], "--format", format]);
        let whole = estimate(&log, &businesses, format);
        if format == "json" {
            // Only the inputs differ: the parts, the whole log.
            let without_inputs = |s: &str| {
                let mut v: serde_json::Value = serde_json::from_str(s).unwrap();
                v["meta"]["inputs"] = serde_json::Value::Null;
                v
            };
            assert_eq!(without_inputs(&merged), without_inputs(&whole));
        } else {
            assert_eq!(
                merged, whole,
                "merged {format} differs from the whole log's"
            );
        }
    }
    let merged: serde_json::Value = serde_json::from_str(&fails_with_report(&[
        "merge",
        &reports[0],
        &reports[1],
        "--format",
        "json",
    ]))
    .unwrap();
    assert_eq!(merged["totals"]["unpriced"], 2);
    let mexico = merged["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["keys"] == serde_json::json!(["Mexico", "marketing"]))
        .expect("a Mexico marketing row");
    assert_eq!(mexico["unpriced"], 2);
}

/// compare counts each scenario's unpriced messages in their market's row
/// (an `unpriced` column per scenario when any has them), gives no
/// difference where either cost leaves messages out, and says so under
/// the table; the run fails as estimate does.
#[test]
fn compare_counts_each_scenarios_unpriced_messages_in_their_rows() {
    let dir = tempfile::tempdir().unwrap();
    let log = write(dir.path(), "mx.csv", LOG);
    let args = [
        "compare",
        &log,
        "--scenario",
        "usd:",
        "--scenario",
        "eur:currency=EUR",
        "-q",
    ];
    let csv = fails_with_report(&[&args[..], &["--format", "csv"]].concat());
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(
        lines[0],
        "market,category,messages,usd_charged,usd_unpriced,usd_cost,usd_currency,\
         eur_charged,eur_unpriced,eur_cost,eur_currency,eur_difference,eur_percent"
    );
    assert_eq!(
        lines[2],
        "Mexico,marketing,2,2,0,0.0794,USD,0,2,0.0000,EUR,,"
    );
    assert_eq!(lines[4], "total,total,4,4,0,0.1504,USD,2,2,0.0589,EUR,,");

    let table = fails_with_report(&args);
    let mexico = table
        .lines()
        .find(|l| l.contains("Mexico") && l.contains("marketing"))
        .unwrap();
    assert!(mexico.contains("┆ unpriced ┆ unpriced │"), "{table}");
    assert!(
        table.contains("eur: total excludes 2 unpriced messages"),
        "{table}"
    );

    let json: serde_json::Value = serde_json::from_str(&fails_with_report(
        &[&args[..], &["--format", "json"]].concat(),
    ))
    .unwrap();
    assert_eq!(json["totals"]["scenarios"][1]["unpriced"], 2);
    assert_eq!(
        json["totals"]["differences"][0]["difference"],
        serde_json::Value::Null
    );

    // Without unpriced messages, the columns are as before.
    let priced = write(dir.path(), "br.csv", &LOG.replace("+52155", "+55119"));
    let out = run(&[
        "compare",
        &priced,
        "--scenario",
        "a:",
        "--scenario",
        "b:currency=EUR",
        "--format",
        "csv",
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(!text(&out.stdout).contains("unpriced"));
}
