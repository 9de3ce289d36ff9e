//! `wabill reconcile` end to end on a generated log: a synthetic analytics
//! export is built from the log's own UTC estimate, known differences are
//! planted, and each must come back flagged with its cause (issue #9).

use std::path::{Path, PathBuf};

use rust_decimal::Decimal;
use serde_json::Value;

fn dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("wabill-reconcile-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn wabill(dir: &Path, args: &[&str]) -> (i32, String, String) {
    let out = crate::util::wabill()
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

/// One priced message of `wabill price --format csv`.
struct PricedRow {
    at: i64,
    country: String,
    category: String,
    kind: String,
    cost: Decimal,
    conversation: Option<String>,
    opened: bool,
}

fn priced(dir: &Path, tz: &str) -> Vec<PricedRow> {
    let (code, out, err) = wabill(dir, &["price", "log.csv", "--tz", tz, "--format", "csv"]);
    assert_eq!(code, 0, "{err}");
    let mut r = csv::Reader::from_reader(out.as_bytes());
    let h = r.headers().unwrap().clone();
    let col = |name: &str| h.iter().position(|c| c == name).unwrap();
    let (ts, country, category, kind, pc, cost, ct, op) = (
        col("timestamp"),
        col("country"),
        col("category"),
        col("pricing_type"),
        col("pricing_category"),
        col("cost"),
        col("conversation_type"),
        col("conversation_opened"),
    );
    r.records()
        .map(|rec| rec.unwrap())
        .filter(|rec| !["inbound", "not_delivered"].contains(&&rec[kind]))
        .map(|rec| {
            let category = if &rec[pc] == "authentication_international" {
                rec[pc].to_string()
            } else {
                rec[category].to_string()
            };
            PricedRow {
                at: rec[ts].parse::<jiff::Timestamp>().unwrap().as_second(),
                country: rec[country].to_string(),
                category,
                kind: rec[kind].to_string(),
                cost: rec[cost].parse().unwrap(),
                conversation: (!rec[ct].is_empty()).then(|| rec[ct].to_string()),
                opened: &rec[op] == "true",
            }
        })
        .collect()
}

/// Data points keyed by (start, end, country, category, type), in the
/// Graph API's JSON; `cost: false` leaves the cost out (volumes only).
fn write_points(path: &Path, field: &str, points: &Points, cost: bool) {
    let conversations = field == "conversation_analytics";
    let items: Vec<String> = points
        .iter()
        .map(|((start, end, country, category, kind), (volume, sum))| {
            let mut item = if conversations {
                format!(
                    r#"{{"start": {start}, "end": {end}, "country": "{country}", "conversation_category": "{}", "conversation_type": "{}", "conversation_direction": "BUSINESS_INITIATED", "conversation": {volume}"#,
                    category.to_uppercase(),
                    kind.to_uppercase()
                )
            } else {
                format!(
                    r#"{{"start": {start}, "end": {end}, "country": "{country}", "pricing_category": "{}", "pricing_type": "{}", "volume": {volume}"#,
                    category.to_uppercase(),
                    kind.to_uppercase()
                )
            };
            if cost {
                item.push_str(&format!(r#", "cost": {sum}"#));
            }
            item.push('}');
            item
        })
        .collect();
    let json = format!(
        "{{\"{field}\": {{\"data\": [{{\"data_points\": [\n{}\n]}}]}}}}\n",
        items.join(",\n")
    );
    std::fs::write(path, json).unwrap();
}

type Points = std::collections::BTreeMap<(i64, i64, String, String, String), (u64, Decimal)>;

/// Meta's points of `span` seconds starting `phase` seconds into each UTC
/// day (a daily point of an account in California starts at 07:00 UTC).
fn bucketed(rows: &[PricedRow], span: i64, phase: i64) -> Points {
    let mut points = Points::new();
    for m in rows {
        let start = (m.at - phase).div_euclid(span) * span + phase;
        let e = points
            .entry((
                start,
                start + span,
                m.country.clone(),
                m.category.clone(),
                m.kind.clone(),
            ))
            .or_insert((0, Decimal::ZERO));
        e.0 += 1;
        e.1 += m.cost;
    }
    points
}

fn generated_in(name: &str, start: &str) -> PathBuf {
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
            start,
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
fn daily_points_from_the_accounts_midnight_are_their_own_days() {
    // Arizona is UTC-7: an account there has days from 07:00 UTC.
    let d = generated_in("phoenix", "2026-01-05");
    let rows = priced(&d, "America/Phoenix");
    write_points(
        &d.join("analytics.json"),
        "pricing_analytics",
        &bucketed(&rows, 86_400, 7 * 3600),
        true,
    );
    // In the account's zone, every day agrees.
    let (code, r) = reconcile(&d, &["--tz", "America/Phoenix"]);
    assert_eq!(code, 0, "{:?}", off(&r));
    assert_eq!(r["meta"]["meta_days"], "UTC−07:00");
    assert_totals_balance(&r);
    // Days in UTC differ from Meta's, and say why; the totals agree.
    let (code, r) = reconcile(&d, &["--tz", "UTC"]);
    assert_eq!(code, 4);
    for (day, country, category, kind, causes) in off(&r) {
        assert_eq!(causes, ["day_shift"], "{day} {country} {category} {kind}");
    }
    assert_eq!(r["totals"]["meta"]["difference"].as_str(), Some("0.0000"));
    // --utc groups the estimate by Meta's own periods.
    let (code, r) = reconcile(&d, &["--tz", "UTC", "--utc"]);
    assert_eq!(code, 0, "{:?}", off(&r));
    // Monthly: one point from 07:00 UTC on the 1st.
    let month: Points = bucketed(&rows, 86_400, 7 * 3600).into_iter().fold(
        Points::new(),
        |mut acc, ((_, _, c, g, k), (v, s))| {
            let start = unix("2026-01-01") + 7 * 3600;
            let e = acc
                .entry((start, unix("2026-02-01") + 7 * 3600, c, g, k))
                .or_insert((0, Decimal::ZERO));
            e.0 += v;
            e.1 += s;
            acc
        },
    );
    write_points(&d.join("analytics.json"), "pricing_analytics", &month, true);
    let (code, r) = reconcile(&d, &["--tz", "America/Phoenix", "--granularity", "month"]);
    assert_eq!(code, 0, "{:?}", off(&r));
    let (code, _, err) = wabill(
        &d,
        &[
            "reconcile",
            "log.csv",
            "--actual",
            "analytics.json",
            "--tz",
            "UTC",
        ],
    );
    assert_eq!(code, 1);
    assert!(err.contains("longer than one day"), "{err}");
}

#[test]
fn half_hour_points_add_up_to_the_estimates_days() {
    let d = generated_in("half-hour", "2026-01-05");
    let rows = priced(&d, "America/Sao_Paulo");
    write_points(
        &d.join("analytics.json"),
        "pricing_analytics",
        &bucketed(&rows, 1800, 0),
        true,
    );
    // Half hours regroup into São Paulo's days exactly: no shift at all.
    let (code, r) = reconcile(&d, &["--tz", "America/Sao_Paulo"]);
    assert_eq!(code, 0, "{:?}", off(&r));
    assert_eq!(
        r["meta"]["meta_days"],
        "parts of days grouped by America/Sao_Paulo (business time zone)"
    );
}

#[test]
fn overlapping_exports_count_each_point_once() {
    let d = generated_in("overlap", "2026-01-05");
    let rows = priced(&d, "UTC");
    let all = bucketed(&rows, 86_400, 0);
    let days: Vec<i64> = {
        let mut v: Vec<i64> = all.keys().map(|k| k.0).collect();
        v.dedup();
        v
    };
    // Two pages that share the second day.
    let first: Points = all
        .iter()
        .filter(|(k, _)| k.0 <= days[1])
        .map(|(k, v)| (k.clone(), *v))
        .collect();
    let second: Points = all
        .iter()
        .filter(|(k, _)| k.0 >= days[1])
        .map(|(k, v)| (k.clone(), *v))
        .collect();
    let shared = all.keys().filter(|k| k.0 == days[1]).count();
    write_points(&d.join("a.json"), "pricing_analytics", &first, true);
    write_points(&d.join("b.json"), "pricing_analytics", &second, true);
    let (code, out, err) = wabill(
        &d,
        &[
            "reconcile",
            "log.csv",
            "--actual",
            "a.json",
            "--actual",
            "b.json",
            "--tz",
            "UTC",
            "--format",
            "json",
        ],
    );
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains(&format!(
            "wabill: warning: {shared} data points given more than once (first a.json:"
        )),
        "{err}"
    );
    let r: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(r["meta"]["duplicate_points"], shared as u64);
}

#[test]
fn a_volume_only_export_reconciles_volumes() {
    let d = generated_in("volumes", "2026-01-05");
    let rows = priced(&d, "UTC");
    let mut points = bucketed(&rows, 86_400, 0);
    write_points(
        &d.join("analytics.json"),
        "pricing_analytics",
        &points,
        false,
    );
    let (code, r) = reconcile(&d, &["--tz", "UTC"]);
    assert_eq!(code, 0, "{:?}", off(&r));
    assert_eq!(r["meta"]["compared"], "volume");
    assert_eq!(r["totals"]["meta"]["actual"], Value::Null);
    // One message fewer on Meta's side: that cell, and only it, is off.
    let (key, v) = points.iter_mut().find(|(_, v)| v.0 > 1).unwrap();
    v.0 -= 1;
    let key = key.clone();
    write_points(
        &d.join("analytics.json"),
        "pricing_analytics",
        &points,
        false,
    );
    let (code, r) = reconcile(&d, &["--tz", "UTC"]);
    assert_eq!(code, 4);
    let off = off(&r);
    assert_eq!(off.len(), 1, "{off:?}");
    assert_eq!((&off[0].1, &off[0].2), (&key.2, &key.3));
    assert_eq!(off[0].4, ["volume_differs"]);
    // The table says what is compared.
    let (_, table, _) = wabill(
        &d,
        &[
            "reconcile",
            "log.csv",
            "--actual",
            "analytics.json",
            "--tz",
            "UTC",
        ],
    );
    assert!(
        table.contains("the export has no cost: volumes compared"),
        "{table}"
    );
}

#[test]
fn conversation_analytics_reconcile_a_conversation_priced_log() {
    // December 2024: conversation pricing (the 2023 model).
    let d = generated_in("conversations", "2024-12-02");
    let rows = priced(&d, "UTC");
    let opened: Vec<PricedRow> = rows
        .into_iter()
        .filter(|m| m.opened)
        .map(|m| PricedRow {
            // A conversation is filed under its type; an entry point one
            // under the message's category.
            category: match m.conversation.as_deref() {
                Some("free_entry_point") | None => m.category.clone(),
                Some(_) if m.category == "authentication_international" => m.category.clone(),
                Some(t) => t.to_string(),
            },
            ..m
        })
        .collect();
    assert!(opened.len() > 100);
    let points = bucketed(&opened, 86_400, 0);
    write_points(
        &d.join("analytics.json"),
        "conversation_analytics",
        &points,
        true,
    );
    let (code, r) = reconcile(&d, &["--tz", "UTC"]);
    assert_eq!(code, 0, "{:?}", off(&r));
    assert_eq!(r["meta"]["unit"], "conversations");
    let conversations: u64 = points.values().map(|v| v.0).sum();
    assert_eq!(r["totals"]["estimated_volume"], conversations);
    assert_totals_balance(&r);
    // Against a pricing_analytics file in the same run: refused.
    write_points(&d.join("messages.json"), "pricing_analytics", &points, true);
    let (code, _, err) = wabill(
        &d,
        &[
            "reconcile",
            "log.csv",
            "--actual",
            "analytics.json",
            "--actual",
            "messages.json",
        ],
    );
    assert_eq!(code, 1);
    assert!(err.contains("separate runs"), "{err}");
}

/// A generated log given the provider's prices: Meta's price (as `wabill
/// price` computes it) plus a contract's fees, except for planted
/// overcharges, a few messages priced in EUR and a few without a price.
/// Returns the planted message ids and their overcharge.
fn provider_log(d: &Path) -> (Vec<String>, Decimal, usize, usize) {
    let (code, priced, err) = wabill(d, &["price", "log.csv", "--format", "csv"]);
    assert_eq!(code, 0, "{err}");
    // message_id → (direction, pricing type, cost).
    let mut by_id = std::collections::HashMap::new();
    let mut reader = csv::Reader::from_reader(priced.as_bytes());
    for r in reader.records() {
        let r = r.unwrap();
        let cost: Decimal = r[12].parse().unwrap_or_default();
        by_id.insert(r[0].to_string(), (r[6].to_string(), r[8].to_string(), cost));
    }
    let fee = |direction: &str, kind: &str, cost: Decimal| -> Decimal {
        match (direction, kind) {
            ("in", _) => Decimal::new(4, 3),
            (_, "not_delivered") => Decimal::new(1, 3),
            // 0.005 a message and 10% of Meta's price.
            _ => Decimal::new(5, 3) + cost * Decimal::new(10, 2),
        }
    };
    let text = std::fs::read_to_string(d.join("log.csv")).unwrap();
    let mut out = String::new();
    let mut seen = std::collections::HashSet::new();
    let (mut planted, mut over, mut eur, mut none) = (Vec::new(), Decimal::ZERO, 0, 0);
    for (i, line) in text.lines().enumerate() {
        if i == 0 {
            out.push_str(&format!("{line},provider_price,provider_currency\n"));
            continue;
        }
        let id = line.split(',').nth(5).unwrap().to_string();
        // The price on the message's first row only (status rows merge).
        if !seen.insert(id.clone()) {
            out.push_str(&format!("{line},,\n"));
            continue;
        }
        let (direction, kind, cost) = by_id[&id].clone();
        let n = seen.len();
        let price = if n % 97 == 0 {
            none += 1;
            ",".to_string()
        } else if n % 89 == 0 {
            eur += 1;
            "0.0042,EUR".to_string()
        } else {
            let mut p = cost + fee(&direction, &kind, cost);
            if n % 53 == 0 {
                p += Decimal::new(1, 2);
                planted.push(id.clone());
                over += Decimal::new(1, 2);
            }
            format!("{p},USD")
        };
        out.push_str(&format!("{line},{price}\n"));
    }
    std::fs::write(d.join("priced-log.csv"), out).unwrap();
    std::fs::write(
        d.join("fees.csv"),
        "fee,amount\noutbound_message,0.005\ninbound_message,0.004\nfailed_message,0.001\nmarkup_percent,10\nmonthly_platform,49\n",
    )
    .unwrap();
    (planted, over, eur, none)
}

#[test]
fn provider_charges_are_compared_message_by_message_with_metas_price_and_the_fees() {
    let d = generated("provider");
    let (planted, over, eur, none) = provider_log(&d);
    assert!(planted.len() >= 10 && eur > 0 && none > 0);
    let run = |extra: &[&str]| {
        let mut args = vec!["reconcile", "priced-log.csv", "--provider-charges"];
        args.extend_from_slice(extra);
        wabill(&d, &args)
    };
    let (code, json, err) = run(&["--fees", "fees.csv", "--format", "json"]);
    assert_eq!(code, 4, "{err}");
    let r: Value = serde_json::from_str(&json).unwrap();
    // Exactly the planted messages differ, each by its overcharge.
    let mut differing: Vec<String> = r["differing"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["message_id"].as_str().unwrap().to_string())
        .collect();
    differing.sort();
    let mut want = planted.clone();
    want.sort();
    assert_eq!(differing, want);
    for m in r["differing"].as_array().unwrap() {
        assert_eq!(dec(&m["difference"]), Decimal::new(1, 2), "{m}");
        assert_eq!(
            dec(&m["expected"]) + dec(&m["difference"]),
            dec(&m["provider"])
        );
    }
    assert_eq!(dec(&r["totals"]["difference"]), over);
    assert_eq!(
        dec(&r["totals"]["meta"]) + dec(&r["totals"]["fees"]),
        dec(&r["totals"]["expected"])
    );
    // The periods add up to the totals; no currency is mixed in.
    for field in ["meta", "fees", "expected", "provider", "difference"] {
        let sum: Decimal = r["periods"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| dec(&p[field]))
            .sum();
        assert_eq!(sum, dec(&r["totals"][field]), "{field}");
    }
    let messages: u64 = r["periods"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["messages"].as_u64().unwrap())
        .sum();
    assert_eq!(messages, r["compared"].as_u64().unwrap());
    assert_eq!(r["other_currencies"][0]["currency"], "EUR");
    assert_eq!(r["other_currencies"][0]["messages"], eur as u64);
    assert_eq!(r["without_price"], none as u64);
    assert_eq!(
        r["compared"].as_u64().unwrap(),
        r["agreeing"].as_u64().unwrap() + planted.len() as u64
    );

    // The estimate totals the prices per currency, streamed or in memory
    // alike, and the USD total is what was compared.
    let lines = |engine: &str| {
        let (code, json, err) = wabill(
            &d,
            &[
                "estimate",
                "priced-log.csv",
                "--engine",
                engine,
                "--format",
                "json",
            ],
        );
        assert_eq!(code, 0, "{err}");
        serde_json::from_str::<Value>(&json).unwrap()["provider_charges"].clone()
    };
    let streamed = lines("stream");
    assert_eq!(streamed, lines("memory"));
    assert_eq!(streamed[1]["currency"], "USD");
    assert_eq!(dec(&streamed[1]["amount"]), dec(&r["totals"]["provider"]));

    // An overcharge of 0.01 is within ±0.01: every message agrees.
    let (code, _, err) = run(&["--fees", "fees.csv", "--tolerance", "0.01"]);
    assert_eq!(code, 0, "{err}");
    // Without the fees, every message with a fee differs, by the fees.
    let (code, json, _) = run(&["--format", "json"]);
    assert_eq!(code, 4);
    let bare: Value = serde_json::from_str(&json).unwrap();
    assert_eq!(
        dec(&bare["totals"]["difference"]),
        dec(&r["totals"]["fees"]) + over
    );
    // By period: the days with an overcharge are off, the others not.
    let (code, csv, _) = run(&["periods", "--fees", "fees.csv", "--format", "csv"]);
    assert_eq!(code, 4);
    let off = csv.lines().filter(|l| l.ends_with(",false")).count();
    let days_planted: std::collections::BTreeSet<String> = r["differing"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["timestamp"].as_str().unwrap()[..10].to_string())
        .collect();
    // The total row is off too.
    assert_eq!(off, days_planted.len() + 1, "{csv}");
}

#[test]
fn provider_charges_refuse_what_they_cannot_compare() {
    let d = generated("provider-usage");
    provider_log(&d);
    std::fs::write(d.join("analytics.json"), "{\"data\":[]}").unwrap();
    for (extra, code, says) in [
        (
            &["--actual", "analytics.json"][..],
            2,
            "cannot be used with",
        ),
        (
            &["--fx", "fees.csv"][..],
            2,
            "--fx converts Meta's billed amounts",
        ),
        (
            &["--format", "html"][..],
            2,
            "--format html is for reconcile with --actual",
        ),
    ] {
        let mut args = vec!["reconcile", "priced-log.csv", "--provider-charges"];
        args.extend_from_slice(extra);
        let (got, _, err) = wabill(&d, &args);
        assert_eq!(got, code, "{extra:?}: {err}");
        assert!(err.contains(says), "{extra:?}: {err}");
    }
    // A log without prices has nothing to compare.
    let (code, _, err) = wabill(&d, &["reconcile", "log.csv", "--provider-charges"]);
    assert_eq!(code, 1);
    assert!(
        err.contains("no message in the log carries the provider's price"),
        "{err}"
    );
}
