//! `wabill reconcile` end to end on a generated log: a synthetic analytics
//! export is built from the log's own UTC estimate, known differences are
//! planted, and each must come back flagged with its cause (issue #9).

use std::path::{Path, PathBuf};
use std::process::Command;

use rust_decimal::Decimal;
use serde_json::Value;

fn dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("wabill-reconcile-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn wabill(dir: &Path, args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_wabill"))
        .current_dir(dir)
        .arg("--no-config")
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

/// One analytics data point per row of the log's estimate by UTC day.
struct Point {
    day: String,
    country: String,
    category: String,
    kind: String,
    volume: u64,
    cost: Decimal,
}

fn unix(day: &str) -> i64 {
    format!("{day}T00:00:00Z")
        .parse::<jiff::Timestamp>()
        .unwrap()
        .as_second()
}

fn truth(dir: &Path) -> Vec<Point> {
    let (code, csv, err) = wabill(
        dir,
        &[
            "estimate",
            "log.csv",
            "--tz",
            "UTC",
            "--by",
            "day,country,category,pricing_type",
            "--format",
            "csv",
        ],
    );
    assert_eq!(code, 0, "{err}");
    csv.lines()
        .skip(1)
        .map(|l| l.split(',').collect::<Vec<_>>())
        .filter(|f| f[0] != "total" && f[3] != "not_delivered")
        .map(|f| Point {
            day: f[0].into(),
            country: f[1].into(),
            category: f[2].into(),
            kind: f[3].into(),
            volume: f[4].parse().unwrap(),
            cost: f[8].parse().unwrap(),
        })
        .collect()
}

/// Writes the points as the Graph API's JSON, costs as bare numbers.
fn write_export(dir: &Path, points: &[Point]) {
    let items: Vec<String> = points
        .iter()
        .map(|p| {
            let start = unix(&p.day);
            format!(
                r#"{{"start": {start}, "end": {}, "country": "{}", "pricing_category": "{}", "pricing_type": "{}", "volume": {}, "cost": {}}}"#,
                start + 86_400,
                p.country,
                p.category.to_uppercase(),
                p.kind.to_uppercase(),
                p.volume,
                p.cost
            )
        })
        .collect();
    let json = format!(
        "{{\"pricing_analytics\": {{\"data\": [{{\"data_points\": [\n{}\n]}}]}}}}\n",
        items.join(",\n")
    );
    std::fs::write(dir.join("analytics.json"), json).unwrap();
}

fn reconcile(dir: &Path, extra: &[&str]) -> (i32, Value) {
    let mut args = vec![
        "reconcile",
        "log.csv",
        "--actual",
        "analytics.json",
        "--format",
        "json",
    ];
    args.extend(extra);
    let (code, out, err) = wabill(dir, &args);
    assert!(code == 0 || code == 4, "exit {code}: {err}");
    (code, serde_json::from_str(&out).unwrap())
}

fn dec(v: &Value) -> Decimal {
    v.as_str().unwrap().parse().unwrap()
}

/// The rows outside tolerance, as (day, country, category, type, causes).
fn off(r: &Value) -> Vec<(String, String, String, String, Vec<String>)> {
    r["rows"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|row| !row["within_tolerance"].as_bool().unwrap())
        .map(|row| {
            let s = |k: &str| row[k].as_str().unwrap().to_string();
            let causes = row["causes"]
                .as_array()
                .unwrap()
                .iter()
                .map(|c| c.as_str().unwrap().to_string())
                .collect();
            (
                s("period"),
                s("country"),
                s("category"),
                s("pricing_type"),
                causes,
            )
        })
        .collect()
}

/// Every money column of the totals row is the sum of the rows.
fn assert_totals_balance(r: &Value) {
    let rows = r["rows"].as_array().unwrap();
    for side in ["estimated", "actual", "difference"] {
        let sum: Decimal = rows.iter().map(|row| dec(&row["meta"][side])).sum();
        assert_eq!(sum, dec(&r["totals"]["meta"][side]), "meta {side}");
    }
}

