//! Kaleyra's WhatsApp Tabular Report (CSV, one row per message):
//! `WABA ID`, `WHATSAPP_ID`, `FROM`, `TO`, `MESSAGE_DIRECTION` (`true` =
//! incoming), `FORMAT` (`template`, `text`, …), `TEMPLATE_NAME`,
//! `REASON_FOR_FAILURE`, `CREATED_AT`, `FAILED_AT`, `SENT_AT`,
//! `DELIVERED_AT`, `SEEN_AT`….
//!
//! The status is the furthest of those times (or a `STATUS` column); the
//! time is `SENT_AT`, else `CREATED_AT`. The report names a template but not
//! its category: `--templates FILE` gives it by name (a `CATEGORY` column,
//! if the report has one, wins). Other formats are free-form. The business
//! is the number the message went from (outbound) or to (inbound). The
//! report does not say which customers came from an ad: an `ENTRY_POINT`
//! (or `REFERRAL`) column added by the user is read.

use std::io::BufRead;
use std::sync::Arc;

use super::provider::{
    Fields, Lacking, MapError, MappedCsv, Out, Row, charge, column, header_keys, number, referred,
};
use super::templates::Templates;
use super::{Format, InputError, open_templated_csv};
use crate::model::Direction;

pub static FORMAT: Format = Format {
    name: "kaleyra",
    description: "Kaleyra's WhatsApp Tabular Report (CSV)",
    extensions: &[],
    detect: |head| detect(&header_keys(head)),
    open: |name, content, options| open_templated_csv(open, name, content, options),
};

/// Whether a header (as `header_key`s) is Kaleyra's.
pub fn detect(keys: &[String]) -> bool {
    let has = |k: &str| keys.iter().any(|h| h == k);
    has("whatsappid") && has("messagedirection")
}

/// `MESSAGE_DIRECTION`: `true` is incoming; the words are accepted too.
pub fn direction(raw: &str) -> Option<Direction> {
    match raw.trim().to_ascii_lowercase().as_str() {
        "true" | "incoming" | "inbound" | "in" | "mo" => Some(Direction::In),
        "false" | "outgoing" | "outbound" | "out" | "mt" => Some(Direction::Out),
        _ => None,
    }
}

/// A `STATUS` value as wabill's.
pub fn status(raw: &str) -> Option<&'static str> {
    Some(match raw.trim().to_ascii_lowercase().as_str() {
        "delivered" | "read" | "seen" | "received" => "delivered",
        "submitted" | "accepted" | "queued" | "sent" | "pending" => "sent",
        "failed" | "undelivered" | "rejected" | "expired" => "failed",
        _ => return None,
    })
}

struct Cols {
    id: Option<usize>,
    from: Option<usize>,
    to: Option<usize>,
    direction: Option<usize>,
    format: Option<usize>,
    template: Option<usize>,
    category: Option<usize>,
    status: Option<usize>,
    reason: Option<usize>,
    created: Option<usize>,
    sent: Option<usize>,
    failed: Option<usize>,
    delivered: Option<usize>,
    seen: Option<usize>,
    price: Option<usize>,
    currency: Option<usize>,
    referral: Option<usize>,
}

pub fn open(
    name: &str,
    input: Box<dyn BufRead>,
    templates: Option<Arc<Templates>>,
) -> Result<MappedCsv, InputError> {
    let (reader, keys) = MappedCsv::open(name, input)?;
    let c = |names: &[&str]| column(&keys, names);
    let cols = Cols {
        id: c(&["whatsappid"]),
        from: c(&["from"]),
        to: c(&["to"]),
        direction: c(&["messagedirection"]),
        format: c(&["format"]),
        template: c(&["templatename"]),
        category: c(&["category", "templatecategory", "pricingcategory"]),
        status: c(&["status"]),
        reason: c(&["reasonforfailure"]),
        created: c(&["createdat"]),
        sent: c(&["sentat"]),
        failed: c(&["failedat"]),
        delivered: c(&["deliveredat"]),
        seen: c(&["seenat"]),
        // A price is the provider's charge only in a known currency.
        price: c(&["currency"]).and(c(&["price", "cost", "charge"])),
        currency: c(&["currency"]),
        referral: c(&["entrypoint", "referral"]),
    };
    MappedCsv::checked(
        name,
        reader,
        "a Kaleyra report",
        &[
            ("FROM", cols.from),
            ("TO", cols.to),
            ("CREATED_AT", cols.created.or(cols.sent)),
        ],
        &keys,
        Box::new(move |f, row| map(&cols, templates.as_deref(), f, row)),
    )
}

