//! `wabill price`: one row per message, in pricing order.

use std::borrow::Cow;
use std::io::Write;

use anyhow::Result;
use serde::Serialize;

use super::finish::{Checks, finish_streamed};
use super::output::{Target, format_for};
use super::{pipeline, settings};
use crate::cli::{PriceArgs, RowFormat};
use crate::error::Exit;
use crate::model::Message;
use crate::pricing::{Priced, PricingType, Unpriced};
use crate::refdata::markets::country_str;
use crate::render::neutralize_str;

#[derive(Serialize)]
struct PriceRow<'a> {
    message_id: Cow<'a, str>,
    timestamp: String,
    business: Cow<'a, str>,
    customer: String,
    market: Cow<'a, str>,
    country: &'a str,
    direction: &'static str,
    category: &'static str,
    pricing_type: &'static str,
    pricing_category: &'static str,
    billable: bool,
    rate: String,
    cost: String,
    currency: &'a str,
    rate_source: Cow<'a, str>,
    note: String,
    /// Sequence number of the conversation the message opened or joined
    /// (conversation models); empty otherwise.
    conversation_id: Option<u64>,
    conversation_type: Option<&'static str>,
    /// True on the message that opened the conversation: it carries the
    /// conversation's charge.
    conversation_opened: Option<bool>,
}

pub fn run(args: &PriceArgs) -> Result<Exit> {
    let target = Target::resolve(args.output.as_deref())?;
    let format = format_for(args.format, &target, RowFormat::Csv)?;
    settings::check_output(&args.input, args.output.as_deref())?;
    let loaded = pipeline::load(&args.input, &args.pricing, true)?;
    let mut output = target.open()?;
    let currency = loaded.ctx.currency.to_string();
    let strings = &loaded.log.strings;
    let mut write_error: Option<anyhow::Error> = None;
    // Values from the input, neutralised in CSV (a spreadsheet opens it).
    let csv = format == RowFormat::Csv;
    let unpriced = {
        let out = output.writer();
        let mut sink = match format {
            RowFormat::Csv => RowSink::Csv(Box::new(csv::Writer::from_writer(out))),
            RowFormat::Json => RowSink::Json(out),
        };
        let unpriced = loaded.price_each(|m: &Message, result: &Result<Priced<'_>, Unpriced>| {
            if write_error.is_some() {
                return;
            }
            let country_code = match result {
                Ok(p) => p.country,
                Err(_) => None,
            };
            let conversation = match result {
                Ok(p) => p.conversation,
                Err(e) => e.conversation(),
            };
            let row = PriceRow {
                message_id: safe(csv, m.message_id.map_or("", |i| strings.message_ids.get(i))),
                timestamp: jiff::Timestamp::from_millisecond(m.at)
                    .map_or(String::new(), |t| t.to_string()),
                business: safe(csv, strings.businesses.get(m.business)),
                customer: format!("+{}", strings.customers.get(m.customer)),
                market: safe(
                    csv,
                    result
                        .as_ref()
                        .map_or("", |p| loaded.ctx.markets.name(p.market)),
                ),
                country: country_code.as_ref().map_or("", country_str),
                direction: m.direction.as_str(),
                category: m.category.map_or("", |c| c.as_str()),
                pricing_type: result
                    .as_ref()
                    .map_or("unpriced", |p| p.pricing_type.as_str()),
                pricing_category: result
                    .as_ref()
                    .ok()
                    .and_then(|p| p.pricing_category)
                    .map_or("", |c| c.as_str()),
                billable: matches!(result, Ok(p) if p.pricing_type == PricingType::Regular),
                rate: result
                    .as_ref()
                    .ok()
                    .and_then(|p| p.rate)
                    .map_or(String::new(), |r| r.to_string()),
                cost: result.as_ref().map_or(String::new(), |p| {
                    if p.pricing_type == PricingType::Inbound {
                        String::new()
                    } else {
                        p.cost.to_string()
                    }
                }),
                currency: &currency,
                rate_source: safe(
                    csv,
                    result
                        .as_ref()
                        .ok()
                        .and_then(|p| p.rate_source)
                        .unwrap_or(""),
                ),
                note: result
                    .as_ref()
                    .err()
                    .map_or(String::new(), |e| safe(csv, &e.to_string()).into_owned()),
                conversation_id: conversation.map(|c| c.conversation.id),
                conversation_type: conversation.map(|c| c.conversation.kind.as_str()),
                conversation_opened: conversation.map(|c| c.opened),
            };
            if let Err(e) = sink.write(&row) {
                write_error = Some(e);
            }
        });
        if let RowSink::Csv(w) = &mut sink
            && write_error.is_none()
        {
            w.flush()?;
        }
        unpriced
    };
    if let Some(e) = write_error {
        return Err(e);
    }
    let checks = Checks {
        unpriced: unpriced.summary(),
        stats: loaded.log.stats.clone(),
        strict: args.input.strict,
        allow_empty: args.input.allow_empty,
    };
    finish_streamed(output, &target, &checks)?;
    Ok(Exit::Ok)
}

/// Values from the input, neutralised in CSV (a spreadsheet opens it).
fn safe(csv: bool, v: &str) -> Cow<'_, str> {
    if csv {
        neutralize_str(v)
    } else {
        Cow::Borrowed(v)
    }
}

enum RowSink<'w> {
    Csv(Box<csv::Writer<&'w mut dyn Write>>),
    /// JSON lines.
    Json(&'w mut dyn Write),
}

impl RowSink<'_> {
    fn write(&mut self, row: &PriceRow<'_>) -> Result<()> {
        match self {
            RowSink::Csv(w) => w.serialize(row)?,
            RowSink::Json(w) => {
                serde_json::to_writer(&mut **w, row)?;
                w.write_all(b"\n")?;
            }
        }
        Ok(())
    }
}
