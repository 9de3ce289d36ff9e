//! `wabill partition`: logs split into parts that price exactly alone.

use anyhow::Result;

use super::settings;
use crate::cli::{InputArgs, PartitionArgs};
use crate::engine::note;
use crate::error::Exit;
use crate::partition::partition;
use crate::refdata::businesses::{Businesses, parse_zone};
use crate::render::{group_digits, nouns, plural};

pub fn run(args: &PartitionArgs) -> Result<Exit> {
    let input = InputArgs {
        logs: args.logs.clone(),
        column: args.column.clone(),
        delimiter: args.delimiter.clone(),
        input_format: None,
        templates: None,
        allow_empty: false,
        strict: false,
        rejects: None,
        quiet: true,
        max_row_bytes: None,
    };
    let read = settings::read_settings(&input)?;
    let (sources, options) = (read.sources, read.options);
    let businesses = match &args.businesses {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .map_err(|e| anyhow::anyhow!("cannot read {}: {e}", path.display()))?;
            // Zones do not matter here, only portfolios.
            let utc = (parse_zone("UTC")?, "UTC".to_string());
            Businesses::parse(&path.display().to_string(), &text, &utc)?
        }
        None => Businesses::default(),
    };
    let summary = partition(
        &sources,
        &options,
        args.by,
        &businesses,
        args.parts,
        &args.out,
    )?;
    let total: u64 = summary.rows.iter().sum();
    let busiest = summary.rows.iter().max().copied().unwrap_or(0);
    note(&format!(
        "{} {} into {} in {} (largest part {} {})",
        group_digits(total),
        nouns(total, "row"),
        plural(summary.files.len() as u64, "part"),
        args.out.display(),
        group_digits(busiest),
        nouns(busiest, "row")
    ));
    Ok(Exit::Ok)
}
