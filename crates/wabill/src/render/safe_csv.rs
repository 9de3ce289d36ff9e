//! CSV cells that a spreadsheet would run as a formula are neutralised
//! (OWASP's rule for CSV injection): a cell from the input that starts with
//! `=`, `+`, `-`, `@`, tab or CR gets a leading `'`. Numbers (`-0.0625`,
//! `+12.5`, `-3.1%`) and E.164 numbers (`+5511…`) are left alone: they are
//! what the report itself writes, and a spreadsheet reads them as values.
//! `--raw-csv` turns this off for tools that want the bytes as they came.

use std::borrow::Cow;
use std::io::{self, Write};
use std::sync::atomic::{AtomicBool, AtomicU8, Ordering};

static RAW: AtomicBool = AtomicBool::new(false);
static BOM: AtomicBool = AtomicBool::new(false);
static DELIMITER: AtomicU8 = AtomicU8::new(b',');
static DECIMAL_COMMA: AtomicBool = AtomicBool::new(false);

/// How CSV reports are written for a spreadsheet's locale: a UTF-8 byte
/// order mark (Excel then reads accents right), the field delimiter, and
/// a decimal comma in amounts and percentages (`0,0625`). `excel-eu` is
/// all three with `;`, as Excel in Germany, France or Brazil expects.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Dialect {
    pub bom: bool,
    pub delimiter: u8,
    pub decimal_comma: bool,
}

impl Default for Dialect {
    fn default() -> Self {
        Dialect {
            bom: false,
            delimiter: b',',
            decimal_comma: false,
        }
    }
}

impl Dialect {
    pub const EXCEL_EU: Dialect = Dialect {
        bom: true,
        delimiter: b';',
        decimal_comma: true,
    };
}

/// `--csv-dialect`, `--csv-bom`, `--csv-delimiter`, `--decimal-comma`.
pub fn set_dialect(d: Dialect) {
    BOM.store(d.bom, Ordering::Relaxed);
    DELIMITER.store(d.delimiter, Ordering::Relaxed);
    DECIMAL_COMMA.store(d.decimal_comma, Ordering::Relaxed);
}

pub fn dialect() -> Dialect {
    Dialect {
        bom: BOM.load(Ordering::Relaxed),
        delimiter: DELIMITER.load(Ordering::Relaxed),
        decimal_comma: DECIMAL_COMMA.load(Ordering::Relaxed),
    }
}

/// A plain decimal as the dialect writes it (`0.0625` or `0,0625`).
pub fn decimal(s: String) -> String {
    if DECIMAL_COMMA.load(Ordering::Relaxed) {
        s.replace('.', ",")
    } else {
        s
    }
}

/// The byte order mark at the start of a CSV report, when asked for.
pub fn write_bom(out: &mut dyn Write) -> io::Result<()> {
    if BOM.load(Ordering::Relaxed) {
        out.write_all("\u{feff}".as_bytes())?;
    }
    Ok(())
}

/// A CSV writer in the dialect's delimiter.
pub fn csv_writer<W: Write>(out: W, headers: bool) -> csv::Writer<W> {
    csv::WriterBuilder::new()
        .delimiter(DELIMITER.load(Ordering::Relaxed))
        .has_headers(headers)
        .from_writer(out)
}

static TERMINAL: AtomicBool = AtomicBool::new(false);

/// CSV written to a terminal: control characters in cells are escaped
/// (see `display::printable`), whatever `--raw-csv` says.
pub fn set_terminal(terminal: bool) {
    TERMINAL.store(terminal, Ordering::Relaxed);
}

/// Whether the output goes to a terminal (see `set_terminal`).
pub fn to_terminal() -> bool {
    TERMINAL.load(Ordering::Relaxed)
}

/// `--raw-csv`: write cells unchanged.
pub fn set_raw_csv(raw: bool) {
    RAW.store(raw, Ordering::Relaxed);
}

fn is_number(cell: &[u8]) -> bool {
    let body = cell.strip_prefix(b"-").or_else(|| cell.strip_prefix(b"+"));
    let body = body.unwrap_or(cell);
    let body = body.strip_suffix(b"%").unwrap_or(body);
    let mut parts = body.splitn(2, |b| *b == b'.');
    let whole = parts.next().unwrap_or_default();
    let frac = parts.next().unwrap_or_default();
    !whole.is_empty() && whole.iter().all(u8::is_ascii_digit) && frac.iter().all(u8::is_ascii_digit)
}

/// The cell as a spreadsheet may safely open it (and a terminal print).
pub fn neutralize(cell: &[u8]) -> Cow<'_, [u8]> {
    if TERMINAL.load(Ordering::Relaxed) {
        let text = String::from_utf8_lossy(cell);
        let shown = crate::display::printable(&text);
        if shown.as_bytes() != cell {
            let shown = shown.into_owned().into_bytes();
            return Cow::Owned(formula_safe(&shown).into_owned());
        }
    }
    formula_safe(cell)
}

/// [`neutralize`] for a file: formulas only.
pub fn formula_safe(cell: &[u8]) -> Cow<'_, [u8]> {
    let risky = matches!(
        cell.first(),
        Some(b'=' | b'+' | b'-' | b'@' | b'\t' | b'\r')
    );
    // A lone `-` is the reports' placeholder, not a formula.
    if !risky || cell == b"-" || is_number(cell) || RAW.load(Ordering::Relaxed) {
        return Cow::Borrowed(cell);
    }
    let mut safe = Vec::with_capacity(cell.len() + 1);
    safe.push(b'\'');
    safe.extend_from_slice(cell);
    Cow::Owned(safe)
}

/// `neutralize` for text.
pub fn neutralize_str(cell: &str) -> Cow<'_, str> {
    match neutralize(cell.as_bytes()) {
        Cow::Borrowed(_) => Cow::Borrowed(cell),
        Cow::Owned(bytes) => Cow::Owned(String::from_utf8_lossy(&bytes).into_owned()),
    }
}

/// A CSV writer that neutralises every cell it writes.
pub struct SafeCsv<W: Write>(csv::Writer<W>);

impl<W: Write> SafeCsv<W> {
    pub fn from_writer(out: W) -> Self {
        SafeCsv(csv_writer(out, true))
    }

    pub fn write_record<I, T>(&mut self, record: I) -> csv::Result<()>
    where
        I: IntoIterator<Item = T>,
        T: AsRef<[u8]>,
    {
        let cells: Vec<Vec<u8>> = record
            .into_iter()
            .map(|c| neutralize(c.as_ref()).into_owned())
            .collect();
        self.0.write_record(&cells)
    }

    pub fn flush(&mut self) -> io::Result<()> {
        self.0.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_are_neutralised_numbers_are_not() {
        let n = |s: &str| String::from_utf8(neutralize(s.as_bytes()).into_owned()).unwrap();
        assert_eq!(n("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(n("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(n("-1+2 cmd"), "'-1+2 cmd");
        assert_eq!(n("+cmd"), "'+cmd");
        assert_eq!(n("\tx"), "'\tx");
        assert_eq!(n("\rx"), "'\rx");
        for plain in [
            "-",
            "-0.0625",
            "+0.1875",
            "-33.3%",
            "+5511987654321",
            "Brazil",
            "",
            "0",
        ] {
            assert_eq!(n(plain), plain);
        }
    }
}
