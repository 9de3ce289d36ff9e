//! A finished report as the renderers see it. Every report (estimate and
//! merge, compare, forecast, the three reconciles, validate's problems,
//! rates) implements [`Document`]: it lays its rows out once as a
//! [`Grid`], says which [`Format`]s it is written in, and adds what is not
//! a table (its JSON sections, a page, a chart). [`write()`] is the one
//! dispatcher: a new format is an arm here and a layout file; a new report
//! is its data, its grid and this trait.

use std::io::{self, Write};

use super::grid::Grid;
use super::{Style, csv, json, markdown, table};

crate::choice! {
    /// Every output format wabill writes. Each report offers some of them
    /// (`Document::FORMATS`), with help in its own words.
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
    pub enum Format {
        /// A terminal table.
        Table = "table",
        /// Comma-separated values, exact amounts.
        Csv = "csv",
        /// JSON, exact amounts as strings.
        Json = "json",
        /// A GitHub-flavoured Markdown table.
        Markdown = "markdown",
        /// A self-contained HTML page.
        Html = "html",
        /// An SVG chart.
        Svg = "svg",
        /// One line per item, as compilers print diagnostics.
        Text = "text",
        /// An Excel workbook (amounts are binary floats there; CSV and JSON
        /// are exact).
        Xlsx = "xlsx",
    }
}

/// The one table from an `-o` file's extension to the format it names:
/// extend it here when a format is added.
pub const EXTENSIONS: &[(&str, Format)] = &[
    ("csv", Format::Csv),
    ("json", Format::Json),
    ("jsonl", Format::Json),
    ("ndjson", Format::Json),
    ("md", Format::Markdown),
    ("markdown", Format::Markdown),
    ("html", Format::Html),
    ("htm", Format::Html),
    ("svg", Format::Svg),
    ("txt", Format::Text),
    ("xlsx", Format::Xlsx),
];

impl Format {
    /// The format a file's extension names (`report.csv`, `page.htm`).
    pub fn from_extension(ext: &str) -> Option<Format> {
        EXTENSIONS
            .iter()
            .find(|(e, _)| *e == ext)
            .map(|(_, format)| *format)
    }
}

/// A format a report offers, with the help `--format` gives it there.
pub type Offered = (Format, &'static str);

/// The formats every grid is written in, for a report that adds none.
pub const GRID_FORMATS: &[Offered] = &[
    (Format::Table, "A terminal table (the default)."),
    (Format::Csv, ""),
    (Format::Json, ""),
    (
        Format::Markdown,
        "A GitHub-flavoured Markdown table, for pull requests and job summaries.",
    ),
    (Format::Xlsx, XLSX_HELP),
];

/// `--format xlsx`'s help for a report of one table.
pub const XLSX_HELP: &str = "An Excel workbook: the table (numbers as numbers), then its notes.";

/// Whether `format` is among `offered`.
pub fn offers(offered: &[Offered], format: Format) -> bool {
    offered.iter().any(|(f, _)| *f == format)
}

/// A report, ready to be written in any format it offers.
pub trait Document {
    /// The formats it is written in, in the order help lists them.
    const FORMATS: &'static [Offered];

    /// Its rows (and totals, subtotals, sentences), laid out once for every
    /// format.
    fn grid(&self) -> Grid;

    /// What follows the table in a terminal (forecast's chart).
    fn after_table(&self, _style: Style, _out: &mut dyn Write) -> io::Result<()> {
        Ok(())
    }

    /// The grid CSV writes, when it differs from the people's.
    fn csv_grid(&self) -> Grid {
        self.grid()
    }

    /// What follows the CSV rows (estimate's provider charges).
    fn after_csv(&self, _out: &mut dyn Write) -> io::Result<()> {
        Ok(())
    }

    /// The JSON document: by default the grid's rows.
    fn json(&self, out: &mut dyn Write) -> io::Result<()> {
        json::write(&json::Rows(&self.grid()), out)
    }

    /// An Excel workbook: by default the grid's table, then its sentences.
    fn xlsx(&self, out: &mut dyn Write) -> io::Result<()> {
        super::xlsx::render_grid(&self.grid(), out)
    }

    /// A format that is not a layout of the grid (a page, a chart, text).
    fn other(&self, format: Format, _out: &mut dyn Write) -> io::Result<()> {
        Err(io::Error::other(format!(
            "this report is not written as {format}"
        )))
    }
}

/// Writes `doc` as `format`: the one dispatch from a format to its layout.
pub fn write<D: Document + ?Sized>(
    doc: &D,
    format: Format,
    style: Style,
    out: &mut dyn Write,
) -> io::Result<()> {
    debug_assert!(offers(D::FORMATS, format), "{format} is not offered");
    match format {
        Format::Table => {
            table::render(&doc.grid(), style, out)?;
            doc.after_table(style, out)
        }
        Format::Csv => {
            csv::render(&doc.csv_grid(), out)?;
            doc.after_csv(out)
        }
        Format::Markdown => markdown::render(&doc.grid(), out),
        Format::Json => doc.json(out),
        Format::Xlsx => doc.xlsx(out),
        Format::Html | Format::Svg | Format::Text => doc.other(format, out),
    }
}
