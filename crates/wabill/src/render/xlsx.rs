//! A report as an Excel workbook (`--format xlsx`, `-o report.xlsx`), laid
//! out from the same `Grid` as every other format: one sheet per section
//! (the report's table; the accounting; the notes and provenance), the
//! machines' columns and names, a frozen bold header and filters.
//!
//! Keys (a month, a campaign, a phone number) are text cells, so Excel
//! never turns `2026-02` into a date or drops a number's `+`. Counts and
//! amounts are number cells, amounts with a 4-decimal format. Excel's
//! cells are binary floating point: an amount is the nearest double to the
//! exact decimal, which is what a spreadsheet sums. CSV and JSON stay the
//! exact record. Text cells are never formulas (rust_xlsxwriter writes
//! strings as strings), so no `=…` from a log runs.
//!
//! The same input gives the same bytes: the workbook's creation date is
//! fixed (rust_xlsxwriter otherwise stamps the time of writing).

use std::io::{self, Write};

use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use rust_xlsxwriter::{DocProperties, ExcelDateTime, Format, Workbook, Worksheet, XlsxError};

use super::grid::{Cell, Column, Grid};
use crate::report::Report;

/// The display format of amounts.
const MONEY: &str = "0.0000";
/// Excel's widest column is 255 characters; reports stay well under.
const MAX_WIDTH: f64 = 60.0;

fn xlsx_error(e: XlsxError) -> io::Error {
    io::Error::other(format!("cannot write the workbook: {e}"))
}

/// A sheet: its tab name and its grid.
pub struct Sheet<'g> {
    pub name: &'g str,
    pub grid: &'g Grid,
}

/// A workbook whose bytes depend only on what is written into it.
fn workbook() -> io::Result<Workbook> {
    let mut book = Workbook::new();
    let created = ExcelDateTime::from_ymd(2000, 1, 1).map_err(xlsx_error)?;
    book.set_properties(
        &DocProperties::new()
            .set_creation_datetime(&created)
            .set_author("wabill"),
    );
    Ok(book)
}

/// The workbook of these sheets, written to `out`.
pub fn write(sheets: &[Sheet<'_>], out: &mut dyn Write) -> io::Result<()> {
    let mut book = workbook()?;
    for sheet in sheets {
        let ws = book.add_worksheet();
        ws.set_name(sheet.name).map_err(xlsx_error)?;
        table(ws, sheet.grid).map_err(xlsx_error)?;
    }
    let bytes = book.save_to_buffer().map_err(xlsx_error)?;
    out.write_all(&bytes)
}

/// What a column of `price`'s rows holds, for its cells' type.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RowColumn {
    Text,
    /// An amount, shown at 4 decimals.
    Money,
    /// A rate: shown with every decimal it has.
    Rate,
    Count,
    /// `true`/`false`.
    Flag,
}

/// The rows of a sheet Excel opens: 2^20, the header among them.
const SHEET_ROWS: u32 = 1 << 20;

/// `price`'s rows as one sheet, cell by cell as they are priced; the
/// workbook is written by `finish` (a workbook is one zip, not a stream).
/// A cell is typed by its column: amounts and counts are numbers,
/// `true`/`false` booleans, the rest text (never formulas); an empty cell
/// is left blank.
pub struct RowBook {
    sheet: Worksheet,
    /// The number formats of amounts and of rates.
    money: Format,
    rate: Format,
    columns: Vec<RowColumn>,
    widths: Vec<usize>,
    /// The next row to write.
    y: u32,
}

impl RowBook {
    /// A sheet with this header (bold, frozen).
    pub fn new(header: &[(String, RowColumn)]) -> io::Result<RowBook> {
        let mut sheet = Worksheet::new();
        sheet.set_name("rows").map_err(xlsx_error)?;
        let bold = Format::new().set_bold();
        for (x, (name, _)) in header.iter().enumerate() {
            sheet
                .write_string_with_format(0, column(x)?, name, &bold)
                .map_err(xlsx_error)?;
        }
        Ok(RowBook {
            sheet,
            money: Format::new().set_num_format(MONEY),
            rate: Format::new().set_num_format("0.0000##########"),
            columns: header.iter().map(|(_, c)| *c).collect(),
            widths: header.iter().map(|(n, _)| n.chars().count()).collect(),
            y: 1,
        })
    }

