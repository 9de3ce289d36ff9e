//! `wabill compare`: one log, read once, priced under several scenarios.

use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use clap::Args;

use super::finish::{Checks, write_report};
use super::output::Target;
use super::settings::{self, zone_description};
use crate::choice::formats;
use crate::error::Exit;
use crate::flags::{AllInArgs, BadValue, PricedLogArgs, PricingArgs, parse_by};
use wabill::engine::{self, price_log};
use wabill::render::GRID_FORMATS;
use wabill::render::{Document, Format};
use wabill::report::GroupBy;
use wabill::report::compare::{ScenarioMeta, compare};
use wabill::report::scenario::{Scenario, Setting};
use wabill::report::{Aggregator, MetaInput};

fn parse_scenario(s: &str) -> Result<Scenario, BadValue> {
    Ok(Scenario::parse(s)?)
}

#[derive(Debug, Args)]
pub struct CompareArgs {
    // The common settings every scenario starts from (a scenario may set
    // fees=, tax=, fx=).
    #[command(flatten)]
    pub log: PricedLogArgs,

    /// NAME:KEY=VALUE,... (keys: model, rates, currency, tiers, markets,
    /// fees, tax, fx: with fees, tax or fx the all-in totals are compared);
    /// two or more; differences are against the first
    #[arg(long = "scenario", value_name = "SPEC", required = true, value_parser = parse_scenario)]
    pub scenarios: Vec<Scenario>,

    /// Group by any of market, country, category, month, day, business, pricing_type,
    /// template, week, quarter, year, or column:NAME (a column of the log)
    #[arg(help_heading = "Output", long, value_name = "KEYS", default_value = "market,category", value_parser = parse_by)]
    pub by: ::std::vec::Vec<GroupBy>,

    /// Output format [default: from the -o file's extension, else table]
    #[arg(help_heading = "Output", long, value_parser = formats(GRID_FORMATS))]
    pub format: Option<Format>,

    /// Write to FILE (atomically; `-` is standard output)
    #[arg(help_heading = "Output", short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

/// A scenario's settings over the common flags.
#[derive(Debug)]
pub struct Settings<'a> {
    pub scenario: &'a Scenario,
    pub pricing: PricingArgs,
    /// Fees, tax and FX (`fees=`, `tax=`, `fx=`): with any, the scenario's
    /// cost is its all-in total.
    pub all_in: AllInArgs,
}

/// The common flags with a scenario's settings applied; `rates=` adds a
/// card, `tiers=none` prices at list rates.
pub fn apply<'a>(
    scenario: &'a Scenario,
    base: &PricingArgs,
    base_all_in: &AllInArgs,
) -> Settings<'a> {
    let mut pricing = base.clone();
    let mut all_in = base_all_in.clone();
    for setting in &scenario.settings {
        match setting {
            Setting::Model(m) => pricing.model = Some(*m),
            Setting::Rates(card) => pricing.rates.push(card.clone()),
            Setting::Currency(c) => pricing.currency = Some(*c),
            Setting::Tiers(tiers) => {
                pricing.no_tiers = tiers.is_none();
                pricing.tiers = tiers.clone();
            }
            Setting::Markets(m) => pricing.markets = Some(m.clone()),
            Setting::Fees(fees) => all_in.fees = fees.clone(),
            Setting::Tax(t) => all_in.tax = Some(t.clone()),
            Setting::Fx(fx) => all_in.fx = Some(fx.clone()),
        }
    }
    Settings {
        scenario,
        pricing,
        all_in,
    }
}

