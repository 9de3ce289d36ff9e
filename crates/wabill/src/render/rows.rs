//! `wabill price`'s rows, written as they are priced (memory does not grow
//! with the log): CSV with values from the input neutralised, or JSON lines.

use std::borrow::Cow;
use std::io::{self, Write};

use serde::Serialize;

use super::document::{Format, Offered};
use super::neutralize_str;
use super::xlsx::{RowBook, RowColumn};

/// `price`'s formats: rows are streamed, not laid out as one grid.
pub const FORMATS: &[Offered] = &[
    (Format::Csv, ""),
    (Format::Json, "JSON lines: one object per message"),
    (
        Format::Xlsx,
        "An Excel workbook: one sheet of rows, amounts as numbers (at most 1,048,575 rows)",
    ),
];

/// One priced message.
#[derive(Serialize)]
pub struct PriceRow<'a> {
    pub message_id: Cow<'a, str>,
    pub timestamp: String,
    pub business: Cow<'a, str>,
    /// The phone number customers see for `business`, in logs that name
    /// one (webhooks' `display_phone_number`): the number estimate's
    /// `--by business` labels show, empty for a business keyed by its
    /// number. A column of every row of such a log, absent otherwise.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub business_number: Option<Cow<'a, str>>,
    pub customer: String,
    pub market: Cow<'a, str>,
    pub country: &'a str,
    pub direction: &'static str,
    pub category: &'static str,
    pub pricing_type: &'static str,
    pub pricing_category: &'static str,
    pub billable: bool,
    pub rate: String,
    pub cost: String,
    pub currency: &'a str,
    pub rate_source: Cow<'a, str>,
    pub note: String,
    /// Sequence number of the conversation the message opened or joined
    /// (conversation models); empty otherwise.
    pub conversation_id: Option<u64>,
    pub conversation_type: Option<&'static str>,
    /// True on the message that opened the conversation: it carries the
    /// conversation's charge.
    pub conversation_opened: Option<bool>,
    /// Meta's own decision, in logs that carry it (webhooks): the columns
    /// are there for every row of such a log, and absent otherwise.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub meta_pricing_type: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub meta_pricing_category: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub meta_billable: Option<&'static str>,
    /// The provider's own price for the message, as its export wrote it
    /// (never part of `cost`), and its currency: columns of every row of a
    /// log where any message has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub provider_price: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub provider_currency: Option<String>,
    /// With --fees, --tax or --fx: the all-in amounts in the reporting
    /// currency (`report::allin`), exact.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub meta_cost: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub provider_fee: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tax: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub total: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub all_in_currency: Option<String>,
}

/// Values from the input, neutralised in CSV (a spreadsheet opens it).
pub fn safe(csv: bool, v: &str) -> Cow<'_, str> {
    if csv {
        neutralize_str(v)
    } else {
        Cow::Borrowed(v)
    }
}