    /// Writes one row: a field per header column, as CSV would write it
    /// (amounts with a decimal point).
    pub fn row<'f>(&mut self, fields: impl IntoIterator<Item = &'f str>) -> io::Result<()> {
        if self.y >= SHEET_ROWS {
            return Err(io::Error::other(format!(
                "an Excel sheet holds at most {} rows besides its header: \
                 write these rows as CSV (--format csv), or fewer of them (--period)",
                SHEET_ROWS - 1
            )));
        }
        for (x, field) in fields.into_iter().enumerate() {
            let kind = self.columns.get(x).copied().unwrap_or(RowColumn::Text);
            if field.is_empty() {
                continue;
            }
            let (y, col) = (self.y, column(x)?);
            let number = |f: &str| -> io::Result<f64> {
                f.parse::<Decimal>()
                    .map(float)
                    .map_err(|e| io::Error::other(format!("cannot write {f:?} as a number: {e}")))
            };
            let written = match kind {
                RowColumn::Text => self.sheet.write_string(y, col, field),
                RowColumn::Money => {
                    self.sheet
                        .write_number_with_format(y, col, number(field)?, &self.money)
                }
                RowColumn::Rate => {
                    self.sheet
                        .write_number_with_format(y, col, number(field)?, &self.rate)
                }
                RowColumn::Count => self.sheet.write_number(y, col, number(field)?),
                RowColumn::Flag => match field {
                    "true" => self.sheet.write_boolean(y, col, true),
                    "false" => self.sheet.write_boolean(y, col, false),
                    _ => self.sheet.write_string(y, col, field),
                },
            };
            written.map_err(xlsx_error)?;
            if let Some(w) = self.widths.get_mut(x) {
                *w = (*w).max(field.chars().count());
            }
        }
        self.y += 1;
        Ok(())
    }

    /// The workbook, with filters on the header and widths to fit.
    pub fn finish(mut self, out: &mut dyn Write) -> io::Result<()> {
        let last = u16::try_from(self.columns.len().saturating_sub(1)).unwrap_or(u16::MAX);
        if !self.columns.is_empty() {
            self.sheet.set_freeze_panes(1, 0).map_err(xlsx_error)?;
            self.sheet
                .autofilter(0, 0, self.y - 1, last)
                .map_err(xlsx_error)?;
        }
        for (x, w) in self.widths.iter().enumerate() {
            self.sheet
                .set_column_width(column(x)?, (*w as f64 + 3.0).min(MAX_WIDTH))
                .map_err(xlsx_error)?;
        }
        let mut book = workbook()?;
        book.push_worksheet(self.sheet);
        out.write_all(&book.save_to_buffer().map_err(xlsx_error)?)
    }

    /// A workbook of one empty sheet (a log without messages).
    pub fn empty(out: &mut dyn Write) -> io::Result<()> {
        RowBook::new(&[])?.finish(out)
    }
}

/// Column `x` of a sheet (Excel has 16,384).
fn column(x: usize) -> io::Result<u16> {
    u16::try_from(x)
        .ok()
        .filter(|x| *x < 16_384)
        .ok_or_else(|| io::Error::other("more columns than an Excel sheet holds"))
}

