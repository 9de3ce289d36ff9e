//! `wabill._wabill`, the extension module of the Python package: the
//! wabill command run in process (the same code as the binary), and the
//! library's partition keys for cluster jobs. The Python API
//! (python/wabill/__init__.py) builds on these.

use std::collections::BTreeSet;
use std::sync::Arc;

use pyo3::prelude::*;

use wabill::input::{Column, LogReader, ReadOptions, Source, format_named};
use wabill::refdata::businesses::{Businesses, parse_zone};

/// `wabill._errors.WabillError(message, exit_code)`.
fn wabill_error(py: Python<'_>, message: String, exit: u8) -> PyErr {
    match py
        .import("wabill._errors")
        .and_then(|m| m.getattr("WabillError"))
        .and_then(|class| class.call1((message, exit)))
    {
        Ok(error) => PyErr::from_value(error),
        Err(e) => e,
    }
}

/// The `wabill` command: `argv` with the program's name first; prints as
/// the binary does and returns its exit code (the console script).
#[pyfunction]
fn main(py: Python<'_>, argv: Vec<String>) -> u8 {
    py.detach(|| wabill_cli::main_from(argv))
}

/// The `wabill` command run for the Python API: returns the exit code, or
/// raises `WabillError` with the message the command would print.
#[pyfunction]
fn run(py: Python<'_>, argv: Vec<String>) -> PyResult<u8> {
    py.detach(|| wabill_cli::run(argv))
        .map_err(|e| wabill_error(py, e.message, e.exit))
}

fn load_businesses(py: Python<'_>, path: Option<&str>, tz: &str) -> PyResult<Businesses> {
    let Some(path) = path else {
        return Ok(Businesses::default());
    };
    let zone = parse_zone(tz).map_err(|e| wabill_error(py, format!("--tz: {e}"), 2))?;
    let text = std::fs::read_to_string(path)
        .map_err(|e| wabill_error(py, format!("cannot read {path}: {e}"), 1))?;
    Businesses::parse(path, &text, &(zone, tz.to_string()))
        .map_err(|e| wabill_error(py, e.to_string(), 1))
}

/// The key whose rows must be priced together, for each business number:
/// `portfolio:NAME` for a business the businesses file puts in a portfolio,
/// else `business:NUMBER` (as `wabill partition --by portfolio`).
#[pyfunction]
#[pyo3(signature = (businesses, businesses_file=None, tz="UTC"))]
fn portfolio_of(
    py: Python<'_>,
    businesses: Vec<String>,
    businesses_file: Option<&str>,
    tz: &str,
) -> PyResult<Vec<String>> {
    let table = load_businesses(py, businesses_file, tz)?;
    Ok(py.detach(|| businesses.iter().map(|b| table.tier_owner(b)).collect()))
}

/// The key (as `portfolio_of`) of each text of a log that every reader of
/// wabill reads on its own: a line of webhook JSON lines (one notification
/// a line), or a CSV row with its `header` before it. A text read to no
/// message (an empty line) has the key `""`; one whose messages belong to
/// two keys is an error.
#[pyfunction]
#[pyo3(signature = (texts, header=None, input_format=None, businesses_file=None, tz="UTC"))]
fn portfolio_of_records(
    py: Python<'_>,
    texts: Vec<String>,
    header: Option<String>,
    input_format: Option<&str>,
    businesses_file: Option<&str>,
    tz: &str,
) -> PyResult<Vec<String>> {
    let table = load_businesses(py, businesses_file, tz)?;
    let mut options = ReadOptions::default();
    if let Some(name) = input_format {
        options.format = Some(
            format_named(name).map_err(|e| wabill_error(py, format!("--input-format: {e}"), 2))?,
        );
    }
    let keys = py.detach(|| -> Result<Vec<String>, String> {
        let mut keys = Vec::with_capacity(texts.len());
        let mut record = csv::ByteRecord::new();
        for (i, text) in texts.iter().enumerate() {
            let bytes: Vec<u8> = match &header {
                Some(h) => format!("{}\n{text}\n", h.trim_end()).into_bytes(),
                None => text.as_bytes().to_vec(),
            };
            if text.trim().is_empty() {
                keys.push(String::new());
                continue;
            }
            let mut reader = LogReader::open(&Source::Bytes(Arc::from(bytes)), &options)
                .map_err(|e| format!("record {i}: {e}"))?;
            let mut owners = BTreeSet::new();
            while reader
                .next_record(&mut record)
                .map_err(|e| format!("record {i}: {e}"))?
                .is_some()
            {
                let business =
                    String::from_utf8_lossy(reader.columns.field(&record, Column::Business));
                owners.insert(table.tier_owner(&business));
            }
            if owners.len() > 1 {
                let owners: Vec<String> = owners.into_iter().collect();
                return Err(format!(
                    "record {i} holds messages of {}: split it so that each record belongs to one",
                    owners.join(" and ")
                ));
            }
            keys.push(owners.pop_first().unwrap_or_default());
        }
        Ok(keys)
    });
    keys.map_err(|e| wabill_error(py, e, 1))
}

#[pymodule]
fn _wabill(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(main, m)?)?;
    m.add_function(wrap_pyfunction!(run, m)?)?;
    m.add_function(wrap_pyfunction!(portfolio_of, m)?)?;
    m.add_function(wrap_pyfunction!(portfolio_of_records, m)?)?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}
