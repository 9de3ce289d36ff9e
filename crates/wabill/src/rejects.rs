//! The `--rejects FILE`: every rejected row with its place and reason, and
//! the row itself in the last column as its source wrote it — a CSV row's
//! fields as one CSV line, a JSON source's object (a webhook notification,
//! a provider's event) as its JSON text — so the file reads back as CSV
//! with one header and each row can be fixed and read again. Where the rows
//! go is the caller's: the command line writes them beside the target and
//! renames the file into place when complete, like `-o`.

use std::fmt;
use std::io;
use std::sync::Arc;

use crate::input::Original;
use crate::validate::Rejection;

/// `column_number` is the field's 1-based number in the file (empty for a
/// whole-row problem or a format without header positions); `column` its
/// name.
pub const REJECTS_HEADER: [&str; 7] = [
    "file",
    "line",
    "column_number",
    "column",
    "value",
    "reason",
    "row",
];

/// Where rejected rows are written: a writer that is complete only once
/// `commit` succeeds (a file moved into place, say).
pub trait RejectsOut: io::Write + Send {
    fn commit(self: Box<Self>) -> io::Result<()>;
}

/// Opens a new, empty destination for the rejected rows; called again when
/// a log is read a second time, so the rows are not written twice.
#[derive(Clone)]
pub struct RejectsTarget {
    /// The name diagnostics give the destination (its path, usually).
    pub name: String,
    pub open: Arc<dyn Fn() -> io::Result<Box<dyn RejectsOut>> + Send + Sync>,
}

impl fmt::Debug for RejectsTarget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RejectsTarget")
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}

/// Writing the rejected rows failed.
#[derive(Debug, thiserror::Error)]
#[error("cannot write {name}")]
pub struct RejectsError {
    pub name: String,
    #[source]
    pub source: io::Error,
}

pub struct RejectsFile {
    writer: csv::Writer<Box<dyn RejectsOut>>,
    name: String,
    write_error: Option<io::Error>,
}

impl RejectsFile {
    /// Opens the target and writes the header.
    pub fn create(target: &RejectsTarget) -> Result<RejectsFile, RejectsError> {
        let failed = |source| RejectsError {
            name: target.name.clone(),
            source,
        };
        let mut writer = csv::Writer::from_writer((target.open)().map_err(failed)?);
        writer
            .write_record(REJECTS_HEADER)
            .map_err(|e| failed(e.into()))?;
        Ok(RejectsFile {
            writer,
            name: target.name.clone(),
            write_error: None,
        })
    }

    pub fn write(&mut self, r: &Rejection, record: Option<Original<'_>>) {
        let head = [
            r.at.file.as_bytes(),
            r.at.line.to_string().as_bytes(),
            r.at.column_text().as_bytes(),
            r.column.as_deref().unwrap_or("").as_bytes(),
            r.value.as_bytes(),
            r.reason.as_bytes(),
        ]
        .map(<[u8]>::to_vec);
        // Cells from the input (a file name, a value, the row) are
        // neutralised like every CSV output's (`--raw-csv` keeps them).
        let fields = head
            .into_iter()
            .chain([record_line(record)])
            .map(|cell| crate::render::formula_safe(&cell).into_owned());
        if let Err(e) = self.writer.write_record(fields) {
            self.write_error.get_or_insert(e.into());
        }
    }

    /// Moves the file into place.
    pub fn finish(self) -> Result<(), RejectsError> {
        let name = self.name;
        let failed = |source| RejectsError {
            name: name.clone(),
            source,
        };
        if let Some(e) = self.write_error {
            return Err(failed(e));
        }
        self.writer
            .into_inner()
            .map_err(|e| failed(e.into_error()))?
            .commit()
            .map_err(failed)
    }
}

/// A rejected record as one comma-separated line, or its JSON text.
fn record_line(record: Option<Original<'_>>) -> Vec<u8> {
    let record = match record {
        None => return Vec::new(),
        Some(Original::Text(text)) => return text.to_vec(),
        Some(Original::Fields(record)) => record,
    };
    let mut w = csv::WriterBuilder::new()
        .terminator(csv::Terminator::Any(b'\n'))
        .from_writer(Vec::new());
    if w.write_byte_record(record).is_err() {
        return Vec::new();
    }
    let mut line = w.into_inner().unwrap_or_default();
    line.pop();
    line
}
