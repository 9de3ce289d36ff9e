//! Reading message logs, whatever their format: every reader turns its
//! source into the same record — the fields of `Column` (timestamp,
//! message id, business, customer, direction, category, status, entry
//! point, country, and Meta's pricing decision when the source has one) as
//! a `csv::ByteRecord` addressed through `Columns`. Validation, settling,
//! pricing and reporting never see the source format.
//!
//! A format is one file here and one line in `FORMATS`. Compressed input
//! (gzip, zstd) is unpacked first, whatever the format (`decode`).

pub mod bounded;
mod columns;
mod csv;
mod decode;
pub mod envelope;
pub mod exact;
pub mod gupshup;
pub mod infobip;
pub mod joins;
pub mod kaleyra;
pub mod provider;
pub mod templates;
pub mod twilio;
pub mod wati;
mod webhooks;
pub mod ycloud;

pub use columns::{Column, ColumnError, ColumnMap, Columns, Keep};

use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::path::PathBuf;
use std::sync::Arc;

/// A log named on the command line, or held in memory (tests, fuzzing).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Source {
    Stdin,
    Path(PathBuf),
    Bytes(Arc<[u8]>),
}

impl Source {
    pub fn parse(arg: &str) -> Source {
        if arg == "-" {
            Source::Stdin
        } else {
            Source::Path(PathBuf::from(arg))
        }
    }

    /// The name used in diagnostics.
    pub fn name(&self) -> String {
        match self {
            Source::Stdin => "<stdin>".to_string(),
            Source::Path(p) => p.display().to_string(),
            Source::Bytes(_) => "<memory>".to_string(),
        }
    }

    /// The raw bytes, as stored (compressed or not).
    fn open_raw(&self) -> io::Result<Box<dyn Read>> {
        Ok(match self {
            Source::Stdin => Box::new(io::stdin().lock()),
            Source::Path(p) => Box::new(File::open(p)?),
            Source::Bytes(b) => Box::new(io::Cursor::new(Arc::clone(b))),
        })
    }

    /// The content, unpacked when it is gzip or zstd (told by its magic
    /// bytes, not its name).
    pub fn open(&self) -> io::Result<Box<dyn BufRead>> {
        decode::unpacked(BufReader::with_capacity(1 << 16, self.open_raw()?))
    }

    /// Whether the source can be opened again and gives the same bytes: a
    /// regular file or bytes in memory. Standard input, pipes, FIFOs and
    /// `<(…)` are read once, never reopened.
    pub fn rereadable(&self) -> bool {
        match self {
            Source::Stdin => false,
            // A path that cannot be read fails when it is opened, naming it.
            Source::Path(p) => std::fs::metadata(p).map_or(true, |m| m.is_file()),
            Source::Bytes(_) => true,
        }
    }

    /// Size in bytes of the content when known (for progress reporting):
    /// not for pipes, nor for compressed files (progress counts unpacked
    /// bytes).
    pub fn size(&self) -> Option<u64> {
        match self {
            Source::Stdin => None,
            Source::Path(p) => std::fs::metadata(p)
                .ok()
                .filter(|m| m.is_file())
                .filter(|_| !self.compressed())
                .map(|m| m.len()),
            Source::Bytes(b) => (!decode::is_compressed(b)).then_some(b.len() as u64),
        }
    }

    fn compressed(&self) -> bool {
        let mut head = [0u8; 4];
        let Ok(mut raw) = self.open_raw() else {
            return false;
        };
        let n = raw.read(&mut head).unwrap_or(0);
        decode::is_compressed(&head[..n])
    }
}

#[derive(Debug, thiserror::Error)]
pub enum InputError {
    /// Not a `#[source]`: the OS error is in the message once, not twice.
    #[error("{file}: {error}")]
    Io { file: String, error: io::Error },
    #[error("{at}: {message}")]
    Csv {
        at: crate::location::Location,
        message: String,
    },
    #[error("{file}: {message}")]
    Header { file: String, message: String },
    /// A provider's export that does not say what pricing needs, at a record.
    #[error("{at}: {error}")]
    Export {
        at: crate::location::Location,
        error: provider::MapError,
    },
    /// The same, found at the end of the export.
    #[error("{file}: {error}")]
    WholeExport {
        file: String,
        error: provider::MapError,
    },
}

