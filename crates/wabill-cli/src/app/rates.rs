//! `wabill rates`: what applies to a number, or the whole card, on a date.

use std::path::PathBuf;

use anyhow::Result;
use clap::Args;
use jiff::civil::Date;

use super::output::Target;
use super::settings;
use crate::choice::formats;
use crate::color::style_for_stdout;
use crate::error::Exit;
use crate::flags::{PricingArgs, parse_date};
use wabill::model::{Category, RateCategory};
use wabill::pricing::{Era, Model};
use wabill::refdata::confidence::Confidence;
use wabill::refdata::markets::country_str;
use wabill::refdata::rates::MissingRate;
use wabill::render::rates::{RateRow, Rates};
use wabill::render::{Format, GRID_FORMATS};
use wabill::validate::normalize_number;

#[derive(Debug, Args)]
pub struct RatesArgs {
    /// Show the market of this number and its rates
    #[arg(long, value_name = "NUMBER")]
    pub number: Option<String>,

    /// Date the rates apply on (YYYY-MM-DD)
    #[arg(long, value_name = "DATE", value_parser = parse_date)]
    pub date: Date,

    #[command(flatten)]
    pub pricing: PricingArgs,

    /// Output format [default: from the -o file's extension, else table]
    #[arg(help_heading = "Output", long, value_parser = formats(GRID_FORMATS))]
    pub format: Option<Format>,

    /// Write to FILE (atomically; `-` is standard output)
    #[arg(help_heading = "Output", short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
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

/// The country of a username (`KZ.123…`): its ISO prefix, which must be a
/// country code; `None` when `s` is not a username.
fn username_country(s: &str) -> Result<Option<wabill::refdata::markets::Country>> {
    let t = s.trim();
    let b = t.as_bytes();
    if !(b.len() > 3 && b[2] == b'.' && b[..2].iter().all(u8::is_ascii_alphabetic)) {
        return Ok(None);
    }
    match wabill::refdata::markets::parse_country(&t[..2]) {
        Some(c) => Ok(Some(c)),
        None => Err(anyhow::anyhow!(
            "--number {s:?}: user id prefix {:?} is not an ISO 3166 alpha-2 country code",
            &t[..2]
        )),
    }
}

pub fn run(args: &RatesArgs) -> Result<Exit> {
    let (target, format) = Target::with_format(
        args.output.as_deref(),
        args.format,
        wabill::render::Format::Table,
        wabill::render::GRID_FORMATS,
    )?;
    let ctx = settings::pricing_context(&args.pricing)?;
    let mut lookup = Lookup {
        ctx: &ctx,
        date: args.date,
        model: Model::in_force(args.date),
        confidence: Confidence::builtin(),
        currency: ctx.currency.to_string(),
        heading: Vec::new(),
    };
    let rows = match &args.number {
        Some(number) => lookup.number(number)?,
        None => lookup.card(),
    };
    let rates = Rates {
        heading: lookup.heading,
        rows,
    };
    let mut output = target.open()?;
    wabill::render::write(
        &rates,
        format,
        style_for_stdout(target.shown().is_some()),
        output.writer(),
    )?;
    output.finish()?;
    Ok(Exit::Ok)
}

/// The rates in force on a date, and the lines said before them.
struct Lookup<'a> {
    ctx: &'a wabill::pricing::PricingContext,
    date: Date,
    model: Option<Model>,
    confidence: Confidence,
    currency: String,
    heading: Vec<String>,
}

impl Lookup<'_> {
    /// Before 2025-07-01 Meta charged per conversation: show those columns.
    fn per_conversation(&self) -> bool {
        self.model.is_some_and(Model::is_conversation)
    }

    fn unit(&self) -> &'static str {
        if self.per_conversation() {
            " per conversation"
        } else {
            ""
        }
    }

    /// `--number`: the market of a number (or username) and its rates.
    fn number(&mut self, number: &str) -> Result<Vec<RateRow>> {
        let (shown, (found, rule)) = match username_country(number)? {
            Some(c) => (
                number.trim().to_string(),
                self.ctx
                    .markets
                    .explain_country(c, "by the username's prefix", self.date),
            ),
            None => {
                let mut digits = String::new();
                normalize_number(number, &mut digits)
                    .map_err(|e| anyhow::anyhow!("--number {number:?}: {e}"))?;
                let explained = self.ctx.markets.explain(&digits, self.date);
                (format!("+{digits}"), explained)
            }
        };
        let market = self.ctx.markets.name(found.market);
        self.heading.push(format!(
            "{shown} is in market {market} (country {}) on {}; model in force: {}",
            found.country.as_ref().map_or("unknown", country_str),
            self.date,
            self.model.map_or_else(
                || format!("none supported (before {})", Model::first_in_force()),
                |m| m.name().to_string()
            )
        ));
        self.heading.push(format!("rule: {rule}"));
        let rows = rate_columns(self.model)
            .into_iter()
            .filter_map(|c| {
                let found_rate = self.ctx.rates.lookup(
                    self.ctx.currency,
                    found.market,
                    found.country,
                    c,
                    self.date,
                );
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
                        confidence_of(&self.confidence, r.builtin, true, r.card, market, c),
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
                    category: format!("{c}{}", self.unit()),
                    rate,
                    currency: self.currency.clone(),
                    effective_from: from.unwrap_or_default(),
                    card,
                    confidence: trust,
                })
            })
            .collect();
        Ok(rows)
    }

    /// The whole card in force (in the run's currency).
    fn card(&mut self) -> Vec<RateRow> {
        self.heading.push(format!(
            "{} rates{} in force on {}",
            self.currency,
            self.unit(),
            self.date
        ));
        if wabill::refdata::builtin::PARTIAL_CURRENCIES.contains(&self.currency.as_str()) {
            // Meta publishes each currency's whole card; the sources
            // show only these rows of it.
            self.heading.push(format!(
                "partial card: only the markets listed have built-in {} rates; \
                 the others need --rates FILE",
                self.currency
            ));
        }
        self.ctx
            .rates
            .card_on(self.ctx.currency, self.date)
            .into_iter()
            .filter(|cell| cell.category.per_conversation() == self.per_conversation())
            .map(|cell| {
                let market = cell.key.name(&self.ctx.markets).into_owned();
                RateRow {
                    confidence: confidence_of(
                        &self.confidence,
                        cell.builtin,
                        cell.rate.is_some(),
                        cell.card,
                        &market,
                        cell.category,
                    ),
                    market,
                    category: cell.category.to_string(),
                    rate: cell.rate.map_or(String::new(), |r| r.to_string()),
                    currency: self.currency.clone(),
                    effective_from: cell.from.map_or(String::new(), |d| d.to_string()),
                    card: cell.card.to_string(),
                }
            })
            .collect()
    }
}

/// The rate columns of the model in force: by initiator, by conversation
/// category, or per message (service is free).
fn rate_columns(model: Option<Model>) -> Vec<RateCategory> {
    match model.and_then(|m| m.facts().conversations) {
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
    }
}
