//! `wabill generate`: a synthetic log for benchmarks (hidden command).

use anyhow::{Result, bail};

use super::output::Output;
use crate::cli::GenerateArgs;
use crate::error::Exit;
use wabill::generate::{Options, generate};

pub fn run(args: &GenerateArgs) -> Result<Exit> {
    for (name, share) in [
        ("--entry-point-share", args.entry_point_share),
        ("--status-event-share", args.status_event_share),
    ] {
        if !(0.0..=1.0).contains(&share) {
            bail!("{name} must be between 0 and 1, not {share}");
        }
    }
    let customers = args.customers.unwrap_or((args.rows / 10).max(1));
    let Ok(customers) = u32::try_from(customers) else {
        bail!("--customers must be below 2^32");
    };
    let start = args
        .start
        .to_zoned_datetime(jiff::tz::TimeZone::UTC)?
        .timestamp()
        .as_millisecond();
    let options = Options {
        rows: args.rows,
        seed: args.seed,
        customers,
        businesses: args.businesses,
        start,
        days: args.days,
        entry_point_share: args.entry_point_share,
        status_event_share: args.status_event_share,
        shuffle: args.shuffle,
        webhooks: args.webhooks,
    };
    let mut output = Output::open(args.output.as_deref())?;
    generate(&options, output.writer())?;
    output.finish()?;
    Ok(Exit::Ok)
}
