//! Issue 27's leftovers: Meta's `pricing.subtype: "paid_exempt"`, a tier
//! note for every tiered market × category without a table, the October
//! 2026 tier bands, unpriced rows that name their market.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use crate::util::{ok, root, run, text};

fn sample(name: &str) -> String {
    root()
        .join("tests/samples")
        .join(name)
        .display()
        .to_string()
}

fn write(dir: &Path, name: &str, content: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, content).unwrap();
    path.display().to_string()
}

/// `wabill price` rows keyed by `message_id`.
fn priced(args: &[&str]) -> BTreeMap<String, BTreeMap<String, String>> {
    let mut full = vec!["price"];
    full.extend_from_slice(args);
    rows(&run_out(&full))
}

fn rows(csv_text: &str) -> BTreeMap<String, BTreeMap<String, String>> {
    let mut reader = csv::Reader::from_reader(csv_text.as_bytes());
    let headers = reader.headers().unwrap().clone();
    reader
        .records()
        .map(|r| {
            let row: BTreeMap<String, String> = headers
                .iter()
                .zip(r.unwrap().iter())
                .map(|(h, v)| (h.to_string(), v.to_string()))
                .collect();
            (row["message_id"].clone(), row)
        })
        .collect()
}

/// Standard output, whatever the exit status (an unpriced row fails the run).
fn run_out(args: &[&str]) -> String {
    text(&run(args).stdout)
}

fn printed(args: &[&str]) -> String {
    let out = run(args);
    format!("{}{}", text(&out.stdout), text(&out.stderr))
}

/// A service message Meta flagged `pricing.subtype: "paid_exempt"` (its
/// status webhooks from 2026-10-12: a government or non-profit business's
/// service message past the 1,000 free) is free, and every command says
/// why; reconcile agrees with Meta's decision.
#[test]
fn a_webhook_flagged_paid_exempt_is_free_and_says_so() {
    let log = sample("paid-exempt.jsonl");
    let rows = priced(&[&log]);
    let row = &rows["wamid.e1"];
    assert_eq!(row["cost"], "0.0000", "{row:?}");
    assert!(row["note"].contains("paid_exempt"), "{row:?}");
    assert_eq!(rows["wamid.m1"]["cost"], "0.0625");

    let explain = ok(&["explain", &log, "--message-id", "wamid.e1"]);
    assert!(
        explain.contains("Meta flagged it exempt (pricing.subtype paid_exempt"),
        "{explain}"
    );
    let estimate = ok(&["estimate", &log]);
    assert!(
        estimate.contains("note: service messages past the 1,000 free: exempt (Meta's"),
        "{estimate}"
    );
    let json = ok(&["estimate", &log, "--format", "json"]);
    assert!(json.contains("pricing.subtype paid_exempt"), "{json}");
    let reconcile = ok(&["reconcile", &log]);
    assert!(
        reconcile.contains("2 messages compared with Meta's decision: 2 agree, 0 differ"),
        "{reconcile}"
    );
}

/// The same flag in a CSV log's `pricing_subtype` column (or Meta's dotted
/// `pricing.subtype`): the 1,001st service message of the month, charged at
/// Brazil's utility rate without it, is free with it, with or without
/// `--businesses`.
#[test]
fn a_pricing_subtype_column_frees_a_service_message_past_the_1000() {
    let dir = tempfile::tempdir().unwrap();
    let log = |header: &str, flag: &str| {
        let mut s = format!(
            "timestamp,business,customer,direction,category,message_id,status,{header}\n\
             2026-10-15T09:00:00Z,15550001,+5511987650001,in,,i1,delivered,\n"
        );
        for i in 0..1001 {
            let subtype = if i == 1000 { flag } else { "" };
            s.push_str(&format!(
                "2026-10-15T09:{:02}:{:02}Z,15550001,+5511987650001,out,service,s{i},delivered,{subtype}\n",
                1 + i / 60,
                i % 60
            ));
        }
        s
    };
    let plain = write(dir.path(), "plain.csv", &log("pricing_subtype", ""));
    assert_eq!(priced(&[&plain])["s1000"]["cost"], "0.0068");
    for (name, header) in [
        ("flagged.csv", "pricing_subtype"),
        ("dotted.csv", "pricing.subtype"),
    ] {
        let flagged = write(dir.path(), name, &log(header, "paid_exempt"));
        let rows = priced(&[&flagged]);
        let row = &rows["s1000"];
        assert_eq!(row["cost"], "0.0000", "{header}: {row:?}");
        assert!(row["note"].contains("paid_exempt"), "{row:?}");
        assert_eq!(rows["s999"]["note"], "", "only the flagged message");
    }
}