pub fn run(args: &CompareArgs) -> Result<Exit> {
    let group_by = &args.by;
    let scenarios = scenarios(args)?;
    let (target, format) = Target::with_format(
        args.output.as_deref(),
        args.format,
        Format::Table,
        wabill::report::compare::Comparison::FORMATS,
    )?;
    settings::check_output(&args.log.input, args.output.as_deref())?;
    // Load every table first, so a bad card fails before the log is read.
    let contexts = scenarios
        .iter()
        .map(|s| {
            settings::pricing_context(&s.pricing)
                .with_context(|| format!("scenario {}", s.scenario.name))
        })
        .collect::<Result<Vec<_>>>()?;
    let period = settings::period(&args.log.period)?;
    let mut read = settings::read_settings(&args.log.input)?;
    settings::keep_tags(&mut read, group_by);
    let log = engine::read(&read, false)?;
    settings::check_tags(group_by, &log.stats)?;
    let mut reports = Vec::new();
    let mut metas = Vec::new();
    let mut failure = None;
    for (scenario, ctx) in scenarios.iter().zip(&contexts) {
        let report = price_scenario(scenario, ctx, &log, group_by, period, &mut failure)?;
        metas.push(ScenarioMeta {
            name: scenario.scenario.name.clone(),
            settings: scenario.scenario.written.clone(),
            model: report.meta.model.clone(),
            models_used: report.meta.models_used.clone(),
            currency: report.meta.currency.clone(),
            rate_sources: report.meta.rate_sources.clone(),
        });
        reports.push(report);
    }
    let mut comparison = compare(
        &reports,
        metas,
        log.files.clone(),
        zone_description(&contexts[0]),
    );
    comparison.meta.config = args.log.pricing.config_shown();
    let checks = Checks::new(failure, log.stats.clone(), &args.log.input);
    write_report(&target, &checks, |out, style| {
        Ok(wabill::render::write(&comparison, format, style, out)?)
    })?;
    Ok(Exit::Ok)
}

/// The scenarios over the common flags: two or more, each named once.
fn scenarios(args: &CompareArgs) -> Result<Vec<Settings<'_>>> {
    let scenarios: Vec<Settings<'_>> = args
        .scenarios
        .iter()
        .map(|s| apply(s, &args.log.pricing, &args.log.all_in))
        .collect();
    if scenarios.len() < 2 {
        bail!("compare needs two or more --scenario");
    }
    for (i, s) in scenarios.iter().enumerate() {
        if scenarios[..i]
            .iter()
            .any(|t| t.scenario.name == s.scenario.name)
        {
            bail!("--scenario {}: the name is used twice", s.scenario.name);
        }
    }
    Ok(scenarios)
}

/// One scenario's report of the log (`failure`: the first scenario's
/// messages it could not price).
fn price_scenario(
    scenario: &Settings<'_>,
    ctx: &wabill::pricing::PricingContext,
    log: &wabill::validate::Log,
    group_by: &[wabill::report::GroupBy],
    period: Option<wabill::report::period::Period>,
    failure: &mut Option<String>,
) -> Result<wabill::report::Report> {
    let mut aggregator = Aggregator::new(group_by.to_vec(), &ctx.markets).locating(ctx);
    if let Some(period) = period {
        aggregator = aggregator.with_period(period, &ctx.businesses, ctx.default_zone.clone());
    }
    let all_in = settings::all_in(&scenario.all_in, ctx)
        .with_context(|| format!("scenario {}", scenario.scenario.name))?;
    if let Some(rules) = &all_in {
        aggregator = aggregator.with_all_in(rules, &ctx.businesses, ctx.currency);
    }
    let unpriced = price_log(ctx, log, |m, result| {
        aggregator.add(m, result, &log.strings)
    });
    if let Some(e) = aggregator.all_in_error() {
        bail!("scenario {}: --fx: {e}", scenario.scenario.name);
    }
    if let Some(summary) = unpriced.summary() {
        failure.get_or_insert(format!("scenario {}: {summary}", scenario.scenario.name));
    }
    let report = aggregator.finish(
        &log.stats,
        MetaInput {
            model: ctx.model.name().to_string(),
            currency: ctx.currency.to_string(),
            time_zone: zone_description(ctx),
            inputs: log.files.clone(),
            input_formats: super::estimate::distinct(&log.formats),
        },
    );
    // With fees, tax or FX a scenario is compared on its all-in total,
    // in the all-in currency.
    Ok(all_in_as_cost(report))
}

/// The report with each line's cost replaced by its all-in total (and the
/// currency by the all-in one), when it has them.
fn all_in_as_cost(mut report: wabill::report::Report) -> wabill::report::Report {
    let Some(all_in) = report.meta.all_in.clone() else {
        return report;
    };
    let to_total = |line: &mut wabill::report::Line| {
        line.cost = line.all_in.map_or(line.cost, |a| a.total);
    };
    for row in &mut report.rows {
        to_total(&mut row.line);
    }
    to_total(&mut report.totals);
    report.meta.currency = all_in.currency;
    report
}
