//! `wabill rates`: what applies to a number, or the whole card, on a date.

use anyhow::{Context, Result};
use comfy_table::{ContentArrangement, Table, presets};
use jiff::civil::Date;
use serde::Serialize;

use super::estimate::style_for_stdout;
use super::output::Output;
use super::settings;
use crate::cli::RatesArgs;
use crate::error::Exit;
use crate::model::{Category, RateCategory};
use crate::pricing::{Era, Model};
use crate::refdata::confidence::Confidence;
use crate::refdata::markets::country_str;
use crate::refdata::rates::MissingRate;
use crate::render::Format;
use crate::validate::normalize_number;

#[derive(Serialize)]
struct RateRow {
    market: String,
    category: String,
    /// Empty when the value is unknown.
    rate: String,
    currency: String,
    effective_from: String,
    card: String,
    /// How far to trust a built-in value (data/cards/SOURCES.md); empty for
    /// user cards and unknown values.
    confidence: String,
}

/// The confidence of a built-in cell, by its card label
/// (`rates-2026-07-01-usd.csv (USD 2026-07-01)`).
fn confidence_of(
    table: &Confidence,
    builtin: bool,
    known: bool,
    card: &str,
    market: &str,
    category: RateCategory,
) -> String {
    let file = card.split(" (").next().unwrap_or(card);
    let category = category
        .category()
        .map_or("*".to_string(), |c| c.to_string());
    match (builtin && known).then(|| table.of(file, market, &category)) {
        Some(Some(level)) => level.to_string(),
        _ => String::new(),
    }
}

pub fn run(args: &RatesArgs) -> Result<Exit> {
    let date: Date = args
        .date
        .trim()
        .parse()
        .with_context(|| format!("--date {:?} is not a date (YYYY-MM-DD)", args.date))?;
    let ctx = settings::pricing_context(&args.pricing)?;
    let confidence = Confidence::builtin();
    let currency = ctx.currency.to_string();
    // Before 2025-07-01 Meta charged per conversation: show those columns.
    let model = Model::in_force(date);
    let per_conversation = model.is_some_and(Model::is_conversation);
    let unit = if per_conversation {
        " per conversation"
    } else {
        ""
    };
    let mut heading = Vec::new();
    let rows: Vec<RateRow> = match &args.number {
        Some(number) => {
            let mut digits = String::new();
            normalize_number(number, &mut digits)
                .map_err(|e| anyhow::anyhow!("--number {number:?}: {e}"))?;
            let found = ctx.markets.lookup(&digits, date);
            let market = ctx.markets.name(found.market);
            heading.push(format!(
                "+{digits} is in market {market} (country {}) on {date}; model in force: {}",
                found.country.as_ref().map_or("unknown", country_str),
                model.map_or_else(
                    || format!("none supported (before {})", Model::first_in_force()),
                    |m| m.name().to_string()
                )
            ));
            let columns: Vec<RateCategory> = match model.and_then(|m| m.facts().conversations) {
                Some(Era::ByInitiator) => {
                    vec![RateCategory::UserInitiated, RateCategory::BusinessInitiated]
                }
                Some(Era::ByCategory) => Category::ALL
                    .into_iter()
                    .map(RateCategory::Conversation)
                    .collect(),
                _ => Category::ALL
                    .into_iter()
                    .filter(|c| *c != Category::Service)
                    .map(RateCategory::Of)
                    .collect(),
            };
            columns
                .into_iter()
                .filter_map(|c| {
                    let found_rate =
                        ctx.rates
                            .lookup(ctx.currency, found.market, found.country, c, date);
                    // Most markets have no authentication-international rate at all.
                    if c.category() == Some(Category::AuthenticationInternational)
                        && found_rate == Err(MissingRate::NeverGiven)
                    {
                        return None;
                    }
                    let (rate, from, card, trust) = match found_rate {
                        Ok(r) => (
                            r.rate.to_string(),
                            r.from.map(|d| d.to_string()),
                            r.card.to_string(),
                            confidence_of(&confidence, r.builtin, true, r.card, market, c),
                        ),
                        Err(MissingRate::NeverGiven) => (
                            String::new(),
                            None,
                            "no card gives it".to_string(),
                            String::new(),
                        ),
                        Err(MissingRate::UnknownSince { from, card }) => (
                            String::new(),
                            Some(from.to_string()),
                            format!("{card}: value unknown"),
                            String::new(),
                        ),
                    };
                    Some(RateRow {
                        market: market.to_string(),
                        category: format!("{c}{unit}"),
                        rate,
                        currency: currency.clone(),
                        effective_from: from.unwrap_or_default(),
                        card,
                        confidence: trust,
                    })
                })
                .collect()
        }
        None => {
            heading.push(format!("{currency} rates{unit} in force on {date}"));
            ctx.rates
                .card_on(ctx.currency, date)
                .into_iter()
                .filter(|cell| cell.category.per_conversation() == per_conversation)
                .map(|cell| {
                    let market = cell.key.name(&ctx.markets).into_owned();
                    RateRow {
                        confidence: confidence_of(
                            &confidence,
                            cell.builtin,
                            cell.rate.is_some(),
                            cell.card,
                            &market,
                            cell.category,
                        ),
                        market,
                        category: cell.category.to_string(),
                        rate: cell.rate.map_or(String::new(), |r| r.to_string()),
                        currency: currency.clone(),
                        effective_from: cell.from.map_or(String::new(), |d| d.to_string()),
                        card: cell.card.to_string(),
                    }
                })
                .collect()
        }
    };
    let mut output = Output::open(None)?;
    let out = output.writer();
    match args.format {
        Format::Csv => {
            let mut w = csv::Writer::from_writer(out);
            for row in &rows {
                w.serialize(row)?;
            }
            w.flush()?;
        }
        Format::Json => {
            serde_json::to_writer_pretty(&mut *out, &rows)?;
            writeln!(out)?;
        }
        Format::Table | Format::Markdown => {
            for line in &heading {
                writeln!(out, "{line}")?;
            }
            let mut table = Table::new();
            table
                .load_style(if args.format == Format::Markdown {
                    presets::ASCII_MARKDOWN
                } else {
                    presets::UTF8_FULL_CONDENSED
                })
                .set_content_arrangement(ContentArrangement::Disabled);
            if !style_for_stdout(false).color {
                table.force_no_tty();
            }
            table.set_header(["market", "category", "rate", "since", "card"]);
            for r in &rows {
                // Confidence beside every value that is not high.
                let rate = match (r.rate.as_str(), r.confidence.as_str()) {
                    ("", _) => "unknown".to_string(),
                    (rate, "high" | "") => format!("{rate} {}", r.currency),
                    (rate, trust) => format!("{rate} {} ({trust})", r.currency),
                };
                table.add_row([&r.market, &r.category, &rate, &r.effective_from, &r.card]);
            }
            writeln!(out, "{table}")?;
        }
    }
    output.finish()?;
    Ok(Exit::Ok)
}
