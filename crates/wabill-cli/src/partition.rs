//! Splitting logs into parts that price exactly on their own: every row of
//! a portfolio (or business) goes to the same part, chosen by a hash that
//! is the same on every machine and in every run, so that logs split on
//! different days or hosts agree.

use std::fs::{File, OpenOptions};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use serde::{Deserialize, Serialize};

use wabill::input::{Column, LogReader, ReadOptions, Source};
use wabill::location::Location;
use wabill::refdata::businesses::{Businesses, business_key};
use wabill::rejects::RejectsFile;
use wabill::validate::Rejection;

/// The file a partition run writes last, once every part is complete.
pub const MANIFEST: &str = "manifest.json";

/// What a partition run wrote: `wabill merge` refuses parts that do not
/// match a complete manifest.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    /// The version of this layout.
    pub wabill_partition: u32,
    /// Tells one run from another (time and process).
    pub run_id: String,
    pub by: String,
    pub parts: Vec<ManifestPart>,
    /// Rows written (every row read, rejected ones included).
    pub rows: u64,
    /// Rows that could not be read as a row (over-long, unreadable): each
    /// is written to its part as a one-field row naming its origin, so
    /// that pricing the part rejects it again and the accounting keeps it.
    pub rejected: u64,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ManifestPart {
    pub file: String,
    pub rows: u64,
}

impl Manifest {
    /// The manifest of `dir`, if any.
    pub fn read(dir: &Path) -> Result<Option<Manifest>> {
        let path = dir.join(MANIFEST);
        match std::fs::read_to_string(&path) {
            Ok(text) => serde_json::from_str(&text).map(Some).with_context(|| {
                format!("{}: not a manifest of `wabill partition`", path.display())
            }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e).with_context(|| format!("cannot read {}", path.display())),
        }
    }
}

/// Whether `name` is the name `part_path` gives a part (`part-00000.csv`).
pub fn is_part_name(name: &str) -> bool {
    name.strip_prefix("part-")
        .and_then(|n| n.strip_suffix(".csv"))
        .is_some_and(|n| n.len() >= 5 && n.bytes().all(|b| b.is_ascii_digit()))
}

fn run_id() -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    let seed = format!("{nanos}:{}", std::process::id());
    format!("{:016x}", stable_hash(seed.as_bytes()))
}

/// Refuses a folder that holds parts or a manifest of an earlier run, or
/// with `force`, removes them (links and other nodes are unlinked, never
/// followed or opened).
fn clear(dir: &Path, force: bool) -> Result<()> {
    let mut found: Vec<String> = std::fs::read_dir(dir)
        .with_context(|| format!("cannot read {}", dir.display()))?
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| is_part_name(n) || n == MANIFEST)
        .collect();
    if found.is_empty() {
        return Ok(());
    }
    found.sort();
    if !force {
        bail!(
            "{} already holds parts of a partition run ({}{}): --force replaces them",
            dir.display(),
            found[..found.len().min(3)].join(", "),
            if found.len() > 3 { ", …" } else { "" }
        );
    }
    // The manifest first: a run stopped here leaves no complete set.
    found.sort_by_key(|n| n != MANIFEST);
    for name in found {
        let path = dir.join(&name);
        std::fs::remove_file(&path).with_context(|| format!("cannot remove {}", path.display()))?;
    }
    Ok(())
}

/// Creates a part: a new regular file, never through a link or onto a
/// FIFO or device left in its place.
fn create_part(path: &Path) -> Result<File> {
    OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
        .with_context(|| format!("cannot create {} (it must not exist)", path.display()))
}

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
    /// Rows that could not be read (see `Manifest::rejected`).
    pub rejected: u64,
}

/// How a partition run treats a folder and rejected rows.
#[derive(Default)]
pub struct PartitionOptions<'a> {
    /// Replace the parts and manifest of an earlier run.
    pub force: bool,
    /// Where rows that cannot be read are also written.
    pub rejects: Option<&'a mut RejectsFile>,
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
    mut how: PartitionOptions<'_>,
) -> Result<Summary> {
    if parts == 0 {
        bail!("--parts must be at least 1");
    }
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    // A log inside DIR under a part's name would be replaced by its part.
    let out = std::fs::canonicalize(dir)?;
    for source in sources {
        if let Source::Path(p) = source {
            let inside = std::fs::canonicalize(p)
                .ok()
                .and_then(|c| Some((c.parent()? == out, c.file_name()?.to_owned())));
            if let Some((true, name)) = inside {
                let name = name.to_string_lossy();
                if is_part_name(&name) || name == MANIFEST {
                    bail!(
                        "{} is a part of an earlier run in {}: read it from elsewhere",
                        p.display(),
                        dir.display()
                    );
                }
            }
        }
    }
    clear(dir, how.force)?;
    let files: Vec<PathBuf> = (0..parts).map(|i| part_path(dir, i)).collect();
    let result = write_parts(sources, options, by, businesses, &files, &mut how);
    let summary = match result {
        Ok(summary) => summary,
        Err(e) => {
            // A failed run leaves no part behind.
            for path in &files {
                if std::fs::symlink_metadata(path).is_ok_and(|m| m.is_file()) {
                    let _ = std::fs::remove_file(path);
                }
            }
            return Err(e);
        }
    };
    let manifest = Manifest {
        wabill_partition: 1,
        run_id: run_id(),
        by: match by {
            PartitionBy::Portfolio => "portfolio".to_string(),
            PartitionBy::Business => "business".to_string(),
        },
        parts: files
            .iter()
            .zip(&summary.rows)
            .map(|(f, rows)| ManifestPart {
                file: f
                    .file_name()
                    .unwrap_or_default()
                    .to_string_lossy()
                    .into_owned(),
                rows: *rows,
            })
            .collect(),
        rows: summary.rows.iter().sum(),
        rejected: summary.rejected,
    };
    let mut tmp = tempfile::NamedTempFile::new_in(dir)
        .with_context(|| format!("cannot write in {}", dir.display()))?;
    serde_json::to_writer_pretty(&mut tmp, &manifest)?;
    tmp.write_all(b"\n")?;
    tmp.persist_noclobber(dir.join(MANIFEST))
        .map_err(|e| e.error)
        .with_context(|| format!("cannot write {}", dir.join(MANIFEST).display()))?;
    Ok(summary)
}