fn generated(name: &str) -> PathBuf {
    let d = dir(name);
    let (code, _, err) = wabill(
        &d,
        &[
            "generate",
            "--rows",
            "3000",
            "--seed",
            "9",
            "--start",
            "2026-01-05",
            "--days",
            "4",
            "--businesses",
            "1",
            "-o",
            "log.csv",
        ],
    );
    assert_eq!(code, 0, "{err}");
    d
}

#[test]
fn an_exact_export_reconciles_and_planted_differences_are_explained() {
    let d = generated("planted");
    let mut points = truth(&d);
    let (code, r) = {
        write_export(&d, &points);
        reconcile(&d, &["--tz", "UTC"])
    };
    assert_eq!(code, 0, "{:?}", off(&r));
    assert_totals_balance(&r);

    let days: Vec<String> = {
        let mut v: Vec<String> = points.iter().map(|p| p.day.clone()).collect();
        v.dedup();
        v
    };
    let last = days.last().unwrap().clone();
    // Meta's export stops a day early: the log's last day is outside it.
    points.retain(|p| p.day != last);
    // A day Meta billed before the log starts.
    points.push(Point {
        day: "2026-01-04".into(),
        country: "IN".into(),
        category: "marketing".into(),
        kind: "regular".into(),
        volume: 5,
        cost: "0.0590".parse().unwrap(),
    });
    // A volume tier: same messages, a lower rate.
    let tier = points
        .iter_mut()
        .find(|p| p.country == "IN" && p.category == "utility" && p.kind == "regular")
        .expect("generated log has charged Indian utility messages");
    tier.cost *= Decimal::new(9, 1);
    let tier_key = (tier.day.clone(), "IN".to_string());
    // A rate the card does not know: same messages, a higher cost.
    let rate = points
        .iter_mut()
        .find(|p| p.country == "BR" && p.category == "marketing" && p.kind == "regular")
        .expect("generated log has charged Brazilian marketing messages");
    rate.cost += Decimal::new(1, 2);
    let rate_key = (rate.day.clone(), "BR".to_string());
    write_export(&d, &points);

    let (code, r) = reconcile(&d, &["--tz", "UTC", "--tolerance", "0.00001"]);
    assert_eq!(code, 4);
    assert_totals_balance(&r);
    for (day, country, category, kind, causes) in off(&r) {
        let expected = if day == "2026-01-04" {
            "outside_log"
        } else if day == last {
            "outside_export"
        } else if (day.clone(), country.clone()) == tier_key && category == "utility" {
            "volume_tier"
        } else if (day.clone(), country.clone()) == rate_key && category == "marketing" {
            "rate_differs"
        } else {
            panic!("unexpected difference {day} {country} {category} {kind}: {causes:?}")
        };
        assert_eq!(causes, vec![expected], "{day} {country} {category} {kind}");
    }
    let notes: Vec<&str> = r["notes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["cause"].as_str().unwrap())
        .collect();
    assert_eq!(
        notes,
        [
            "outside_log",
            "outside_export",
            "volume_tier",
            "rate_differs"
        ]
    );
}

#[test]
fn a_sao_paulo_business_shifts_days_against_utc_analytics() {
    let d = generated("sao-paulo");
    write_export(&d, &truth(&d));
    let (code, r) = reconcile(&d, &["--tz", "America/Sao_Paulo"]);
    assert_eq!(code, 4, "a UTC-3 business must shift some messages a day");
    let shifted = off(&r);
    assert!(!shifted.is_empty());
    for (day, country, category, kind, causes) in &shifted {
        // Messages the log has but UTC puts the day after its last: Meta's
        // export (built in UTC) covers them; the first zone day starts
        // before the export.
        assert!(
            causes == &vec!["utc_day_shift".to_string()],
            "{day} {country} {category} {kind}: {causes:?}"
        );
    }
    // The differences cancel: the month agrees in total.
    assert_eq!(r["totals"]["meta"]["difference"].as_str(), Some("0.0000"));
    // Grouped in UTC, as Meta's analytics are, everything agrees.
    let (code, r) = reconcile(&d, &["--tz", "America/Sao_Paulo", "--utc"]);
    assert_eq!(code, 0, "{:?}", off(&r));
    // Month cells in the zone: the same log inside one month agrees too.
    let (code, _) = reconcile(&d, &["--tz", "America/Sao_Paulo", "--granularity", "month"]);
    assert_eq!(code, 0);
}
