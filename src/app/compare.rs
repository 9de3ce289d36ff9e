//! `wabill compare`: one log, read once, priced under several scenarios.

use anyhow::{Context, Result, bail};

use super::finish::{Checks, write_report};
use super::output::{Target, format_for};
use super::settings::{self, zone_description};
use crate::cli::{CompareArgs, PricingArgs};
use crate::engine::{self, price_log};
use crate::error::Exit;
use crate::render::Format;
use crate::render::compare as render;
use crate::report::compare::{ScenarioMeta, compare};
use crate::report::scenario::split_scenario;
use crate::report::{Aggregator, GroupBy, MetaInput};

/// A scenario: a name and the settings that differ from the common flags.
#[derive(Debug)]
pub struct Scenario {
    pub name: String,
    pub settings: String,
    pub pricing: PricingArgs,
}

/// `NAME:KEY=VALUE,...`; keys model, rates (adds a card; repeatable),
/// currency, tiers, markets. `NAME` or `NAME:` alone is the common settings.
pub fn parse_scenario(spec: &str, base: &PricingArgs) -> Result<Scenario> {
    let (name, pairs) = split_scenario(spec).map_err(|e| anyhow::anyhow!("--scenario {e}"))?;
    let mut pricing = base.clone();
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
        .map(|s| parse_scenario(s, &args.pricing))
        .collect::<Result<_>>()?;
    if scenarios.len() < 2 {
        bail!("compare needs two or more --scenario");
    }
    for (i, s) in scenarios.iter().enumerate() {
        if scenarios[..i].iter().any(|t| t.name == s.name) {
            bail!("--scenario {}: the name is used twice", s.name);
        }
    }
    let target = Target::resolve(args.output.as_deref())?;
    let format = format_for(args.format, &target, Format::Table)?;
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
        let unpriced = price_log(ctx, &log, |m, result| {
            aggregator.add(m, result, &log.strings)
        });
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
        Ok(render::render(&comparison, format, style, out)?)
    })?;
    Ok(Exit::Ok)
}
