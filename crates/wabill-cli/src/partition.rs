//! Splitting logs into parts that price exactly on their own: every row of
//! a portfolio (or business) goes to the same part, chosen by a hash that
//! is the same on every machine and in every run, so that logs split on
//! different days or hosts agree.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};

use wabill::input::{Column, LogReader, ReadOptions, Source};
use wabill::refdata::businesses::{Businesses, business_key};

/// FNV-1a, 64 bits: stable across platforms, runs and Rust versions (the
/// standard library's hashers promise none of that).
pub fn stable_hash(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in bytes {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

/// What keeps rows together.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum PartitionBy {
    /// A business's portfolio from --businesses; a business it does not
    /// list goes by its number
    Portfolio,
    /// The business number
    Business,
}

/// The key rows of one part share: `portfolio:NAME` or `business:NUMBER`.
pub fn partition_key(business: &str, by: PartitionBy, businesses: &Businesses) -> String {
    match by {
        PartitionBy::Portfolio => businesses.tier_owner(business),
        PartitionBy::Business => format!("business:{}", business_key(business)),
    }
}

/// The part (0-based) of a key among `parts`.
pub fn part_of(key: &str, parts: u32) -> u32 {
    (stable_hash(key.as_bytes()) % u64::from(parts.max(1))) as u32
}

/// The file of part `i` in `dir`.
pub fn part_path(dir: &Path, i: u32) -> PathBuf {
    dir.join(format!("part-{i:05}.csv"))
}

pub struct Summary {
    pub rows: Vec<u64>,
    pub files: Vec<PathBuf>,
}

/// Streams `sources` into `parts` CSV files in `dir`, each with the header
/// of the first log; rows keep their order within each part. Logs whose
/// columns are the same in another order are rearranged to the first's.
pub fn partition(
    sources: &[Source],
    options: &ReadOptions,
    by: PartitionBy,
    businesses: &Businesses,
    parts: u32,
    dir: &Path,
) -> Result<Summary> {
    if parts == 0 {
        bail!("--parts must be at least 1");
    }
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let files: Vec<PathBuf> = (0..parts).map(|i| part_path(dir, i)).collect();
    let mut writers = Vec::with_capacity(files.len());
    let mut header: Option<(Vec<String>, u8)> = None;
    let mut rows = vec![0u64; parts as usize];
    let mut record = csv::ByteRecord::new();
    let mut arranged = csv::ByteRecord::new();
    for source in sources {
        let mut reader = LogReader::open(source, options)?;
        if reader.headers.is_empty() {
            continue; // an empty file: nothing to split
        }
        let (names, delimiter) = header
            .get_or_insert_with(|| (reader.headers.clone(), reader.delimiter.unwrap_or(b',')))
            .clone();
        if writers.is_empty() {
            for path in &files {
                let file = File::create(path)
                    .with_context(|| format!("cannot create {}", path.display()))?;
                let mut w = csv::WriterBuilder::new()
                    .delimiter(delimiter)
                    .flexible(true)
                    .terminator(csv::Terminator::Any(b'\n'))
                    .from_writer(BufWriter::with_capacity(1 << 16, file));
                w.write_record(&names)?;
                writers.push(w);
            }
        }
        let order = arrangement(&names, &reader.headers).with_context(|| {
            format!(
                "{}: its columns ({}) are not those of the first log ({})",
                reader.name,
                reader.headers.join(", "),
                names.join(", ")
            )
        })?;
        while reader.next_record(&mut record)?.is_some() {
            let business = String::from_utf8_lossy(reader.columns.field(&record, Column::Business));
            let part = part_of(&partition_key(&business, by, businesses), parts) as usize;
            rows[part] += 1;
            let out = match &order {
                // A row of another width is kept as it is (it is rejected
                // either way when priced).
                Some(order) if record.len() == order.len() => {
                    arranged.clear();
                    for i in order {
                        arranged.push_field(&record[*i]);
                    }
                    &arranged
                }
                _ => &record,
            };
            writers[part].write_byte_record(out)?;
        }
    }
    if writers.is_empty() {
        bail!("no log has a header: nothing to partition");
    }
    for (w, path) in writers.into_iter().zip(&files) {
        w.into_inner()
            .map_err(|e| e.into_error())
            .and_then(|mut b| b.flush())
            .with_context(|| format!("cannot write {}", path.display()))?;
    }
    Ok(Summary { rows, files })
}

/// For a log with header `theirs`, the field to take for each column of
/// `ours`: `None` when they are in the same order, an error when the sets
/// of names differ.
fn arrangement(ours: &[String], theirs: &[String]) -> Option<Option<Vec<usize>>> {
    if ours == theirs {
        return Some(None);
    }
    if ours.len() != theirs.len() {
        return None;
    }
    let order: Option<Vec<usize>> = ours
        .iter()
        .map(|name| theirs.iter().position(|t| t.eq_ignore_ascii_case(name)))
        .collect();
    order.map(Some)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_hash_is_fnv1a_and_stable() {
        // Published FNV-1a 64 test vectors.
        assert_eq!(stable_hash(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(stable_hash(b"a"), 0xaf63_dc4c_8601_ec8c);
        assert_eq!(stable_hash(b"foobar"), 0x85944171f73967e8);
    }

    #[test]
    fn portfolios_keep_their_businesses_together() {
        let file = Businesses::parse(
            "b.csv",
            "business,timezone,portfolio,home_country\n+551140000001,,acme,\n551140000002,,acme,\n",
            &(jiff::tz::TimeZone::UTC, "UTC".into()),
        )
        .unwrap();
        let by = PartitionBy::Portfolio;
        assert_eq!(
            partition_key("+55 11 4000-0001", by, &file),
            "portfolio:acme"
        );
        assert_eq!(partition_key("551140000002", by, &file), "portfolio:acme");
        assert_eq!(partition_key("+1 555 0100", by, &file), "business:15550100");
        assert_eq!(
            partition_key("551140000002", PartitionBy::Business, &file),
            "business:551140000002"
        );
        for parts in 1..20 {
            assert!(part_of("portfolio:acme", parts) < parts);
        }
    }

    #[test]
    fn columns_in_another_order_are_rearranged() {
        let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
        assert_eq!(arrangement(&s(&["a", "b"]), &s(&["a", "b"])), Some(None));
        assert_eq!(
            arrangement(&s(&["a", "b", "c"]), &s(&["c", "a", "b"])),
            Some(Some(vec![1, 2, 0]))
        );
        assert_eq!(arrangement(&s(&["a", "b"]), &s(&["a", "x"])), None);
    }
}