/// How to read logs: the format (detected when `None`), the delimiter
/// (detected when `None`) and column mapping.
#[derive(Clone, Debug, Default)]
pub struct ReadOptions {
    pub format: Option<&'static Format>,
    pub delimiter: Option<u8>,
    pub columns: ColumnMap,
    /// `--templates FILE`: the category of templates an export names
    /// without one (providers' readers).
    pub templates: Option<std::sync::Arc<templates::Templates>>,
    /// What readers carry from one file of the run to the next (clones
    /// share it).
    pub joins: std::sync::Arc<joins::Joins>,
    /// `--naive-tz`: the zone of timestamps written with no offset
    /// (refused when `None`).
    pub naive_tz: Option<jiff::tz::TimeZone>,
    /// `--max-row-bytes`: the bound on one row of delimited text (see
    /// `bounded`); `None` for the default.
    pub max_row_bytes: Option<usize>,
}

impl ReadOptions {
    /// The bound on one row of delimited text.
    pub fn row_limit(&self) -> usize {
        self.max_row_bytes.unwrap_or(bounded::DEFAULT_MAX_ROW_BYTES)
    }
}

/// A source's records, one at a time, into a reused record.
pub trait Records {
    /// Reads the next record; returns its 1-based line, or `None` at the end.
    fn next_record(&mut self, record: &mut ::csv::ByteRecord) -> Result<Option<u64>, InputError>;
    /// Bytes consumed so far (for progress reporting).
    fn bytes_read(&self) -> u64;
    /// Why the record just read is empty: a part of the source that could
    /// not be read as a row (the row is then rejected with this reason).
    fn take_problem(&mut self) -> Option<String> {
        None
    }
    /// The record just read as the source wrote it, when that differs
    /// from the record handed out (a provider's fields, a JSON object):
    /// what `--rejects` keeps of a rejected row, so it can be fixed and
    /// read again.
    fn original(&self) -> Option<Original<'_>> {
        None
    }
    /// Events read out of envelopes so far, by the envelope's key (see
    /// `envelope`).
    fn unwrapped(&self) -> envelope::Unwrapped {
        envelope::Unwrapped::new()
    }
}

/// A record as its source wrote it.
#[derive(Clone, Copy, Debug)]
pub enum Original<'a> {
    /// A delimited text record's fields.
    Fields(&'a ::csv::ByteRecord),
    /// A JSON object's text.
    Text(&'a [u8]),
}

/// What a reader found when it opened its source.
pub struct Opened {
    pub records: Box<dyn Records>,
    pub columns: Columns,
    /// Fields every record has.
    pub width: usize,
    /// The field delimiter of a delimited text format (to spot rows
    /// swallowed by an open quote).
    pub delimiter: Option<u8>,
    /// The header's names as written (for diagnostics).
    pub headers: Vec<String>,
}

/// Opens a source's (unpacked) content: its name, content and options.
pub type OpenFn = fn(&str, Box<dyn BufRead>, &ReadOptions) -> Result<Opened, InputError>;

/// A reader's `open` that takes the `--templates` table.
pub type TemplatedOpen = fn(
    &str,
    Box<dyn BufRead>,
    Option<std::sync::Arc<templates::Templates>>,
) -> Result<provider::MappedCsv, InputError>;

/// The `Format::open` of a provider's CSV export that names templates
/// (Twilio, Kaleyra): the reader's own `open`, row limit applied. (Here,
/// not in `provider.rs`: `templates.rs` reads its CSV with the providers'
/// pieces.)
pub fn open_templated_csv(
    open: TemplatedOpen,
    name: &str,
    content: Box<dyn BufRead>,
    options: &ReadOptions,
) -> Result<Opened, InputError> {
    let reader = open(name, content, options.templates.clone())?;
    Ok(provider::opened(Box::new(
        reader.with_limit(options.row_limit()),
    )))
}

#[cfg(test)]
impl ReadOptions {
    /// Options whose `--templates` file is this CSV text, if any (tests).
    pub fn with_templates_text(csv: Option<&str>) -> ReadOptions {
        ReadOptions {
            templates: csv
                .map(|t| std::sync::Arc::new(templates::Templates::parse("t.csv", t).unwrap())),
            ..ReadOptions::default()
        }
    }
}

/// A provider's JSON reader: its `open`, given the run's options.
pub type JsonOpen = fn(&str, Box<dyn BufRead>, &ReadOptions) -> provider::MappedJson;

/// The `Format::open` of a provider's JSON events (YCloud, WATI, Infobip,
/// Gupshup): the reader's own `open`.
pub fn open_json(
    open: JsonOpen,
    name: &str,
    content: Box<dyn BufRead>,
    options: &ReadOptions,
) -> Result<Opened, InputError> {
    Ok(provider::opened(Box::new(open(name, content, options))))
}

/// A log format: one reader.
pub struct Format {
    /// The `--input-format` name, also shown in reports.
    pub name: &'static str,
    pub description: &'static str,
    /// File name endings that suggest it (after any `.gz`/`.zst`).
    pub extensions: &'static [&'static str],
    /// Whether the start of the (unpacked) content looks like this format.
    pub detect: fn(&[u8]) -> bool,
    pub open: OpenFn,
}

