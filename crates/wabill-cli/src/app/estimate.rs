//! `wabill estimate`: the cost report.

use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use clap::Args;
use rust_decimal::Decimal;

use super::finish::{Checks, write_report};
use super::output::Target;
use super::settings::{self, zone_description};
use crate::choice::{choice, formats};
use crate::error::Exit;
use crate::flags::{PricedLogArgs, parse_by, parse_percent};
use wabill::engine::Engine;
use wabill::engine::{self, note};
use wabill::render::{self, Document, Format, money};
use wabill::report::GroupBy;
use wabill::report::{Aggregator, MetaInput, Report};

/// A budget: a plain decimal, not negative.
fn parse_budget(s: &str) -> Result<Decimal, String> {
    match wabill::refdata::csvfile::parse_amount(s) {
        Ok(d) if d.is_sign_negative() && !d.is_zero() => {
            Err(format!("{s:?} is negative: a budget is 0 or more"))
        }
        Ok(d) => Ok(d),
        Err(e) => Err(e.to_string()),
    }
}

#[derive(Debug, Args)]
pub struct EstimateArgs {
    #[command(flatten)]
    pub log: PricedLogArgs,

    /// Group by any of market, country, category, month, day, business, pricing_type,
    /// conversation_type, group, template, week, quarter, year, or column:NAME (a
    /// column of the log; repeatable in the list)
    #[arg(help_heading = "Output", long, value_name = "KEYS", default_value = "market,category", value_parser = parse_by)]
    pub by: ::std::vec::Vec<GroupBy>,

    /// Output format [default: from the -o file's extension, else table]
    #[arg(help_heading = "Output", long, value_parser = formats(wabill::report::Report::FORMATS))]
    pub format: Option<Format>,

    /// Exit 3 when the total cost (the all-in total with --fees, --tax or
    /// --fx; the period's with --period) exceeds AMOUNT
    #[arg(help_heading = "Output", long, value_name = "AMOUNT", value_parser = parse_budget)]
    pub budget: Option<Decimal>,

    /// With --budget or --budget-file: warn (stderr, and `meta.budget` in
    /// JSON) when a total reaches this share of its budget (80% or 80)
    #[arg(help_heading = "Output", long, value_name = "PERCENT", value_parser = parse_percent)]
    pub warn_at: Option<Decimal>,

    /// Budgets per group (CSV: a --by key's name, e.g. column:campaign or
    /// market, then budget): exit 3 when a group's cost (all-in total with
    /// --fees, --tax, --fx) exceeds its budget
    #[arg(help_heading = "Output", long, value_name = "FILE")]
    pub budget_file: Option<PathBuf>,

    /// How to read the log: stream files in time order (memory follows open
    /// windows) and fall back to sorting in memory when they are not in order
    #[arg(long, value_parser = choice::<Engine>(), default_value_t = Engine::Auto, hide_short_help = true)]
    pub engine: Engine,

    /// Worker threads for streaming [default: every core]: 1 reads and prices
    /// on one thread, 2 read on one and price on another, N > 2 add N - 2
    /// pricing shards (the same bytes every way)
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..), hide_short_help = true)]
    pub threads: Option<u16>,

    /// Write the report to FILE (atomically; `-` is standard output)
    #[arg(help_heading = "Output", short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

/// How long a streamed message waits for later status events of its id
/// (`sent`, then `delivered`/`read`) before it is priced; a later event
/// makes `--engine auto` read the log again in memory.
const STATUS_EVENT_HORIZON: wabill::model::Span = wabill::model::Span::hours(24);

