//! wabill's own CSV shape (and any CSV mapped with `--column`): delimiter
//! detection, header mapping, and records read straight into the caller's
//! reused `ByteRecord` (the fast path).

use std::io::BufRead;

use super::bounded::{BoundedCsv, Read1, too_long};
use super::{Columns, Format, InputError, Opened, ReadOptions, Records};

pub static FORMAT: Format = Format {
    name: "csv",
    description: "wabill's CSV log (any delimiter; columns by header name)",
    extensions: &[".csv", ".tsv", ".txt"],
    detect: |head| {
        let head = head.trim_ascii_start();
        !head.is_empty() && !head.starts_with(b"{") && !head.starts_with(b"[")
    },
    open,
};

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

/// The records of one CSV file, after its header.
struct CsvRecords {
    name: String,
    reader: BoundedCsv,
    problem: Option<String>,
}

fn open(
    name: &str,
    content: Box<dyn BufRead>,
    options: &ReadOptions,
) -> Result<Opened, InputError> {
    let mut content = content;
    let delimiter = match options.delimiter {
        Some(d) => d,
        None => sniff_delimiter(content.fill_buf().map_err(|e| InputError::Io {
            file: name.to_string(),
            error: e,
        })?),
    };
    let mut reader = BoundedCsv::new(content, delimiter, options.row_limit());
    let headers = reader.byte_headers().map_err(|e| match e {
        Some(e) => csv_error(name, 0, e),
        None => InputError::Header {
            file: name.to_string(),
            message: format!("the header is a {}", too_long(options.row_limit())),
        },
    })?;
    let records = Box::new(CsvRecords {
        name: name.to_string(),
        reader,
        problem: None,
    });
    if headers.is_empty() {
        // A zero-byte file is an empty log, not a malformed one.
        return Ok(Opened {
            records,
            columns: Columns::default(),
            width: 0,
            delimiter: Some(delimiter),
            headers: Vec::new(),
        });
    }
    let columns = Columns::resolve(&headers, &options.columns).map_err(|e| {
        let mut message = e.to_string();
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
            file: name.to_string(),
            message,
        }
    })?;
    Ok(Opened {
        records,
        columns,
        width: headers.len(),
        delimiter: Some(delimiter),
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

impl Records for CsvRecords {
    fn next_record(&mut self, record: &mut csv::ByteRecord) -> Result<Option<u64>, InputError> {
        match self.reader.read(record) {
            Ok(Read1::Record(line)) => Ok(Some(line)),
            Ok(Read1::TooLong(line)) => {
                // An empty record: rejected with this reason.
                record.clear();
                self.problem = Some(too_long(self.reader.limit()));
                Ok(Some(line))
            }
            Ok(Read1::End) => Ok(None),
            Err(e) => Err(csv_error(&self.name, self.reader.error_line(&e), e)),
        }
    }

    fn bytes_read(&self) -> u64 {
        self.reader.bytes_read()
    }

    fn take_problem(&mut self) -> Option<String> {
        self.problem.take()
    }
}

fn csv_error(file: &str, base: u64, e: csv::Error) -> InputError {
    let line = if base > 0 {
        base
    } else {
        e.position().map_or(0, |p| p.line())
    };
    InputError::Csv {
        at: crate::location::Location::line(file.to_string(), line),
        message: e.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::input::{LogReader, Source};
    use std::sync::Arc;

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
        assert_eq!(reader.format.name, "csv");
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