/// A grid's machine columns: header, rows (not subtotals: machines sum the
/// rows themselves, as in CSV), the totals row in bold.
fn table(ws: &mut Worksheet, grid: &Grid) -> Result<(), XlsxError> {
    let header = Format::new().set_bold();
    let bold = Format::new().set_bold();
    let money = Format::new().set_num_format(MONEY);
    let bold_money = Format::new().set_bold().set_num_format(MONEY);
    let columns: Vec<(usize, &Column)> = grid.machine_columns().collect();
    let mut widths: Vec<usize> = columns.iter().map(|(_, c)| c.name.len()).collect();
    for (x, (_, c)) in columns.iter().enumerate() {
        ws.write_string_with_format(0, x as u16, &c.name, &header)?;
    }
    let mut y: u32 = 1;
    for (r, row) in grid.rows.iter().enumerate() {
        if grid.is_subtotal(r) {
            continue;
        }
        for (x, (i, _)) in columns.iter().enumerate() {
            widths[x] = widths[x].max(cell(ws, y, x as u16, &row[*i], None, &money)?);
        }
        y += 1;
    }
    let last_row = y - 1;
    if let Some(total) = grid.machine_total() {
        let keys = columns.iter().filter(|(_, c)| c.key).count();
        for x in 0..keys {
            ws.write_string_with_format(y, x as u16, "total", &bold)?;
        }
        for (x, value) in total.into_iter().enumerate() {
            let x = x + keys;
            widths[x] = widths[x].max(cell(ws, y, x as u16, value, Some(&bold), &bold_money)?);
        }
    }
    if !columns.is_empty() {
        ws.set_freeze_panes(1, 0)?;
        ws.autofilter(0, 0, last_row, columns.len() as u16 - 1)?;
    }
    for (x, w) in widths.iter().enumerate() {
        // Room for the filter button.
        ws.set_column_width(x as u16, (*w as f64 + 3.0).min(MAX_WIDTH))?;
    }
    Ok(())
}

/// Writes one cell; returns the width of its text, for the column.
fn cell(
    ws: &mut Worksheet,
    y: u32,
    x: u16,
    cell: &Cell,
    format: Option<&Format>,
    money: &Format,
) -> Result<usize, XlsxError> {
    let plain = Format::new();
    let format_or = |f: Option<&Format>| f.cloned().unwrap_or_else(|| plain.clone());
    match cell {
        Cell::Text(s) => {
            ws.write_string_with_format(y, x, s, &format_or(format))?;
        }
        Cell::Count(n) | Cell::Number(n) => {
            ws.write_number_with_format(y, x, *n as f64, &format_or(format))?;
        }
        Cell::Money(d) | Cell::Difference(d) => {
            ws.write_number_with_format(y, x, float(*d), money)?;
        }
        Cell::Percent(p) => {
            let f = format_or(format).set_num_format("0.0");
            ws.write_number_with_format(y, x, float(*p), &f)?;
        }
        Cell::List(items) => {
            ws.write_string_with_format(y, x, items.join(";"), &format_or(format))?;
        }
        Cell::Missing(_) => {}
        Cell::Check(ok) => {
            ws.write_boolean_with_format(y, x, *ok, &format_or(format))?;
        }
    }
    Ok(cell.machine().chars().count())
}

/// The nearest double to an exact amount (Excel's only number type).
fn float(d: Decimal) -> f64 {
    d.to_f64().unwrap_or(f64::NAN)
}

/// A two-column grid of `item`, `value` lines (a sheet of facts).
pub fn facts(rows: Vec<(String, Cell)>) -> Grid {
    Grid {
        columns: vec![Column::key("item"), Column::value("value").left()],
        rows: rows
            .into_iter()
            .map(|(k, v)| vec![Cell::Text(k), v])
            .collect(),
        ..Grid::default()
    }
}

/// The people's sentences around a grid (the model line, the accounting,
/// notes, rate sources), one a row: the `notes` sheet of any report.
pub fn sentences(grid: &Grid) -> Grid {
    let lines = grid.before.iter().chain(&grid.after);
    Grid {
        columns: vec![Column::key("note")],
        rows: lines.map(|l| vec![Cell::Text(l.clone())]).collect(),
        ..Grid::default()
    }
}

/// Any report whose table is `grid`: the table, then its sentences.
pub fn render_grid(grid: &Grid, out: &mut dyn Write) -> io::Result<()> {
    let notes = sentences(grid);
    write(
        &[
            Sheet {
                name: "report",
                grid,
            },
            Sheet {
                name: "notes",
                grid: &notes,
            },
        ],
        out,
    )
}

