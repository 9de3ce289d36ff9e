//! `wabill validate`: every problem in the logs, as data on stdout, with a
//! summary by kind. Rejected rows, plus plausibility checks that need the
//! whole log: service messages outside any customer service window (WhatsApp
//! would have refused them), timestamps in the future or before 2018, and a
//! customer number that also appears without its country code.

use std::collections::BTreeMap;
use std::path::PathBuf;

use anyhow::Result;
use clap::Args;

use super::output::Target;
use super::settings;
use crate::choice::formats;
use crate::color::style_for_stdout;
use crate::error::Exit;
use crate::flags::{InputArgs, PricingArgs};
use wabill::engine::note;
use wabill::model::Instant;
use wabill::pricing::{Pricer, Unpriced};
use wabill::rejects::RejectsFile;
use wabill::render::problems as render;
use wabill::render::{Document, Format};
use wabill::validate::plausible::{self, Kind, Pricing, Problem};
use wabill::validate::{Rejection, read_log};

#[derive(Debug, Args)]
pub struct ValidateArgs {
    #[command(flatten)]
    pub input: InputArgs,
    #[command(flatten)]
    pub pricing: PricingArgs,

    /// Output format of the problem list [default: from the -o file's extension, else text]
    #[arg(help_heading = "Output", long, value_parser = formats(wabill::render::problems::Problems::FORMATS))]
    pub format: Option<Format>,

    /// Write to FILE (atomically; `-` is standard output)
    #[arg(help_heading = "Output", short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

pub fn run(args: &ValidateArgs) -> Result<Exit> {
    let (target, format) = Target::with_format(
        args.output.as_deref(),
        args.format,
        wabill::render::Format::Text,
        <render::Problems as wabill::render::Document>::FORMATS,
    )?;
    settings::check_output(&args.input, args.output.as_deref())?;
    let ctx = settings::pricing_context(&args.pricing)?;
    let input = settings::read_settings(&args.input)?;
    let mut problems: Vec<Problem> = Vec::new();
    let mut rejects = args
        .input
        .rejects
        .as_deref()
        .map(|path| RejectsFile::create(&super::output::rejects_target(path)))
        .transpose()?;
    let log = read_log(
        &input.sources,
        &input.options,
        true,
        &mut |r: &Rejection, record: Option<wabill::input::Original<'_>>| {
            if let Some(file) = &mut rejects {
                file.write(r, record);
            }
            problems.push(Problem {
                kind: Kind::RejectedRow,
                rejection: r.clone(),
            })
        },
        &mut |_, _| {},
    )?;
    if let Some(file) = rejects {
        file.finish()?;
    }

    problems.extend(plausibility(&ctx, &log));
    problems
        .sort_by(|a, b| (&a.rejection.at, a.kind.name()).cmp(&(&b.rejection.at, b.kind.name())));

    let mut output = target.open()?;
    let list: Vec<render::Problem<'_>> = problems
        .iter()
        .map(|p| render::Problem {
            kind: p.kind.name(),
            rejection: &p.rejection,
        })
        .collect();
    wabill::render::write(
        &render::Problems(&list),
        format,
        style_for_stdout(target.shown().is_some()),
        output.writer(),
    )?;
    output.finish()?;
    Ok(verdict(&log, &problems, &args.input))
}

/// The whole-log checks: timestamps in the future or before 2018, service
/// outside every window, a number also written without its country code.
fn plausibility(
    ctx: &wabill::pricing::PricingContext,
    log: &wabill::validate::Log,
) -> Vec<Problem> {
    let now = Instant::from_micros(jiff::Timestamp::now().as_microsecond());
    let mut pricer = Pricer::new(ctx);
    plausible::whole_log(log, now, |m| match pricer.price(m, &log.strings) {
        Err(Unpriced::NoCategory) => Pricing::NoCategory,
        Ok(p)
            if p.windows
                .is_some_and(|w| w.service_window.is_none() && w.entry_window.is_none()) =>
        {
            Pricing::OutsideEveryWindow
        }
        _ => Pricing::Other,
    })
}

/// The summary on stderr and the exit: 1 with problems, or with a log that
/// has nothing to price (as `estimate` fails it).
fn verdict(
    log: &wabill::validate::Log,
    problems: &[Problem],
    input: &crate::flags::InputArgs,
) -> Exit {
    let mut by_kind: BTreeMap<&str, (Kind, u64)> = BTreeMap::new();
    for p in problems {
        by_kind.entry(p.kind.name()).or_insert((p.kind, 0)).1 += 1;
    }
    let summary: Vec<String> = by_kind
        .values()
        .map(|&(k, n)| count(n, k.name(), k.plural()))
        .collect();
    let mut read = format!(
        "{}, {}",
        count(log.stats.rows_read, "row read", "rows read"),
        count(log.messages.len() as u64, "message", "messages")
    );
    if log.stats.not_whatsapp > 0 {
        read.push_str(&format!(", {} not WhatsApp", log.stats.not_whatsapp));
    }
    if !log.stats.unwrapped.is_empty() {
        note(&wabill::render::unwrapped_line(&log.stats.unwrapped));
    }
    // A log with nothing to price fails as `estimate` fails it.
    let empty = super::finish::Checks::new(None, log.stats.clone(), input).failure();
    if let (true, Some(why)) = (problems.is_empty(), empty) {
        note(&format!("{read}: {why}"));
        Exit::Error
    } else if problems.is_empty() {
        note(&format!("{read}, no problems"));
        Exit::Ok
    } else {
        note(&format!(
            "{read}, {}: {}",
            count(problems.len() as u64, "problem", "problems"),
            summary.join(", ")
        ));
        Exit::Error
    }
}

/// `1 row`, `2 rows`.
fn count(n: u64, one: &str, many: &str) -> String {
    wabill::render::plural_of(n, one, many)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_take_the_plural() {
        assert_eq!(count(1, "problem", "problems"), "1 problem");
        assert_eq!(count(0, "problem", "problems"), "0 problems");
        assert_eq!(
            count(
                2,
                Kind::TimestampBefore2018.name(),
                Kind::TimestampBefore2018.plural()
            ),
            "2 timestamps before 2018"
        );
    }
}
