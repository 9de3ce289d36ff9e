//! `wabill compare`: one log, read once, priced under several scenarios.

use anyhow::{Context, Result, bail};

use super::finish::{Checks, write_report};
use super::output::Target;
use super::settings::{self, zone_description};
use crate::cli::{AllInArgs, CompareArgs, PricingArgs};
use crate::error::Exit;
use wabill::engine::{self, price_log};
use wabill::render::{Document, Format};
use wabill::report::compare::{ScenarioMeta, compare};
use wabill::report::scenario::split_scenario;
use wabill::report::{Aggregator, GroupBy, MetaInput};

/// A scenario: a name and the settings that differ from the common flags.
#[derive(Debug)]
pub struct Scenario {
    pub name: String,
    pub settings: String,
    pub pricing: PricingArgs,
    /// Fees, tax and FX (`fees=`, `tax=`, `fx=`): with any, the scenario's
    /// cost is its all-in total.
    pub all_in: AllInArgs,
}

/// `NAME:KEY=VALUE,...`; keys model, rates (adds a card; repeatable),
/// currency, tiers, markets. `NAME` or `NAME:` alone is the common settings.
pub fn parse_scenario(spec: &str, base: &PricingArgs, base_all_in: &AllInArgs) -> Result<Scenario> {
    let (name, pairs) = split_scenario(spec).map_err(|e| anyhow::anyhow!("--scenario {e}"))?;
    let mut pricing = base.clone();
    let mut all_in = base_all_in.clone();
    for (key, value) in pairs {
        match key {
            "model" => pricing.model = Some(value.to_string()),
            "rates" => pricing.rates.push(value.into()),
            "currency" => pricing.currency = Some(value.to_string()),
            // `tiers=none` prices that scenario at list rates.
            "tiers" if value.eq_ignore_ascii_case("none") => {
                pricing.tiers = None;
                pricing.no_tiers = true;
            }
            "tiers" => {
                pricing.tiers = Some(value.into());
                pricing.no_tiers = false;
            }
            "markets" => pricing.markets = Some(value.into()),
            "fees" if value.eq_ignore_ascii_case("none") => all_in.fees = None,
            "fees" => all_in.fees = Some(value.into()),
            "tax" => {
                wabill::report::allin::Tax::parse(value)
                    .map_err(|e| anyhow::anyhow!("--scenario {name}: {e}"))?;
                all_in.tax = Some(value.to_string());
            }
            "fx" => all_in.fx = Some(value.into()),
            other => bail!(
                "--scenario {name}: unknown key {other:?} (expected model, rates, currency, \
                 tiers or markets)"
            ),
        }
    }
    let settings = spec.split_once(':').map_or("", |(_, s)| s);
    Ok(Scenario {
        name: name.to_string(),
        settings: settings.trim().to_string(),
        pricing,
        all_in,
    })
}

pub fn run(args: &CompareArgs) -> Result<Exit> {
    let group_by = GroupBy::parse_list(&args.by).map_err(|e| anyhow::anyhow!("--by: {e}"))?;
    if group_by.is_empty() {
        bail!("--by needs at least one key");
    }
    let scenarios: Vec<Scenario> = args
        .scenarios
        .iter()
        .map(|s| parse_scenario(s, &args.pricing, &args.all_in))
        .collect::<Result<_>>()?;
    if scenarios.len() < 2 {
        bail!("compare needs two or more --scenario");
    }
    for (i, s) in scenarios.iter().enumerate() {
        if scenarios[..i].iter().any(|t| t.name == s.name) {
            bail!("--scenario {}: the name is used twice", s.name);
        }
    }
    let (target, format) = Target::with_format(
        args.output.as_deref(),
        args.format,
        Format::Table,
        wabill::report::compare::Comparison::FORMATS,
    )?;
    settings::check_output(&args.input, args.output.as_deref())?;
    // Load every table first, so a bad card fails before the log is read.
    let contexts = scenarios
        .iter()
        .map(|s| {
            settings::pricing_context(&s.pricing).with_context(|| format!("scenario {}", s.name))
        })
        .collect::<Result<Vec<_>>>()?;
    let period = settings::period(&args.period)?;
    let mut read = settings::read_settings(&args.input)?;
    settings::keep_tags(&mut read, &group_by);
    let log = engine::read(&read, false)?;
    settings::check_tags(&group_by, &log.stats)?;
    let mut reports = Vec::new();
    let mut metas = Vec::new();
    let mut failure = None;
    for (scenario, ctx) in scenarios.iter().zip(&contexts) {
        let mut aggregator = Aggregator::new(group_by.clone(), &ctx.markets);
        if let Some(period) = period {
            aggregator = aggregator.with_period(period, &ctx.businesses, ctx.default_zone.clone());
        }
        let all_in = settings::all_in(&scenario.all_in, ctx)
            .with_context(|| format!("scenario {}", scenario.name))?;
        if let Some(rules) = &all_in {
            aggregator = aggregator.with_all_in(rules, &ctx.businesses, ctx.currency);
        }
        let unpriced = price_log(ctx, &log, |m, result| {
            aggregator.add(m, result, &log.strings)
        });
        if let Some(e) = aggregator.all_in_error() {
            bail!("scenario {}: --fx: {e}", scenario.name);
        }
        if let Some(summary) = unpriced.summary() {
            failure.get_or_insert(format!("scenario {}: {summary}", scenario.name));
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
        let report = all_in_as_cost(report);
        metas.push(ScenarioMeta {
            name: scenario.name.clone(),
            settings: scenario.settings.clone(),
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
    comparison.meta.config = super::config::shown(&args.pricing);
    let checks = Checks::new(failure, log.stats.clone(), &args.input);
    write_report(&target, &checks, |out, style| {
        Ok(wabill::render::write(&comparison, format, style, out)?)
    })?;
    Ok(Exit::Ok)
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
