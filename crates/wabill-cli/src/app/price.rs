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
    check_kept(&named, &loaded.log.stats)?;
    let (tag_index, tag_names) = written_tags(&loaded.log);
    let mut tag_values: Vec<Option<&str>> = Vec::with_capacity(tag_names.len());
    let all_in = settings::all_in(&args.log.all_in, &loaded.ctx)?;
    let all_in_currency = all_in.as_ref().map_or(String::new(), |r| {
        r.currency(loaded.ctx.currency).to_string()
    });
    let mut output = target.open()?;
    let rows = Rows {
        loaded: &loaded,
        csv: format == Format::Csv,
        currency: loaded.ctx.currency.to_string(),
        with_meta: !loaded.log.meta.is_empty(),
        with_provider: loaded
            .log
            .messages
            .iter()
            .any(|m| m.extras.provider_charge().is_some()),
        all_in,
        all_in_currency,
        period,
    };
    let strings = &loaded.log.strings;
    let mut write_error: Option<anyhow::Error> = None;
    let unpriced = {
        let out = output.writer();
        let mut sink = RowSink::tagged(format, out, tag_names.clone())?;
        let unpriced = loaded.price_each(|m: &Message, result: &Result<Priced<'_>, Unpriced>| {
            if write_error.is_some() || !rows.reported(m, result) {
                return;
            }
            tag_values.clear();
            tag_values.extend(tag_index.iter().map(|i| strings.tags.value(m.tags, *i)));
            if let Err(e) = rows.write(&mut sink, m, result, &tag_values) {
                write_error = Some(e);
            }
        });
        if write_error.is_none() {
            sink.finish()?;
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

/// The tag columns written: a tag is a column of every row when any
/// message has a value for it (like the provider's price), so a webhook
/// log without callback data keeps its columns. Their indices and names.
fn written_tags(log: &wabill::validate::Log) -> (Vec<usize>, Vec<String>) {
    let tags = &log.strings.tags;
    let mut with_value = vec![false; tags.names().len()];
    for m in log.messages.iter().filter(|m| m.tags != 0) {
        for (i, seen) in with_value.iter_mut().enumerate() {
            *seen |= tags.value_id(m.tags, i).is_some();
        }
    }
    let tag_index: Vec<usize> = (0..with_value.len()).filter(|i| with_value[*i]).collect();
    let tag_names = tag_index
        .iter()
        .map(|i| tags.names()[*i].to_string())
        .collect();
    (tag_index, tag_names)
}

/// Refuses a `--keep` column that no log has.
fn check_kept(named: &[&str], stats: &wabill::validate::LogStats) -> Result<()> {
    for name in named {
        if !stats.tag_columns.contains(&name.to_ascii_lowercase()) {
            anyhow::bail!(
                "--keep {name}: no log has a column {name:?} that wabill does not read itself"
            );
        }
    }
    Ok(())
}

/// What `price` writes of each message, and the column groups the log has.
struct Rows<'a> {
    loaded: &'a wabill::engine::Loaded,
    /// Values from the input are neutralised in CSV (a spreadsheet opens it).
    csv: bool,
    currency: String,
    /// Meta's decision, in logs that carry it (webhooks).
    with_meta: bool,
    /// The provider's own price, when any message has one.
    with_provider: bool,
    all_in: Option<wabill::reconcile::allin::AllInRules>,
    all_in_currency: String,
    period: Option<wabill::report::period::Period>,
}