/// A subtype Meta does not name is a rejected row (file, line, column,
/// value), never read as no subtype.
#[test]
fn an_unknown_pricing_subtype_is_rejected() {
    let dir = tempfile::tempdir().unwrap();
    let log = write(
        dir.path(),
        "bogus.csv",
        "timestamp,business,customer,direction,category,message_id,status,pricing_subtype\n\
         2026-10-15T09:00:00Z,15550001,+5511987650001,in,,i1,delivered,\n\
         2026-10-15T09:01:00Z,15550001,+5511987650001,out,service,s1,delivered,gratis\n",
    );
    let out = printed(&["validate", &log]);
    assert!(
        out.contains("bogus.csv:3:8: pricing_subtype \"gratis\"") && out.contains("paid_exempt"),
        "{out}"
    );
}

/// Meta's subtype is compared: a message Meta calls exempt that wabill
/// charges (a marketing template, which no exemption covers) differs in
/// its subtype.
#[test]
fn reconcile_compares_the_subtype() {
    let dir = tempfile::tempdir().unwrap();
    let log = write(
        dir.path(),
        "meta.csv",
        "timestamp,business,customer,direction,category,message_id,status,pricing_type,pricing_category,pricing_subtype\n\
         2026-10-15T09:01:00Z,15550001,+5511987650001,out,marketing,m1,delivered,regular,marketing,paid_exempt\n",
    );
    let out = printed(&["reconcile", &log]);
    assert!(
        out.contains("1 message compared with Meta's decision: 0 agree, 1 differ (1 subtype)")
            && out.contains("regular marketing paid_exempt"),
        "{out}"
    );
}

/// The markets that left their regions on 2026-07-01 (six) and 2026-10-01
/// (nine) have no tier table: each utility and authentication message to
/// them is noted, by market and category.
#[test]
fn every_moved_market_gets_its_tier_note() {
    let july = [
        ("Hong Kong", "HK"),
        ("Hungary", "HU"),
        ("Poland", "PL"),
        ("Qatar", "QA"),
        ("Romania", "RO"),
        ("Singapore", "SG"),
    ];
    let october = [
        ("Bangladesh", "BD"),
        ("Iraq", "IQ"),
        ("Kazakhstan", "KZ"),
        ("Kuwait", "KW"),
        ("Morocco", "MA"),
        ("Nepal", "NP"),
        ("Oman", "OM"),
        ("Sri Lanka", "LK"),
        ("Ukraine", "UA"),
    ];
    let dir = tempfile::tempdir().unwrap();
    for (date, markets) in [
        ("2026-08-10", july.to_vec()),
        ("2026-11-10", [july.to_vec(), october.to_vec()].concat()),
    ] {
        let mut log = String::from(
            "timestamp,business,customer,direction,category,message_id,status,country\n",
        );
        for (i, (_, country)) in markets.iter().enumerate() {
            for category in ["utility", "authentication"] {
                log.push_str(&format!(
                    "{date}T10:00:00Z,B1,+15550100{i:03},out,{category},{country}-{category},delivered,{country}\n"
                ));
            }
        }
        let path = write(dir.path(), &format!("moved-{date}.csv"), &log);
        let report = ok(&["estimate", &path]);
        let rows = priced(&[&path]);
        for (market, country) in &markets {
            for category in ["utility", "authentication"] {
                let row = &rows[&format!("{country}-{category}")];
                assert_eq!(&row["market"], market, "{row:?}");
                assert!(!row["rate_source"].contains("band"), "{row:?}");
                assert!(
                    report.contains(&format!("{market} {category} (1 message)")),
                    "{date}: {market} {category} has no note:\n{report}"
                );
            }
        }
    }
}

