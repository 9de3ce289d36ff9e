//! `wabill price`: one row per message, in pricing order.

use std::path::PathBuf;

use anyhow::Result;
use clap::Args;

use super::finish::{Checks, finish_streamed};
use super::output::Target;
use super::settings;
use crate::choice::formats;
use crate::error::Exit;
use crate::flags::PricedLogArgs;
use wabill::engine;
use wabill::model::Message;
use wabill::pricing::{Priced, PricingType, RateSource, Unpriced};
use wabill::refdata::markets::country_str;
use wabill::render::Format;
use wabill::render::rows::{PriceRow, RowSink, safe};
use wabill::report::allin::AllInPricing;

#[derive(Debug, Args)]
pub struct PriceArgs {
    #[command(flatten)]
    pub log: PricedLogArgs,

    /// Output format [default: from the -o file's extension, else csv]
    #[arg(help_heading = "Output", long, value_parser = formats(wabill::render::rows::FORMATS))]
    pub format: Option<Format>,

    /// Write through only these log columns that wabill does not interpret
    /// (comma-separated; repeatable) [default: every such column]
    #[arg(help_heading = "Output", long, value_name = "COLUMNS")]
    pub keep: Vec<String>,

    /// Write to FILE (atomically; `-` is standard output)
    #[arg(help_heading = "Output", short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

pub fn run(args: &PriceArgs) -> Result<Exit> {
    let (target, format) = Target::with_format(
        args.output.as_deref(),
        args.format,
        Format::Csv,
        wabill::render::rows::FORMATS,
    )?;
    settings::check_output(&args.log.input, args.output.as_deref())?;
    let period = settings::period(&args.log.period)?;
    let mut read = settings::read_settings(&args.log.input)?;
    // Every column wabill does not interpret is written through, or those
    // named by --keep.
    read.options.columns.1 = wabill::input::Keep::All;
    let named: Vec<&str> = args
        .keep
        .iter()
        .flat_map(|k| k.split(','))
        .map(str::trim)
        .filter(|k| !k.is_empty())
        .collect();
    if !named.is_empty() {
        read.options.columns.1 = wabill::input::Keep::Nothing;
        for name in &named {
            read.options.columns.1.add(name);
        }
    }
    let loaded = engine::load(settings::pricing_context(&args.log.pricing)?, &read, true)?;
    for name in &named {
        if !loaded
            .log
            .stats
            .tag_columns
            .contains(&name.to_ascii_lowercase())
        {
            anyhow::bail!(
                "--keep {name}: no log has a column {name:?} that wabill does not read itself"
            );
        }
    }
    // A tag is a column of every row when any message has a value for it
    // (like the provider's price): a webhook log without callback data
    // keeps its columns.
    let tags = &loaded.log.strings.tags;
    let mut with_value = vec![false; tags.names().len()];
    for m in loaded.log.messages.iter().filter(|m| m.tags != 0) {
        for (i, seen) in with_value.iter_mut().enumerate() {
            *seen |= tags.value_id(m.tags, i).is_some();
        }
    }
    let tag_index: Vec<usize> = (0..with_value.len()).filter(|i| with_value[*i]).collect();
    let tag_names: Vec<String> = tag_index
        .iter()
        .map(|i| tags.names()[*i].to_string())
        .collect();
    let mut tag_values: Vec<Option<&str>> = Vec::with_capacity(tag_names.len());
    let all_in = settings::all_in(&args.log.all_in, &loaded.ctx)?;
    let all_in_currency = all_in.as_ref().map_or(String::new(), |r| {
        r.currency(loaded.ctx.currency).to_string()
    });
    let mut output = target.open()?;
    let currency = loaded.ctx.currency.to_string();
    let strings = &loaded.log.strings;
    let with_meta = !loaded.log.meta.is_empty();
    // A business's number, as estimate's `--by business` labels name it
    // (the first its rows show).
    let numbers = &loaded.log.stats.business_numbers;
    let number_of = |business: &str| {
        numbers
            .get(business)
            .and_then(|n| n.first())
            .map_or("", String::as_str)
    };
    let with_provider = loaded
        .log
        .messages
        .iter()
        .any(|m| m.extras.provider_charge().is_some());
    let mut write_error: Option<anyhow::Error> = None;
    // Values from the input, neutralised in CSV (a spreadsheet opens it).
    let csv = format == Format::Csv;
    let unpriced = {
        let out = output.writer();
        let mut sink = RowSink::tagged(format, out, tag_names.clone())?;
        let unpriced = loaded.price_each(|m: &Message, result: &Result<Priced<'_>, Unpriced>| {
            if write_error.is_some() {
                return;
            }
            if let Some(period) = &period
                && !period.contains(wabill::report::period::message_date(
                    m,
                    result,
                    strings,
                    &loaded.ctx.businesses,
                    &loaded.ctx.default_zone,
                ))
            {
                return;
            }
            // An unpriced row still names its market and country.
            let found = match result {
                Ok(p) => wabill::refdata::markets::MarketMatch {
                    market: p.market,
                    country: p.country,
                },
                Err(_) => loaded.ctx.market_of(m, strings),
            };
            let country_code = found.country;
            let conversation = match result {
                Ok(p) => p.conversation,
                Err(e) => e.conversation(),
            };
            let row = PriceRow {
                message_id: safe(csv, m.message_id.map_or("", |i| strings.message_ids.get(i))),
                timestamp: m.at.to_string(),
                business: safe(csv, strings.businesses.get(m.business)),
                business_number: (!numbers.is_empty())
                    .then(|| safe(csv, number_of(strings.businesses.get(m.business)))),
                customer: shown_customer(strings.customers.get(m.customer)),
                market: safe(csv, loaded.ctx.markets.name(found.market)),
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
                rate: amount(
                    csv,
                    result
                        .as_ref()
                        .ok()
                        .and_then(|p| p.rate)
                        .map_or(String::new(), |r| r.to_string()),
                ),
                cost: amount(
                    csv,
                    result.as_ref().map_or(String::new(), |p| {
                        if matches!(p.pricing_type, PricingType::Inbound | PricingType::Call) {
                            String::new()
                        } else {
                            wabill::render::shown(p.cost).to_string()
                        }
                    }),
                ),
                currency: &currency,
                rate_source: safe(
                    csv,
                    result
                        .as_ref()
                        .ok()
                        .and_then(|p| p.rate_source)
                        .map_or("", RateSource::label),
                ),
                note: match result {
                    Err(e) => safe(csv, &e.to_string()).into_owned(),
                    Ok(p) => safe(csv, &row_note(m, p, strings)).into_owned(),
                },
                conversation_id: conversation.map(|c| c.conversation.id),
                conversation_type: conversation.map(|c| c.conversation.kind.as_str()),
                conversation_opened: conversation.map(|c| c.opened),
                meta_pricing_type: None,
                meta_pricing_category: None,
                meta_billable: None,
                provider_price: None,
                provider_currency: None,
                meta_cost: None,
                provider_fee: None,
                tax: None,
                total: None,
                all_in_currency: None,
            };
            let row = if with_meta {
                let meta = loaded
                    .log
                    .meta
                    .get(m.message_id)
                    .copied()
                    .unwrap_or_default();
                PriceRow {
                    meta_pricing_type: Some(meta.pricing_type.map_or("", |t| t.as_str())),
                    meta_pricing_category: Some(meta.category.map_or("", |c| c.as_str())),
                    meta_billable: Some(match meta.billable {
                        Some(true) => "true",
                        Some(false) => "false",
                        None => "",
                    }),
                    ..row
                }
            } else {
                row
            };
            let row = if with_provider {
                let charge = m.extras.provider_charge();
                PriceRow {
                    provider_price: Some(amount(
                        csv,
                        charge.map_or(String::new(), |c| c.amount.to_string()),
                    )),
                    provider_currency: Some(charge.map_or(String::new(), |c| {
                        String::from_utf8_lossy(&c.currency).into_owned()
                    })),
                    ..row
                }
            } else {
                row
            };
            let row = match (&all_in, result) {
                (Some(rules), Ok(p)) => {
                    use wabill::report::allin::Delivery;
                    let delivery = match (m.direction, p.pricing_type) {
                        (wabill::model::Direction::In, _) => Delivery::Inbound,
                        (_, PricingType::NotDelivered) => Delivery::Failed,
                        _ => Delivery::Delivered,
                    };
                    let home = loaded
                        .ctx
                        .businesses
                        .get(strings.businesses.get(m.business))
                        .and_then(|b| b.home_country);
                    let meta = if p.pricing_type == PricingType::Call {
                        rust_decimal::Decimal::ZERO
                    } else {
                        p.cost
                    };
                    match rules.message(meta, delivery, p.local_date, home) {
                        Ok(a) => {
                            let show = |d| amount(csv, wabill::render::shown(d).to_string());
                            PriceRow {
                                meta_cost: Some(show(a.meta_cost)),
                                provider_fee: Some(show(a.provider_fee)),
                                tax: Some(show(a.tax)),
                                total: Some(show(a.total)),
                                all_in_currency: Some(all_in_currency.clone()),
                                ..row
                            }
                        }
                        Err(e) => {
                            write_error = Some(anyhow::anyhow!("--fx: {e}"));
                            return;
                        }
                    }
                }
                (Some(_), Err(_)) => PriceRow {
                    meta_cost: Some(String::new()),
                    provider_fee: Some(String::new()),
                    tax: Some(String::new()),
                    total: Some(String::new()),
                    all_in_currency: Some(all_in_currency.clone()),
                    ..row
                },
                (None, _) => row,
            };
            tag_values.clear();
            tag_values.extend(tag_index.iter().map(|i| strings.tags.value(m.tags, *i)));
            if let Err(e) = sink.write_tagged(&row, &tag_values) {
                write_error = Some(e.into());
            }
        });
        if write_error.is_none() {
            sink.flush()?;
        }
        unpriced
    };
    if let Some(e) = write_error {
        return Err(e);
    }
    let checks = Checks::new(
        unpriced.summary(),
        loaded.log.stats.clone(),
        &args.log.input,
    );
    finish_streamed(output, &target, &checks)?;
    Ok(Exit::Ok)
}

