//! YCloud's webhook events, as stored: `whatsapp.message.updated`
//! (`whatsappMessage`: an outbound message's status, with Meta's decision
//! `pricingType`/`pricingCategory` and YCloud's `totalPrice`/`currency`)
//! and `whatsapp.inbound_message.received` (`whatsappInboundMessage`; a
//! `referral` = an entry point). Other events (templates, contacts) are
//! not about a message and give no rows; a message event without its
//! message is rejected.
//!
//! The business is the number the message went from (outbound) or to
//! (inbound). The category is `pricingCategory`; a template without one
//! (a failed message) is looked up by name in `--templates FILE`; a
//! non-template message is free-form (`service`).

use std::io::BufRead;
use std::sync::Arc;

use serde_json::Value;

use super::provider::{
    Lacking, MapError, MappedJson, Out, Row, charge, contains, first_object_head, number, text,
};
use super::templates::{Templates, category_of};
use super::{Format, ReadOptions, open_json};

pub static FORMAT: Format = Format {
    name: "ycloud",
    description: "YCloud's webhook events (whatsapp.message.updated, whatsapp.inbound_message.received)",
    extensions: &[],
    detect,
    open: |name, content, options| open_json(open, name, content, options),
};

/// Whether the first JSON object is a YCloud event.
pub fn detect(head: &[u8]) -> bool {
    first_object_head(head).is_some_and(|o| {
        contains(o, b"\"whatsappMessage\"")
            || contains(o, b"\"whatsappInboundMessage\"")
            || contains(o, b"\"type\":\"whatsapp.")
            || contains(o, b"\"type\": \"whatsapp.")
    })
}

/// YCloud's message statuses as wabill's.
pub fn status(raw: &str) -> Option<&'static str> {
    Some(match raw.trim().to_ascii_lowercase().as_str() {
        "accepted" | "sent" => "sent",
        "delivered" | "read" => "delivered",
        "failed" | "expired" => "failed",
        _ => return None,
    })
}

/// Meta's pricing categories that are not a message's own category.
fn message_category(pricing_category: &str) -> Option<&str> {
    match pricing_category.to_ascii_lowercase().as_str() {
        "" | "referral_conversion" | "free_entry_point" => None,
        _ => Some(pricing_category),
    }
}

pub fn open(name: &str, input: Box<dyn BufRead>, options: &ReadOptions) -> MappedJson {
    let templates = options.templates.clone();
    let joins = Arc::clone(&options.joins);
    MappedJson::new(
        name,
        input,
        Box::new(move |event: &Value, rows: &mut Vec<Row>| {
            if let Some(m) = event.get("whatsappMessage") {
                let mut known = joins.lock_ycloud();
                let id = id(m);
                let last = matches!(
                    text(m.get("status")).to_ascii_lowercase().as_str(),
                    "read" | "failed" | "expired"
                );
                // An update that names only the message is a status event
                // of it, joined to the message an earlier event names.
                if text(m.get("to")).is_empty() && text(m.get("from")).is_empty() {
                    rows.push(status_only(m, event, known.get(&id)));
                    if last {
                        known.remove(&id);
                    }
                    return Ok(());
                }
                let row = outbound(m, templates.as_deref())?;
                if !last && !id.is_empty() {
                    known.insert(
                        id,
                        (
                            row.get(Out::Customer).to_string(),
                            row.get(Out::Business).to_string(),
                        ),
                    );
                } else {
                    known.remove(&id);
                }
                rows.push(row);
            } else if let Some(m) = event.get("whatsappInboundMessage") {
                rows.push(inbound(m));
            } else if let kind
            @ ("whatsapp.message.updated" | "whatsapp.inbound_message.received") =
                text(event.get("type")).as_str()
            {
                // A message event without its message: counted, not skipped.
                let mut row = Row::default();
                row.reject(format!("a {kind} event without its message"));
                rows.push(row);
            }
            Ok(())
        }),
    )
    .with_events("YCloud", is_event)
}

