//! WATI's webhook events, as stored (JSON lines or an array), in the shape
//! of docs.wati.io's "Webhooks" reference: `message` (and
//! `newContactMessageReceived`) = a customer's message (`owner: false`,
//! `waId` = the customer); `sessionMessageSent` = a free-form reply;
//! `templateMessageSent` = a template (`templateName`); and the status
//! events `sentMessageDELIVERED`, `sentMessageREAD`, `sentMessageREPLIED`,
//! `templateMessageFailed`. WATI's `_v2` and `_bsuid` variants are the same
//! events. Times are `timestamp` (Unix seconds), else `created`.
//!
//! WATI names the template, not its category: the category comes from
//! `--templates FILE`, and without it a template is an error that says so.
//! Status events name neither the customer nor the business, only the
//! message (`whatsappMessageId`, `localMessageId`): they join the message
//! whose sent event came earlier in the export, which the reader remembers
//! until its last status (read, replied, failed). The business is
//! `channelPhoneNumber` when the events carry it.

use std::io::BufRead;
use std::sync::Arc;

use serde_json::Value;

use super::joins::Sent;
use super::provider::{
    Lacking, MappedJson, Out, Row, contains, first_object_head, number, referred, text,
};
use super::templates::category_of;
use super::{Format, ReadOptions, open_json};

pub static FORMAT: Format = Format {
    name: "wati",
    description: "WATI's webhook events (message, sessionMessageSent, templateMessageSent, sentMessageDELIVERED/READ, templateMessageFailed)",
    extensions: &[],
    detect,
    open: |name, content, options| open_json(open, name, content, options),
};

/// Whether the first JSON object is a WATI event: an `eventType` and a
/// WATI id field.
pub fn detect(head: &[u8]) -> bool {
    first_object_head(head).is_some_and(|o| {
        contains(o, b"\"eventType\"")
            && (contains(o, b"\"waId\"")
                || contains(o, b"\"localMessageId\"")
                || contains(o, b"\"whatsappMessageId\""))
    })
}

/// What an event says about a message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Event {
    /// A customer's message.
    Received,
    /// A free-form (session) message sent.
    SessionSent,
    /// A template sent.
    TemplateSent,
    /// A status of a message sent earlier: wabill's status, and whether it
    /// is the message's last event.
    Status(&'static str, bool),
}

/// A WATI `eventType` (any `_v2`/`_bsuid` suffix, any case) as an event;
/// `None` for events not about a message.
pub fn event(raw: &str) -> Option<Event> {
    let mut name = raw.trim().to_ascii_lowercase();
    for suffix in ["_bsuid", "_v2"] {
        if let Some(stem) = name.strip_suffix(suffix) {
            name = stem.to_string();
        }
    }
    Some(match name.as_str() {
        "message" | "messagereceived" | "newcontactmessagereceived" => Event::Received,
        "sessionmessagesent" => Event::SessionSent,
        "templatemessagesent" => Event::TemplateSent,
        "sentmessagedelivered" => Event::Status("delivered", false),
        "sentmessageread" => Event::Status("delivered", true),
        "sentmessagereplied" => Event::Status("delivered", true),
        "templatemessagefailed" | "sessionmessagefailed" | "sentmessagefailed" => {
            Event::Status("failed", true)
        }
        _ => return None,
    })
}

/// WATI's `statusString` spellings as wabill's statuses.
pub fn status(raw: &str) -> Option<&'static str> {
    Some(match raw.trim().to_ascii_lowercase().as_str() {
        "sent" | "sending" | "pending" => "sent",
        "delivered" | "read" | "replied" => "delivered",
        "failed" | "error" => "failed",
        _ => return None,
    })
}

