//! Infobip's WhatsApp reports, as stored from its webhooks: delivery
//! reports (`{"results":[{"messageId","to","sentAt","doneAt","status":
//! {"groupName"…},"price":{"pricePerMessage","currency"}…}]}`) and inbound
//! messages (`{"results":[{"from","to","receivedAt","messageId",
//! "integrationType":"WHATSAPP","message":{…}}]}`). Each result is a row.
//!
//! Infobip's delivery reports name neither the sender number nor the
//! template: all rows are one business (run wabill once per sender), and
//! the category comes from `--templates FILE` by the `callbackData` (or
//! `templateName`) the business set when sending; an outbound message with
//! neither is free-form. A seen report is a status row of its message
//! (`kind` = `status`, no category), merged with it by `messageId`, so it
//! is counted like a webhook's `read` status; a result that is none of
//! these is rejected, never skipped unseen.

use std::io::BufRead;

use serde_json::Value;

use super::provider::{
    Lacking, MapError, MappedJson, Out, Row, charge, contains, first_object_head, number, text,
};
use super::templates::Templates;
use super::{Format, ReadOptions, open_json};

pub static FORMAT: Format = Format {
    name: "infobip",
    description: "Infobip's WhatsApp delivery reports and inbound messages (JSON)",
    extensions: &[],
    detect,
    open: |name, content, options| open_json(open, name, content, options),
};

/// Whether the first JSON object is an Infobip report.
pub fn detect(head: &[u8]) -> bool {
    first_object_head(head).is_some_and(|o| {
        let has = |n: &[u8]| contains(o, n);
        has(b"\"results\"")
            && (has(b"\"messageId\"") && (has(b"\"sentAt\"") || has(b"\"receivedAt\"")))
    })
}

/// Infobip's status groups (and the common status names) as wabill's.
pub fn status(raw: &str) -> Option<&'static str> {
    let raw = raw.trim().to_ascii_uppercase();
    Some(match raw.as_str() {
        "DELIVERED" | "DELIVERED_TO_HANDSET" | "SEEN" | "READ" => "delivered",
        "PENDING" | "PENDING_ENROUTE" | "PENDING_ACCEPTED" | "PENDING_WAITING_DELIVERY" => "sent",
        "UNDELIVERABLE"
        | "EXPIRED"
        | "REJECTED"
        | "UNDELIVERABLE_NOT_DELIVERED"
        | "UNDELIVERABLE_REJECTED_OPERATOR"
        | "EXPIRED_EXPIRED"
        | "REJECTED_NETWORK"
        | "REJECTED_NOT_ENOUGH_CREDITS"
        | "REJECTED_DESTINATION" => "failed",
        _ => return None,
    })
}

/// Infobip writes offsets without a colon (`2026-02-02T10:02:00.000+0000`).
pub fn timestamp(raw: &str) -> String {
    let t = raw.trim();
    let b = t.as_bytes();
    let n = b.len();
    if n > 5
        && matches!(b[n - 5], b'+' | b'-')
        && b[n - 4..].iter().all(u8::is_ascii_digit)
        && t.contains('T')
    {
        return format!("{}:{}", &t[..n - 2], &t[n - 2..]);
    }
    t.to_string()
}

pub fn open(name: &str, input: Box<dyn BufRead>, options: &ReadOptions) -> MappedJson {
    let templates = options.templates.clone();
    MappedJson::new(
        name,
        input,
        Box::new(move |event: &Value, rows: &mut Vec<Row>| {
            let Some(results) = event.get("results").and_then(Value::as_array) else {
                let mut row = Row::default();
                row.reject("not an Infobip report: no results array".into());
                rows.push(row);
                return Ok(());
            };
            for r in results {
                if r.get("receivedAt").is_some() {
                    rows.push(inbound(r));
                } else if r.get("status").is_some() {
                    rows.push(outbound(r, templates.as_deref())?);
                } else if r.get("seenAt").is_some() {
                    rows.push(seen(r));
                } else {
                    let mut row = Row::default();
                    row.reject(
                        "a result with no receivedAt (a received message), status (a \
                         delivery report) or seenAt (a seen report)"
                            .into(),
                    );
                    rows.push(row);
                }
            }
            Ok(())
        }),
    )
    .with_events("Infobip", |v| v.get("results").is_some_and(Value::is_array))
}

