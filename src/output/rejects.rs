//! The `--rejects FILE`: every rejected row with its place and reason, and
//! the row itself in the last column as its source wrote it — a CSV row's
//! fields as one CSV line, a JSON source's object (a webhook notification,
//! a provider's event) as its JSON text — so the file reads back as CSV
//! with one header and each row can be fixed and read again. Written beside the target and renamed into place
//! when complete, like `-o`.

use std::io;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

use super::Output;
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

pub struct RejectsFile {
    writer: csv::Writer<Output>,
    path: PathBuf,
    write_error: Option<io::Error>,
}

impl RejectsFile {
    pub fn create(path: &Path) -> Result<RejectsFile> {
        let mut writer = csv::Writer::from_writer(Output::open(Some(path))?);
        writer
            .write_record(REJECTS_HEADER)
            .with_context(|| format!("cannot write {}", path.display()))?;
        Ok(RejectsFile {
            writer,
            path: path.to_path_buf(),
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
    pub fn finish(self) -> Result<()> {
        let context = || format!("cannot write {}", self.path.display());
        if let Some(e) = self.write_error {
            return Err(e).with_context(context);
        }
        self.writer
            .into_inner()
            .map_err(|e| e.into_error())
            .with_context(context)?
            .finish()
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