/// Reads one file of the run: sent messages awaiting their last status are
/// kept in `joins` (by each of their ids), so a status event in a later
/// file joins its message.
pub fn open(name: &str, input: Box<dyn BufRead>, options: &ReadOptions) -> MappedJson {
    let templates = options.templates.clone();
    let joins = Arc::clone(&options.joins);
    MappedJson::new(
        name,
        input,
        Box::new(move |e: &Value, rows: &mut Vec<Row>| {
            let kind = text(e.get("eventType"));
            let Some(ev) = event(&kind) else {
                // An event about a message that wabill does not know is a
                // rejected row; others (tickets, contacts) are not rows.
                if ["whatsappMessageId", "localMessageId", "waId"]
                    .iter()
                    .any(|k| !text(e.get(*k)).is_empty())
                {
                    let mut row = Row::default();
                    row.reject(format!(
                        "WATI event {kind:?} is not one wabill knows (message, \
                         sessionMessageSent, templateMessageSent, sentMessageDELIVERED, \
                         sentMessageREAD, sentMessageREPLIED, templateMessageFailed)"
                    ));
                    rows.push(row);
                }
                return Ok(());
            };
            let ids = ["whatsappMessageId", "localMessageId", "id"].map(|k| text(e.get(k)));
            let time = match text(e.get("timestamp")) {
                t if t.is_empty() => text(e.get("created")),
                t => t,
            };
            let business = number(&text(e.get("channelPhoneNumber"))).to_string();
            let customer = number(&text(e.get("waId"))).to_string();
            let mut row = Row::default();
            row.set(Out::Timestamp, &time)
                .set(Out::Business, &business)
                .set(Out::Customer, &customer)
                .set(Out::MessageId, message_id(&ids));
            let mut sent = joins.lock_wati();
            let outbound = match ev {
                // `owner: true` is the business's own message echoed.
                Event::Received if e.get("owner") == Some(&Value::Bool(true)) => {
                    Some("service".to_string())
                }
                Event::Received => {
                    let referral = e.get("referral").is_some_and(|r| !r.is_null())
                        || !referred(&text(e.get("sourceId"))).is_empty();
                    row.set(Out::Direction, "in")
                        .set(Out::EntryPoint, if referral { "1" } else { "" });
                    None
                }
                Event::SessionSent => Some("service".to_string()),
                Event::TemplateSent => {
                    let template = text(e.get("templateName"));
                    row.set(Out::Template, &template);
                    Some(category_of(
                        templates.as_deref(),
                        &template,
                        &mut row,
                        &LACKING,
                        || message_id(&ids).to_string(),
                    )?)
                }
                Event::Status(status, last) => {
                    let known = ids
                        .iter()
                        .filter(|i| !i.is_empty())
                        .find_map(|i| sent.get(i))
                        .cloned();
                    match known {
                        Some(m) => {
                            row.set(Out::Direction, "out")
                                .set(Out::Customer, &m.customer)
                                .set(Out::Business, &m.business)
                                .set(Out::MessageId, &m.id)
                                .set(Out::Status, status)
                                .set(Out::Kind, "status");
                            // A failure names no category: the message's
                            // row gives it.
                            if status != "failed" {
                                row.set(Out::Category, &m.category);
                            }
                            if last {
                                for k in &m.keys {
                                    sent.remove(k);
                                }
                            }
                        }
                        None if status == "failed" && !customer.is_empty() => {
                            row.set(Out::Direction, "out").set(Out::Status, status);
                        }
                        None => row.reject(format!(
                            "{kind} of message {:?}, which no earlier sent event of the \
                             files read names: WATI's status events name neither customer nor \
                             business (give the sent events with them, in time order)",
                            message_id(&ids)
                        )),
                    }
                    rows.push(row);
                    return Ok(());
                }
            };
            if let Some(category) = outbound {
                let raw = text(e.get("statusString"));
                let status = status(&raw).unwrap_or("sent");
                row.set(Out::Direction, "out")
                    .set(Out::Category, &category)
                    .set(Out::Status, status);
                if status != "failed" {
                    let keys: Vec<String> = ids.iter().filter(|i| !i.is_empty()).cloned().collect();
                    let m = Arc::new(Sent {
                        customer: customer.clone(),
                        business: business.clone(),
                        category,
                        id: message_id(&ids).to_string(),
                        keys: keys.clone(),
                    });
                    for id in keys {
                        sent.insert(id, m.clone());
                    }
                }
            }
            rows.push(row);
            Ok(())
        }),
    )
    .with_events("WATI", |v| v.get("eventType").is_some_and(Value::is_string))
}

/// The message's id: WhatsApp's when given, else WATI's own.
fn message_id(ids: &[String; 3]) -> &str {
    ids.iter()
        .find(|i| !i.is_empty())
        .map_or("", |i| i.as_str())
}