/// Where rows go, in the chosen format.
pub enum RowSink<'w> {
    Csv(Box<csv::Writer<&'w mut dyn Write>>),
    /// CSV with the log's tags after the priced columns.
    CsvTagged(Box<TaggedCsv<'w>>),
    /// JSON lines.
    Json(&'w mut dyn Write),
    /// JSON lines with a `tags` object (every kept tag; null when the
    /// message has no value).
    JsonTagged(&'w mut dyn Write, Vec<String>),
    /// An Excel sheet, written when the rows are done (`finish`).
    Xlsx(Box<XlsxRows<'w>>),
}

/// Rows for a workbook: each row is serialised as CSV, so that the sheet
/// has CSV's columns in CSV's order, and read back into its fields.
pub struct XlsxRows<'w> {
    out: &'w mut dyn Write,
    names: Vec<String>,
    row: csv::Writer<Buf>,
    book: Option<RowBook>,
}

/// A price column's cell type in a workbook.
fn cell_type(name: &str) -> RowColumn {
    match name {
        "rate" => RowColumn::Rate,
        "cost" | "provider_price" | "meta_cost" | "provider_fee" | "tax" | "total" => {
            RowColumn::Money
        }
        "conversation_id" => RowColumn::Count,
        "billable" | "conversation_opened" | "meta_billable" => RowColumn::Flag,
        _ => RowColumn::Text,
    }
}

impl XlsxRows<'_> {
    fn write(&mut self, row: &PriceRow<'_>, values: &[Option<&str>]) -> io::Result<()> {
        self.row.serialize(row).map_err(io::Error::from)?;
        self.row.flush()?;
        let bytes = std::mem::take(&mut *self.row.get_ref().0.borrow_mut());
        let mut records = csv::ReaderBuilder::new()
            .has_headers(false)
            .from_reader(&bytes[..])
            .into_records();
        let mut next = || {
            records
                .next()
                .unwrap_or_else(|| Err(io::Error::other("a row serialised to nothing").into()))
                .map_err(io::Error::from)
        };
        if self.book.is_none() {
            // The first serialisation writes the header first.
            let header = next()?;
            let taken: Vec<&str> = header.iter().collect();
            let mut columns: Vec<(String, RowColumn)> = taken
                .iter()
                .map(|n| (n.to_string(), cell_type(n)))
                .collect();
            columns.extend(
                tag_columns(&self.names, &taken)
                    .into_iter()
                    .map(|n| (n, RowColumn::Text)),
            );
            self.book = Some(RowBook::new(&columns)?);
        }
        let fields = next()?;
        let tags = (0..self.names.len()).map(|i| values.get(i).copied().flatten().unwrap_or(""));
        match &mut self.book {
            Some(book) => book.row(fields.iter().chain(tags)),
            None => unreachable!("the book is made by the first row"),
        }
    }

    fn finish(self) -> io::Result<()> {
        match self.book {
            Some(book) => book.finish(self.out),
            None => RowBook::empty(self.out),
        }
    }
}

/// The names of the tag columns after the priced ones: a tag spelt like a
/// priced column (a log's own `cost`) is `tag:cost`.
fn tag_columns(names: &[String], taken: &[&str]) -> Vec<String> {
    names
        .iter()
        .map(|n| {
            if taken.contains(&n.as_str()) {
                format!("tag:{n}")
            } else {
                n.clone()
            }
        })
        .collect()
}

/// A CSV row writer whose last columns are tags: each row is serialised
/// on its own and the tag fields appended, quoted by the same rules.
pub struct TaggedCsv<'w> {
    out: &'w mut dyn Write,
    names: Vec<String>,
    row: csv::Writer<Buf>,
    tags: csv::Writer<Buf>,
    header_done: bool,
    delimiter: u8,
}

#[derive(Serialize)]
struct TaggedJson<'r, 'a> {
    #[serde(flatten)]
    row: &'r PriceRow<'a>,
    tags: serde_json::Map<String, serde_json::Value>,
}

/// A buffer a `csv::Writer` writes into and its owner empties.
#[derive(Clone, Default)]
struct Buf(std::rc::Rc<std::cell::RefCell<Vec<u8>>>);

impl Write for Buf {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        self.0.borrow_mut().extend_from_slice(bytes);
        Ok(bytes.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// The record written last, without its terminator.
fn record_bytes(w: &mut csv::Writer<Buf>) -> io::Result<Vec<u8>> {
    w.flush()?;
    let mut bytes = std::mem::take(&mut *w.get_ref().0.borrow_mut());
    while bytes.last().is_some_and(|b| *b == b'\n' || *b == b'\r') {
        bytes.pop();
    }
    Ok(bytes)
}

impl TaggedCsv<'_> {
    fn write(&mut self, row: &PriceRow<'_>, values: &[Option<&str>]) -> io::Result<()> {
        self.row.serialize(row).map_err(io::Error::from)?;
        let mut bytes = record_bytes(&mut self.row)?;
        if !self.header_done {
            // The first serialisation writes the header line first.
            let cut = bytes
                .iter()
                .position(|b| *b == b'\n')
                .ok_or_else(|| io::Error::other("a CSV row without its header"))?;
            let header: Vec<u8> = bytes.drain(..=cut).collect();
            let header = String::from_utf8_lossy(&header).trim_end().to_string();
            let delimiter = char::from(super::safe_csv::dialect().delimiter);
            let taken: Vec<&str> = header.split(delimiter).collect();
            let names = tag_columns(&self.names, &taken);
            self.tags.write_record(&names)?;
            self.out.write_all(header.as_bytes())?;
            self.out.write_all(&[self.delimiter])?;
            self.out.write_all(&record_bytes(&mut self.tags)?)?;
            self.out.write_all(b"\n")?;
            self.header_done = true;
        }
        let fields: Vec<String> = (0..self.names.len())
            .map(|i| neutralize_str(values.get(i).copied().flatten().unwrap_or("")).into_owned())
            .collect();
        self.out.write_all(&bytes)?;
        self.out.write_all(&[self.delimiter])?;
        // A record of one empty field is written `""` (so that it is not a
        // blank line); after the priced fields it is just empty.
        if fields.iter().any(|f| !f.is_empty()) || fields.len() > 1 {
            self.tags.write_record(&fields)?;
            self.out.write_all(&record_bytes(&mut self.tags)?)?;
        }
        self.out.write_all(b"\n")
    }
}

impl RowSink<'_> {
    pub fn write(&mut self, row: &PriceRow<'_>) -> io::Result<()> {
        self.write_tagged(row, &[])
    }

    /// Writes a row with its tag values, one per name given to `tagged`.
    pub fn write_tagged(&mut self, row: &PriceRow<'_>, values: &[Option<&str>]) -> io::Result<()> {
        match self {
            RowSink::Csv(w) => w.serialize(row).map_err(io::Error::from)?,
            RowSink::CsvTagged(w) => w.write(row, values)?,
            RowSink::Json(w) => {
                serde_json::to_writer(&mut **w, row)?;
                w.write_all(b"\n")?;
            }
            RowSink::JsonTagged(w, names) => {
                let tags = names
                    .iter()
                    .zip(values.iter().chain(std::iter::repeat(&None)))
                    .map(|(n, v)| {
                        (
                            n.clone(),
                            v.map_or(serde_json::Value::Null, |v| v.to_string().into()),
                        )
                    })
                    .collect();
                serde_json::to_writer(&mut **w, &TaggedJson { row, tags })?;
                w.write_all(b"\n")?;
            }
            RowSink::Xlsx(w) => w.write(row, values)?,
        }
        Ok(())
    }
}

impl<'w> RowSink<'w> {
    /// A sink in `format`; a CSV one starts with the dialect's BOM.
    pub fn new(format: Format, out: &'w mut dyn Write) -> io::Result<Self> {
        debug_assert!(
            super::offers(FORMATS, format),
            "price does not write {format}"
        );
        Ok(match format {
            Format::Json => RowSink::Json(out),
            Format::Xlsx => RowSink::xlsx(out, Vec::new()),
            _ => {
                super::safe_csv::write_bom(out)?;
                RowSink::Csv(Box::new(super::safe_csv::csv_writer(out, true)))
            }
        })
    }

    /// A sink whose rows carry these tags (none: `new`).
    pub fn tagged(format: Format, out: &'w mut dyn Write, names: Vec<String>) -> io::Result<Self> {
        if names.is_empty() {
            return RowSink::new(format, out);
        }
        Ok(match format {
            Format::Csv => {
                super::safe_csv::write_bom(out)?;
                RowSink::CsvTagged(Box::new(TaggedCsv {
                    out,
                    names,
                    row: super::safe_csv::csv_writer(Buf::default(), true),
                    tags: super::safe_csv::csv_writer(Buf::default(), false),
                    header_done: false,
                    delimiter: super::safe_csv::dialect().delimiter,
                }))
            }
            Format::Json => RowSink::JsonTagged(out, names),
            Format::Xlsx => RowSink::xlsx(out, names),
            other => unreachable!("price does not write {other}"),
        })
    }

    fn xlsx(out: &'w mut dyn Write, names: Vec<String>) -> Self {
        RowSink::Xlsx(Box::new(XlsxRows {
            out,
            names,
            row: csv::WriterBuilder::new().from_writer(Buf::default()),
            book: None,
        }))
    }

    /// Writes what is still held: the buffered rows, or the workbook.
    pub fn finish(self) -> io::Result<()> {
        match self {
            RowSink::Csv(mut w) => w.flush(),
            RowSink::CsvTagged(w) => w.out.flush(),
            RowSink::Json(w) | RowSink::JsonTagged(w, _) => w.flush(),
            RowSink::Xlsx(w) => w.finish(),
        }
    }
}
