//! Delimited text read with a bound on the length of one record, so that
//! memory stays bounded whatever the input: a row longer than the bound
//! (8 GB of NUL bytes unpacked from a small zstd file, 64 MB of commas, an
//! open quote that swallows the rest of the file) is handed out as one
//! over-long row, which the caller rejects, and the reader skips to the
//! end of the line it stopped in without buffering it.

use std::io::{self, BufRead, Read};

/// The default bound on one row: 1 MiB (`--max-row-bytes` raises it).
pub const DEFAULT_MAX_ROW_BYTES: usize = 1 << 20;

/// The source of a CSV reader: hands out at most `limit` bytes (and a line
/// end) from the start of the record being read, then the end of input.
pub struct Limited {
    inner: Box<dyn BufRead>,
    limit: u64,
    /// Where the record being read starts (bytes from the start).
    record_start: u64,
    /// Bytes handed out or skipped so far.
    passed: u64,
    /// Line ends handed out or skipped so far.
    lines: u64,
    /// Whether the record being read reached the bound.
    tripped: bool,
}

/// The line ends (`\n`) in `bytes`. Counted in blocks of at most 255 into
/// a byte, which compiles to wide compares and adds; `filter().count()`
/// widened every byte to a `usize` first (about 6 % of `estimate` on
/// webhook notifications in a profile).
pub fn line_ends(bytes: &[u8]) -> u64 {
    bytes
        .chunks(255)
        .map(|block| u64::from(block.iter().map(|b| u8::from(*b == b'\n')).sum::<u8>()))
        .sum()
}

impl Read for Limited {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        // The bound, plus its line end.
        let allowed = (self.record_start + self.limit + 1).saturating_sub(self.passed);
        if allowed == 0 {
            self.tripped = true;
            return Ok(0);
        }
        let buf = self.inner.fill_buf()?;
        let n = buf.len().min(out.len()).min(allowed as usize);
        out[..n].copy_from_slice(&buf[..n]);
        self.inner.consume(n);
        self.passed += n as u64;
        self.lines += line_ends(&out[..n]);
        Ok(n)
    }
}

impl Limited {
    /// Moves past the end of the current line (or of the input), keeping
    /// nothing of it.
    fn skip_line(&mut self) -> io::Result<()> {
        loop {
            let buf = self.inner.fill_buf()?;
            if buf.is_empty() {
                return Ok(());
            }
            match buf.iter().position(|b| *b == b'\n') {
                Some(i) => {
                    self.inner.consume(i + 1);
                    self.passed += i as u64 + 1;
                    self.lines += 1;
                    return Ok(());
                }
                None => {
                    let n = buf.len();
                    self.inner.consume(n);
                    self.passed += n as u64;
                }
            }
        }
    }
}

/// What `BoundedCsv::read` found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Read1 {
    /// A record, starting on this 1-based line.
    Record(u64),
    /// A record longer than the bound, starting on this line: the record
    /// handed out holds its first part only; the rest of its line is
    /// skipped.
    TooLong(u64),
    End,
}

/// A CSV reader (flexible, records ending at `\n`) whose records are
/// bounded: see the module.
pub struct BoundedCsv {
    reader: Option<csv::Reader<Limited>>,
    delimiter: u8,
    /// Lines and bytes before the current `reader`'s start (it is rebuilt
    /// after an over-long record).
    line_base: u64,
    byte_base: u64,
}

fn builder(delimiter: u8, has_headers: bool) -> csv::ReaderBuilder {
    let mut b = csv::ReaderBuilder::new();
    b.delimiter(delimiter)
        .flexible(true)
        .has_headers(has_headers)
        // Records end at `\n`: csv's CRLF mode reports a record as starting
        // on the previous line. A trailing `\r` is trimmed with the field.
        .terminator(csv::Terminator::Any(b'\n'));
    b
}

/// The message of a row over the bound.
pub fn too_long(limit: usize) -> String {
    format!("row longer than {limit} bytes (--max-row-bytes raises the bound)")
}

impl BoundedCsv {
    /// Reads from `input` (positioned at its header), `limit` bytes at
    /// most per record.
    pub fn new(input: Box<dyn BufRead>, delimiter: u8, limit: usize) -> Self {
        let limited = Limited {
            inner: input,
            limit: limit as u64,
            record_start: 0,
            passed: 0,
            lines: 0,
            tripped: false,
        };
        BoundedCsv {
            reader: Some(builder(delimiter, true).from_reader(limited)),
            delimiter,
            line_base: 0,
            byte_base: 0,
        }
    }

    fn reader(&mut self) -> &mut csv::Reader<Limited> {
        self.reader.as_mut().expect("the reader is rebuilt at once")
    }

    /// The bound on one record.
    pub fn limit(&self) -> usize {
        self.reader
            .as_ref()
            .map_or(0, |r| r.get_ref().limit as usize)
    }

    /// Changes the bound (for the records after the header).
    pub fn set_limit(&mut self, limit: usize) {
        self.reader().get_mut().limit = limit as u64;
    }

    fn arm(&mut self) {
        let start = self.byte_base + self.reader().position().byte();
        let limited = self.reader().get_mut();
        limited.record_start = start;
        limited.tripped = false;
    }

