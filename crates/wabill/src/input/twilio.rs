//! Twilio's Messaging logs, exported as CSV from the console (or the same
//! columns from the Messages API): `Sid`, `From`, `To`, `Direction`,
//! `Status`, `SentDate`/`DateSent`, `Body`, `Price`, `PriceUnit`….
//!
//! Numbers carry the `whatsapp:` channel prefix. The customer is `From` on
//! inbound rows and `To` on outbound ones. Twilio's export names no template
//! category: `--templates FILE` gives it, by content SID (a `ContentSid`
//! column) or by the text sent (`Body`, matched against the templates'
//! bodies). A TwiML reply (`outbound-reply`) is free-form. The export has
//! no ad-referral field either; a `referral`/`entry_point` column added by
//! the user is read.

use std::io::BufRead;
use std::sync::Arc;

use super::provider::{
    Fields, Lacking, MapError, MappedCsv, Out, Row, charge, column, header_keys, number, referred,
};
use super::templates::Templates;
use super::{Format, InputError, open_templated_csv};
use crate::model::Direction;

pub static FORMAT: Format = Format {
    name: "twilio",
    description: "Twilio's Messaging logs (CSV export)",
    extensions: &[],
    detect: |head| detect(&header_keys(head)),
    open: |name, content, options| open_templated_csv(open, name, content, options),
};

/// Whether a header (as `header_key`s) is Twilio's.
pub fn detect(keys: &[String]) -> bool {
    let has = |k: &str| keys.iter().any(|h| h == k);
    has("direction")
        && has("from")
        && has("to")
        && has("status")
        && (has("sid") || has("messagesid") || has("accountsid"))
}

/// Twilio's `Direction` values.
pub fn direction(raw: &str) -> Option<Direction> {
    match raw.trim().to_ascii_lowercase().as_str() {
        "inbound" => Some(Direction::In),
        "outbound-api" | "outbound-reply" | "outbound-call" | "outbound" => Some(Direction::Out),
        _ => None,
    }
}

/// Twilio's `Status` values as wabill's: delivered (a receipt), sent (in
/// flight or no receipt yet: priced as delivered, as Meta charges on
/// delivery and most are), failed (never delivered, never charged).
/// Inbound statuses (`receiving`, `received`) are the customer's message.
pub fn status(raw: &str) -> Option<&'static str> {
    Some(match raw.trim().to_ascii_lowercase().as_str() {
        "delivered" | "read" | "partially_delivered" | "received" | "receiving" => "delivered",
        "queued" | "accepted" | "scheduled" | "sending" | "sent" => "sent",
        "failed" | "undelivered" | "canceled" => "failed",
        _ => return None,
    })
}

/// Twilio's dates as RFC 3339: the API's RFC 2822 (`Mon, 02 Feb 2026
/// 10:02:00 +0000`) and `2026-02-02 10:02:00 UTC` are converted; anything
/// else is left for wabill's timestamp check (which rejects a date with no
/// offset rather than guess its zone).
pub fn timestamp(raw: &str) -> String {
    let t = raw.trim();
    if let Ok(z) = jiff::fmt::rfc2822::parse(t) {
        return z.timestamp().to_string();
    }
    if let Some(d) = t.strip_suffix(" UTC").or_else(|| t.strip_suffix(" GMT")) {
        return format!("{}Z", d.trim().replacen(' ', "T", 1));
    }
    t.to_string()
}

struct Cols {
    sid: Option<usize>,
    date: Option<usize>,
    created: Option<usize>,
    from: Option<usize>,
    to: Option<usize>,
    direction: Option<usize>,
    status: Option<usize>,
    body: Option<usize>,
    content: Option<usize>,
    category: Option<usize>,
    referral: Option<usize>,
    country: Option<usize>,
    price: Option<usize>,
    unit: Option<usize>,
}

pub fn open(
    name: &str,
    input: Box<dyn BufRead>,
    templates: Option<Arc<Templates>>,
) -> Result<MappedCsv, InputError> {
    let (reader, keys) = MappedCsv::open(name, input)?;
    let c = |names: &[&str]| column(&keys, names);
    let cols = Cols {
        sid: c(&["sid", "messagesid", "smssid"]),
        date: c(&["sentdate", "datesent", "date"]),
        created: c(&["datecreated", "createddate"]),
        from: c(&["from"]),
        to: c(&["to"]),
        direction: c(&["direction"]),
        status: c(&["status"]),
        body: c(&["body"]),
        content: c(&["contentsid", "templatesid"]),
        category: c(&["category"]),
        referral: c(&[
            "entrypoint",
            "referral",
            "referralctwaclid",
            "referralsourceurl",
        ]),
        country: c(&["country"]),
        price: c(&["price"]),
        unit: c(&["priceunit", "priceunits"]),
    };
    MappedCsv::checked(
        name,
        reader,
        "a Twilio export",
        &[
            ("From", cols.from),
            ("To", cols.to),
            ("Direction", cols.direction),
            ("Status", cols.status),
            ("SentDate", cols.date.or(cols.created)),
        ],
        &keys,
        Box::new(move |f, row| map(&cols, templates.as_deref(), f, row)),
    )
}

