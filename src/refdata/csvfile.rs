//! Shared reading of small reference CSV files (cards, markets, tiers).

use jiff::civil::Date;
use serde::de::DeserializeOwned;

/// A problem in a reference file, with the file name and line.
#[derive(Debug, thiserror::Error)]
#[error("{file}:{line}: {message}")]
pub struct RefDataError {
    pub file: String,
    pub line: u64,
    pub message: String,
}

impl RefDataError {
    pub fn new(file: &str, line: u64, message: impl Into<String>) -> Self {
        RefDataError {
            file: file.to_string(),
            line,
            message: message.into(),
        }
    }
}

/// Deserializes every row of `text` into `T`, with its line number. Lines
/// starting with `#` are comments (example files explain themselves).
pub fn read_rows<T: DeserializeOwned>(
    name: &str,
    text: &str,
) -> Result<Vec<(u64, T)>, RefDataError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .comment(Some(b'#'))
        .from_reader(text.as_bytes());
    let headers = reader
        .headers()
        .map_err(|e| RefDataError::new(name, 1, csv_message(&e)))?
        .clone();
    let mut rows = Vec::new();
    let mut record = csv::StringRecord::new();
    loop {
        match reader.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => {
                let line = e.position().map_or(0, |p| p.line());
                return Err(RefDataError::new(name, line, csv_message(&e)));
            }
        }
        let line = record.position().map_or(0, |p| p.line());
        let row: T = record
            .deserialize(Some(&headers))
            .map_err(|e| RefDataError::new(name, line, csv_message(&e)))?;
        rows.push((line, row));
    }
    Ok(rows)
}

fn csv_message(e: &csv::Error) -> String {
    match e.kind() {
        csv::ErrorKind::Deserialize { err, .. } => match err.field() {
            Some(i) => format!("field {}: {}", i + 1, err.kind()),
            None => err.kind().to_string(),
        },
        _ => e.to_string(),
    }
}

/// Parses an optional `YYYY-MM-DD` cell; empty means open-ended.
pub fn parse_date(cell: &str) -> Result<Option<Date>, String> {
    let cell = cell.trim();
    if cell.is_empty() {
        return Ok(None);
    }
    cell.parse::<Date>()
        .map(Some)
        .map_err(|_| format!("{cell:?} is not a date (expected YYYY-MM-DD)"))
}
