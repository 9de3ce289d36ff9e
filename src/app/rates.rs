//! `wabill rates`: what applies to a number, or the whole card, on a date.

use anyhow::{Context, Result};
use jiff::civil::Date;

use super::estimate::style_for_stdout;
use super::output::{Target, format_for};
use super::settings;
use crate::cli::RatesArgs;
use crate::error::Exit;
use crate::model::{Category, RateCategory};
use crate::pricing::{Era, Model};
use crate::refdata::confidence::Confidence;
use crate::refdata::markets::country_str;
use crate::refdata::rates::MissingRate;
use crate::render::rates::{RateRow, Rates, render};
use crate::validate::normalize_number;

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
    let target = Target::resolve(args.output.as_deref())?;
    let format = format_for(args.format, &target, crate::render::Format::Table)?;
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
    let rates = Rates { heading, rows };
    let mut output = target.open()?;
    render(
        &rates,
        format,
        style_for_stdout(target.shown().is_some()),
        output.writer(),
    )?;
    output.finish()?;
    Ok(Exit::Ok)
}
