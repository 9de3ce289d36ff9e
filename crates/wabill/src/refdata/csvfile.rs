//! Shared reading of small reference CSV files (cards, markets, tiers).

use jiff::civil::Date;
use serde::de::DeserializeOwned;

/// A problem in a reference file, with its place (`file:line[:column]`).
pub type RefDataError = crate::location::LocatedError;

/// Deserializes every row of `text` into `T`, with its line number. Lines
/// starting with `#` are comments (example files explain themselves).
pub fn read_rows<T: DeserializeOwned>(
    name: &str,
    text: &str,
) -> Result<Vec<(u64, T)>, RefDataError> {
    read_table(name, text).map(|(_, rows)| rows)
}

/// `read_rows`, with the header (to give a field's column number).
pub fn read_table<T: DeserializeOwned>(
    name: &str,
    text: &str,
) -> Result<(csv::StringRecord, Vec<(u64, T)>), RefDataError> {
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
        let row: T = record.deserialize(Some(&headers)).map_err(|e| {
            RefDataError::new(name, line, csv_message(&e)).in_column(field_number(&e))
        })?;
        rows.push((line, row));
    }
    Ok((headers, rows))
}

/// The 1-based number of the column headed `name` (any case), for
/// diagnostics.
pub fn column_of(headers: &csv::StringRecord, name: &str) -> Option<u64> {
    headers
        .iter()
        .position(|h| h.eq_ignore_ascii_case(name))
        .map(|i| i as u64 + 1)
}

/// The error without its place (the `Location` says it).
fn csv_message(e: &csv::Error) -> String {
    match e.kind() {
        csv::ErrorKind::Deserialize { err, .. } => err.kind().to_string(),
        _ => e.to_string(),
    }
}

/// The 1-based field a deserialization error is about, when it says.
fn field_number(e: &csv::Error) -> Option<u64> {
    match e.kind() {
        csv::ErrorKind::Deserialize { err, .. } => err.field().map(|i| i + 1),
        _ => None,
    }
}

/// Why a cell of a reference file cannot be used; the value is trimmed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CellError {
    #[error("{0:?} is not a date (expected YYYY-MM-DD)")]
    Date(String),
    #[error("{0:?} is not a decimal number (like 0.0625)")]
    Decimal(String),
    #[error("{0:?} has more digits than wabill can hold exactly")]
    Digits(String),
    #[error("{0} is negative")]
    Negative(String),
    #[error("{0} is above {MAX_RATE}: not a plausible price")]
    Implausible(String),
    #[error("market {name:?} is not known: did you mean {near:?}?")]
    MarketCase { name: String, near: String },
    #[error(
        "market {0:?} is not in the market table (a market name as in `wabill rates`, \
         or a 2-letter country code)"
    )]
    Market(String),
}

/// Parses an optional `YYYY-MM-DD` cell; empty means open-ended.
pub fn parse_date(cell: &str) -> Result<Option<Date>, CellError> {
    let cell = cell.trim();
    if cell.is_empty() {
        return Ok(None);
    }
    cell.parse::<Date>()
        .map(Some)
        .map_err(|_| CellError::Date(cell.to_string()))
}

/// The largest rate a card may give (per message or conversation): far
/// above any real price, and low enough that no sum of costs can overflow.
pub const MAX_RATE: u32 = 1_000_000;

/// A decimal amount written plainly: digits with at most one `.`, an
/// optional leading `-`. No `1_000`, no `1e5`, and no digits beyond what a
/// decimal holds exactly (never rounded, least of all to zero).
pub fn parse_amount(cell: &str) -> Result<rust_decimal::Decimal, CellError> {
    let s = cell.trim();
    let digits = s.strip_prefix('-').unwrap_or(s);
    let (whole, frac) = digits.split_once('.').unwrap_or((digits, ""));
    let plain = |p: &str| p.bytes().all(|b| b.is_ascii_digit());
    if whole.len() + frac.len() == 0 || !plain(whole) || !plain(frac) {
        return Err(CellError::Decimal(s.to_string()));
    }
    rust_decimal::Decimal::from_str_exact(s).map_err(|_| CellError::Digits(s.to_string()))
}

/// A rate cell: a plain decimal from 0 to [`MAX_RATE`].
pub fn parse_rate(cell: &str) -> Result<rust_decimal::Decimal, CellError> {
    let rate = parse_amount(cell)?;
    if rate.is_sign_negative() && !rate.is_zero() {
        return Err(CellError::Negative(cell.trim().to_string()));
    }
    if rate > rust_decimal::Decimal::from(MAX_RATE) {
        return Err(CellError::Implausible(cell.trim().to_string()));
    }
    Ok(rate)
}

#[cfg(test)]
mod amount_tests {
    use super::*;

    #[test]
    fn amounts_are_plain_decimals() {
        assert_eq!(parse_amount("0.0625").unwrap().to_string(), "0.0625");
        assert_eq!(parse_amount(" 12 ").unwrap().to_string(), "12");
        assert_eq!(parse_amount("-2.5").unwrap().to_string(), "-2.5");
        for bad in [
            "1_000", "1e5", "1E5", "", ".", "0x10", "1.2.3", "+-1", "1,5", "NaN",
        ] {
            assert!(parse_amount(bad).is_err(), "{bad}");
        }
        // More digits than a Decimal holds are refused, not rounded to 0.
        assert!(parse_amount("0.0000000000000000000000000000001").is_err());
        assert!(parse_rate("1000001").is_err());
        assert!(parse_rate("79228162514264337593543950335").is_err());
        assert!(parse_rate("-0.01").is_err());
        assert_eq!(parse_rate("1000000").unwrap().to_string(), "1000000");
    }
}