/// The cost report: the table, the accounting (every count, and the
/// provider's own charges), the notes and provenance (model, currency,
/// zone, period, inputs, rate cards, notes).
pub fn estimate(report: &Report, grid: Grid, out: &mut dyn Write) -> io::Result<()> {
    let a = &report.accounting;
    let mut counts: Vec<(String, Cell)> = vec![
        ("rows_read".into(), Cell::Count(a.rows_read)),
        ("inbound".into(), Cell::Count(a.inbound)),
        ("outbound".into(), Cell::Count(a.outbound)),
        ("calls".into(), Cell::Count(a.calls)),
        ("merged".into(), Cell::Count(a.merged)),
        ("rejected".into(), Cell::Count(a.rejected)),
    ];
    if report.meta.period.is_some() {
        counts.push(("outside_period".into(), Cell::Count(a.outside_period)));
    }
    counts.extend([
        ("charged".into(), Cell::Count(a.charged)),
        ("free".into(), Cell::Count(a.free)),
    ]);
    counts.extend(
        a.free_by_reason
            .iter()
            .map(|(reason, n)| (format!("free.{reason}"), Cell::Count(*n))),
    );
    counts.extend([
        ("not_delivered".into(), Cell::Count(a.not_delivered)),
        ("unpriced".into(), Cell::Count(a.unpriced)),
        ("stale_rates".into(), Cell::Count(a.stale_rates)),
    ]);
    if let Some(c) = &a.conversations {
        counts.extend([
            ("conversations.opened".into(), Cell::Count(c.opened)),
            ("conversations.charged".into(), Cell::Count(c.charged)),
            ("conversations.free".into(), Cell::Count(c.free)),
            ("conversations.unpriced".into(), Cell::Count(c.unpriced)),
        ]);
    }
    for c in &report.provider_charges {
        counts.push((
            format!("provider_charge.{}.messages", c.currency),
            Cell::Count(c.messages),
        ));
        counts.push((
            format!("provider_charge.{}.amount", c.currency),
            Cell::Money(c.amount),
        ));
    }
    let accounting = facts(counts);
    let m = &report.meta;
    let text = |s: &str| Cell::Text(s.to_string());
    let mut notes: Vec<(String, Cell)> = vec![
        ("model".into(), text(&m.model)),
        ("models_used".into(), text(&m.models_used.join("; "))),
        ("currency".into(), text(&m.currency)),
        ("time_zone".into(), text(&m.time_zone)),
        ("group_by".into(), text(&m.group_by.join(","))),
    ];
    if let Some(p) = &m.period {
        notes.push(("period".into(), text(p)));
    }
    notes.extend(m.inputs.iter().map(|i| ("input".to_string(), text(i))));
    notes.push(("input_formats".into(), text(&m.input_formats.join("; "))));
    notes.extend(
        m.rate_sources
            .iter()
            .map(|r| ("rate_source".to_string(), text(r))),
    );
    notes.extend(m.notes.iter().map(|n| ("note".to_string(), text(n))));
    if let Some(line) = super::unpriced_line(report) {
        notes.push(("incomplete".into(), text(&line)));
    }
    if let Some(upper) = m.upper_bound {
        notes.push(("upper_bound".into(), Cell::Money(upper)));
    }
    if let Some(c) = &m.config {
        notes.push(("config".into(), text(c)));
    }
    notes.push((
        "amounts".into(),
        text(
            "Excel cells are binary floating point (shown at 4 places); \
             the CSV and JSON reports are the exact record",
        ),
    ));
    let notes = facts(notes);
    write(
        &[
            Sheet {
                name: "report",
                grid: &grid,
            },
            Sheet {
                name: "accounting",
                grid: &accounting,
            },
            Sheet {
                name: "notes and provenance",
                grid: &notes,
            },
        ],
        out,
    )
}
