//! `wabill generate`: a synthetic log for benchmarks (hidden command).

use std::path::PathBuf;

use anyhow::{Result, bail};
use clap::Args;

use super::output::Output;
use crate::error::Exit;
use crate::flags::BadValue;
use wabill::generate::{Options, generate};

/// `1500`, `10k`, `10M`, `1_000_000`.
fn parse_count(s: &str) -> Result<u64, BadValue> {
    let t = s.trim().replace('_', "");
    let (digits, scale) = match t.chars().last() {
        Some('k' | 'K') => (&t[..t.len() - 1], 1_000),
        Some('m' | 'M') => (&t[..t.len() - 1], 1_000_000),
        _ => (&t[..], 1),
    };
    digits
        .parse::<u64>()
        .ok()
        .and_then(|n| n.checked_mul(scale))
        .ok_or_else(|| BadValue::Count(s.to_string()))
}

#[derive(Debug, Args)]
pub struct GenerateArgs {
    /// Rows to write (suffixes k and M allowed: 10M)
    #[arg(long, default_value = "1M", value_parser = parse_count)]
    pub rows: u64,
    /// Seed; the same seed and options give the same bytes
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Distinct customers [default: rows / 10]
    #[arg(long, value_parser = parse_count)]
    pub customers: Option<u64>,
    /// Business phone numbers
    #[arg(long, default_value_t = 4)]
    pub businesses: u32,
    /// First day (YYYY-MM-DD, UTC)
    #[arg(long, default_value = "2026-01-05")]
    pub start: jiff::civil::Date,
    /// Days the log spans
    #[arg(long, default_value_t = 30)]
    pub days: u32,
    /// Share of customer messages from a click-to-WhatsApp ad (0–1)
    #[arg(long, default_value_t = 0.06)]
    pub entry_point_share: f64,
    /// Share of outbound messages logged as a `sent` row plus a receipt row (0–1)
    #[arg(long, default_value_t = 0.0)]
    pub status_event_share: f64,
    /// Shuffle the rows (the header stays first)
    #[arg(long)]
    pub shuffle: bool,
    /// Write Meta's webhook notifications (JSON lines) instead of a CSV log
    #[arg(long)]
    pub webhooks: bool,
    /// Write to FILE instead of standard output
    #[arg(help_heading = "Output", short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

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
