//! `wabill price`'s rows, written as they are priced (memory does not grow
//! with the log): CSV with values from the input neutralised, or JSON lines.

use std::borrow::Cow;
use std::io::{self, Write};

use serde::Serialize;

use super::document::{Format, Offered};
use super::neutralize_str;

/// `price`'s formats: rows are streamed, not laid out as one grid.
pub const FORMATS: &[Offered] = &[
    (Format::Csv, ""),
    (Format::Json, "JSON lines: one object per message"),
];

/// One priced message.
#[derive(Serialize)]
pub struct PriceRow<'a> {
    pub message_id: Cow<'a, str>,
    pub timestamp: String,
    pub business: Cow<'a, str>,
    /// The phone number customers see for `business`, in logs that name
    /// one (webhooks' `display_phone_number`): the number estimate's
    /// `--by business` labels show, empty for a business keyed by its
    /// number. A column of every row of such a log, absent otherwise.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub business_number: Option<Cow<'a, str>>,
    pub customer: String,
    pub market: Cow<'a, str>,
    pub country: &'a str,
    pub direction: &'static str,
    pub category: &'static str,
    pub pricing_type: &'static str,
    pub pricing_category: &'static str,
    pub billable: bool,
    pub rate: String,
    pub cost: String,
    pub currency: &'a str,
    pub rate_source: Cow<'a, str>,
    pub note: String,
    /// Sequence number of the conversation the message opened or joined
    /// (conversation models); empty otherwise.
    pub conversation_id: Option<u64>,
    pub conversation_type: Option<&'static str>,
    /// True on the message that opened the conversation: it carries the
    /// conversation's charge.
    pub conversation_opened: Option<bool>,
    /// Meta's own decision, in logs that carry it (webhooks): the columns
    /// are there for every row of such a log, and absent otherwise.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub meta_pricing_type: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub meta_pricing_category: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub meta_billable: Option<&'static str>,
    /// The provider's own price for the message, as its export wrote it
    /// (never part of `cost`), and its currency: columns of every row of a
    /// log where any message has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub provider_price: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub provider_currency: Option<String>,
}

/// Values from the input, neutralised in CSV (a spreadsheet opens it).
pub fn safe(csv: bool, v: &str) -> Cow<'_, str> {
    if csv {
        neutralize_str(v)
    } else {
        Cow::Borrowed(v)
    }
}

/// Where rows go, in the chosen format.
pub enum RowSink<'w> {
    Csv(Box<csv::Writer<&'w mut dyn Write>>),
    /// JSON lines.
    Json(&'w mut dyn Write),
}

impl RowSink<'_> {
    pub fn write(&mut self, row: &PriceRow<'_>) -> io::Result<()> {
        match self {
            RowSink::Csv(w) => w.serialize(row).map_err(io::Error::from)?,
            RowSink::Json(w) => {
                serde_json::to_writer(&mut **w, row)?;
                w.write_all(b"\n")?;
            }
        }
        Ok(())
    }
}

impl<'w> RowSink<'w> {
    pub fn new(format: Format, out: &'w mut dyn Write) -> Self {
        debug_assert!(
            super::offers(FORMATS, format),
            "price does not write {format}"
        );
        match format {
            Format::Json => RowSink::Json(out),
            _ => RowSink::Csv(Box::new(csv::Writer::from_writer(out))),
        }
    }

    pub fn flush(&mut self) -> io::Result<()> {
        match self {
            RowSink::Csv(w) => w.flush(),
            RowSink::Json(w) => w.flush(),
        }
    }
}