fn map(c: &Cols, templates: Option<&Templates>, f: &Fields, row: &mut Row) -> Result<(), MapError> {
    let raw_direction = f.get(c.direction);
    let dir = direction(&raw_direction);
    let time = f.get_or(c.sent, c.created);
    let given = f.get(c.status);
    let status = if !given.is_empty() {
        status(&given).unwrap_or(&given).to_string()
    } else if !f.get(c.failed).is_empty() || !f.get(c.reason).is_empty() {
        "failed".into()
    } else if !f.get(c.delivered).is_empty() || !f.get(c.seen).is_empty() {
        "delivered".into()
    } else {
        "sent".into()
    };
    let (customer, business) = match dir {
        Some(Direction::In) => (c.from, c.to),
        _ => (c.to, c.from),
    };
    let id = f.get(c.id);
    row.set(Out::Timestamp, time)
        .set(Out::Customer, number(&f.get(customer)))
        .set(Out::Business, number(&f.get(business)))
        .set(Out::MessageId, &*id)
        .set(Out::ProviderPrice, charge(&f.get(c.price)))
        .set(Out::ProviderCurrency, f.get(c.currency));
    match dir {
        None => {
            row.set(Out::Direction, &*raw_direction);
        }
        Some(Direction::In) => {
            row.set(Out::Direction, "in")
                .set(Out::EntryPoint, referred(&f.get(c.referral)));
        }
        Some(Direction::Out) => {
            row.set(Out::Direction, "out").set(Out::Status, &status);
            let given = f.get(c.category);
            let is_template = f.get(c.format).eq_ignore_ascii_case("template");
            if is_template {
                row.set(Out::Template, f.get(c.template));
            }
            let category = if !given.is_empty() {
                given.into_owned()
            } else if !is_template {
                "service".into()
            } else {
                let name = f.get(c.template);
                match (templates, templates.and_then(|t| t.by_key(&name))) {
                    (_, Some(c)) => c.as_str().to_string(),
                    (Some(t), None) => {
                        row.reject(t.missing(&name));
                        String::new()
                    }
                    (None, None) => {
                        return Err(MapError::NeedsTemplates {
                            export: &LACKING,
                            id: id.into_owned(),
                            about: Some(name.into_owned()),
                            field: c.template,
                        });
                    }
                }
            };
            row.set(Out::Category, category);
        }
    }
    Ok(())
}

/// What a Kaleyra report does not say (see `MapError::NeedsTemplates`).
static LACKING: Lacking = Lacking {
    message: "template message",
    lacks: ": a Kaleyra report does not say a template's category",
    keys: "template name → category",
    then: "",
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_documented_direction_and_status_is_mapped() {
        for (raw, want) in [
            ("true", Some(Direction::In)),
            ("false", Some(Direction::Out)),
            ("TRUE", Some(Direction::In)),
            ("incoming", Some(Direction::In)),
            ("outgoing", Some(Direction::Out)),
            ("maybe", None),
        ] {
            assert_eq!(direction(raw), want, "{raw}");
        }
        for (raw, want) in [
            ("sent", Some("sent")),
            ("delivered", Some("delivered")),
            ("read", Some("delivered")),
            ("seen", Some("delivered")),
            ("failed", Some("failed")),
            ("submitted", Some("sent")),
            ("nope", None),
        ] {
            assert_eq!(status(raw), want, "{raw}");
        }
    }

    #[test]
    fn the_status_is_the_furthest_time() {
        let text = "WABA ID,WHATSAPP_ID,FROM,TO,MESSAGE_DIRECTION,SOURCE,FORMAT,REASON_FOR_FAILURE,COUNTRY,TEMPLATE_NAME,CREATED_AT,FAILED_AT,SENT_AT,DELIVERED_AT,SEEN_AT\n\
            W,k1,919810000010,14155238886,true,webhook,text,,India,,2026-02-02T10:00:00.000Z,,,,\n\
            W,k2,14155238886,919810000010,false,api,template,,India,order_update,2026-02-02T10:04:59.000Z,,2026-02-02T10:05:00.000Z,2026-02-02T10:05:02.000Z,\n\
            W,k3,14155238886,919810000010,false,api,text,Receiver incapable,India,,2026-02-02T10:06:00.000Z,2026-02-02T10:06:01.000Z,,,\n\
            W,k4,14155238886,919810000010,false,api,image,,India,,2026-02-02T10:07:00.000Z,,2026-02-02T10:07:00.000Z,,\n";
        let t =
            Arc::new(Templates::parse("t.csv", "name,category\norder_update,UTILITY\n").unwrap());
        let mut reader = open(
            "k.csv",
            Box::new(std::io::Cursor::new(text.to_string())),
            Some(t),
        )
        .unwrap();
        let mut record = csv::ByteRecord::new();
        let mut got = Vec::new();
        while reader.next_record(&mut record).unwrap().is_some() {
            let r: Vec<String> = record
                .iter()
                .map(|f| String::from_utf8_lossy(f).into_owned())
                .collect();
            got.push([0, 1, 2, 3, 4, 6].map(|i| r[i].clone()).join(","));
        }
        assert_eq!(
            got,
            [
                "2026-02-02T10:00:00.000Z,919810000010,in,,14155238886,",
                "2026-02-02T10:05:00.000Z,919810000010,out,utility,14155238886,delivered",
                "2026-02-02T10:06:00.000Z,919810000010,out,service,14155238886,failed",
                "2026-02-02T10:07:00.000Z,919810000010,out,service,14155238886,sent",
            ]
        );
        let mut reader = open(
            "k.csv",
            Box::new(std::io::Cursor::new(text.to_string())),
            None,
        )
        .unwrap();
        reader.next_record(&mut record).unwrap();
        let e = reader.next_record(&mut record).unwrap_err().to_string();
        assert!(
            e.starts_with("k.csv:3:10: template message \"k2\" (order_update)"),
            "{e}"
        );
    }
}