fn price(r: &Value, row: &mut Row) {
    let p = r.get("price");
    row.set(
        Out::ProviderPrice,
        charge(&text(p.and_then(|p| p.get("pricePerMessage")))),
    )
    .set(
        Out::ProviderCurrency,
        text(p.and_then(|p| p.get("currency"))),
    );
}

fn outbound(r: &Value, templates: Option<&Templates>) -> Result<Row, MapError> {
    let mut row = Row::default();
    let s = r.get("status");
    let group = text(s.and_then(|s| s.get("groupName")));
    let raw_status = if group.is_empty() {
        text(s.and_then(|s| s.get("name")))
    } else {
        group
    };
    let id = text(r.get("messageId"));
    let key = ["templateName", "callbackData"]
        .iter()
        .map(|k| text(r.get(*k)))
        .find(|k| !k.is_empty())
        .unwrap_or_default();
    // The template's name (`callbackData` names it when the business set
    // it so), for `--by template`.
    let name = match templates {
        Some(t) if t.by_key(&key).is_some() => t.name_of(&key).to_string(),
        _ => text(r.get("templateName")).to_string(),
    };
    let category = match templates {
        None => {
            return Err(MapError::NeedsTemplates {
                export: &LACKING,
                id: id.to_string(),
                about: None,
                field: None,
            });
        }
        Some(_) if key.is_empty() => "service".to_string(),
        Some(t) => match t.by_key(&key) {
            Some(c) => c.as_str().to_string(),
            None => {
                row.reject(t.missing(&key));
                String::new()
            }
        },
    };
    row.set(Out::Timestamp, timestamp(&text(r.get("sentAt"))))
        .set(Out::Direction, "out")
        .set(Out::Customer, number(&text(r.get("to"))))
        .set(Out::MessageId, id)
        .set(Out::Status, status(&raw_status).unwrap_or(&raw_status))
        .set(Out::Category, category)
        .set(Out::Template, name);
    price(r, &mut row);
    Ok(row)
}

/// A seen report: the message was read.
fn seen(r: &Value) -> Row {
    let mut row = Row::default();
    row.set(Out::Timestamp, timestamp(&text(r.get("seenAt"))))
        .set(Out::Direction, "out")
        .set(Out::Customer, number(&text(r.get("to"))))
        .set(Out::MessageId, text(r.get("messageId")))
        .set(Out::Status, "delivered")
        .set(Out::Kind, "status");
    row
}

fn inbound(r: &Value) -> Row {
    let mut row = Row::default();
    let referral = r
        .get("referral")
        .or_else(|| r.get("message").and_then(|m| m.get("referral")));
    row.set(Out::Timestamp, timestamp(&text(r.get("receivedAt"))))
        .set(Out::Direction, "in")
        .set(Out::Customer, number(&text(r.get("from"))))
        .set(Out::MessageId, text(r.get("messageId")))
        .set(
            Out::EntryPoint,
            if referral.is_some_and(|v| !v.is_null()) {
                "1"
            } else {
                ""
            },
        );
    price(r, &mut row);
    row
}