/// A forecast says the same: each moved market × utility and
/// authentication planned for November 2026 gets its note (forecasts were
/// silent).
#[test]
fn a_forecast_notes_every_moved_market_without_a_table() {
    let markets = [
        "Hong Kong",
        "Hungary",
        "Poland",
        "Qatar",
        "Romania",
        "Singapore",
        "Bangladesh",
        "Iraq",
        "Kazakhstan",
        "Kuwait",
        "Morocco",
        "Nepal",
        "Oman",
        "Sri Lanka",
        "Ukraine",
    ];
    let mut plan = String::from("month,market,category,messages\n");
    for m in markets {
        for category in ["utility", "authentication"] {
            plan.push_str(&format!("2026-11,{m},{category},100\n"));
        }
    }
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "plan.csv", &plan);
    let out = ok(&["forecast", "--plan", &path]);
    for m in markets {
        for category in ["utility", "authentication"] {
            assert!(
                out.contains(&format!(
                    "volume tiers: no tier table covers {m} {category}; priced at list rate"
                )),
                "{m} {category}:\n{out}"
            );
        }
    }
}

/// Every market of the built-in table × utility and authentication, on a
/// day of each tier table's reign (April's table; July's and October's
/// market moves and October's cards and tables): a message priced at list
/// rate, not in a band, is named in a note, whichever the reason (no table,
/// a table out of date, before any table).
#[test]
fn every_tiered_message_outside_a_band_is_noted() {
    let markets = std::fs::read_to_string(root().join("data/markets.csv")).unwrap();
    let dir = tempfile::tempdir().unwrap();
    for date in ["2026-05-10", "2026-08-10", "2026-11-10"] {
        // One country per market valid on the date.
        let mut by_market: BTreeMap<String, String> = BTreeMap::new();
        for line in markets.lines().skip(1) {
            let f: Vec<&str> = line.split(',').collect();
            let (country, market, from, to) = (f[1], f[2], f[3], f[4]);
            if (from.is_empty() || from <= date) && (to.is_empty() || date <= to) {
                by_market
                    .entry(market.to_string())
                    .or_insert(country.to_string());
            }
        }
        assert!(by_market.len() >= 32, "{by_market:?}");
        let mut log = String::from(
            "timestamp,business,customer,direction,category,message_id,status,country\n",
        );
        for (i, country) in by_market.values().enumerate() {
            for category in ["utility", "authentication"] {
                log.push_str(&format!(
                    "{date}T10:00:00Z,B1,+15550100{i:03},out,{category},{country}-{category},delivered,{country}\n"
                ));
            }
        }
        let path = write(dir.path(), &format!("all-{date}.csv"), &log);
        let report = ok(&["estimate", &path]);
        let notes: Vec<&str> = report
            .lines()
            .filter(|l| l.starts_with("note: volume tiers"))
            .collect();
        let mut unnoted = BTreeSet::new();
        for row in priced(&[&path]).values() {
            if row["rate_source"].contains("band") {
                continue;
            }
            let named = format!("{} {}", row["market"], row["category"]);
            if !notes.iter().any(|n| n.contains(&named)) {
                unnoted.insert(named);
            }
        }
        assert!(
            unnoted.is_empty(),
            "{date}: no note for {unnoted:?}\n{report}"
        );
    }
}

/// October 2026's tier table for Rest of Africa (USD): the 100,001st
/// utility message of a month pays band 2's 0.0038, the first 100,000 band
/// 1's 0.0040 (a log across the boundary).
#[test]
fn october_rest_of_africa_usd_bands_apply_across_a_boundary() {
    let dir = tempfile::tempdir().unwrap();
    let mut log =
        String::from("timestamp,business,customer,direction,category,message_id,status\n");
    let start = jiff::Timestamp::from_second(1_793_577_600).unwrap(); // 2026-11-02T00:00:00Z
    for i in 0..100_001i64 {
        let at = start + jiff::SignedDuration::from_secs(i);
        log.push_str(&format!(
            "{at},B1,+254712345678,out,utility,u{i},delivered\n"
        ));
    }
    let path = write(dir.path(), "rest-of-africa.csv", &log);
    let rows = priced(&[&path]);
    assert_eq!(rows["u99999"]["rate"], "0.0040");
    assert!(
        rows["u99999"]["rate_source"].contains("tiers-2026-10-01-usd.csv (USD 2026-10-01) band 1"),
        "{:?}",
        rows["u99999"]
    );
    assert_eq!(rows["u100000"]["rate"], "0.0038");
    assert!(
        rows["u100000"]["rate_source"].contains("tiers-2026-10-01-usd.csv (USD 2026-10-01) band 2"),
        "{:?}",
        rows["u100000"]
    );
    let json: serde_json::Value =
        serde_json::from_str(&ok(&["estimate", &path, "--format", "json"])).unwrap();
    // 100,000 × 0.0040 + 1 × 0.0038.
    assert_eq!(json["totals"]["cost"], "400.0038", "{json}");
}

