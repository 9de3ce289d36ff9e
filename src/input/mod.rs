//! Reading message logs: the only place CSV readers for logs are built.
//! Files or `-` (stdin), delimiter detection, header mapping, and a
//! streaming pass over `csv::ByteRecord`s with one reused buffer.

mod columns;

pub use columns::{Column, ColumnMap, Columns};

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

    pub fn open(&self) -> io::Result<Box<dyn Read>> {
        Ok(match self {
            Source::Stdin => Box::new(io::stdin().lock()),
            Source::Path(p) => Box::new(File::open(p)?),
            Source::Bytes(b) => Box::new(io::Cursor::new(Arc::clone(b))),
        })
    }

    /// Size in bytes when known (for progress reporting).
    pub fn size(&self) -> Option<u64> {
        match self {
            Source::Stdin => None,
            Source::Path(p) => std::fs::metadata(p).ok().map(|m| m.len()),
            Source::Bytes(b) => Some(b.len() as u64),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum InputError {
    /// Not a `#[source]`: the OS error is in the message once, not twice.
    #[error("{file}: {error}")]
    Io { file: String, error: io::Error },
    #[error("{file}:{line}: {message}")]
    Csv {
        file: String,
        line: u64,
        message: String,
    },
    #[error("{file}: {message}")]
    Header { file: String, message: String },
}

/// How to read logs: delimiter (detected when `None`) and column mapping.
#[derive(Clone, Debug, Default)]
pub struct ReadOptions {
    pub delimiter: Option<u8>,
    pub columns: ColumnMap,
}

/// Picks the delimiter from the header line: whichever of `,` `;` tab occurs
/// most, comma on a tie or when none does.
fn sniff_delimiter(header: &[u8]) -> u8 {
    let line = header.split(|b| *b == b'\n').next().unwrap_or(&[]);
    let count = |d: u8| line.iter().filter(|b| **b == d).count();
    [b',', b';', b'\t']
        .into_iter()
        .max_by_key(|d| (count(*d), *d == b','))
        .unwrap_or(b',')
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

/// One log file, open and positioned after its header.
pub struct LogReader {
    pub name: String,
    reader: csv::Reader<BufReader<Box<dyn Read>>>,
    pub columns: Columns,
    pub width: usize,
    pub delimiter: u8,
    /// The header's names as written (for diagnostics).
    pub headers: Vec<String>,
}

impl LogReader {
    pub fn open(source: &Source, options: &ReadOptions) -> Result<Self, InputError> {
        let name = source.name();
        let io_err = |e| InputError::Io {
            file: name.clone(),
            error: e,
        };
        let mut buf = BufReader::with_capacity(1 << 16, source.open().map_err(io_err)?);
        if let Some(encoding) = utf16(buf.fill_buf().map_err(io_err)?) {
            return Err(InputError::Header {
                file: name.clone(),
                message: format!(
                    "the file is {encoding}, not UTF-8: save it as UTF-8 (CSV UTF-8 in a \
                     spreadsheet, or `iconv -f UTF-16 -t UTF-8`)"
                ),
            });
        }
        let delimiter = match options.delimiter {
            Some(d) => d,
            None => sniff_delimiter(buf.fill_buf().map_err(io_err)?),
        };
        let mut reader = csv::ReaderBuilder::new()
            .delimiter(delimiter)
            .flexible(true)
            .has_headers(true)
            // Records end at `\n`: csv's CRLF mode reports a record as starting
            // on the previous line. A trailing `\r` is trimmed with the field.
            .terminator(csv::Terminator::Any(b'\n'))
            .from_reader(buf);
        let headers = reader
            .byte_headers()
            .map_err(|e| csv_error(&name, e))?
            .clone();
        if headers.is_empty() {
            // A zero-byte file is an empty log, not a malformed one.
            return Ok(LogReader {
                width: 0,
                name,
                reader,
                columns: Columns::default(),
                delimiter,
                headers: Vec::new(),
            });
        }
        let columns = Columns::resolve(&headers, &options.columns).map_err(|mut message| {
            // A delimiter given on the command line that the header lacks.
            let other = sniff_delimiter(&headers[0]);
            if headers.len() == 1 && other != delimiter && headers[0].contains(&other) {
                let shown = if other == b'\t' {
                    "\\t".to_string()
                } else {
                    char::from(other).to_string()
                };
                message.push_str(&format!(
                    " (the header is {shown:?}-delimited: try --delimiter {shown:?} or leave it out)"
                ));
            }
            InputError::Header {
                file: name.clone(),
                message,
            }
        })?;
        Ok(LogReader {
            width: headers.len(),
            name,
            reader,
            columns,
            delimiter,
            headers: headers
                .iter()
                .map(|h| {
                    String::from_utf8_lossy(h)
                        .trim_start_matches('\u{feff}')
                        .trim()
                        .to_string()
                })
                .collect(),
        })
    }

    /// Reads the next record into `record`; returns its 1-based line, or
    /// `None` at the end.
    pub fn next_record(&mut self, record: &mut csv::ByteRecord) -> Result<Option<u64>, InputError> {
        match self.reader.read_byte_record(record) {
            Ok(true) => Ok(Some(record.position().map_or(0, |p| p.line()))),
            Ok(false) => Ok(None),
            Err(e) => Err(csv_error(&self.name, e)),
        }
    }

    /// Bytes consumed so far (for progress reporting).
    pub fn bytes_read(&self) -> u64 {
        self.reader.position().byte()
    }
}

fn csv_error(file: &str, e: csv::Error) -> InputError {
    InputError::Csv {
        file: file.to_string(),
        line: e.position().map_or(0, |p| p.line()),
        message: e.to_string(),
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
    fn sniffs_the_header_delimiter() {
        assert_eq!(sniff_delimiter(b"timestamp,customer,direction\n1;2"), b',');
        assert_eq!(sniff_delimiter(b"timestamp;customer;direction\n"), b';');
        assert_eq!(sniff_delimiter(b"timestamp\tcustomer\tdirection"), b'\t');
        assert_eq!(sniff_delimiter(b"timestamp"), b',');
    }

    #[test]
    fn a_wrong_delimiter_flag_is_named() {
        let source = Source::Bytes(Arc::from(&b"timestamp;customer;direction\n"[..]));
        let options = ReadOptions {
            delimiter: Some(b','),
            ..ReadOptions::default()
        };
        let Err(e) = LogReader::open(&source, &options) else {
            panic!("a ;-delimited header read with , has no columns")
        };
        assert!(
            e.to_string().ends_with(
                "(the header is \";\"-delimited: try --delimiter \";\" or leave it out)"
            ),
            "{e}"
        );
    }

    #[test]
    fn reads_a_log_held_in_memory() {
        let source = Source::Bytes(Arc::from(
            &b"\xEF\xBB\xBFtimestamp;customer;direction\r\n1;+4917;in\r\n2;+4918;out\r\n"[..],
        ));
        assert_eq!(source.name(), "<memory>");
        assert_eq!(source.size(), Some(58));
        let mut reader = LogReader::open(&source, &ReadOptions::default()).unwrap();
        assert_eq!(reader.width, 3);
        let mut record = csv::ByteRecord::new();
        assert_eq!(reader.next_record(&mut record).unwrap(), Some(2));
        assert_eq!(&record[1], b"+4917");
        assert_eq!(reader.next_record(&mut record).unwrap(), Some(3));
        assert_eq!(&record[2], b"out\r");
        assert_eq!(reader.next_record(&mut record).unwrap(), None);
        // A second open reads the same bytes again.
        let mut again = LogReader::open(&source, &ReadOptions::default()).unwrap();
        assert_eq!(again.next_record(&mut record).unwrap(), Some(2));
    }
}