fn write_parts(
    sources: &[Source],
    options: &ReadOptions,
    by: PartitionBy,
    businesses: &Businesses,
    files: &[PathBuf],
    how: &mut PartitionOptions<'_>,
) -> Result<Summary> {
    let parts = files.len() as u32;
    let mut rejected = 0;
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
            for path in files {
                let file = create_part(path)?;
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
        while let Some(line) = reader.next_record(&mut record)? {
            if let Some(reason) = reader.take_problem() {
                // A row that cannot be read: one field naming it, which
                // pricing the part rejects (whatever part: the first).
                let rejection = Rejection {
                    at: Location::line(&reader.name, line),
                    column: None,
                    value: String::new(),
                    reason,
                };
                if let Some(r) = how.rejects.as_deref_mut() {
                    r.write(&rejection, Some(reader.original(&record)));
                }
                rejected += 1;
                rows[0] += 1;
                let marker = format!("rejected when partitioned: {rejection}");
                writers[0].write_record([marker])?;
                continue;
            }
            // A blank line (a lone `\r` in a CRLF file) is not a row.
            if record.len() == 1 && record[0].trim_ascii().is_empty() {
                continue;
            }
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
    for (w, path) in writers.into_iter().zip(files) {
        w.into_inner()
            .map_err(|e| e.into_error())
            .and_then(|mut b| {
                b.flush()?;
                b.get_ref().sync_all()
            })
            .with_context(|| format!("cannot write {}", path.display()))?;
    }
    Ok(Summary {
        rows,
        files: files.to_vec(),
        rejected,
    })
}

/// One partial report as `merge` sees it: its name, the logs it priced
/// and the rows it read.
pub struct PricedPart<'a> {
    pub report: &'a str,
    pub inputs: &'a [String],
    pub rows_read: u64,
}

/// Refuses reports of parts (logs named `part-00000.csv`) that do not
/// match a complete manifest: the parts' folder must hold the manifest of
/// the run that wrote them, every part with rows must be priced once, and
/// each report must have read the rows its part holds. Reports of logs
/// that are not parts are not checked, but cannot be mixed with parts.
pub fn check_parts(reports: &[PricedPart<'_>]) -> Result<()> {
    let mut dirs: Vec<PathBuf> = Vec::new();
    let mut priced: Vec<(String, &str, u64, usize)> = Vec::new();
    let mut others = Vec::new();
    for r in reports {
        let parts: Vec<&String> = r
            .inputs
            .iter()
            .filter(|i| {
                Path::new(i)
                    .file_name()
                    .is_some_and(|n| is_part_name(&n.to_string_lossy()))
            })
            .collect();
        if parts.is_empty() {
            others.push(r.report);
            continue;
        }
        for input in &parts {
            let path = Path::new(input.as_str());
            let dir = match path.parent() {
                Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
                _ => PathBuf::from("."),
            };
            if !dirs.contains(&dir) {
                dirs.push(dir);
            }
            let name = path
                .file_name()
                .unwrap_or_default()
                .to_string_lossy()
                .into_owned();
            priced.push((name, r.report, r.rows_read, parts.len()));
        }
        if parts.len() != r.inputs.len() {
            bail!(
                "{}: priced parts of a partition run together with other logs",
                r.report
            );
        }
    }
    if priced.is_empty() {
        return Ok(());
    }
    if let Some(other) = others.first() {
        bail!("{other}: not the report of a part, merged with reports of parts");
    }
    if dirs.len() > 1 {
        bail!(
            "the reports price parts of several partition runs ({}): merge one run's parts",
            dirs.iter()
                .map(|d| d.display().to_string())
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    let dir = &dirs[0];
    let Some(manifest) = Manifest::read(dir)? else {
        bail!(
            "{}: no {MANIFEST}: the partition run that wrote these parts did not finish, \
             or they are not its parts; partition again (--force)",
            dir.display()
        );
    };
    let at = |name: &str| format!("{}", dir.join(name).display());
    for (name, report, rows, count) in &priced {
        let Some(part) = manifest.parts.iter().find(|p| &p.file == name) else {
            bail!(
                "{report}: prices {}, which run {} in {} did not write",
                at(name),
                manifest.run_id,
                dir.display()
            );
        };
        if *count == 1 && part.rows != *rows {
            bail!(
                "{report}: read {rows} rows, but {} of run {} holds {}: the part was \
                 changed or the report is from another run",
                at(name),
                manifest.run_id,
                part.rows
            );
        }
        if priced.iter().filter(|(n, ..)| n == name).count() > 1 {
            bail!("{} is priced by more than one report", at(name));
        }
    }
    for part in &manifest.parts {
        if part.rows > 0 && !priced.iter().any(|(n, ..)| *n == part.file) {
            bail!(
                "{} ({} rows) of run {} has no report: every part must be priced",
                at(&part.file),
                part.rows,
                manifest.run_id
            );
        }
    }
    Ok(())
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
