//! Issue 27's leftovers: Meta's `pricing.subtype: "paid_exempt"`, a tier
//! note for every tiered market × category without a table, the October
//! 2026 tier bands, unpriced rows that name their market.

use std::collections::BTreeMap;
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