pub fn run(args: &EstimateArgs) -> Result<Exit> {
    let group_by = &args.by;
    let budget = args.budget;
    if args.warn_at.is_some() && args.budget.is_none() && args.budget_file.is_none() {
        return Err(crate::error::Failure::new(
            Exit::Usage,
            "--warn-at needs --budget or --budget-file",
        )
        .into());
    }
    let (target, format) = Target::with_format(
        args.output.as_deref(),
        args.format,
        Format::Table,
        Report::FORMATS,
    )?;
    settings::check_output(&args.log.input, args.output.as_deref())?;
    let ctx = settings::pricing_context(&args.log.pricing)?;
    let mut aggregator = Aggregator::new(group_by.clone(), &ctx.markets)
        .locating(&ctx)
        .tracking_partial(&ctx.businesses, !ctx.tiers.is_empty());
    if format == Format::Html {
        aggregator = aggregator.with_spend();
    }
    if let Some(period) = settings::period(&args.log.period)? {
        aggregator = aggregator.with_period(period, &ctx.businesses, ctx.default_zone.clone());
    }
    let all_in = settings::all_in(&args.log.all_in, &ctx)?;
    if let Some(rules) = &all_in {
        aggregator = aggregator.with_all_in(rules, &ctx.businesses, ctx.currency);
    }
    let mut read = settings::read_settings(&args.log.input)?;
    settings::keep_tags(&mut read, group_by);
    let streamed = engine::price_streaming(
        &read,
        &ctx,
        args.engine,
        STATUS_EVENT_HORIZON,
        args.threads
            .map_or_else(engine::default_threads, usize::from),
        &mut aggregator,
    )?;
    settings::check_tags(group_by, &streamed.stats)?;
    if let Some(e) = aggregator.all_in_error() {
        bail!("--fx: {e}");
    }
    let mut report = aggregator.finish(
        &streamed.stats,
        MetaInput {
            model: ctx.model.name().to_string(),
            currency: ctx.currency.to_string(),
            time_zone: zone_description(&ctx),
            inputs: streamed.files,
            input_formats: distinct(&streamed.formats),
        },
    );
    report.meta.config = args.log.pricing.config_shown();
    let warn_at = args.warn_at;
    report.meta.budget = budget_status(&report, budget, warn_at);
    if let Some(path) = &args.budget_file {
        report.meta.group_budgets = group_budgets(&report, path, warn_at)?;
    }
    debug_assert!(report.accounting.balances(), "{:?}", report.accounting);
    if let Some(partial) = &mut report.partial {
        partial.settings = super::merge::partial_settings(&args.log.pricing, &ctx)?;
    }

    let checks = Checks::new(streamed.unpriced.summary(), streamed.stats, &args.log.input);
    write_report(&target, &checks, |out, style| {
        Ok(render::write(&report, format, style, out)?)
    })?;
    Ok(budget_verdict(&report))
}