/// What an Infobip report does not say (see `MapError::NeedsTemplates`).
static LACKING: Lacking = Lacking {
    message: "outbound message",
    lacks: ": an Infobip delivery report does not say which template was sent or its category",
    keys: "template name → category",
    then: " and send templates with callbackData set to their name",
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_documented_status_group_is_mapped() {
        let cases = [
            ("PENDING", Some("sent")),
            ("UNDELIVERABLE", Some("failed")),
            ("DELIVERED", Some("delivered")),
            ("EXPIRED", Some("failed")),
            ("REJECTED", Some("failed")),
            ("DELIVERED_TO_HANDSET", Some("delivered")),
            ("PENDING_ENROUTE", Some("sent")),
            ("delivered", Some("delivered")),
            ("OK", None),
        ];
        for (raw, want) in cases {
            assert_eq!(status(raw), want, "{raw}");
        }
        assert_eq!(
            timestamp("2026-02-02T10:02:00.000+0000"),
            "2026-02-02T10:02:00.000+00:00"
        );
        assert_eq!(
            timestamp("2026-02-02T10:02:00.000-0300"),
            "2026-02-02T10:02:00.000-03:00"
        );
        assert_eq!(timestamp("2026-02-02T10:02:00Z"), "2026-02-02T10:02:00Z");
    }

    #[test]
    fn reports_become_rows() {
        let text = r#"{"results":[{"from":"491511000004","to":"447860099299","integrationType":"WHATSAPP","receivedAt":"2026-02-02T10:00:00.000+0000","messageId":"in-1","message":{"type":"TEXT","text":"hi","referral":{"sourceType":"ad"}},"price":{"pricePerMessage":0,"currency":"EUR"}}],"messageCount":1,"pendingMessageCount":0}
{"results":[{"bulkId":"b","messageId":"out-1","to":"491511000004","sentAt":"2026-02-02T10:05:00.000+0000","doneAt":"2026-02-02T10:05:03.000+0000","messageCount":1,"callbackData":"spring_sale","price":{"pricePerMessage":0.1365,"currency":"EUR"},"status":{"groupId":3,"groupName":"DELIVERED","id":5,"name":"DELIVERED_TO_HANDSET"}},{"messageId":"out-2","to":"491511000004","sentAt":"2026-02-02T10:06:00.000+0000","status":{"groupName":"UNDELIVERABLE"}}]}
{"results":[{"messageId":"out-1","to":"491511000004","sentAt":"2026-02-02T10:05:00.000+0000","seenAt":"2026-02-02T10:09:00.000+0000"},{"messageId":"odd"}]}
"#;
        let options =
            ReadOptions::with_templates_text(Some("name,category\nspring_sale,marketing\n"));
        let mut reader = open(
            "i.json",
            Box::new(std::io::Cursor::new(text.to_string())),
            &options,
        );
        let mut record = csv::ByteRecord::new();
        let mut got = Vec::new();
        while let Some(line) = reader.next_record(&mut record).unwrap() {
            let r: Vec<String> = record
                .iter()
                .map(|f| String::from_utf8_lossy(f).into_owned())
                .collect();
            if r.is_empty() {
                let why = super::super::Records::take_problem(&mut reader).unwrap();
                got.push(format!("{line}:rejected: {why}"));
                continue;
            }
            got.push(format!(
                "{line}:{}",
                [
                    0,
                    1,
                    2,
                    3,
                    5,
                    6,
                    7,
                    Out::ProviderPrice as usize,
                    Out::ProviderCurrency as usize
                ]
                .map(|i| r[i].clone())
                .join(",")
            ));
        }
        assert_eq!(
            got,
            [
                "1:2026-02-02T10:00:00.000+00:00,491511000004,in,,in-1,,1,0,EUR",
                "2:2026-02-02T10:05:00.000+00:00,491511000004,out,marketing,out-1,delivered,,0.1365,EUR",
                "2:2026-02-02T10:06:00.000+00:00,491511000004,out,service,out-2,failed,,,",
                // A seen report is a status row; a result that is nothing
                // Infobip documents is rejected, not skipped.
                "3:2026-02-02T10:09:00.000+00:00,491511000004,out,,out-1,delivered,,,",
                "3:rejected: a result with no receivedAt (a received message), status (a \
                 delivery report) or seenAt (a seen report)",
            ]
        );
        let mut reader = open(
            "i.json",
            Box::new(std::io::Cursor::new(text.to_string())),
            &ReadOptions::default(),
        );
        reader.next_record(&mut record).unwrap();
        let e = reader.next_record(&mut record).unwrap_err().to_string();
        assert!(
            e.starts_with("i.json:2: outbound message \"out-1\": an Infobip delivery report"),
            "{e}"
        );
    }
}