/// What a WATI export does not say (see `MapError::NeedsTemplates`).
static LACKING: Lacking = Lacking {
    message: "template message",
    lacks: ": a WATI export names the template, not its category",
    keys: "template name → category; see \"Where your log comes from\" in the README",
    then: "",
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_documented_event_and_status_is_mapped() {
        let events = [
            ("message", Some(Event::Received)),
            ("newContactMessageReceived", Some(Event::Received)),
            ("sessionMessageSent", Some(Event::SessionSent)),
            ("sessionMessageSent_v2", Some(Event::SessionSent)),
            ("templateMessageSent", Some(Event::TemplateSent)),
            ("templateMessageSent_v2", Some(Event::TemplateSent)),
            ("templateMessageSent_v2_bsuid", Some(Event::TemplateSent)),
            (
                "sentMessageDELIVERED",
                Some(Event::Status("delivered", false)),
            ),
            (
                "sentMessageDELIVERED_v2",
                Some(Event::Status("delivered", false)),
            ),
            ("sentMessageREAD", Some(Event::Status("delivered", true))),
            ("sentMessageREAD_v2", Some(Event::Status("delivered", true))),
            ("sentMessageREPLIED", Some(Event::Status("delivered", true))),
            (
                "sentMessageREPLIED_v2",
                Some(Event::Status("delivered", true)),
            ),
            ("templateMessageFailed", Some(Event::Status("failed", true))),
            ("ticketCreated", None),
        ];
        for (raw, want) in events {
            assert_eq!(event(raw), want, "{raw}");
        }
        let statuses = [
            ("SENT", Some("sent")),
            ("Delivered", Some("delivered")),
            ("Read", Some("delivered")),
            ("Replied", Some("delivered")),
            ("Failed", Some("failed")),
            ("deleted", None),
        ];
        for (raw, want) in statuses {
            assert_eq!(status(raw), want, "{raw}");
        }
    }

    fn read(
        text: &str,
        templates: Option<&str>,
    ) -> Result<Vec<Vec<String>>, super::super::InputError> {
        let options = ReadOptions::with_templates_text(templates);
        let mut reader = open(
            "w.json",
            Box::new(std::io::Cursor::new(text.to_string())),
            &options,
        );
        super::super::provider::read_all(&mut reader)
    }

    const EVENTS: &str = r#"{"id":"e1","created":"2026-02-10T08:00:00Z","whatsappMessageId":"wamid.in1","conversationId":"c1","ticketId":"t1","text":"Hello","type":"text","data":null,"timestamp":"1770710400","owner":false,"eventType":"message","waId":"919810000010","senderName":"Customer","channelPhoneNumber":"551140000001"}
{"eventType":"templateMessageSent_v2","localMessageId":"l2","id":"e2","whatsappMessageId":"wamid.out2","templateId":"tp","templateName":"spring_sale","created":"2026-02-11T09:00:00Z","conversationId":"c1","ticketId":"t1","text":"Spring sale","operatorEmail":"x@example.com","waId":"919810000010","type":"template","statusString":"SENT","sourceType":"API","channelPhoneNumber":"551140000001"}
{"eventType":"sentMessageDELIVERED_v2","statusString":"Delivered","localMessageId":"l2","id":"e3","whatsappMessageId":"wamid.out2","conversationId":"c1","ticketId":"t1","text":null,"type":"template","timestamp":"1770800402","channelPhoneNumber":"551140000001"}
{"eventType":"ticketCreated","id":"e4"}
{"eventType":"messageDeleted","id":"e6","whatsappMessageId":"wamid.out2"}
{"eventType":"sentMessageREAD_v2","statusString":"Read","localMessageId":"l9","id":"e5","timestamp":"1770800500"}
"#;

    #[test]
    fn events_become_wabills_columns() {
        let rows = read(EVENTS, Some("name,category\nspring_sale,MARKETING\n")).unwrap();
        let got: Vec<String> = rows
            .iter()
            .map(|r| match r.len() {
                1 => r[0].clone(),
                _ => [0, 1, 2, 3, 4, 5, 6, 7].map(|i| r[i].clone()).join(","),
            })
            .collect();
        assert_eq!(
            got,
            [
                "1770710400,919810000010,in,,551140000001,wamid.in1,,",
                "2026-02-11T09:00:00Z,919810000010,out,marketing,551140000001,wamid.out2,sent,",
                "1770800402,919810000010,out,marketing,551140000001,wamid.out2,delivered,",
                "rejected: WATI event \"messageDeleted\" is not one wabill knows (message, \
                 sessionMessageSent, templateMessageSent, sentMessageDELIVERED, \
                 sentMessageREAD, sentMessageREPLIED, templateMessageFailed)",
                "rejected: sentMessageREAD_v2 of message \"l9\", which no earlier sent event of \
                 the files read names: WATI's status events name neither customer nor business \
                 (give the sent events with them, in time order)",
            ]
        );
        let e = read(EVENTS, None).unwrap_err().to_string();
        assert!(
            e.starts_with("w.json:2: template message \"wamid.out2\" (spring_sale): a WATI export names the template, not its category: give --templates FILE"),
            "{e}"
        );
        let rows = read(EVENTS, Some("name,category\nother,UTILITY\n")).unwrap();
        assert!(rows[1][0].starts_with("rejected: "), "{:?}", rows[1]);
    }
}