    /// Starts a fresh reader after the line of an over-long record.
    fn skip(&mut self) -> io::Result<()> {
        let reader = self.reader.take().expect("the reader is rebuilt at once");
        let mut limited = reader.into_inner();
        limited.skip_line()?;
        limited.tripped = false;
        self.line_base = limited.lines;
        self.byte_base = limited.passed;
        self.reader = Some(builder(self.delimiter, false).from_reader(limited));
        Ok(())
    }

    /// The header record; `Err(None)` when it is longer than the bound.
    pub fn byte_headers(&mut self) -> Result<csv::ByteRecord, Option<csv::Error>> {
        self.arm();
        let headers = self.reader().byte_headers().map_err(Some)?.clone();
        if self.reader().get_ref().tripped {
            return Err(None);
        }
        Ok(headers)
    }

    /// Reads the next record into `record`.
    pub fn read(&mut self, record: &mut csv::ByteRecord) -> Result<Read1, csv::Error> {
        self.arm();
        let more = self.reader().read_byte_record(record)?;
        let line = self.line_base + record.position().map_or(0, |p| p.line());
        if self.reader().get_ref().tripped {
            self.skip().map_err(csv::Error::from)?;
            return Ok(Read1::TooLong(line));
        }
        Ok(if more {
            Read1::Record(line)
        } else {
            Read1::End
        })
    }

    /// The line of a csv error (counted from the start of the input).
    pub fn error_line(&self, e: &csv::Error) -> u64 {
        self.line_base + e.position().map_or(0, |p| p.line())
    }

    /// Bytes consumed so far (for progress reporting).
    pub fn bytes_read(&self) -> u64 {
        self.byte_base + self.reader.as_ref().map_or(0, |r| r.position().byte())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Blocks of 255 never overflow their byte counter, whatever the text.
    #[test]
    fn line_ends_are_counted_across_blocks() {
        for n in [0, 1, 254, 255, 256, 510, 511, 1000] {
            assert_eq!(line_ends(&vec![b'\n'; n]), n as u64);
            let mixed: Vec<u8> = (0..n)
                .map(|i| if i % 3 == 0 { b'\n' } else { b'x' })
                .collect();
            assert_eq!(line_ends(&mixed), n.div_ceil(3) as u64);
        }
    }

    fn read_all(text: &[u8], limit: usize) -> Vec<(Read1, Vec<Vec<u8>>)> {
        let input: Box<dyn BufRead> = Box::new(io::Cursor::new(text.to_vec()));
        let mut csv = BoundedCsv::new(input, b',', limit);
        csv.byte_headers().unwrap();
        let mut record = csv::ByteRecord::new();
        let mut out = Vec::new();
        loop {
            let r = csv.read(&mut record).unwrap();
            if r == Read1::End {
                return out;
            }
            let fields = match r {
                Read1::TooLong(_) => Vec::new(),
                _ => record.iter().map(|f| f.to_vec()).collect(),
            };
            out.push((r, fields));
        }
    }

    #[test]
    fn a_row_over_the_bound_is_one_row_and_the_next_lines_are_read() {
        let mut text = b"a,b\n1,2\n".to_vec();
        text.extend(std::iter::repeat_n(b',', 5000));
        text.extend(b"\n3,4\n\"open,5\n6,7\n");
        let rows = read_all(&text, 100);
        assert_eq!(
            rows,
            vec![
                (Read1::Record(2), vec![b"1".to_vec(), b"2".to_vec()]),
                (Read1::TooLong(3), vec![]),
                (Read1::Record(4), vec![b"3".to_vec(), b"4".to_vec()]),
                // An open quote swallows the lines after it, up to the bound.
                (Read1::Record(5), vec![b"open,5\n6,7\n".to_vec()]),
            ]
        );
        let mut text = b"a,b\n".to_vec();
        text.extend(std::iter::repeat_n(b'"', 1));
        text.extend(std::iter::repeat_n(b'x', 300));
        text.extend(b"\n8,9\n");
        for _ in 0..3 {
            text.extend(std::iter::repeat_n(b'y', 150));
            text.extend(b"\n");
        }
        text.extend(b"10,11");
        let rows = read_all(&text, 100);
        assert_eq!(rows[0].0, Read1::TooLong(2));
        assert_eq!(
            rows[1],
            (Read1::Record(3), vec![b"8".to_vec(), b"9".to_vec()])
        );
        assert_eq!(rows[2].0, Read1::TooLong(4));
        assert_eq!(rows[3].0, Read1::TooLong(5));
        assert_eq!(rows[4].0, Read1::TooLong(6));
        assert_eq!(
            rows[5],
            (Read1::Record(7), vec![b"10".to_vec(), b"11".to_vec()])
        );
        assert_eq!(rows.len(), 6);
        // A row of exactly the bound is read.
        let mut text = b"a\n".to_vec();
        text.extend(std::iter::repeat_n(b'z', 100));
        text.extend(b"\n");
        assert_eq!(read_all(&text, 100)[0].0, Read1::Record(2));
        text.insert(2, b'z');
        assert_eq!(read_all(&text, 100)[0].0, Read1::TooLong(2));
    }

    #[test]
    fn a_header_over_the_bound_is_refused() {
        let text = vec![b'h'; 1000];
        let input: Box<dyn BufRead> = Box::new(io::Cursor::new(text));
        let mut csv = BoundedCsv::new(input, b',', 100);
        assert!(matches!(csv.byte_headers(), Err(None)));
    }
}
