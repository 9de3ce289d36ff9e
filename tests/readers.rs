//! What every reader owes the accounting and `--rejects`, whatever the
//! source: each record is counted once (a message, a merged status event or
//! a rejection), a rejected record is written back as its source wrote it,
//! and a business is named by the phone number its rows show, the same in
//! every report format and engine.

use std::path::PathBuf;

use crate::util::{ok, run};

fn temp(name: &str, text: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("wabill-readers-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

/// The `--rejects` file of a run, as records.
fn rejects(log: &str, name: &str, extra: &[&str]) -> Vec<csv::StringRecord> {
    let log = temp(name, log);
    let path = log.with_extension("rejects.csv");
    let mut args = vec![
        "estimate",
        log.to_str().unwrap(),
        "--rejects",
        path.to_str().unwrap(),
        "--allow-empty",
    ];
    args.extend_from_slice(extra);
    run(&args);
    let mut reader = csv::Reader::from_path(&path).unwrap();
    assert_eq!(
        reader.headers().unwrap(),
        vec![
            "file",
            "line",
            "column_number",
            "column",
            "value",
            "reason",
            "row"
        ]
    );
    reader.records().map(Result::unwrap).collect()
}

/// The accounting of a run (`--format json`).
fn accounting(log: &std::path::Path, extra: &[&str]) -> serde_json::Value {
    let mut args = vec!["estimate", log.to_str().unwrap(), "--format", "json"];
    args.extend_from_slice(extra);
    let out = run(&args);
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    report["accounting"].clone()
}

fn count(a: &serde_json::Value, key: &str) -> u64 {
    a[key].as_u64().unwrap_or(0)
}

/// rows read = inbound + outbound + merged + rejected.
fn balances(a: &serde_json::Value) -> bool {
    count(a, "rows_read")
        == count(a, "inbound")
            + count(a, "outbound")
            + count(a, "calls")
            + count(a, "merged")
            + count(a, "rejected")
}

const TWILIO_HEADER: &str = "Sid,From,To,Body,Status,SentDate,Direction,Price,PriceUnit\n";

/// A provider's CSV row rejected by its reader keeps its own fields; a
/// JSON event or webhook notification keeps its text.
#[test]
fn rejected_records_are_written_back_as_their_source_wrote_them() {
    let short = "SM2,whatsapp:+1415,whatsapp:+4915,hi,sent,2026-02-10 10:00:00 UTC";
    let odd = "SM3,whatsapp:+14155550100,whatsapp:+4915112345678,hi,lost,2026-02-10 10:00:00 UTC,inbound,-0.0050,USD";
    let log = format!("{TWILIO_HEADER}{short}\n{odd}\n");
    let got = rejects(&log, "tw.csv", &[]);
    assert_eq!(got.len(), 2, "{got:?}");
    assert_eq!((&got[0][1], &got[0][6]), ("2", short));
    assert_eq!((&got[1][1], &got[1][6]), ("3", odd));
    assert!(got.iter().all(|r| !r[5].is_empty()), "{got:?}");

    let event = r#"{"app":"shop","timestamp":1770728400000,"version":2,"type":"message-event","payload":{"id":"gs-1","type":"mismatch","destination":"919810000010"}}"#;
    let billing = r#"{"app":"shop","timestamp":1770728400000,"version":2,"type":"billing-event","payload":{"deductions":{"type":"regular","billable":true,"category":"marketing"},"references":{"gsId":"gs-1","destination":"919810000010"}}}"#;
    let got = rejects(&format!("{billing}\n{event}\n"), "g.json", &[]);
    assert_eq!(got.len(), 1, "{got:?}");
    assert_eq!((&got[0][1], &got[0][6]), ("2", event));
    assert!(got[0][5].contains("\"mismatch\""), "{:?}", got[0]);

    let promo = r#"{"metadata":{"phone_number_id":"B1"},"statuses":[{"id":"w1","status":"delivered","timestamp":"1770710400","recipient_id":"4915112345678","pricing":{"type":"regular","category":"promo"}}]}"#;
    let broken = r#"{"metadata": nope}"#;
    let got = rejects(&format!("{promo}\n{broken}\n"), "w.jsonl", &[]);
    assert_eq!(got.len(), 2, "{got:?}");
    assert_eq!(
        (&got[0][3], &got[0][4], &got[0][6]),
        ("category", "promo", promo)
    );
    assert_eq!((&got[1][1], &got[1][6]), ("2", broken));
    // The JSON text reads back as the event it was.
    let back: serde_json::Value = serde_json::from_str(&got[0][6]).unwrap();
    assert_eq!(back["statuses"][0]["id"], "w1");

    // A record that is no report, or a message event without its message,
    // is counted as rejected, never skipped.
    let inbound = r#"{"results":[{"from":"491511000004","to":"14155238886","integrationType":"WHATSAPP","receivedAt":"2026-02-10T12:30:00.000+0000","messageId":"ib-1","message":{"type":"TEXT","text":"Hello"}}]}"#;
    let got = rejects(&format!("{inbound}\n{{\"foo\":1}}\n"), "i.jsonl", &[]);
    assert_eq!(got.len(), 1, "{got:?}");
    assert_eq!((&got[0][1], &got[0][6]), ("2", "{\"foo\":1}"));
    let empty = r#"{"id":"e2","type":"whatsapp.message.updated"}"#;
    let first = r#"{"id":"e1","type":"whatsapp.inbound_message.received","whatsappInboundMessage":{"wamid":"w1","from":"+4915112345678","to":"+14155238886","sendTime":"2026-02-10T12:30:00.000Z"}}"#;
    let got = rejects(&format!("{first}\n{empty}\n"), "y.jsonl", &[]);
    assert_eq!(got.len(), 1, "{got:?}");
    assert_eq!((&got[0][1], &got[0][6]), ("2", empty));

    // wabill's CSV keeps its row as one CSV line, as before.
    let log =
        "timestamp,customer,direction,category\n2026-02-02T10:00:00Z,+4915112345678,out,promo\n";
    let got = rejects(log, "own.csv", &[]);
    assert_eq!(&got[0][6], "2026-02-02T10:00:00Z,+4915112345678,out,promo");
}

/// Every Gupshup message-event (and Infobip seen report) is a row: merged
/// into its message, or rejected; none is skipped uncounted.
#[test]
fn every_status_event_is_counted_once() {
    let sample = |name: &str| {
        PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("data/examples/inputs")
            .join(name)
    };
    let events = std::fs::read_to_string(sample("gupshup.json")).unwrap();
    let objects = events.matches("\"app\"").count() as u64;
    let a = accounting(&sample("gupshup.json"), &[]);
    assert_eq!(count(&a, "rows_read"), objects, "{a}");
    assert!(count(&a, "merged") > 0, "{a}");
    assert!(balances(&a), "{a}");
    // The sample is not in time order: `auto` tries to stream, then sorts.
    for engine in ["memory", "auto"] {
        assert_eq!(
            accounting(&sample("gupshup.json"), &["--engine", engine]),
            a
        );
    }

    let templates = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("data/examples/templates.csv");
    let seen = r#"{"results":[{"messageId":"out-1","to":"491511000004","sentAt":"2026-02-02T10:05:00.000+0000","seenAt":"2026-02-02T10:09:00.000+0000"}]}"#;
    let report = r#"{"results":[{"messageId":"out-1","to":"491511000004","sentAt":"2026-02-02T10:05:00.000+0000","status":{"groupName":"DELIVERED"}}]}"#;
    let log = temp("i.jsonl", &format!("{report}\n{seen}\n"));
    let a = accounting(&log, &["--templates", templates.to_str().unwrap()]);
    assert_eq!(
        [
            count(&a, "rows_read"),
            count(&a, "outbound"),
            count(&a, "merged")
        ],
        [2, 1, 1],
        "{a}"
    );
    assert!(balances(&a), "{a}");
}

/// A status event whose message no row gives (no billing-event) is an
/// unpriced message named by its line — never a free one.
#[test]
fn a_status_event_without_its_message_is_unpriced_not_free() {
    let billing = r#"{"app":"shop","timestamp":1770728400000,"version":2,"type":"billing-event","payload":{"deductions":{"type":"regular","billable":true,"category":"marketing"},"references":{"gsId":"gs-1","destination":"919810000010"}}}"#;
    let orphan = r#"{"app":"shop","timestamp":1770728500000,"version":2,"type":"message-event","payload":{"id":"gs-2","type":"delivered","destination":"919810000010"}}"#;
    let log = temp("orphan.json", &format!("{billing}\n{orphan}\n"));
    let out = run(&["estimate", log.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("orphan.json:2: outbound message known only by status events"),
        "{stderr}"
    );
    let a = accounting(&log, &[]);
    assert_eq!(count(&a, "unpriced"), 1, "{a}");
    assert!(balances(&a), "{a}");
    // `validate` names it as a problem of the log.
    let out = run(&["validate", log.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("orphan.json:2: message_id \"gs-2\": only status events"),
        "{stdout}"
    );
}

fn status(phone_number_id: &str, display: &str, id: &str, at: u64) -> String {
    format!(
        r#"{{"metadata":{{"display_phone_number":"{display}","phone_number_id":"{phone_number_id}"}},"statuses":[{{"id":"{id}","status":"delivered","timestamp":"{at}","recipient_id":"4915112345678","pricing":{{"type":"regular","category":"utility"}}}}]}}"#
    )
}

/// `--by business` names a webhook business by its display number, then
/// its phone_number_id, in every format and both engines; one id showing
/// two numbers is named by the first in order, with a note, whatever the
/// order of the rows.
#[test]
fn businesses_are_named_by_their_display_number() {
    let lines = [
        status("1065", "15550001111", "w1", 1770710400),
        status("1076", "+44 20 7946 0000", "w2", 1770710500),
        status("1065", "15550009999", "w3", 1770710600),
    ];
    let log = temp("numbers.jsonl", &lines.join("\n"));
    let reversed: Vec<String> = lines.iter().rev().cloned().collect();
    let log_reversed = temp("numbers-reversed.jsonl", &reversed.join("\n"));
    let args = |log: &PathBuf, format: &str, engine: &str| {
        ok(&[
            "estimate",
            log.to_str().unwrap(),
            "--by",
            "business",
            "--format",
            format,
            "--engine",
            engine,
        ])
    };
    for format in ["table", "csv", "json", "markdown", "html"] {
        let memory = args(&log, format, "memory");
        assert_eq!(memory, args(&log, format, "stream"), "{format}");
        let reversed = args(&log_reversed, format, "memory").replace("numbers-reversed", "numbers");
        assert_eq!(memory, reversed, "{format}");
        assert!(memory.contains("+15550001111 (1065)"), "{format}: {memory}");
        assert!(
            memory.contains("+44 20 7946 0000 (1076)"),
            "{format}: {memory}"
        );
        assert!(
            !memory.contains("+15550009999 (1065)"),
            "{format}: {memory}"
        );
        // CSV carries no notes.
        assert_eq!(
            memory.contains(
                "business 1065 shows 2 phone numbers (+15550001111, +15550009999): named by +15550001111"
            ),
            format != "csv",
            "{format}: {memory}"
        );
    }
    // The key stays the id: other groupings and --businesses are unchanged.
    let by_market = ok(&["estimate", log.to_str().unwrap(), "--format", "csv"]);
    assert!(!by_market.contains("1065"), "{by_market}");
}

/// Parts split by business carry the display number (`business_number`),
/// so merged partial reports name businesses like the whole log's report.
#[test]
fn merged_parts_name_businesses_like_the_whole_log() {
    let lines = [
        status("1065", "15550001111", "w1", 1770710400),
        status("1076", "15550002222", "w2", 1770710500),
        status("1065", "15550001111", "w3", 1770710600),
    ];
    let log = temp("parts.jsonl", &lines.join("\n"));
    let dir = log.with_extension("d");
    let log = log.to_str().unwrap();
    ok(&[
        "partition",
        log,
        "--parts",
        "2",
        "--by",
        "business",
        "--out",
        dir.to_str().unwrap(),
    ]);
    let mut partials = Vec::new();
    for part in ["part-00000.csv", "part-00001.csv"] {
        let part = dir.join(part);
        let json = part.with_extension("json");
        ok(&[
            "estimate",
            part.to_str().unwrap(),
            "--by",
            "business",
            "--format",
            "json",
            "-o",
            json.to_str().unwrap(),
            // Both businesses may fall in one part.
            "--allow-empty",
        ]);
        partials.push(json.to_str().unwrap().to_string());
    }
    let mut args = vec!["merge", "--format", "csv"];
    args.extend(partials.iter().map(String::as_str));
    let merged = ok(&args);
    let whole = ok(&["estimate", log, "--by", "business", "--format", "csv"]);
    assert_eq!(merged, whole);
    assert!(whole.contains("+15550002222 (1076)"), "{whole}");
}
