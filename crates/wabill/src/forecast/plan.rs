//! The plan file: expected monthly volumes, one row per month × market (or
//! country) × category, with the optional shares sent inside free windows.
//! Every problem is reported as `file:line:column: name "value": reason`.

use jiff::civil::Date;
use rust_decimal::Decimal;

use super::{Place, split_by_shares};
use crate::location::LocatedError;
use crate::model::Category;
use crate::refdata::markets::{MarketTable, canonical_market_name, parse_country};

/// One plan row, validated.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PlanRow {
    pub line: u64,
    /// First day of the month.
    pub month: Date,
    pub place: Place,
    pub category: Category,
    pub messages: u64,
    /// Part sent inside a customer service window (and not in an FEP window).
    pub in_window_share: Decimal,
    /// Part sent inside a free entry point window.
    pub entry_point_share: Decimal,
}

impl PlanRow {
    /// Whole messages per window kind: outside, service window, entry point.
    pub fn split(&self) -> [u64; 3] {
        split_by_shares(self.messages, self.in_window_share, self.entry_point_share)
    }
}

const COLUMNS: &str = "month, market (or country), category, messages, \
    in_window_share, free_entry_point_share";

/// A plan row larger than this is a typo, and would overflow nothing but
/// belief; it also keeps every product with a rate far from Decimal's limit.
const MAX_MESSAGES: u64 = 1_000_000_000_000_000;

/// Parses a month as `YYYY-MM` (a full date is accepted and means its month).
pub fn parse_month(s: &str) -> Option<Date> {
    let s = s.trim();
    let date = if s.len() == 7 {
        format!("{s}-01").parse::<Date>().ok()?
    } else {
        s.parse::<Date>().ok()?
    };
    Some(date.first_of_month())
}

/// Why a plan cell cannot be used.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum PlanCellError {
    #[error("not a month (expected YYYY-MM)")]
    Month,
    #[error("not a market of the market table nor a 2-letter country code (see `wabill rates`)")]
    Place,
    #[error("not marketing, utility, authentication, authentication_international or service")]
    Category,
    #[error("not a whole, non-negative number of messages")]
    Messages,
    #[error("more than {MAX_MESSAGES} messages in one row")]
    TooManyMessages,
    #[error("not a fraction (0.25) or a percentage (25%)")]
    Share,
    #[error("must be between 0 and 1 (or 0% and 100%)")]
    ShareRange,
}

/// A share as a fraction (`0.25`) or a percentage (`25%`), within 0..=1.
pub fn parse_share(s: &str) -> Result<Decimal, PlanCellError> {
    let t = s.trim();
    let (number, percent) = match t.strip_suffix('%') {
        Some(n) => (n.trim(), true),
        None => (t, false),
    };
    let d: Decimal = number.parse().map_err(|_| PlanCellError::Share)?;
    let d = if percent { d / Decimal::ONE_HUNDRED } else { d };
    if d.is_sign_negative() || d > Decimal::ONE {
        return Err(PlanCellError::ShareRange);
    }
    Ok(d.normalize())
}

fn parse_messages(s: &str) -> Result<u64, PlanCellError> {
    let digits = s.trim().replace(['_', ','], "");
    let n: u64 = digits.parse().map_err(|_| PlanCellError::Messages)?;
    if n > MAX_MESSAGES {
        return Err(PlanCellError::TooManyMessages);
    }
    Ok(n)
}

fn parse_place(s: &str, markets: &MarketTable) -> Result<Place, PlanCellError> {
    let t = s.trim();
    if t.len() == 2
        && let Some(c) = parse_country(t)
    {
        return Ok(Place::Country(c));
    }
    let wanted = canonical_market_name(t);
    markets
        .names()
        .iter()
        .position(|n| n.eq_ignore_ascii_case(&wanted))
        .map(|i| Place::Market(i as u16))
        .ok_or(PlanCellError::Place)
}

/// Reads a plan; `Err` holds every problem found, in file order.
pub fn parse_plan(
    name: &str,
    text: &str,
    markets: &MarketTable,
) -> Result<Vec<PlanRow>, Vec<LocatedError>> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .comment(Some(b'#'))
        .flexible(true)
        .from_reader(text.as_bytes());
    let headers = match reader.headers() {
        Ok(h) => h.clone(),
        Err(e) => return Err(vec![LocatedError::new(name, 1, e.to_string())]),
    };
    let columns = PlanColumns::find(name, &headers)?;
    let mut errors = Vec::new();
    let mut rows = Vec::new();
    for record in reader.records() {
        match record {
            Ok(record) => {
                let mut cells = PlanCells {
                    name,
                    headers: &headers,
                    record: &record,
                    line: record.position().map_or(0, |p| p.line()),
                    errors: &mut errors,
                };
                rows.extend(cells.row(&columns, markets));
            }
            Err(e) => {
                let line = e.position().map_or(0, |p| p.line());
                errors.push(LocatedError::new(name, line, e.to_string()));
            }
        }
    }
    if errors.is_empty() {
        Ok(rows)
    } else {
        Err(errors)
    }
}

