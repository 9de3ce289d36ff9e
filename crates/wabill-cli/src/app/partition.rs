//! `wabill partition`: logs split into parts that price exactly alone.

use std::path::PathBuf;

use anyhow::Result;
use clap::Args;

use super::settings;
use crate::error::{Exit, Failure};
use crate::flags::InputArgs;
use crate::partition::{PartitionOptions, partition};
use wabill::engine::note;
use wabill::refdata::businesses::{Businesses, parse_zone};
use wabill::rejects::RejectsFile;
use wabill::render::{group_digits, nouns, plural};

#[derive(Debug, Args)]
pub struct PartitionArgs {
    #[command(flatten)]
    pub input: InputArgs,

    /// What keeps rows together
    #[arg(long, value_enum, default_value_t = crate::partition::PartitionBy::Portfolio)]
    pub by: crate::partition::PartitionBy,

    /// Number of parts
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    pub parts: u32,

    /// Directory for the parts (created if missing); one that holds parts
    /// or a manifest of an earlier run is refused without --force
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,

    /// Replace the parts and manifest an earlier run left in DIR
    #[arg(long)]
    pub force: bool,

    /// Businesses CSV (business,timezone,portfolio,home_country): the portfolio of each business
    #[arg(long, value_name = "FILE")]
    pub businesses: Option<PathBuf>,
}

pub fn run(args: &PartitionArgs) -> Result<Exit> {
    let input = &args.input;
    let read = settings::read_settings(input)?;

    let (sources, options) = (read.sources, read.options);
    let businesses = match &args.businesses {
        Some(path) => {
            let text = crate::output::read_input(path)
                .map_err(|e| anyhow::anyhow!("cannot read {}: {e}", path.display()))?;
            // Zones do not matter here, only portfolios.
            let utc = (parse_zone("UTC")?, "UTC".to_string());
            Businesses::parse(&path.display().to_string(), &text, &utc)?
        }
        None => Businesses::default(),
    };
    let mut rejects = match &input.rejects {
        Some(path) => Some(RejectsFile::create(&crate::output::rejects_target(path))?),
        None => None,
    };
    let summary = partition(
        &sources,
        &options,
        args.by,
        &businesses,
        args.parts,
        &args.out,
        PartitionOptions {
            force: args.force,
            rejects: rejects.as_mut(),
        },
    )?;
    if let Some(r) = rejects {
        r.finish()?;
    }
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
    if summary.rejected > 0 {
        note(&format!(
            "{} could not be read: each is in part-00000.csv as a one-field row that \
             pricing the part rejects",
            plural(summary.rejected, "row")
        ));
        if input.strict {
            return Err(Failure::new(
                Exit::Error,
                format!("{} rejected (--strict)", plural(summary.rejected, "row")),
            )
            .into());
        }
    }
    Ok(Exit::Ok)
}