/// A YCloud event: its message, or a `whatsapp.*` type.
fn is_event(v: &Value) -> bool {
    v.get("whatsappMessage").is_some()
        || v.get("whatsappInboundMessage").is_some()
        || v.get("type")
            .and_then(Value::as_str)
            .is_some_and(|t| t.starts_with("whatsapp."))
}

fn id(m: &Value) -> String {
    match text(m.get("wamid")) {
        w if w.is_empty() => text(m.get("id")),
        w => w,
    }
}

fn outbound(m: &Value, templates: Option<&Templates>) -> Result<Row, MapError> {
    let mut row = Row::default();
    let time = ["sendTime", "createTime", "deliverTime"]
        .iter()
        .map(|k| text(m.get(*k)))
        .find(|t| !t.is_empty())
        .unwrap_or_default();
    let raw_status = text(m.get("status"));
    let pricing_category = text(m.get("pricingCategory"));
    let is_template = text(m.get("type")).eq_ignore_ascii_case("template");
    let category = match message_category(&pricing_category) {
        Some(c) => c.to_string(),
        None if !is_template => "service".into(),
        None => {
            let name = text(m.get("template").and_then(|t| t.get("name")));
            let known = templates.and_then(|t| t.by_key(&name));
            if known.is_none() && status(&raw_status) == Some("failed") {
                // Failed before Meta priced it: not charged either way.
                String::new()
            } else {
                category_of(templates, &name, &mut row, &LACKING, || id(m))?
            }
        }
    };
    row.set(Out::Timestamp, time)
        .set(Out::Direction, "out")
        .set(Out::Customer, number(&text(m.get("to"))))
        .set(Out::Business, number(&text(m.get("from"))))
        .set(Out::MessageId, id(m))
        .set(Out::Status, status(&raw_status).unwrap_or(&raw_status))
        .set(Out::Category, category)
        .set(Out::PricingType, text(m.get("pricingType")))
        .set(Out::PricingCategory, pricing_category)
        .set(Out::ProviderPrice, charge(&text(m.get("totalPrice"))))
        .set(Out::ProviderCurrency, text(m.get("currency")));
    Ok(row)
}

/// An update naming only the message (`id`/`wamid`, `status`, a time): a
/// status row of the message an earlier event named (`known`: its customer
/// and business), merged with it by id; rejected when none did.
fn status_only(m: &Value, event: &Value, known: Option<&(String, String)>) -> Row {
    let mut row = Row::default();
    let raw_status = text(m.get("status"));
    let time = ["deliverTime", "readTime", "sendTime", "createTime"]
        .iter()
        .map(|k| text(m.get(*k)))
        .find(|t| !t.is_empty())
        .unwrap_or_else(|| text(event.get("createTime")));
    let Some((customer, business)) = known else {
        row.reject(format!(
            "a {raw_status:?} update of message {:?} that names neither customer nor \
             business, and no earlier event of the files read names the message",
            id(m)
        ));
        return row;
    };
    row.set(Out::Timestamp, time)
        .set(Out::Direction, "out")
        .set(Out::Customer, customer)
        .set(Out::Business, business)
        .set(Out::MessageId, id(m))
        .set(Out::Status, status(&raw_status).unwrap_or(&raw_status))
        .set(Out::Kind, "status")
        .set(Out::PricingType, text(m.get("pricingType")))
        .set(Out::PricingCategory, text(m.get("pricingCategory")));
    row
}

fn inbound(m: &Value) -> Row {
    let mut row = Row::default();
    let time = match text(m.get("sendTime")) {
        t if t.is_empty() => text(m.get("createTime")),
        t => t,
    };
    let referral = m.get("referral").is_some_and(|r| !r.is_null());
    row.set(Out::Timestamp, time)
        .set(Out::Direction, "in")
        .set(Out::Customer, number(&text(m.get("from"))))
        .set(Out::Business, number(&text(m.get("to"))))
        .set(Out::MessageId, id(m))
        .set(Out::EntryPoint, if referral { "1" } else { "" });
    row
}

