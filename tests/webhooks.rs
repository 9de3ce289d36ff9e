//! Meta's webhook notifications price exactly like the same messages in
//! wabill's CSV, and the per-message reconcile finds exactly the messages
//! whose `pricing.type` differs from wabill's decision. The webhooks are
//! made here from generated CSV logs (status events, entry points,
//! failures, several businesses, a customer known only by username).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use crate::util::{ok, run};

use serde_json::{Value, json};

fn temp(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("wabill-webhooks-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

/// A generated log in which one customer is known only by username.
fn generated_csv(path: &Path) -> Vec<Vec<String>> {
    let text = ok(&[
        "generate",
        "--rows",
        "4000",
        "--seed",
        "11",
        "--days",
        "6",
        "--businesses",
        "3",
        "--entry-point-share",
        "0.2",
        "--status-event-share",
        "0.3",
    ]);
    let mut rows: Vec<Vec<String>> = text
        .lines()
        .map(|l| l.split(',').map(str::to_string).collect())
        .collect();
    assert_eq!(
        rows[0],
        [
            "timestamp",
            "business",
            "customer",
            "direction",
            "category",
            "message_id",
            "status",
            "entry_point"
        ]
    );
    let renamed = rows[1][2].clone();
    for row in &mut rows[1..] {
        if row[2] == renamed {
            row[2] = "BR.13491208655302741918".into();
        }
    }
    let body: Vec<String> = rows.iter().map(|r| r.join(",")).collect();
    std::fs::write(path, body.join("\n") + "\n").unwrap();
    rows
}

fn epoch(ts: &str) -> String {
    ts.parse::<jiff::Timestamp>()
        .unwrap()
        .as_second()
        .to_string()
}

/// The notifications Meta would send for `rows`: consecutive rows of one
/// business share a notification (up to three), `type_of` gives the
/// `pricing.type` of an outbound row (none: no pricing object).
fn webhooks(rows: &[Vec<String>], type_of: &dyn Fn(&[String]) -> Option<String>) -> String {
    let mut out = String::new();
    for chunk in rows[1..].chunk_by(|a, b| a[1] == b[1]) {
        for group in chunk.chunks(3) {
            let (mut messages, mut statuses, mut contacts) = (vec![], vec![], vec![]);
            for r in group {
                let (customer, username) = match r[2].strip_prefix('+') {
                    Some(n) => (n.replace(' ', ""), false),
                    None => (r[2].clone(), true),
                };
                if r[3] == "in" {
                    let mut m = json!({"id": r[5], "timestamp": epoch(&r[0]), "type": "text"});
                    if username {
                        m["from_user_id"] = json!(customer);
                        contacts.push(json!({"user_id": customer, "profile": {"name": "x", "country_code": "BR"}}));
                    } else {
                        m["from"] = json!(customer);
                        contacts.push(json!({"wa_id": customer, "profile": {"name": "x"}}));
                    }
                    if !r[7].is_empty() {
                        m["referral"] = json!({"source_type": "ad", "source_id": "1"});
                    }
                    messages.push(m);
                } else {
                    let status = if r[6].is_empty() { "delivered" } else { &r[6] };
                    let mut s = json!({"id": r[5], "status": status, "timestamp": epoch(&r[0])});
                    s[if username {
                        "recipient_user_id"
                    } else {
                        "recipient_id"
                    }] = json!(customer);
                    if let Some(t) = type_of(r) {
                        s["pricing"] = json!({"billable": t == "regular", "pricing_model": "PMP", "type": t, "category": r[4]});
                        s["conversation"] = json!({"id": "c", "origin": {"type": r[4]}});
                    }
                    statuses.push(s);
                }
            }
            let mut value = json!({
                "messaging_product": "whatsapp",
                "metadata": {"display_phone_number": group[0][1].trim_start_matches('+'), "phone_number_id": group[0][1]},
            });
            for (k, v) in [
                ("contacts", contacts),
                ("messages", messages),
                ("statuses", statuses),
            ] {
                if !v.is_empty() {
                    value[k] = Value::Array(v);
                }
            }
            let n = json!({"object": "whatsapp_business_account", "entry": [{"id": "1", "changes": [{"field": "messages", "value": value}]}]});
            out.push_str(&n.to_string());
            out.push('\n');
        }
    }
    out
}

/// `price` rows without Meta's columns, the category of messages never
/// delivered blanked (Meta sends no category with a failure), and the
/// username written as the CSV has it.
fn comparable(price: &str, meta_columns: bool) -> Vec<Vec<String>> {
    let mut rows: Vec<Vec<String>> = csv::Reader::from_reader(price.as_bytes())
        .records()
        .map(|r| r.unwrap().iter().map(str::to_string).collect())
        .collect();
    for r in &mut rows {
        if meta_columns {
            r.truncate(r.len() - 3);
        }
        if r[8] == "not_delivered" {
            r[7].clear();
        }
    }
    rows
}

#[test]
fn webhooks_price_like_the_same_messages_in_csv() {
    let csv_path = temp("log.csv");
    let rows = generated_csv(&csv_path);
    let json_path = temp("log.jsonl");
    let failed = |r: &[String]| r[6] == "failed";
    std::fs::write(
        &json_path,
        webhooks(&rows, &|r| (!failed(r)).then(|| "regular".into())),
    )
    .unwrap();
    let from_csv = ok(&["price", csv_path.to_str().unwrap()]);
    let from_json = ok(&["price", json_path.to_str().unwrap()]);
    assert!(
        from_json
            .lines()
            .next()
            .unwrap()
            .ends_with(",meta_billable")
    );
    let (a, b) = (comparable(&from_csv, false), comparable(&from_json, true));
    assert_eq!(a.len(), b.len());
    for (x, y) in a.iter().zip(&b) {
        assert_eq!(x, y);
    }
    // The log has what the test claims to cover.
    let has = |col: usize, value: &str| a.iter().any(|r| r[col] == value);
    assert!(has(8, "free_entry_point") && has(8, "not_delivered") && has(8, "regular"));
    assert!(has(3, "BR.13491208655302741918"), "a username customer");
    assert!(a.iter().map(|r| &r[2]).collect::<BTreeSet<_>>().len() == 3);
    // And the reports agree.
    let estimate = |p: &Path| {
        ok(&[
            "estimate",
            "--format",
            "csv",
            "--by",
            "business,market,pricing_type",
            p.to_str().unwrap(),
        ])
    };
    assert_eq!(estimate(&csv_path), estimate(&json_path));
}

#[test]
fn per_message_reconcile_finds_exactly_the_differing_messages() {
    let csv_path = temp("reconcile.csv");
    let rows = generated_csv(&csv_path);
    // wabill's own decision for each message, by id.
    let priced = ok(&["price", csv_path.to_str().unwrap()]);
    let decided: std::collections::HashMap<String, String> = comparable(&priced, false)
        .into_iter()
        .map(|r| (r[0].clone(), r[8].clone()))
        .collect();
    // Meta disagrees on every 7th delivered outbound message.
    let mut flipped = BTreeSet::new();
    let mut n = 0;
    let type_of = |r: &[String]| -> Option<String> {
        let t = decided[&r[5]].clone();
        (t != "not_delivered").then_some(t)
    };
    let mut types = std::collections::HashMap::new();
    for r in &rows[1..] {
        if r[3] == "out"
            && !types.contains_key(&r[5])
            && let Some(t) = type_of(r)
        {
            n += 1;
            let t = if n % 7 == 0 {
                flipped.insert(r[5].clone());
                if t == "regular" {
                    "free_customer_service".to_string()
                } else {
                    "regular".to_string()
                }
            } else {
                t
            };
            types.insert(r[5].clone(), t);
        }
    }
    let json_path = temp("reconcile.jsonl");
    std::fs::write(&json_path, webhooks(&rows, &|r| types.get(&r[5]).cloned())).unwrap();
    let out = run(&["reconcile", json_path.to_str().unwrap(), "--format", "csv"]);
    assert_eq!(out.status.code(), Some(4), "{out:?}");
    let found: BTreeSet<String> = csv::Reader::from_reader(&out.stdout[..])
        .records()
        .map(|r| r.unwrap()[0].to_string())
        .collect();
    assert!(flipped.len() > 20);
    assert_eq!(found, flipped);
    // With Meta's types as wabill decided, everything agrees: exit 0.
    let agreeing = temp("agree.jsonl");
    std::fs::write(&agreeing, webhooks(&rows, &type_of)).unwrap();
    let out = run(&["reconcile", agreeing.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert!(String::from_utf8_lossy(&out.stdout).contains(" 0 differ"));
}

/// `price` names each business's number beside its key, as estimate's
/// `--by business` labels do: a column of every row of a log that shows
/// one, empty for a business keyed by its number, absent otherwise.
#[test]
fn price_rows_name_the_business_number() {
    let path = temp("numbers.csv");
    std::fs::write(
        &path,
        "timestamp,customer,direction,category,business,business_number\n\
         2026-02-02T10:00:00Z,+5511987650001,out,utility,106540352242922,5511400000001\n\
         2026-02-02T10:01:00Z,+5511987650002,out,utility,+5511400000002,+5511400000002\n",
    )
    .unwrap();
    let csv = ok(&["price", path.to_str().unwrap()]);
    let rows: Vec<Vec<&str>> = csv.lines().map(|l| l.split(',').collect()).collect();
    assert_eq!(&rows[0][2..4], ["business", "business_number"]);
    assert_eq!(&rows[1][2..4], ["106540352242922", "+5511400000001"]);
    assert_eq!(&rows[2][2..4], ["5511400000002", ""]);
    let json = ok(&["price", path.to_str().unwrap(), "--format", "json"]);
    let first: Value = serde_json::from_str(json.lines().next().unwrap()).unwrap();
    assert_eq!(first["business_number"], "+5511400000001");
    // A log without numbers keeps the columns it always had.
    std::fs::write(
        &path,
        "timestamp,customer,direction,category,business\n\
         2026-02-02T10:00:00Z,+5511987650001,out,utility,106540352242922\n",
    )
    .unwrap();
    let csv = ok(&["price", path.to_str().unwrap()]);
    assert!(!csv.contains("business_number"), "{csv}");
}
