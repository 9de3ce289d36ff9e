//! Gupshup's v2 callback events, as stored: `{"app","timestamp","version":2,
//! "type","payload"}` with type `message` (inbound: `payload.source` is the
//! customer; a `referral` = an entry point), `billing-event` (Meta's
//! decision per message: `deductions.type`/`category`/`billable`, the
//! customer in `references.destination`) and `message-event` (status).
//! Gupshup's v3 events are Meta's own webhook shape: read them as
//! `webhooks`.
//!
//! An outbound message is its `billing-event`, the only event that carries
//! its category. Every message-event (`enqueued`, `sent`, `delivered`,
//! `read`, `deleted`, `failed`) is a status row of its message (`kind` =
//! `status`, no category), merged with it by Gupshup's id like a webhook's
//! statuses, so each is counted; one of a type Gupshup does not document
//! is rejected. A file of message-events with no billing-event at all is
//! an error, not a log of unpriced messages. Other event types (`user-event`,
//! `system-event`) are not about a message and give no rows. The business
//! is the Gupshup app, the only sender v2 events name.

use std::io::BufRead;
use std::sync::Arc;
use std::sync::atomic::Ordering;

use serde_json::Value;

use super::provider::{MappedJson, Out, Row, contains, first_object_head, number, text};
use super::{Format, ReadOptions, open_json};

pub static FORMAT: Format = Format {
    name: "gupshup",
    description: "Gupshup's v2 callbacks (message, message-event, billing-event)",
    extensions: &[],
    detect,
    open: |name, content, options| open_json(open, name, content, options),
};

/// Whether the first JSON object is a Gupshup v2 event.
pub fn detect(head: &[u8]) -> bool {
    first_object_head(head).is_some_and(|o| {
        let has = |n: &[u8]| contains(o, n);
        has(b"\"app\"")
            && has(b"\"payload\"")
            && (has(b"message-event") || has(b"billing-event") || has(b"\"message\""))
    })
}

/// Gupshup's message-event types as wabill's statuses.
pub fn status(raw: &str) -> Option<&'static str> {
    Some(match raw.trim().to_ascii_lowercase().as_str() {
        "enqueued" | "sent" => "sent",
        // `deleted`: the customer deleted a message they had received.
        "delivered" | "read" | "deleted" => "delivered",
        "failed" => "failed",
        _ => return None,
    })
}

/// Reads one file of the run; `joins` counts its events for the run's
/// end check (`Joins::finish`: billing events may come in a later file).
pub fn open(name: &str, input: Box<dyn BufRead>, options: &ReadOptions) -> MappedJson {
    let joins = Arc::clone(&options.joins);
    *joins.gupshup_file.lock().unwrap_or_else(|e| e.into_inner()) = Some(name.to_string());
    let seen = joins;
    MappedJson::new(
        name,
        input,
        Box::new(move |event: &Value, rows: &mut Vec<Row>| {
            let app = text(event.get("app"));
            let time = text(event.get("timestamp"));
            let p = event.get("payload").unwrap_or(&Value::Null);
            match text(event.get("type")).as_str() {
                "message" => rows.push(inbound(&app, &time, p)),
                "billing-event" => {
                    seen.gupshup_billing_events.fetch_add(1, Ordering::Relaxed);
                    rows.push(billing(&app, &time, p));
                }
                "message-event" => {
                    let row = status_event(&app, &time, p);
                    // A PMP message-event that carries the category counts
                    // as an event that names it, like a billing-event.
                    let counter = if row.get(Out::Category).is_empty() {
                        &seen.gupshup_status_events
                    } else {
                        &seen.gupshup_billing_events
                    };
                    counter.fetch_add(1, Ordering::Relaxed);
                    rows.push(row);
                }
                _ => {}
            }
            Ok(())
        }),
    )
    .with_events("Gupshup", |v| {
        v.get("type").is_some_and(Value::is_string)
            && v.get("payload").is_some()
            && (v.get("app").is_some() || v.get("version").is_some())
    })
}

/// Gupshup's id of a message: `gsId` on delivery events and billing
/// events, `id` on `enqueued` and `failed` ones.
fn gupshup_id(v: &Value) -> String {
    match text(v.get("gsId")) {
        g if g.is_empty() => text(v.get("id")),
        g => g,
    }
}

fn inbound(app: &str, time: &str, p: &Value) -> Row {
    let inner = p.get("payload");
    let referral = [p.get("referral"), inner.and_then(|i| i.get("referral"))]
        .into_iter()
        .flatten()
        .any(|r| !r.is_null());
    let mut row = Row::default();
    row.set(Out::Timestamp, time)
        .set(Out::Direction, "in")
        .set(Out::Customer, number(&text(p.get("source"))))
        .set(Out::Business, app)
        .set(Out::MessageId, text(p.get("id")))
        .set(Out::EntryPoint, if referral { "1" } else { "" });
    row
}

fn billing(app: &str, time: &str, p: &Value) -> Row {
    let d = p.get("deductions").unwrap_or(&Value::Null);
    let r = p.get("references").unwrap_or(&Value::Null);
    let category = text(d.get("category"));
    let mut row = Row::default();
    row.set(Out::Timestamp, time)
        .set(Out::Direction, "out")
        .set(Out::Customer, number(&text(r.get("destination"))))
        .set(Out::Business, app)
        .set(Out::MessageId, gupshup_id(r))
        .set(Out::Status, "sent")
        .set(Out::Category, &category)
        .set(Out::PricingType, text(d.get("type")))
        .set(Out::PricingCategory, &category)
        .set(Out::PricingBillable, text(d.get("billable")));
    row
}

