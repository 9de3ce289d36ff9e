//! The resolved run: command-line arguments turned into loaded tables and
//! reading options ("HiArgs"). The flags arrive parsed (`cli.rs`); what is
//! left here is loading the files they name.

use std::io::IsTerminal;
use std::path::Path;

use anyhow::{Context, Result, bail};

use crate::error::{Exit, Failure};
use crate::flags::{InputArgs, PricingArgs};
use wabill::engine::ReadSettings;
use wabill::input::templates::Templates;
use wabill::input::{ReadOptions, Source};
use wabill::model::Span;
use wabill::pricing::{ModelChoice, PricingContext, WindowRules};
use wabill::refdata::businesses::Businesses;
use wabill::refdata::lines::{AiMarkets, Lines, MaxPrices};
use wabill::refdata::markets::MarketTable;
use wabill::refdata::rates::{Currency, RateBook};
use wabill::refdata::tiers::TierTable;

fn read_text(path: &Path) -> Result<String> {
    crate::output::read_input(path).with_context(|| format!("cannot read {}", path.display()))
}

pub fn pricing_context(args: &PricingArgs) -> Result<PricingContext> {
    let (zone, zone_name) = match &args.tz {
        Some(z) => (z.tz.clone(), z.name.clone()),
        None => (jiff::tz::TimeZone::UTC, "UTC".to_string()),
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
    if args.stale_rates {
        rates.allow_stale();
    }
    let tiers = match &args.tiers {
        _ if args.no_tiers => Some(TierTable::off()),
        Some(path) => {
            let mut t =
                TierTable::parse(&path.display().to_string(), &read_text(path)?, &mut markets)?;
            t.as_given = true;
            Some(t)
        }
        None => None,
    };
    let businesses = match &args.businesses {
        Some(path) => Businesses::parse(
            &path.display().to_string(),
            &read_text(path)?,
            &(zone.clone(), zone_name.clone()),
        )?,
        None => Businesses::default(),
    };
    let currency = args.currency.unwrap_or(Currency::USD);
    if !rates.currencies().contains(&currency) {
        let known: Vec<String> = rates.currencies().iter().map(|c| c.to_string()).collect();
        bail!(
            "no rate card in {currency} (cards exist in {}); add one with --rates",
            known.join(", ")
        );
    }
    let lines = lines(args, currency)?;
    let model = args.model.unwrap_or(ModelChoice::Auto);
    let mut context =
        PricingContext::from_tables(markets, rates, tiers, model).with_zone(zone, zone_name);
    context.businesses = businesses;
    context.currency = currency;
    context.windows = WindowRules {
        service_window: Span::hours(i64::from(args.service_window_hours)),
        entry_point_window: Span::hours(i64::from(args.entry_point_hours.unwrap_or(72))),
        entry_point_fixed: args.entry_point_hours.is_some(),
        ..WindowRules::default()
    };
    context.lines = lines;
    Ok(context)
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

/// The pricing context and the logs read with it (`keep_ids`: the
/// message ids kept, see `wabill::engine::load`), the context first.
pub fn load(
    pricing: &PricingArgs,
    input: &InputArgs,
    keep_ids: bool,
) -> Result<wabill::engine::Loaded> {
    Ok(wabill::engine::load(
        pricing_context(pricing)?,
        &read_settings(input)?,
        keep_ids,
    )?)
}

pub fn read_settings(args: &InputArgs) -> Result<ReadSettings> {
    let mut options = ReadOptions {
        max_row_bytes: args.max_row_bytes,
        ..ReadOptions::default()
    };
    options.format = args.input_format;
    if let Some(path) = &args.templates {
        let name = path.display().to_string();
        let text =
            crate::output::read_input(path).with_context(|| format!("--templates {name}"))?;
        let templates =
            Templates::parse(&name, &text).map_err(|e| anyhow::anyhow!("--templates: {e}"))?;
        options.templates = Some(std::sync::Arc::new(templates));
    }
    options.naive_tz = args.naive_tz.as_ref().map(|z| z.tz.clone());
    for mapping in &args.column {
        options.columns.set(mapping.clone());
    }
    options.delimiter = args.delimiter;
    let mut logs = args.logs.clone();
    if logs.is_empty() {
        // Like ripgrep and xsv: no file, but something piped in.
        if std::io::stdin().is_terminal() {
            return Err(Failure::new(
                Exit::Usage,
                "no LOG given: name a log file, `-`, or pipe one in",
            )
            .into());
        }
        logs.push("-".into());
    }
    let stdin_count = logs.iter().filter(|l| *l == "-").count();
    if stdin_count > 1 {
        return Err(Failure::new(Exit::Usage, "standard input (-) can be read only once").into());
    }
    super::output::check_paths(&log_paths(args), &[("--rejects", args.rejects.as_deref())])?;
    Ok(ReadSettings {
        sources: logs.iter().map(|l| Source::parse(l)).collect(),
        options,
        quiet: args.quiet,
        rejects: args.rejects.as_deref().map(super::output::rejects_target),
    })
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

/// Keeps, while reading, the log columns `--by column:NAME` groups by.
pub fn keep_tags(settings: &mut ReadSettings, keys: &[wabill::report::GroupBy]) {
    for name in wabill::report::GroupBy::tags(keys) {
        settings.options.columns.1.add(name);
    }
}

/// Refuses a `--by column:NAME` that no log has (a misspelt column would
/// otherwise put every message under "(none)").
pub fn check_tags(
    keys: &[wabill::report::GroupBy],
    stats: &wabill::validate::LogStats,
) -> Result<()> {
    for name in wabill::report::GroupBy::tags(keys) {
        if !stats.tag_columns.contains(name) {
            bail!("--by column:{name}: no log has a column {name:?}");
        }
    }
    Ok(())
}

/// The reporting period of `--period` or `--from`/`--to`.
pub fn period(args: &crate::flags::PeriodArgs) -> Result<Option<wabill::report::period::Period>> {
    match args.period {
        Some(p) => Ok(Some(p)),
        None => wabill::report::period::Period::between(args.from, args.to)
            .map_err(|e| Failure::new(Exit::Usage, e.to_string()).into()),
    }
}

/// The all-in rules of `--fees`, `--tax`, `--fx`; `None` without any.
pub fn all_in(
    args: &crate::flags::AllInArgs,
    ctx: &PricingContext,
) -> Result<Option<wabill::reconcile::allin::AllInRules>> {
    use wabill::reconcile::allin::AllInRules;
    use wabill::reconcile::fees::Fees;
    use wabill::reconcile::fx::FxTable;
    if args.fees.is_none() && args.tax.is_none() && args.fx.is_none() {
        return Ok(None);
    }
    let mut said = Vec::new();
    let fees = match &args.fees {
        Some(path) => {
            let name = path.display().to_string();
            said.push(format!("fees {name}"));
            Fees::parse(&name, &read_text(path)?)?
        }
        None => Fees::default(),
    };
    let tax = args.tax.clone().unwrap_or_default();
    said.push(format!("tax {}", tax.describe()));
    if !tax.by_country.is_empty() && ctx.businesses.is_empty() {
        bail!("--tax by country needs each business's home_country (--businesses)");
    }
    let fx = match &args.fx {
        Some(path) => {
            let name = path.display().to_string();
            let table = FxTable::parse(&name, &read_text(path)?)?;
            let to = report_currency(&table, &name, args.report_currency, ctx.currency)?;
            said.push(format!(
                "{} to {to} at the rate of each message's date ({name})",
                ctx.currency
            ));
            Some((table, ctx.currency, to))
        }
        None => None,
    };
    said.insert(
        0,
        "Meta cost + provider fee (per message + markup on Meta cost) + tax on both".to_string(),
    );
    Ok(Some(AllInRules {
        fees,
        tax,
        fx,
        description: said.join("; "),
    }))
}

/// The currency `--fx` reports in: `--report-currency`, else the only one
/// the table (the file `name`) converts the card currency into.
pub fn report_currency(
    table: &wabill::reconcile::fx::FxTable,
    name: &str,
    given: Option<Currency>,
    card: Currency,
) -> Result<Currency> {
    match given {
        Some(c) => Ok(c),
        None => table.single_target(card).with_context(|| {
            format!(
                "--fx: choose the currency to report in with --report-currency ({name} converts \
                 {card} into none or several)"
            )
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Parser)]
    struct Flags {
        #[command(flatten)]
        pricing: PricingArgs,
    }

    /// With no pricing flag the CLI prices as `PricingContext::builtin`,
    /// the context the library's tests and the fuzzer use: same tables
    /// (volume tiers included), defaults and zone.
    #[test]
    fn no_flags_is_the_library_builtin_context() {
        let flags = Flags::try_parse_from(["wabill"]).unwrap();
        let cli = pricing_context(&flags.pricing).unwrap();
        let lib = PricingContext::builtin(ModelChoice::Auto);
        assert_eq!(cli.model, lib.model);
        assert_eq!(cli.currency, lib.currency);
        assert_eq!(cli.windows, lib.windows);
        assert_eq!(cli.service_allowance, lib.service_allowance);
        assert_eq!(cli.default_zone_name, lib.default_zone_name);
        assert_eq!(cli.default_zone, lib.default_zone);
        assert!(!lib.tiers.is_empty() && !lib.tiers.is_off() && !lib.tiers.as_given);
        assert_eq!(
            (cli.tiers.is_empty(), cli.tiers.is_off(), cli.tiers.as_given),
            (false, false, false)
        );
        assert_eq!(cli.tiers.starts, lib.tiers.starts);
        assert_eq!(cli.rates.currencies(), lib.rates.currencies());
        assert_eq!(
            cli.lines.agent_tokens_per_message,
            lib.lines.agent_tokens_per_message
        );
    }
}