impl std::fmt::Debug for Format {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name)
    }
}

/// Every reader, most specific first: detection takes the first whose
/// `detect` accepts the content. CSV comes last and accepts anything.
pub static FORMATS: &[&Format] = &[
    &ycloud::FORMAT,
    &gupshup::FORMAT,
    &infobip::FORMAT,
    &wati::FORMAT,
    &webhooks::FORMAT,
    &twilio::FORMAT,
    &kaleyra::FORMAT,
    &csv::FORMAT,
];

/// An `--input-format` that names no reader.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown input format {name:?} (expected one of {})", FORMATS.iter().map(|f| f.name).collect::<Vec<_>>().join(", "))]
pub struct UnknownFormat {
    pub name: String,
}

/// The format called `name` (case-insensitive).
pub fn format_named(name: &str) -> Result<&'static Format, UnknownFormat> {
    FORMATS
        .iter()
        .copied()
        .find(|f| f.name.eq_ignore_ascii_case(name.trim()))
        .ok_or_else(|| UnknownFormat {
            name: name.to_string(),
        })
}

/// The format of a source: from its content, then from its name's ending.
fn detect(name: &str, head: &[u8]) -> &'static Format {
    // An event kept as a JSON string inside an envelope (`{"body":"{\"app\"…`)
    // is told by its keys unescaped.
    let unescaped;
    let json = matches!(head.trim_ascii_start().first(), Some(b'{' | b'['));
    let head = if json && head.windows(2).any(|w| w == b"\\\"") {
        unescaped = unescape_quotes(head);
        &unescaped[..]
    } else {
        head
    };
    let by_content = FORMATS
        .iter()
        .copied()
        .filter(|f| (f.detect)(head))
        .collect::<Vec<_>>();
    // Several fit when a provider's export is also JSON or CSV: the most
    // specific (listed first) wins.
    if let Some(first) = by_content.first() {
        return first;
    }
    let stem = name
        .strip_suffix(".gz")
        .or_else(|| name.strip_suffix(".zst"))
        .unwrap_or(name)
        .to_ascii_lowercase();
    // None fits (an empty source): the name decides.
    FORMATS
        .iter()
        .copied()
        .find(|f| f.extensions.iter().any(|e| stem.ends_with(e)))
        .unwrap_or(&csv::FORMAT)
}

/// `head` with every `\"` written `"`.
fn unescape_quotes(head: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(head.len());
    let mut i = 0;
    while i < head.len() {
        if head[i] == b'\\' && head.get(i + 1) == Some(&b'"') {
            i += 1;
        }
        out.push(head[i]);
        i += 1;
    }
    out
}

/// Names a UTF-16 start of file (by its byte order mark, or by the NUL
/// bytes every other ASCII character carries), which would otherwise read
/// as a header with no known column.
fn utf16(start: &[u8]) -> Option<&'static str> {
    match start {
        [0xFF, 0xFE, ..] => return Some("UTF-16 (little-endian)"),
        [0xFE, 0xFF, ..] => return Some("UTF-16 (big-endian)"),
        _ => {}
    }
    let pairs = start.len().min(64) / 2;
    let nul_at = |odd: usize| (0..pairs).filter(|i| start[2 * i + odd] == 0).count();
    match (nul_at(0), nul_at(1)) {
        (_, odd) if pairs >= 4 && odd == pairs => Some("UTF-16 (little-endian)"),
        (even, _) if pairs >= 4 && even == pairs => Some("UTF-16 (big-endian)"),
        _ => None,
    }
}

/// One log source, open, its format known, positioned at its first record.
pub struct LogReader {
    pub name: String,
    pub format: &'static Format,
    records: Box<dyn Records>,
    pub columns: Columns,
    pub width: usize,
    pub delimiter: Option<u8>,
    pub headers: Vec<String>,
}

