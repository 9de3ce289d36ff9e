//! The resolved run: command-line arguments turned into loaded tables and
//! reading options ("HiArgs"). Business code never sees clap types.

use std::path::Path;

use anyhow::{Context, Result, bail};

use crate::cli::{InputArgs, PricingArgs};
use crate::input::{ReadOptions, Source};
use crate::model::HOUR_MS;
use crate::pricing::{ModelChoice, PricingContext, WindowRules};
use crate::refdata::businesses::{Businesses, parse_zone};
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
            service_window: i64::from(args.service_window_hours) * HOUR_MS,
            entry_point_window: i64::from(args.entry_point_hours) * HOUR_MS,
            ..WindowRules::default()
        },
        service_allowance: 1000,
        default_zone: zone,
        default_zone_name: zone_name,
    })
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
    super::output::check_paths(&log_paths(args), &[("--rejects", args.rejects.as_deref())])?;
    Ok((
        args.logs.iter().map(|l| Source::parse(l)).collect(),
        options,
    ))
}

/// The logs named by path (not `-`).
pub fn log_paths(args: &InputArgs) -> Vec<&Path> {
    args.logs
        .iter()
        .filter(|l| *l != "-")
        .map(Path::new)
        .collect()
}

/// Refuses an `-o` file that is one of the logs or the `--rejects` file,
/// before anything is read.
pub fn check_output(args: &InputArgs, output: Option<&Path>) -> Result<()> {
    if let (Some(out), Some(rejects)) = (output, args.rejects.as_deref())
        && (out == rejects || super::output::same_file(out, rejects))
        && out.as_os_str() != "-"
    {
        bail!("-o and --rejects name the same file {}", out.display());
    }
    super::output::check_paths(&log_paths(args), &[("-o", output)])
}

/// The zone description the report prints.
pub fn zone_description(ctx: &PricingContext) -> String {
    if ctx.businesses.is_empty() {
        ctx.default_zone_name.clone()
    } else {
        format!("{} (others per --businesses)", ctx.default_zone_name)
    }
}