/// October 2026's BRL table for Brazil: a planned month of 250,001 utility
/// messages = 250,000 × 0.0350 (band 1) + 1 × 0.0333 (band 2).
#[test]
fn october_brazil_brl_bands_apply_across_a_boundary() {
    let dir = tempfile::tempdir().unwrap();
    let plan = write(
        dir.path(),
        "plan.csv",
        "month,market,category,messages\n2026-11,Brazil,utility,250001\n2026-09,Brazil,utility,250001\n",
    );
    let out = ok(&["forecast", "--plan", &plan, "--currency", "BRL"]);
    assert!(
        out.contains("2026-11 Brazil utility = 250,000 × 0.0350 (band 1) + 1 × 0.0333 (band 2)"),
        "{out}"
    );
    assert!(out.contains("8,750.0333"), "{out}");
    // Before 2026-10-01 no BRL table is known: the list rate, noted.
    assert!(!out.contains("2026-09 Brazil utility = "), "{out}");
}

/// An unpriced message's row names the market (and country) it was to be
/// priced in: Mexico marketing has no EUR value from 2026-10-01.
#[test]
fn unpriced_rows_name_their_market() {
    let dir = tempfile::tempdir().unwrap();
    let log = write(
        dir.path(),
        "unpriced.csv",
        "timestamp,business,customer,direction,category,message_id,status\n\
         2026-11-10T10:00:00Z,B1,+5215512345678,out,marketing,u1,delivered\n",
    );
    let out = run(&["price", &log, "--currency", "EUR"]);
    assert!(!out.status.success());
    let rows = rows(&text(&out.stdout));
    let row = &rows["u1"];
    assert_eq!(row["pricing_type"], "unpriced", "{row:?}");
    assert_eq!(
        (row["market"].as_str(), row["country"].as_str()),
        ("Mexico", "MX")
    );
    assert!(row["note"].contains("Mexico marketing"), "{row:?}");
    let err = printed(&["estimate", &log, "--currency", "EUR"]);
    assert!(
        err.contains("no EUR rate known for Mexico marketing"),
        "{err}"
    );
}

/// `--businesses` `exempt` (issue 27, strengthened): the exemption ends on
/// 2027-12-31 — the 1,001st service message of January 2028 pays Brazil's
/// utility rate — and `explain` says why a message was free (it used to say
/// "within the 1,000 free" of the 1,001st).
#[test]
fn an_exempt_business_is_exempt_until_2027_12_31_and_explain_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let mut log =
        String::from("timestamp,business,customer,direction,category,message_id,status\n");
    for (month, tag) in [("2027-12", "d"), ("2028-01", "j")] {
        log.push_str(&format!(
            "{month}-15T09:00:00Z,15550001,+5511987650001,in,,{tag}in,delivered\n"
        ));
        for i in 0..1001 {
            log.push_str(&format!(
                "{month}-15T09:{:02}:{:02}Z,15550001,+5511987650001,out,service,{tag}{i},delivered\n",
                1 + i / 60,
                i % 60
            ));
        }
    }
    let path = write(dir.path(), "exempt.csv", &log);
    let businesses = write(
        dir.path(),
        "businesses.csv",
        "business,timezone,exempt\n15550001,UTC,yes\n",
    );
    let rows = priced(&[&path, "--businesses", &businesses]);
    assert_eq!(rows["d1000"]["cost"], "0.0000", "{:?}", rows["d1000"]);
    assert_eq!(rows["j1000"]["cost"], "0.0068", "{:?}", rows["j1000"]);
    assert_eq!(rows["j1000"]["note"], "", "{:?}", rows["j1000"]);
    let explain = ok(&[
        "explain",
        &path,
        "--businesses",
        &businesses,
        "--message-id",
        "d1000",
    ]);
    assert!(
        explain.contains(
            "number 1001 this month for this business number: past the 1,000 free, exempt"
        ),
        "{explain}"
    );
}