/// What a YCloud event does not say (see `MapError::NeedsTemplates`).
static LACKING: Lacking = Lacking {
    message: "template message",
    lacks: " has no pricingCategory",
    keys: "template name → category",
    then: "",
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_documented_status_is_mapped() {
        let cases = [
            ("accepted", Some("sent")),
            ("sent", Some("sent")),
            ("delivered", Some("delivered")),
            ("read", Some("delivered")),
            ("failed", Some("failed")),
            ("expired", Some("failed")),
            ("DELIVERED", Some("delivered")),
            ("deleted", None),
        ];
        for (raw, want) in cases {
            assert_eq!(status(raw), want, "{raw}");
        }
    }

    fn read(
        text: &str,
        templates: Option<&str>,
    ) -> Result<Vec<Vec<String>>, super::super::InputError> {
        let options = ReadOptions::with_templates_text(templates);
        let mut reader = open(
            "y.json",
            Box::new(std::io::Cursor::new(text.to_string())),
            &options,
        );
        super::super::provider::read_all(&mut reader)
    }

    const EVENTS: &str = r#"{"id":"ev1","type":"whatsapp.inbound_message.received","apiVersion":"v2","createTime":"2026-02-10T08:00:01.000Z","whatsappInboundMessage":{"id":"im1","wamid":"wamid.in1","wabaId":"W1","from":"+919810000010","to":"+551140000001","sendTime":"2026-02-10T08:00:00.000Z","type":"text","referral":{"source_type":"ad"}}}
{"id":"ev2","type":"whatsapp.message.updated","apiVersion":"v2","createTime":"2026-02-10T11:00:02.000Z","whatsappMessage":{"id":"m1","wamid":"wamid.out1","wabaId":"W1","from":"+551140000001","to":"+919810000010","type":"text","status":"delivered","sendTime":"2026-02-10T11:00:00.000Z","pricingModel":"PMP","pricingType":"free_entry_point","pricingCategory":"service","totalPrice":0,"currency":"USD"}}
{"id":"ev3","type":"whatsapp.template.reviewed","apiVersion":"v2","createTime":"2026-02-10T11:00:02.000Z","whatsappTemplate":{"name":"x"}}
{"id":"ev4","type":"whatsapp.message.updated","apiVersion":"v2","createTime":"2026-02-11T09:00:02.000Z","whatsappMessage":{"id":"m2","wamid":"wamid.out2","wabaId":"W1","from":"+551140000001","to":"+919810000010","type":"template","template":{"name":"spring_sale"},"status":"failed","sendTime":"2026-02-11T09:00:00.000Z"}}
"#;

    #[test]
    fn events_become_wabills_columns() {
        let rows = read(EVENTS, None).unwrap();
        let got: Vec<String> = rows
            .iter()
            .map(|r| {
                [0, 1, 2, 3, 4, 5, 6, 7, 15, 16, Out::ProviderPrice as usize]
                    .map(|i| r[i].clone())
                    .join(",")
            })
            .collect();
        assert_eq!(
            got,
            [
                "2026-02-10T08:00:00.000Z,+919810000010,in,,+551140000001,wamid.in1,,1,,,",
                "2026-02-10T11:00:00.000Z,+919810000010,out,service,+551140000001,wamid.out1,delivered,,free_entry_point,service,0",
                "2026-02-11T09:00:00.000Z,+919810000010,out,,+551140000001,wamid.out2,failed,,,,",
            ]
        );
        let delivered = EVENTS.replace("\"failed\"", "\"delivered\"");
        let e = read(&delivered, None).unwrap_err().to_string();
        assert!(
            e.starts_with(
                "y.json:4: template message \"wamid.out2\" (spring_sale) has no pricingCategory"
            ),
            "{e}"
        );
        let rows = read(&delivered, Some("name,category\nspring_sale,MARKETING\n")).unwrap();
        assert_eq!(rows[2][3], "marketing");
    }
}