impl Rows<'_> {
    /// Whether the message is in the reported period (the whole log is
    /// priced either way).
    fn reported(&self, m: &Message, result: &Result<Priced<'_>, Unpriced>) -> bool {
        let ctx = &self.loaded.ctx;
        self.period.as_ref().is_none_or(|period| {
            period.contains(wabill::report::period::message_date(
                m,
                result,
                &self.loaded.log.strings,
                &ctx.businesses,
                &ctx.default_zone,
            ))
        })
    }

    /// A business's number, as estimate's `--by business` labels name it
    /// (the first its rows show).
    fn number_of(&self, business: &str) -> &str {
        self.loaded
            .log
            .stats
            .business_numbers
            .get(business)
            .and_then(|n| n.first())
            .map_or("", String::as_str)
    }

    /// Writes the message's row: its pricing, then the column groups.
    fn write(
        &self,
        sink: &mut RowSink<'_>,
        m: &Message,
        result: &Result<Priced<'_>, Unpriced>,
        tag_values: &[Option<&str>],
    ) -> Result<()> {
        // An unpriced row still names its market and country.
        let found = match result {
            Ok(p) => wabill::refdata::markets::MarketMatch {
                market: p.market,
                country: p.country,
            },
            Err(_) => self.loaded.ctx.market_of(m, &self.loaded.log.strings),
        };
        let country = found.country.as_ref().map_or("", country_str);
        let row = self.priced(m, result, found.market, country);
        let row = self.with_meta(m, row);
        let row = self.with_provider(m, row);
        let row = self.with_all_in(m, result, row)?;
        sink.write_tagged(&row, tag_values)?;
        Ok(())
    }

    /// The row's own columns: the message and its pricing.
    fn priced<'r>(
        &'r self,
        m: &Message,
        result: &'r Result<Priced<'_>, Unpriced>,
        market: wabill::refdata::markets::MarketId,
        country: &'r str,
    ) -> PriceRow<'r> {
        let (csv, strings) = (self.csv, &self.loaded.log.strings);
        let conversation = match result {
            Ok(p) => p.conversation,
            Err(e) => e.conversation(),
        };
        PriceRow {
            message_id: safe(csv, m.message_id.map_or("", |i| strings.message_ids.get(i))),
            timestamp: m.at.to_string(),
            business: safe(csv, strings.businesses.get(m.business)),
            business_number: (!self.loaded.log.stats.business_numbers.is_empty())
                .then(|| safe(csv, self.number_of(strings.businesses.get(m.business)))),
            customer: shown_customer(strings.customers.get(m.customer)),
            market: safe(csv, self.loaded.ctx.markets.name(market)),
            country,
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
            currency: &self.currency,
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
        }
    }

    /// Meta's decision beside wabill's, in logs that carry it.
    fn with_meta<'r>(&self, m: &Message, row: PriceRow<'r>) -> PriceRow<'r> {
        if !self.with_meta {
            return row;
        }
        let meta = self
            .loaded
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
    }

    /// The provider's own price and its currency, in logs that have one.
    fn with_provider<'r>(&self, m: &Message, row: PriceRow<'r>) -> PriceRow<'r> {
        if !self.with_provider {
            return row;
        }
        let charge = m.extras.provider_charge();
        PriceRow {
            provider_price: Some(amount(
                self.csv,
                charge.map_or(String::new(), |c| c.amount.to_string()),
            )),
            provider_currency: Some(charge.map_or(String::new(), |c| {
                String::from_utf8_lossy(&c.currency).into_owned()
            })),
            ..row
        }
    }

    /// The all-in columns with `--fees`, `--tax` or `--fx` (empty for an
    /// unpriced message).
    fn with_all_in<'r>(
        &self,
        m: &Message,
        result: &Result<Priced<'_>, Unpriced>,
        row: PriceRow<'r>,
    ) -> Result<PriceRow<'r>> {
        use wabill::report::allin::Delivery;
        let Some(rules) = &self.all_in else {
            return Ok(row);
        };
        let Ok(p) = result else {
            return Ok(PriceRow {
                meta_cost: Some(String::new()),
                provider_fee: Some(String::new()),
                tax: Some(String::new()),
                total: Some(String::new()),
                all_in_currency: Some(self.all_in_currency.clone()),
                ..row
            });
        };
        let delivery = match (m.direction, p.pricing_type) {
            (wabill::model::Direction::In, _) => Delivery::Inbound,
            (_, PricingType::NotDelivered) => Delivery::Failed,
            _ => Delivery::Delivered,
        };
        let strings = &self.loaded.log.strings;
        let home = self
            .loaded
            .ctx
            .businesses
            .get(strings.businesses.get(m.business))
            .and_then(|b| b.home_country);
        let meta = if p.pricing_type == PricingType::Call {
            rust_decimal::Decimal::ZERO
        } else {
            p.cost
        };
        let a = rules
            .message(meta, delivery, p.local_date, home)
            .map_err(|e| anyhow::anyhow!("--fx: {e}"))?;
        let show = |d| amount(self.csv, wabill::render::shown(d).to_string());
        Ok(PriceRow {
            meta_cost: Some(show(a.meta_cost)),
            provider_fee: Some(show(a.provider_fee)),
            tax: Some(show(a.tax)),
            total: Some(show(a.total)),
            all_in_currency: Some(self.all_in_currency.clone()),
            ..row
        })
    }
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
