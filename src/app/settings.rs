//! The resolved run: command-line arguments turned into loaded tables and
//! reading options ("HiArgs"). Business code never sees clap types.

use std::path::Path;

use anyhow::{Context, Result, bail};

use crate::cli::{InputArgs, PricingArgs};
use crate::input::{ReadOptions, Source};
use crate::model::HOUR_US;
use crate::pricing::{ModelChoice, PricingContext, WindowRules};
use crate::refdata::businesses::{Businesses, parse_zone};
use crate::refdata::lines::{AiMarkets, Lines, MaxPrices};
use crate::refdata::markets::MarketTable;
use crate::refdata::rates::{Currency, RateBook};
use crate::refdata::tiers::TierTable;

fn read_text(path: &Path) -> Result<String> {
    std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))
}

pub fn pricing_context(args: &PricingArgs) -> Result<PricingContext> {
    let tz = args.tz.as_deref().unwrap_or("UTC");
    let zone = parse_zone(tz).map_err(|e| anyhow::anyhow!("--tz: {e}"))?;
    let zone_name = if tz.eq_ignore_ascii_case("utc") {
        "UTC".to_string()
    } else {
        tz.to_string()
    };
    let mut markets = match &args.markets {
        Some(path) => MarketTable::parse(&path.display().to_string(), &read_text(path)?)?,
        None => MarketTable::builtin(),
    };
    let mut rates = RateBook::builtin(&mut markets);
    for path in &args.rates {
        rates.new_layer();
        rates.add_card(&path.display().to_string(), &read_text(path)?, &mut markets)?;
    }
    let tiers = match &args.tiers {
        Some(path) => {
            TierTable::parse(&path.display().to_string(), &read_text(path)?, &mut markets)?
        }
        None => TierTable::default(),
    };
    let businesses = match &args.businesses {
        Some(path) => Businesses::parse(
            &path.display().to_string(),
            &read_text(path)?,
            &(zone.clone(), zone_name.clone()),
        )?,
        None => Businesses::default(),
    };
    let currency = Currency::parse(args.currency.as_deref().unwrap_or("USD"))
        .with_context(|| format!("--currency {:?} is not a 3-letter code", args.currency))?;
    if !rates.currencies().contains(&currency) {
        let known: Vec<String> = rates.currencies().iter().map(|c| c.to_string()).collect();
        bail!(
            "no rate card in {currency} (cards exist in {}); add one with --rates",
            known.join(", ")
        );
    }
    let lines = lines(args, currency)?;
    if args.service_window_hours == 0 || args.entry_point_hours == 0 {
        bail!("window lengths must be at least one hour");
    }
    Ok(PricingContext {
        markets,
        rates,
        tiers,
        businesses,
        model: args
            .model
            .as_deref()
            .unwrap_or("auto")
            .parse::<ModelChoice>()
            .map_err(anyhow::Error::msg)?,
        currency,
        windows: WindowRules {
            service_window: i64::from(args.service_window_hours) * HOUR_US,
            entry_point_window: i64::from(args.entry_point_hours) * HOUR_US,
            ..WindowRules::default()
        },
        service_allowance: 1000,
        default_zone: zone,
        default_zone_name: zone_name,
        lines,
    })
}

/// The 2026 lines' data: built-in AI Provider markets or `--ai-markets`,
/// `--max-price` (in the run's currency), `--agent-tokens-per-message`.
fn lines(args: &PricingArgs, currency: Currency) -> Result<Lines> {
    let mut lines = Lines::builtin();
    if let Some(path) = &args.ai_markets {
        lines.ai_markets = AiMarkets::parse(&path.display().to_string(), &read_text(path)?)?;
    }
    if let Some(path) = &args.max_price {
        let name = path.display().to_string();
        lines.max_prices = MaxPrices::parse(&name, &read_text(path)?)?;
        if let Some(other) = lines.max_prices.currency_other_than(currency) {
            bail!("{name}: max prices in {other}, but the run prices in {currency} (--currency)");
        }
    }
    lines.agent_tokens_per_message = args.agent_tokens_per_message;
    Ok(lines)
}

pub fn read_options(args: &InputArgs) -> Result<(Vec<Source>, ReadOptions)> {
    let mut options = ReadOptions::default();
    for spec in &args.column {
        options
            .columns
            .add(spec)
            .map_err(|e| anyhow::anyhow!("--column: {e}"))?;
    }
    options.delimiter = match args.delimiter.as_deref() {
        None => None,
        Some("\\t" | "tab" | "\t") => Some(b'\t'),
        Some(d) if d.len() == 1 => Some(d.as_bytes()[0]),
        Some(d) => bail!("--delimiter {d:?} must be one character (or \\t)"),
    };
    let stdin_count = args.logs.iter().filter(|l| *l == "-").count();
    if stdin_count > 1 {
        bail!("standard input (-) can be read only once");
    }
    Ok((
        args.logs.iter().map(|l| Source::parse(l)).collect(),
        options,
    ))
}

/// The zone description the report prints.
pub fn zone_description(ctx: &PricingContext) -> String {
    if ctx.businesses.is_empty() {
        ctx.default_zone_name.clone()
    } else {
        format!("{} (others per --businesses)", ctx.default_zone_name)
    }
}
