//! `wabill reconcile`: a log's estimate against what Meta billed. Its
//! arguments and the three ways it compares: against Meta's pricing
//! analytics (`--actual`, `cells.rs`), against Meta's decision per message
//! carried by the log (`messages.rs`), against the provider's own price of
//! each message (`--provider-charges`, `charges.rs`).

mod cells;
mod charges;
mod messages;

use std::path::PathBuf;

use anyhow::Result;
use clap::Args;

use crate::app::settings;
use crate::choice::{choice, formats};
use crate::error::Exit;
use crate::flags::{InputArgs, PricingArgs, parse_currency};
use crate::output::Target;
use wabill::model::Currency;
use wabill::reconcile::Granularity;
use wabill::reconcile::tolerance::Tolerance;
use wabill::render::{Document, Format};

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

/// The target and format of a reconcile without `--actual` (per message or
/// against a provider's charges): the format is one of reconcile's, and one
/// that mode writes (`offered`), else a usage error saying `which`.
fn mode_target(
    args: &ReconcileArgs,
    offered: &[wabill::render::Offered],
    which: &str,
) -> Result<(Target, Format)> {
    let target = Target::resolve(args.output.as_deref())?;
    settings::check_output(&args.input, args.output.as_deref())?;
    let format = crate::output::format_for(
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
        charges::run(args)
    } else if args.actual.is_empty() {
        messages::run(args)
    } else {
        cells::run(args)
    }
}