/// An amount as the CSV dialect writes it (`--decimal-comma`).
fn amount(csv: bool, text: String) -> String {
    if csv {
        wabill::render::decimal(text)
    } else {
        text
    }
}

/// A phone number with its `+`; a business-scoped user id as given.
pub fn shown_customer(id: &str) -> String {
    if id.bytes().all(|b| b.is_ascii_digit()) && id.len() <= 15 {
        format!("+{id}")
    } else {
        id.to_string()
    }
}

/// What a row of the 2026 lines says beyond its columns: the group, the
/// tokens (and whether estimated), what is inferred, the upper bound.
fn row_note(m: &Message, p: &Priced<'_>, strings: &wabill::validate::Strings) -> String {
    let mut parts: Vec<String> = Vec::new();
    if let Some(g) = m.extras.group() {
        parts.push(format!("group {}", strings.groups.get(g)));
    }
    if let Some(t) = p.tokens {
        parts.push(if p.estimated {
            format!(
                "estimate: {} (--agent-tokens-per-message)",
                wabill::render::plural(t, "token")
            )
        } else {
            wabill::render::plural(t, "token")
        });
    }
    if let Some(note) = p.note.filter(|n| *n != wabill::pricing::AGENT_ESTIMATE) {
        parts.push(note.to_string());
    }
    if let Some(upper) = p.upper_bound {
        parts.push(format!("upper bound {upper}"));
    }
    parts.join("; ")
}