/// A message-event: a status row of the message its id names.
fn status_event(app: &str, time: &str, p: &Value) -> Row {
    let ts = text(p.get("payload").and_then(|i| i.get("ts")));
    let kind = text(p.get("type"));
    let mut row = Row::default();
    row.set(Out::Timestamp, if ts.is_empty() { time } else { &ts })
        .set(Out::Direction, "out")
        .set(Out::Customer, number(&text(p.get("destination"))))
        .set(Out::Business, app)
        .set(Out::MessageId, gupshup_id(p))
        .set(Out::Kind, "status");
    match status(&kind) {
        Some(s) => {
            row.set(Out::Status, s);
            // Since per-message pricing (2025-07-01) a `sent` event may carry
            // Meta's decision (`pricing.category`, `type`, `policy` PMP): it
            // then names the message's category, as a billing-event does.
            let pricing = p.get("pricing").unwrap_or(&Value::Null);
            let category = text(pricing.get("category"));
            let own = !matches!(
                category.to_ascii_lowercase().as_str(),
                "" | "referral_conversion" | "free_entry_point" | "fep" | "uic" | "bic"
            );
            if s != "failed" && own {
                row.set(Out::Kind, "")
                    .set(Out::Category, &category)
                    .set(Out::PricingCategory, &category)
                    .set(Out::PricingType, text(pricing.get("type")))
                    .set(Out::PricingBillable, text(pricing.get("billable")));
            }
        }
        None => row.reject(format!(
            "message-event type {kind:?}: expected enqueued, sent, delivered, read, deleted \
             or failed"
        )),
    }
    row
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_documented_event_type_is_mapped() {
        let cases = [
            ("enqueued", Some("sent")),
            ("sent", Some("sent")),
            ("delivered", Some("delivered")),
            ("read", Some("delivered")),
            ("deleted", Some("delivered")),
            ("failed", Some("failed")),
            ("mismatch", None),
        ];
        for (raw, want) in cases {
            assert_eq!(status(raw), want, "{raw}");
        }
    }

    fn read(text: &str) -> Result<Vec<Vec<String>>, super::super::InputError> {
        let options = ReadOptions::default();
        let joins = &options.joins;
        let mut reader = open(
            "g.json",
            Box::new(std::io::Cursor::new(text.to_string())),
            &options,
        );
        let mut record = csv::ByteRecord::new();
        let mut rows = Vec::new();
        while reader.next_record(&mut record)?.is_some() {
            rows.push(
                record
                    .iter()
                    .map(|f| String::from_utf8_lossy(f).into_owned())
                    .collect(),
            );
        }
        joins.finish()?;
        Ok(rows)
    }

    #[test]
    fn events_become_rows() {
        let events = r#"[
{"app":"shop","timestamp":1770717600000,"version":2,"type":"message","payload":{"id":"ABEG1","source":"919810000010","type":"text","payload":{"text":"hi"},"referral":{"source_type":"ad"},"sender":{"phone":"919810000010"}}},
{"app":"shop","timestamp":1770728400000,"version":2,"type":"message-event","payload":{"id":"gs-1","type":"enqueued","destination":"919810000010","payload":{"whatsappMessageId":"w1"}}},
{"app":"shop","timestamp":1770728401000,"version":2,"type":"billing-event","payload":{"deductions":{"type":"free_entry_point","model":"PMP","source":"whatsapp","billable":false,"category":"service"},"references":{"id":"w1","gsId":"gs-1","destination":"919810000010"}}},
{"app":"shop","timestamp":1770728402000,"version":2,"type":"message-event","payload":{"id":"w1","gsId":"gs-1","type":"delivered","destination":"919810000010","payload":{"ts":1770728402}}},
{"app":"shop","timestamp":1770800000000,"version":2,"type":"message-event","payload":{"id":"gs-2","type":"failed","destination":"919810000010","payload":{"code":1002,"reason":"Number does not exist"}}}
]"#;
        let got: Vec<String> = read(events)
            .unwrap()
            .iter()
            .map(|r| {
                [0, 1, 2, 3, 4, 5, 6, 7, 15, 17]
                    .map(|i| r[i].clone())
                    .join(",")
            })
            .collect();
        assert_eq!(
            got,
            [
                "1770717600000,919810000010,in,,shop,ABEG1,,1,,",
                "1770728400000,919810000010,out,,shop,gs-1,sent,,,",
                "1770728401000,919810000010,out,service,shop,gs-1,sent,,free_entry_point,false",
                "1770728402,919810000010,out,,shop,gs-1,delivered,,,",
                "1770800000000,919810000010,out,,shop,gs-2,failed,,,",
            ]
        );
        // Every message-event is a status row of its message.
        let kinds: Vec<&str> = read(events)
            .unwrap()
            .iter()
            .map(|r| if r[10] == "status" { "status" } else { "-" })
            .collect();
        assert_eq!(kinds, ["-", "status", "-", "status", "status"]);
        // An undocumented type is a rejected row (empty, with its reason).
        let odd = r#"[{"app":"shop","timestamp":1,"version":2,"type":"billing-event","payload":{}},
{"app":"shop","timestamp":1,"version":2,"type":"message-event","payload":{"id":"w1","type":"mismatch","destination":"91981"}}]"#;
        let rows = read(odd).unwrap();
        assert_eq!(rows.len(), 2);
        assert!(rows[1].is_empty(), "{rows:?}");
        let only_status = r#"{"app":"shop","timestamp":1,"version":2,"type":"message-event","payload":{"id":"w1","type":"sent","destination":"91981"}}"#;
        let e = read(only_status).unwrap_err().to_string();
        assert!(e.contains("1 message-events but no billing-event"), "{e}");
    }
}
