//! `wabill reconcile --actual`: the estimate of a log against Meta's pricing
//! analytics export, cell by cell, with provider fees and a reporting currency.

use std::path::Path;

use anyhow::{Context, Result, bail};

use super::ReconcileArgs;
use crate::app::finish::{Checks, write_report};
use crate::app::settings::{self, zone_description};
use crate::error::Exit;
use crate::output::Target;
use wabill::engine::{self, note, price_log};
use wabill::reconcile::fees::Fees;
use wabill::reconcile::fx::FxTable;
use wabill::reconcile::periods::Periods;
use wabill::reconcile::tolerance::Tolerance;
use wabill::reconcile::{Dimensions, Estimate, Measure, Settings, actual, reconcile};
use wabill::render::{Document, Format};

fn read(path: &Path) -> Result<(String, String)> {
    let name = path.display().to_string();
    let text = crate::output::read_input(path).with_context(|| format!("cannot read {name}"))?;
    Ok((name, text))
}

pub fn run(args: &ReconcileArgs) -> Result<Exit> {
    let tolerance = Tolerance::all(&args.tolerance);
    let (target, format) = Target::with_format(
        args.output.as_deref(),
        args.format,
        Format::Table,
        wabill::reconcile::Reconciliation::FORMATS,
    )?;
    settings::check_output(&args.input, args.output.as_deref())?;
    let ctx = settings::pricing_context(&args.pricing)?;
    // Every side file is read before the log, so a bad one fails fast.
    let (points, actual_files, unit) = read_exports(&args.actual, &ctx)?;
    let (points, duplicates) = actual::dedupe(points)?;
    if let Some((first, again)) = &duplicates.first {
        note(&format!(
            "warning: {} given more than once (first {first}, again {again}): counted once",
            wabill::render::plural(duplicates.dropped, "data point")
        ));
    }
    let measure = Measure::of(&points)?;
    let zone = if args.utc {
        jiff::tz::TimeZone::UTC
    } else {
        ctx.default_zone.clone()
    };
    let (periods, labels) = Periods::new(&points, args.granularity, zone)?;
    let meta_utc_days = periods.utc_days();
    let fees = match &args.fees {
        Some(path) => {
            let (name, text) = read(path)?;
            Some(Fees::parse(&name, &text)?)
        }
        None => None,
    };
    let fx = match &args.fx {
        Some(path) => {
            let (name, text) = read(path)?;
            let table = FxTable::parse(&name, &text)?;
            let to = settings::report_currency(&table, &name, args.report_currency, ctx.currency)?;
            Some((table, to))
        }
        None => None,
    };
    let fx = fx.as_ref().map(|(table, to)| (table, ctx.currency, *to));

    let log = engine::read(&settings::read_settings(&args.input)?, false)?;
    let mut estimate = Estimate::new(
        args.granularity,
        Dimensions::of(&points),
        args.utc,
        periods,
        unit,
    );
    let unpriced = price_log(&ctx, &log, |m, result| estimate.add(m, result));
    let estimate_days = estimate_days(&ctx, args.utc, meta_utc_days);
    let mut result = reconcile(
        estimate,
        &points,
        labels,
        &Settings {
            tolerance,
            markets: &ctx.markets,
            fees: fees.as_ref(),
            fx,
            currency: ctx.currency.to_string(),
            estimate_days,
            inputs: log.files.clone(),
            actual: actual_files,
            measure,
            duplicate_points: duplicates.dropped,
        },
    )?;
    result.meta.config = args.pricing.config_shown();

    let checks = Checks::new(unpriced.summary(), log.stats.clone(), &args.input);
    write_report(&target, &checks, |out, style| {
        Ok(wabill::render::write(&result, format, style, out)?)
    })?;
    Ok(verdict(&result))
}

/// Meta's exports (`--actual`, one file per page), all counting the same
/// unit and billed in the run's currency: their points, names and unit.
fn read_exports(
    paths: &[std::path::PathBuf],
    ctx: &wabill::pricing::PricingContext,
) -> Result<(Vec<actual::ActualPoint>, Vec<String>, actual::Unit)> {
    let mut points = Vec::new();
    let mut actual_files: Vec<String> = Vec::new();
    let mut unit = None;
    for path in paths {
        let (name, text) = read(path)?;
        let export = actual::parse(&name, &text)?;
        match unit {
            Some((u, ref first)) if u != export.unit => bail!(
                "{name} and {first}: one counts messages (pricing_analytics), the other \
                 conversations (conversation_analytics); reconcile them in separate runs"
            ),
            Some(_) => {}
            None => unit = Some((export.unit, name.clone())),
        }
        if let Some(c) = &export.currency
            && c != ctx.currency.as_str()
        {
            bail!(
                "{name}: Meta billed in {c} but wabill prices in {}: pass --currency {c} (with a \
                 {c} card)",
                ctx.currency
            );
        }
        points.extend(export.points);
        actual_files.push(name);
    }
    Ok((points, actual_files, unit.map(|u| u.0).unwrap_or_default()))
}

/// The days the estimate is grouped by, as the report says.
fn estimate_days(ctx: &wabill::pricing::PricingContext, utc: bool, meta_utc_days: bool) -> String {
    match zone_description(ctx) {
        _ if utc && meta_utc_days => "UTC (--utc)".to_string(),
        _ if utc => "Meta's periods (--utc)".to_string(),
        zone if zone == "UTC" => "UTC (no business time zone given)".to_string(),
        zone => format!("{zone} (business time zone)"),
    }
}

/// The run's exit and its summary on stderr: how many cells agree.
fn verdict(result: &wabill::reconcile::Reconciliation) -> Exit {
    let cells = result
        .rows
        .iter()
        .filter(|r| r.actual_volume.is_some())
        .count();
    if result.cells_outside_tolerance > 0 {
        note(&format!(
            "{} of {} differ from Meta's figures by more than the tolerance ({})",
            result.cells_outside_tolerance,
            wabill::render::plural(cells as u64, "cell"),
            result.meta.tolerance
        ));
        Exit::OutsideTolerance
    } else {
        note(&format!(
            "{} within tolerance ({})",
            if cells == 1 {
                "1 cell".to_string()
            } else {
                format!("all {cells} cells")
            },
            result.meta.tolerance
        ));
        Exit::Ok
    }
}