fn map(c: &Cols, templates: Option<&Templates>, f: &Fields, row: &mut Row) -> Result<(), MapError> {
    let raw_direction = f.get(c.direction);
    let dir = direction(&raw_direction);
    let date = f.get_or(c.date, c.created);
    row.set(Out::Timestamp, timestamp(&date))
        .set(Out::MessageId, f.get(c.sid))
        .set(Out::Country, f.get(c.country))
        .set(Out::ProviderPrice, charge(&f.get(c.price)))
        .set(Out::ProviderCurrency, f.get(c.unit));
    let raw_status = f.get(c.status);
    row.set(Out::Status, status(&raw_status).unwrap_or(&raw_status));
    let (customer, business) = match dir {
        Some(Direction::In) => (c.from, c.to),
        _ => (c.to, c.from),
    };
    row.set(Out::Customer, number(&f.get(customer)))
        .set(Out::Business, number(&f.get(business)));
    // A Twilio log mixes channels: only `whatsapp:` numbers are WhatsApp.
    // An SMS (or any other channel) is counted as not WhatsApp, never priced.
    if !is_whatsapp(&f.get(c.from)) && !is_whatsapp(&f.get(c.to)) {
        row.set(Out::Kind, NOT_WHATSAPP);
        return Ok(());
    }
    match dir {
        None => {
            // Left as written: rejected with the value.
            row.set(Out::Direction, &*raw_direction);
        }
        Some(Direction::In) => {
            row.set(Out::Direction, "in")
                .set(Out::EntryPoint, referred(&f.get(c.referral)));
        }
        Some(Direction::Out) => {
            row.set(Out::Direction, "out");
            let given = f.get(c.category);
            let category = if !given.is_empty() {
                given.into_owned()
            } else {
                let content = f.get(c.content);
                // The field that makes it a possible template: its content
                // SID when it has one, else its direction (`outbound-api`).
                let at = if content.is_empty() {
                    c.direction
                } else {
                    c.content
                };
                category(
                    row,
                    templates,
                    &raw_direction,
                    &content,
                    &f.get(c.body),
                    &f.get(c.sid),
                )
                .map_err(|e| e.at_field(at))?
            };
            row.set(Out::Category, category);
        }
    }
    Ok(())
}

/// The `kind` of a row that is not a WhatsApp message (an SMS in a Twilio
/// log): counted as such, never priced, never opening a window.
pub const NOT_WHATSAPP: &str = "sms";

fn is_whatsapp(raw: &str) -> bool {
    raw.trim()
        .get(..9)
        .is_some_and(|p| p.eq_ignore_ascii_case("whatsapp:"))
}

/// What a Twilio export does not say (see `MapError::NeedsTemplates`).
static LACKING: Lacking = Lacking {
    message: "outbound message",
    lacks: " may be a template, and a Twilio export does not say which template or category",
    keys: "template name, content SID or body → category; see \"Where your log comes from\" \
           in the README",
    then: "",
};

