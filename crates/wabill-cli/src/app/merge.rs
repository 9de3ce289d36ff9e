//! `wabill merge`: partial reports of a partitioned log into the report of
//! the whole log; and the settings a partial report records.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::Path;
use std::path::PathBuf;

use anyhow::{Context, Result};
use clap::Args;

use super::output::Target;
use crate::choice::formats;
use crate::color::style_for_stdout;
use crate::error::{Exit, Failure};
use crate::flags::PricingArgs;
use crate::partition::stable_hash;
use wabill::pricing::PricingContext;
use wabill::render::{Format, GRID_FORMATS};
use wabill::report::Report;
use wabill::report::merge::merge;

#[derive(Debug, Args)]
pub struct MergeArgs {
    /// Partial reports (JSON of `wabill estimate --format json`); `-` reads standard input
    #[arg(value_name = "REPORT", required = true)]
    pub reports: Vec<String>,

    /// Output format [default: from the -o file's extension, else table]
    #[arg(long, value_parser = formats(GRID_FORMATS))]
    pub format: Option<Format>,

    /// Write the report to FILE (atomically) instead of standard output
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

pub fn run(args: &MergeArgs) -> Result<Exit> {
    let (target, format) = Target::with_format(
        args.output.as_deref(),
        args.format,
        wabill::render::Format::Table,
        wabill::render::GRID_FORMATS,
    )?;
    let mut parts = Vec::with_capacity(args.reports.len());
    for name in &args.reports {
        let text = if name == "-" {
            let mut s = String::new();
            std::io::stdin()
                .read_to_string(&mut s)
                .context("cannot read standard input")?;
            s
        } else {
            crate::output::read_input(Path::new(name))
                .with_context(|| format!("cannot read {name}"))?
        };
        let report: Report = serde_json::from_str(&text).with_context(|| {
            format!("{name}: not a JSON report of `wabill estimate --format json`")
        })?;
        parts.push((name.clone(), report));
    }
    crate::partition::check_parts(
        &parts
            .iter()
            .map(|(name, r)| crate::partition::PricedPart {
                report: name,
                inputs: &r.meta.inputs,
                rows_read: r.accounting.rows_read,
            })
            .collect::<Vec<_>>(),
    )?;
    let report = merge(&parts)?;
    let mut output = target.open()?;
    wabill::render::write(
        &report,
        format,
        style_for_stdout(args.output.is_some()),
        output.writer(),
    )?;
    output.finish()?;
    let unpriced = report.accounting.unpriced;
    if unpriced > 0 {
        return Err(Failure::new(
            Exit::Error,
            format!(
                "{} could not be priced (each part's run named them)",
                wabill::render::plural(unpriced, "message")
            ),
        )
        .into());
    }
    Ok(Exit::Ok)
}

/// What must be equal for two partial reports to merge, besides the
/// report's own model, currency, zone and grouping: wabill's version (its
/// built-in cards and rules) and the files given, by content, so that the
/// same card at another path on another machine still agrees.
pub fn partial_settings(
    args: &PricingArgs,
    ctx: &PricingContext,
) -> Result<BTreeMap<String, String>> {
    let fingerprint = |path: &Path| -> Result<String> {
        crate::output::note_input(path);
        let bytes =
            std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
        Ok(format!("fnv1a64:{:016x}", stable_hash(&bytes)))
    };
    let optional = |path: Option<&Path>, absent: &str| -> Result<String> {
        path.map_or_else(|| Ok(absent.to_string()), fingerprint)
    };
    let mut rates = vec!["built-in".to_string()];
    for path in &args.rates {
        rates.push(fingerprint(path)?);
    }
    Ok(BTreeMap::from([
        ("wabill".into(), env!("CARGO_PKG_VERSION").into()),
        ("tz".into(), ctx.default_zone_name.clone()),
        ("rates".into(), rates.join(" + ")),
        (
            "markets".into(),
            optional(args.markets.as_deref(), "built-in")?,
        ),
        (
            "tiers".into(),
            match args.no_tiers {
                true => "off".to_string(),
                false => optional(args.tiers.as_deref(), "built-in")?,
            },
        ),
        ("stale_rates".into(), args.stale_rates.to_string()),
        (
            "businesses".into(),
            optional(args.businesses.as_deref(), "none")?,
        ),
        (
            "service_window_hours".into(),
            args.service_window_hours.to_string(),
        ),
        (
            "entry_point_hours".into(),
            args.entry_point_hours
                .map_or("72, 168 from 2026-10-01".to_string(), |h| h.to_string()),
        ),
    ]))
}
