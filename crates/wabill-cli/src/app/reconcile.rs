//! `wabill reconcile`: the estimate of a log against Meta's pricing
//! analytics export, with provider fees and a reporting currency.

use std::path::Path;

use anyhow::{Context, Result, anyhow, bail};

use super::finish::{Checks, write_report};
use super::output::Target;
use super::settings::{self, zone_description};
use crate::error::Exit;
use std::path::PathBuf;
use wabill::engine::{self, note, price_log};
use wabill::reconcile::fees::Fees;
use wabill::reconcile::fx::FxTable;
use wabill::reconcile::periods::Periods;
use wabill::reconcile::tolerance::Tolerance;
use wabill::reconcile::{Dimensions, Estimate, Measure, Settings, actual, reconcile};
use wabill::render::{Document, Format};

use clap::Args;

use crate::choice::{choice, formats};
use crate::flags::{InputArgs, PricingArgs, parse_currency};
use wabill::model::Currency;
use wabill::reconcile::Granularity;

fn parse_tolerance(s: &str) -> Result<Tolerance, wabill::reconcile::tolerance::BadTolerance> {
    Tolerance::parse_one(s)
}

#[derive(Debug, Args)]
pub struct ReconcileArgs {
    #[command(flatten)]
    pub input: InputArgs,
    #[command(flatten)]
    pub pricing: PricingArgs,

    /// Meta's pricing analytics export (Graph API JSON or CSV); repeatable
    /// (one file per page). Without it, each message is compared with
    /// Meta's own decision carried by the log (webhooks' `pricing`)
    #[arg(long, value_name = "FILE")]
    pub actual: Vec<PathBuf>,

    /// Cells by day or month; Meta's data points (half-hour, daily from the
    /// account's midnight, monthly) are grouped into them
    #[arg(long, value_parser = choice::<Granularity>(), default_value_t = Granularity::Day)]
    pub granularity: Granularity,

    /// Allowed cost difference per cell: an amount (0.01, billed currency)
    /// and/or a share of the estimate (2%); a cell passes if it meets either
    /// [default: exact]
    #[arg(long, value_name = "AMOUNT|PERCENT", value_parser = parse_tolerance)]
    pub tolerance: Vec<Tolerance>,

    /// Group the estimate by Meta's own periods (UTC days in most exports)
    /// instead of each business's time zone (billing months follow the zone)
    #[arg(long)]
    pub utc: bool,

    /// Provider fees CSV (fee,amount): shown beside Meta's charge
    #[arg(long, value_name = "FILE")]
    pub fees: Option<PathBuf>,

    /// Compare the provider's own price of each message (Twilio Price,
    /// YCloud totalPrice, Infobip pricePerMessage, a provider_price column)
    /// with wabill's estimate of Meta's price, plus --fees when given: lists
    /// the messages that differ (`periods`: the totals per --granularity
    /// period, gated by period)
    #[arg(
        long,
        value_parser = choice::<wabill::reconcile::charges::ChargeView>(),
        value_name = "VIEW",
        num_args = 0..=1,
        default_missing_value = "messages",
        conflicts_with = "actual"
    )]
    pub provider_charges: Option<wabill::reconcile::charges::ChargeView>,

    /// Dated exchange rates CSV (date,from,to,rate) into the reporting currency
    #[arg(long, value_name = "FILE")]
    pub fx: Option<PathBuf>,

    /// With --fx: the currency to report in [default: the only one --fx
    /// converts the billed currency into]
    #[arg(long, value_name = "CODE", requires = "fx", value_parser = parse_currency)]
    pub report_currency: Option<Currency>,

    /// Output format [default: from the -o file's extension, else table]
    #[arg(help_heading = "Output", long, value_parser = formats(wabill::reconcile::Reconciliation::FORMATS))]
    pub format: Option<Format>,

    /// Write to FILE (atomically; `-` is standard output)
    #[arg(help_heading = "Output", short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

fn read(path: &Path) -> Result<(String, String)> {
    let name = path.display().to_string();
    let text = crate::output::read_input(path).with_context(|| format!("cannot read {name}"))?;
    Ok((name, text))
}

/// The target and format of a reconcile without `--actual` (per message or
/// against a provider's charges): the format is one of reconcile's, and one
/// that mode writes (`offered`), else a usage error saying `which`.
pub(super) fn mode_target(
    args: &ReconcileArgs,
    offered: &[wabill::render::Offered],
    which: &str,
) -> Result<(Target, Format)> {
    let target = Target::resolve(args.output.as_deref())?;
    settings::check_output(&args.input, args.output.as_deref())?;
    let format = super::output::format_for(
        args.format,
        &target,
        Format::Table,
        wabill::reconcile::Reconciliation::FORMATS,
    )?;
    if !wabill::render::offers(offered, format) {
        return Err(crate::error::Failure::new(
            Exit::Usage,
            format!("--format html is for reconcile with --actual; {which}"),
        )
        .into());
    }
    Ok((target, format))
}

pub fn run(args: &ReconcileArgs) -> Result<Exit> {
    if args.provider_charges.is_some() {
        return super::reconcile_charges::run(args);
    }
    if args.actual.is_empty() {
        return super::reconcile_messages::run(args);
    }
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
    let mut points = Vec::new();
    let mut actual_files: Vec<String> = Vec::new();
    let mut unit = None;
    for path in &args.actual {
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
    let unit = unit.map(|u| u.0).unwrap_or_default();
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
            Some(FxTable::parse(&name, &text)?)
        }
        None => None,
    };
    let fx = match &fx {
        Some(table) => {
            let to = match &args.report_currency {
                Some(c) => *c,
                None => table.single_target(ctx.currency).ok_or_else(|| {
                    anyhow!(
                        "--fx: choose the currency to report in with --report-currency (the file \
                         converts {} into none or several)",
                        ctx.currency
                    )
                })?,
            };
            Some((table, ctx.currency, to))
        }
        None => None,
    };

    let log = engine::read(&settings::read_settings(&args.input)?, false)?;
    let mut estimate = Estimate::new(
        args.granularity,
        Dimensions::of(&points),
        args.utc,
        periods,
        unit,
    );
    let unpriced = price_log(&ctx, &log, |m, result| estimate.add(m, result));
    let estimate_days = match zone_description(&ctx) {
        _ if args.utc && meta_utc_days => "UTC (--utc)".to_string(),
        _ if args.utc => "Meta's periods (--utc)".to_string(),
        zone if zone == "UTC" => "UTC (no business time zone given)".to_string(),
        zone => format!("{zone} (business time zone)"),
    };
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
        Ok(Exit::OutsideTolerance)
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
        Ok(Exit::Ok)
    }
}