/// The category of an outbound message: from its content SID or body in
/// the templates file; a TwiML reply, or a body that is none of the
/// templates, is free-form (`service`).
fn category(
    row: &mut Row,
    templates: Option<&Templates>,
    direction: &str,
    content: &str,
    body: &str,
    sid: &str,
) -> Result<String, MapError> {
    if content.is_empty() && direction.eq_ignore_ascii_case("outbound-reply") {
        return Ok("service".into());
    }
    let Some(templates) = templates else {
        let about = if content.is_empty() {
            direction.to_string()
        } else {
            format!("{direction}, content {content}")
        };
        return Err(MapError::NeedsTemplates {
            export: &LACKING,
            id: sid.to_string(),
            about: Some(about),
            field: None,
        });
    };
    if !content.is_empty() {
        return Ok(match templates.by_key(content) {
            Some(c) => {
                row.set(Out::Template, templates.name_of(content));
                c.as_str().to_string()
            }
            None => {
                row.reject(templates.missing(content));
                String::new()
            }
        });
    }
    row.set(Out::Template, templates.name_by_body(body));
    Ok(templates
        .by_body(body)
        .map_or("service", |c| c.as_str())
        .to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_documented_direction_and_status_is_mapped() {
        let directions = [
            ("inbound", Some(Direction::In)),
            ("outbound-api", Some(Direction::Out)),
            ("outbound-reply", Some(Direction::Out)),
            ("outbound-call", Some(Direction::Out)),
            ("Outbound-API", Some(Direction::Out)),
            ("sideways", None),
        ];
        for (raw, want) in directions {
            assert_eq!(direction(raw), want, "{raw}");
        }
        let statuses = [
            ("received", Some("delivered")),
            ("receiving", Some("delivered")),
            ("queued", Some("sent")),
            ("accepted", Some("sent")),
            ("scheduled", Some("sent")),
            ("sending", Some("sent")),
            ("sent", Some("sent")),
            ("delivered", Some("delivered")),
            ("read", Some("delivered")),
            ("partially_delivered", Some("delivered")),
            ("undelivered", Some("failed")),
            ("failed", Some("failed")),
            ("canceled", Some("failed")),
            ("Delivered", Some("delivered")),
            ("lost", None),
        ];
        for (raw, want) in statuses {
            assert_eq!(status(raw), want, "{raw}");
        }
    }

    #[test]
    fn dates_become_rfc3339() {
        assert_eq!(
            timestamp("Mon, 02 Feb 2026 10:02:00 +0000"),
            "2026-02-02T10:02:00Z"
        );
        assert_eq!(timestamp("2026-02-02 10:02:00 UTC"), "2026-02-02T10:02:00Z");
        assert_eq!(
            timestamp("2026-02-02T10:02:00-07:00"),
            "2026-02-02T10:02:00-07:00"
        );
        assert_eq!(timestamp("2026-02-02 10:02:00"), "2026-02-02 10:02:00");
    }

    fn read(text: &str, templates: Option<&str>) -> Result<Vec<Vec<String>>, InputError> {
        let templates = templates.map(|t| Arc::new(Templates::parse("t.csv", t).unwrap()));
        let input = Box::new(std::io::Cursor::new(text.to_string()));
        let mut reader = open("tw.csv", input, templates)?;
        let mut record = csv::ByteRecord::new();
        let mut rows = Vec::new();
        while reader.next_record(&mut record)?.is_some() {
            if let Some(problem) = super::super::Records::take_problem(&mut reader) {
                rows.push(vec![problem]);
                continue;
            }
            rows.push(
                record
                    .iter()
                    .map(|f| String::from_utf8_lossy(f).into_owned())
                    .collect(),
            );
        }
        Ok(rows)
    }

    const LOG: &str = "Sid,From,To,Body,Status,SentDate,Direction,Price,PriceUnit\n\
        SM1,whatsapp:+5511987654321,whatsapp:+14155238886,Hi,received,2026-02-02 10:00:00 UTC,inbound,-0.0050,USD\n\
        SM2,whatsapp:+14155238886,whatsapp:+5511987654321,Thanks!,delivered,2026-02-02 10:05:00 UTC,outbound-reply,-0.0050,USD\n\
        SM3,whatsapp:+14155238886,whatsapp:+5511987654321,Your order A1 ships on Monday.,read,2026-02-03 10:00:00 UTC,outbound-api,-0.0118,USD\n\
        SM4,whatsapp:+14155238886,whatsapp:+5511987654321,Sure thing,undelivered,2026-02-03 11:00:00 UTC,outbound-api,,USD\n";

    #[test]
    fn rows_become_wabills_columns() {
        let t = "name,category,body\norder_update,UTILITY,Your order {{1}} ships on {{2}}.\n";
        let rows = read(LOG, Some(t)).unwrap();
        let pick = |r: &Vec<String>| {
            [0, 1, 2, 3, 4, 5, 6, Out::ProviderPrice as usize]
                .map(|i| r[i].clone())
                .join(",")
        };
        let got: Vec<String> = rows.iter().map(pick).collect();
        assert_eq!(
            got,
            [
                "2026-02-02T10:00:00Z,+5511987654321,in,,+14155238886,SM1,delivered,0.0050",
                "2026-02-02T10:05:00Z,+5511987654321,out,service,+14155238886,SM2,delivered,0.0050",
                "2026-02-03T10:00:00Z,+5511987654321,out,utility,+14155238886,SM3,delivered,0.0118",
                "2026-02-03T11:00:00Z,+5511987654321,out,service,+14155238886,SM4,failed,",
            ]
        );
    }

    #[test]
    fn outbound_api_messages_need_a_templates_file() {
        let e = read(LOG, None).unwrap_err().to_string();
        assert!(
            e.starts_with("tw.csv:4:7: outbound message \"SM3\" (outbound-api) may be a template"),
            "the Direction column: {e}"
        );
        assert!(e.contains("--templates FILE"), "{e}");
        let with_content = "Sid,From,To,Status,DateSent,Direction,ContentSid\n\
            SM9,whatsapp:+1415,whatsapp:+4915,sent,2026-02-03T10:00:00Z,outbound-api,HX9\n";
        let e = read(with_content, None).unwrap_err().to_string();
        assert!(
            e.starts_with("tw.csv:2:7: outbound message \"SM9\" (outbound-api, content HX9)"),
            "the ContentSid column: {e}"
        );
        let rows = read(with_content, Some("id,category\nHX1,marketing\n")).unwrap();
        assert_eq!(
            rows[0],
            ["template \"HX9\" is not in t.csv: add it with its category"]
        );
        let rows = read(with_content, Some("id,category\nhx9,marketing\n")).unwrap();
        assert_eq!(rows[0][3], "marketing");
        let missing = read("Sid,From,To,Status\n", None).unwrap_err().to_string();
        assert!(
            missing.contains("needs the columns Direction, SentDate"),
            "{missing}"
        );
    }
}