impl LogReader {
    pub fn open(source: &Source, options: &ReadOptions) -> Result<Self, InputError> {
        let name = source.name();
        let io_err = |e| InputError::Io {
            file: name.clone(),
            error: e,
        };
        let mut content = source.open().map_err(io_err)?;
        if let Some(encoding) = utf16(content.fill_buf().map_err(io_err)?) {
            return Err(InputError::Header {
                file: name.clone(),
                message: format!(
                    "the file is {encoding}, not UTF-8: save it as UTF-8 (CSV UTF-8 in a \
                     spreadsheet, or `iconv -f UTF-16 -t UTF-8`)"
                ),
            });
        }
        let format = match options.format {
            Some(f) => f,
            None => detect(&name, content.fill_buf().map_err(io_err)?),
        };
        let opened = (format.open)(&name, content, options)?;
        Ok(LogReader {
            name,
            format,
            records: opened.records,
            columns: opened.columns,
            width: opened.width,
            delimiter: opened.delimiter,
            headers: opened.headers,
        })
    }

    /// Reads the next record into `record`; returns its 1-based line, or
    /// `None` at the end.
    pub fn next_record(
        &mut self,
        record: &mut ::csv::ByteRecord,
    ) -> Result<Option<u64>, InputError> {
        self.records.next_record(record)
    }

    /// Bytes consumed so far (for progress reporting).
    pub fn bytes_read(&self) -> u64 {
        self.records.bytes_read()
    }

    /// See `Records::unwrapped`.
    pub fn unwrapped(&self) -> envelope::Unwrapped {
        self.records.unwrapped()
    }

    /// See `Records::take_problem`.
    pub fn take_problem(&mut self) -> Option<String> {
        self.records.take_problem()
    }

    /// The record just read as the source wrote it: `record` itself unless
    /// the reader says otherwise (see `Records::original`).
    pub fn original<'a>(&'a self, record: &'a ::csv::ByteRecord) -> Original<'a> {
        self.records.original().unwrap_or(Original::Fields(record))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utf16_is_named() {
        assert_eq!(utf16(b"\xFF\xFEt\0i\0"), Some("UTF-16 (little-endian)"));
        assert_eq!(utf16(b"t\0i\0m\0e\0s\0"), Some("UTF-16 (little-endian)"));
        assert_eq!(utf16(b"\0t\0i\0m\0e"), Some("UTF-16 (big-endian)"));
        assert_eq!(utf16(b"timestamp,customer"), None);
        assert_eq!(utf16(b""), None);
        let source = Source::Bytes(Arc::from(&b"\xFF\xFEt\0,\0"[..]));
        let Err(e) = LogReader::open(&source, &ReadOptions::default()) else {
            panic!("UTF-16 is refused")
        };
        assert!(
            e.to_string().starts_with("<memory>: the file is UTF-16"),
            "{e}"
        );
    }

    #[test]
    fn detects_the_format_from_content_then_name() {
        assert_eq!(detect("log.csv", b"timestamp,customer").name, "csv");
        assert_eq!(detect("x", b"  {\"object\":").name, "webhooks");
        assert_eq!(detect("x", b"\n[{\"entry\"").name, "webhooks");
        assert_eq!(detect("log.json", b"").name, "webhooks");
        assert_eq!(detect("log.jsonl.gz", b"").name, "webhooks");
        assert_eq!(detect("log.csv", b"").name, "csv");
        assert_eq!(format_named("CSV").unwrap().name, "csv");
        assert!(
            format_named("xml")
                .unwrap_err()
                .to_string()
                .contains("webhooks, twilio, kaleyra, csv")
        );
        // Providers' exports, by content, whatever their name.
        let twilio = b"Sid,From,To,Body,Status,SentDate,Direction,Price,PriceUnit\n";
        assert_eq!(detect("log.csv", twilio).name, "twilio");
        let kaleyra = b"WABA ID,WHATSAPP_ID,FROM,TO,MESSAGE_DIRECTION,FORMAT\n";
        assert_eq!(detect("x", kaleyra).name, "kaleyra");
        let ycloud = b"{\"id\":\"e\",\"type\":\"whatsapp.message.updated\",\"whatsappMessage\":{}}";
        assert_eq!(detect("log.jsonl", ycloud).name, "ycloud");
        let gupshup =
            b"[{\"app\":\"shop\",\"version\":2,\"type\":\"billing-event\",\"payload\":{}}]";
        assert_eq!(detect("log.json", gupshup).name, "gupshup");
        let infobip = b"{\"results\":[{\"messageId\":\"m\",\"to\":\"41\",\"sentAt\":\"x\"}]}";
        assert_eq!(detect("log.json", infobip).name, "infobip");
        let wati = b"[{\"eventType\":\"message\",\"waId\":\"91\",\"owner\":false}]";
        assert_eq!(detect("log.json", wati).name, "wati");
    }
}