/// Where a plan's columns are (0-based).
struct PlanColumns {
    month: usize,
    place: usize,
    category: usize,
    messages: usize,
    in_window: Option<usize>,
    entry: Option<usize>,
}

impl PlanColumns {
    /// The columns of `headers`; an unknown or a missing one is an error.
    fn find(name: &str, headers: &csv::StringRecord) -> Result<PlanColumns, Vec<LocatedError>> {
        let find = |names: &[&str]| {
            headers
                .iter()
                .position(|h| names.iter().any(|n| h.eq_ignore_ascii_case(n)))
        };
        let mut errors = Vec::new();
        for (i, h) in headers.iter().enumerate() {
            let known = [
                "month",
                "market",
                "country",
                "category",
                "messages",
                "in_window_share",
                "free_entry_point_share",
            ];
            if !known.iter().any(|k| h.eq_ignore_ascii_case(k)) {
                errors.push(
                    LocatedError::new(
                        name,
                        1,
                        format!("unknown column {h:?} (expected {COLUMNS})"),
                    )
                    .in_column(Some(i as u64 + 1)),
                );
            }
        }
        let required = [
            ("month", find(&["month"])),
            ("market", find(&["market", "country"])),
            ("category", find(&["category"])),
            ("messages", find(&["messages"])),
        ];
        for (column, at) in required {
            if at.is_none() {
                errors.push(LocatedError::new(
                    name,
                    1,
                    format!("missing column {column} (columns: {COLUMNS})"),
                ));
            }
        }
        match required.map(|(_, at)| at) {
            [Some(month), Some(place), Some(category), Some(messages)] if errors.is_empty() => {
                Ok(PlanColumns {
                    month,
                    place,
                    category,
                    messages,
                    in_window: find(&["in_window_share"]),
                    entry: find(&["free_entry_point_share"]),
                })
            }
            _ => Err(errors),
        }
    }
}

/// One record of a plan, its problems noted in `errors`.
struct PlanCells<'a> {
    name: &'a str,
    headers: &'a csv::StringRecord,
    record: &'a csv::StringRecord,
    line: u64,
    errors: &'a mut Vec<LocatedError>,
}

impl PlanCells<'_> {
    /// The cell of column `col` read by `read`; `None` (and an error
    /// naming the cell) when it cannot be.
    fn cell<T>(
        &mut self,
        col: usize,
        read: impl FnOnce(&str) -> Result<T, PlanCellError>,
    ) -> Option<T> {
        let value = self.record.get(col).unwrap_or("");
        match read(value) {
            Ok(v) => Some(v),
            Err(reason) => {
                let header = &self.headers[col];
                self.errors.push(
                    LocatedError::new(
                        self.name,
                        self.line,
                        format!("{header} {value:?}: {reason}"),
                    )
                    .in_column(Some(col as u64 + 1)),
                );
                None
            }
        }
    }

    /// An optional share: zero when the column is absent or the cell empty.
    fn share(&mut self, col: Option<usize>) -> Decimal {
        let Some(col) = col else {
            return Decimal::ZERO;
        };
        self.cell(col, |v| {
            if v.trim().is_empty() {
                Ok(Decimal::ZERO)
            } else {
                parse_share(v)
            }
        })
        .unwrap_or(Decimal::ZERO)
    }

    fn error(&mut self, message: String) {
        self.errors
            .push(LocatedError::new(self.name, self.line, message));
    }

    /// The plan row, when every cell reads and the shares make sense.
    fn row(&mut self, c: &PlanColumns, markets: &MarketTable) -> Option<PlanRow> {
        let month = self.cell(c.month, |v| parse_month(v).ok_or(PlanCellError::Month));
        let place = self.cell(c.place, |v| parse_place(v, markets));
        let category = self.cell(c.category, |v| {
            v.parse::<Category>().map_err(|_| PlanCellError::Category)
        });
        let messages = self.cell(c.messages, parse_messages);
        let (w, f) = (self.share(c.in_window), self.share(c.entry));
        if w + f > Decimal::ONE {
            self.error(format!(
                "in_window_share {w} + free_entry_point_share {f} exceed 1 \
                 (the two parts do not overlap)"
            ));
            return None;
        }
        let row = PlanRow {
            line: self.line,
            month: month?,
            place: place?,
            category: category?,
            messages: messages?,
            in_window_share: w,
            entry_point_share: f,
        };
        // WhatsApp refuses a free-form message outside every window, as
        // `validate` says of a log.
        let outside = row.split()[0];
        if row.category == Category::Service && outside > 0 {
            self.error(format!(
                "{} outside any window \
                 (in_window_share {w} + free_entry_point_share {f} leave {}): WhatsApp \
                 refuses free-form messages outside the customer service window; plan \
                 them as templates or give shares adding up to 1",
                crate::display::plural(outside, "service message"),
                Decimal::ONE - w - f
            ));
            return None;
        }
        Some(row)
    }
}