/// Each reader once, in order of first use.
pub fn distinct(formats: &[&'static str]) -> Vec<String> {
    let mut seen: Vec<String> = Vec::new();
    for f in formats {
        if !seen.iter().any(|s| s == f) {
            seen.push(f.to_string());
        }
    }
    seen
}

/// Where the total stands against `--budget` (and `--warn-at`), for the
/// report's `meta.budget` and stderr.
fn budget_status(
    report: &Report,
    budget: Option<Decimal>,
    warn_at: Option<Decimal>,
) -> Option<wabill::report::BudgetMeta> {
    let budget = budget?;
    // With fees, tax or FX the budget is of the all-in total.
    let (total, currency) = match (&report.meta.all_in, &report.totals.all_in) {
        (Some(m), Some(a)) => (a.total, m.currency.clone()),
        _ => (report.totals.cost, report.meta.currency.clone()),
    };
    let used = wabill::report::compare::percent(total, budget);
    let shown_used = used.map_or(String::new(), |u| {
        format!(" ({}% of it)", wabill::display::shown_percent(u))
    });
    let (status, verdict) = if total > budget {
        (
            "over",
            format!(
                "over budget: total {} {currency} exceeds budget {} {currency} by {}",
                money(total),
                money(budget),
                money(total - budget)
            ),
        )
    } else if let Some(w) = warn_at
        && total * Decimal::ONE_HUNDRED >= budget * w
    {
        (
            "warning",
            format!(
                "warning: total {} {currency} is at or past {}% of budget {} {currency}{shown_used}",
                money(total),
                w.normalize(),
                money(budget)
            ),
        )
    } else {
        (
            "within",
            format!(
                "within budget: total {} {currency} of budget {} {currency}",
                money(total),
                money(budget)
            ),
        )
    };
    Some(wabill::report::BudgetMeta {
        amount: budget,
        currency,
        warn_at,
        used_percent: used,
        status: status.to_string(),
        verdict,
    })
}

/// A budget verdict is not a failure: the report is written, then exit 3.
fn budget_verdict(report: &Report) -> Exit {
    let mut over = false;
    if let Some(b) = &report.meta.budget {
        note(&b.verdict);
        over |= b.status == "over";
    }
    for g in &report.meta.group_budgets {
        if g.status != "within" {
            note(&g.verdict);
        }
        over |= g.status == "over";
    }
    if over { Exit::OverBudget } else { Exit::Ok }
}

/// `--budget-file`: the header names a `--by` key and `budget`; each row a
/// group's value and its budget. A group's cost is the sum of the report's
/// rows with that value (the all-in total when the report has one); a
/// group the report does not have spent nothing.
fn group_budgets(
    report: &Report,
    path: &std::path::Path,
    warn_at: Option<Decimal>,
) -> Result<Vec<wabill::report::GroupBudget>> {
    let name = path.display().to_string();
    let text = std::fs::read_to_string(path).with_context(|| format!("cannot read {name}"))?;
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let headers = reader
        .headers()
        .with_context(|| format!("{name}:1: not a CSV header"))?
        .clone();
    if headers.len() != 2 || !headers[1].eq_ignore_ascii_case("budget") {
        bail!(
            "{name}:1: expected two columns, a --by key's name and budget (e.g. column:campaign,budget)"
        );
    }
    let by = headers[0].to_ascii_lowercase();
    let Some(at) = report.meta.group_by.iter().position(|g| *g == by) else {
        bail!(
            "{name}:1: {by:?} is not one of the report's --by keys ({})",
            report.meta.group_by.join(", ")
        );
    };
    let currency = match &report.meta.all_in {
        Some(m) => m.currency.clone(),
        None => report.meta.currency.clone(),
    };
    let mut out: Vec<wabill::report::GroupBudget> = Vec::new();
    for (i, record) in reader.records().enumerate() {
        let line = i + 2;
        let record = record.with_context(|| format!("{name}:{line}: not a CSV row"))?;
        let key = record.get(0).unwrap_or("").to_string();
        let raw = record.get(1).unwrap_or("");
        let amount: Decimal = wabill::refdata::csvfile::parse_amount(raw)
            .ok()
            .filter(|d| !d.is_sign_negative())
            .with_context(|| format!("{name}:{line}:2: budget {raw:?} is not an amount"))?;
        if out.iter().any(|g| g.key == key) {
            bail!("{name}:{line}:1: {by} {key:?} is given twice");
        }
        let cost: Decimal = report
            .rows
            .iter()
            .filter(|r| r.keys.get(at) == Some(&key))
            .map(|r| match (&report.meta.all_in, &r.line.all_in) {
                (Some(_), Some(a)) => a.total,
                _ => r.line.cost,
            })
            .sum();
        let (status, verdict) = if cost > amount {
            (
                "over",
                format!(
                    "over budget: {by} {key} costs {} {currency}, over its budget {} {currency} by {}",
                    money(cost),
                    money(amount),
                    money(cost - amount)
                ),
            )
        } else if let Some(w) = warn_at
            && cost * Decimal::ONE_HUNDRED >= amount * w
        {
            (
                "warning",
                format!(
                    "warning: {by} {key} costs {} {currency}, at or past {}% of its budget {} {currency}",
                    money(cost),
                    w.normalize(),
                    money(amount)
                ),
            )
        } else {
            ("within", String::new())
        };
        out.push(wabill::report::GroupBudget {
            by: by.clone(),
            key,
            amount,
            cost,
            status: status.to_string(),
            verdict,
        });
    }
    Ok(out)
}
